//! Bulk seeding writes the recorded history once, at the end, instead of through a trigger per
//! row: the history triggers are set aside while the chunks are written, then every seeded row is
//! copied into its `<table>_history` as current since the end of seeding.

use liaison::domain::DomainResult;
use migration::m20261203_000002_history::TABLES;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// The history triggers set aside during seeding, to be put back by [`resume`].
pub struct Suspended {
    /// SQLite's trigger definitions, recreated verbatim (PostgreSQL's are only disabled).
    sqlite_triggers: Vec<String>,
}

/// Sets the history triggers of every historied table aside.
pub async fn suspend(db: &DatabaseConnection) -> DomainResult<Suspended> {
    let mut sqlite_triggers = Vec::new();
    if liaison::db::is_sqlite(db) {
        let names: Vec<String> = TABLES.iter().map(|(t, _)| format!("'{t}'")).collect();
        let sql = format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({})",
            names.join(", ")
        );
        let rows = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await?;
        for row in rows {
            let name: String = row.try_get("", "name")?;
            sqlite_triggers.push(row.try_get("", "sql")?);
            db.execute_unprepared(&format!("DROP TRIGGER {name}"))
                .await?;
        }
    } else {
        for (table, _) in TABLES {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} DISABLE TRIGGER {table}_history"
            ))
            .await?;
        }
    }
    Ok(Suspended { sqlite_triggers })
}

/// Copies every row without a recorded version into its history, current from now, and puts the
/// triggers back.
pub async fn resume(db: &DatabaseConnection, suspended: Suspended) -> DomainResult<()> {
    let sqlite = liaison::db::is_sqlite(db);
    let now = if sqlite {
        "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    } else {
        "now()"
    };
    for (table, _) in TABLES {
        db.execute_unprepared(&format!(
            "INSERT INTO {table}_history SELECT t.*, {now}, NULL FROM {table} t \
             WHERE NOT EXISTS (SELECT 1 FROM {table}_history h WHERE h.id = t.id)"
        ))
        .await?;
        if !sqlite {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ENABLE TRIGGER {table}_history"
            ))
            .await?;
        }
    }
    for trigger in suspended.sqlite_triggers {
        db.execute_unprepared(&trigger).await?;
    }
    Ok(())
}
