//! Recorded history (transaction time) of every table the access rules read: `<table>_history`
//! holds each version of a row with the period it was current (`sys_from` inclusive, `sys_to`
//! exclusive, open while current). Triggers write it in the writing transaction, so every write
//! path is covered; existing rows are backfilled as current since the migration.
//!
//! The instant a transaction records is the application's clock when the transaction set one
//! (PostgreSQL: the `liaison.tx_time` setting, local to the transaction; SQLite: the single row of
//! `history_clock`, which only one writer can hold at a time), else the database clock.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The historied tables with the columns (besides `id`) their history is indexed on.
pub const TABLES: [(&str, &[&str]); 14] = [
    ("accounts", &["parent_id"]),
    ("account_relationship_types", &[]),
    ("account_relationships", &["from_id", "to_id"]),
    ("contact_relationships", &["contact_id", "account_id"]),
    (
        "consumer_relationships",
        &["consumer_id", "related_consumer_id"],
    ),
    ("household_memberships", &["consumer_id", "household_id"]),
    ("households", &["head_id"]),
    ("team_members", &["user_id"]),
    ("role_assignments", &["internal_user_id", "contact_id"]),
    ("responsibility_definitions", &[]),
    ("contacts", &["account_id"]),
    ("consumers", &[]),
    ("internal_users", &[]),
    ("cases", &[]),
];

/// The instant a trigger records on SQLite.
const SQLITE_NOW: &str = "COALESCE((SELECT tx_time FROM history_clock WHERE id = 1), \
                          strftime('%Y-%m-%d %H:%M:%f', 'now'))";

/// The trigger function shared by every historied table on PostgreSQL.
const PG_FUNCTION: &str = r#"
CREATE FUNCTION liaison_history() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  t timestamptz := COALESCE(NULLIF(current_setting('liaison.tx_time', true), '')::timestamptz, now());
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    EXECUTE format('UPDATE %I SET sys_to = GREATEST($1, sys_from) WHERE id = $2 AND sys_to IS NULL',
                   TG_TABLE_NAME || '_history') USING t, OLD.id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    EXECUTE format('INSERT INTO %I SELECT ($1).*, $2, NULL', TG_TABLE_NAME || '_history') USING NEW, t;
  END IF;
  RETURN NULL;
END
$$"#;

/// The column names of `table`, in order.
async fn columns(db: &SchemaManagerConnection<'_>, table: &str) -> Result<Vec<String>, DbErr> {
    let sql = format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid");
    let rows = db
        .query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "name"))
        .collect()
}

/// The SQLite triggers that keep `table`'s history.
fn sqlite_triggers(table: &str, cols: &[String]) -> Vec<String> {
    let names = cols.join(", ");
    let new: Vec<String> = cols.iter().map(|c| format!("NEW.{c}")).collect();
    let insert = format!(
        "INSERT INTO {table}_history ({names}, sys_from, sys_to) VALUES ({}, {SQLITE_NOW}, NULL);",
        new.join(", ")
    );
    let close = format!(
        "UPDATE {table}_history SET sys_to = max({SQLITE_NOW}, sys_from) \
         WHERE id = OLD.id AND sys_to IS NULL;"
    );
    vec![
        format!("CREATE TRIGGER {table}_hi AFTER INSERT ON {table} BEGIN {insert} END"),
        format!("CREATE TRIGGER {table}_hu AFTER UPDATE ON {table} BEGIN {close} {insert} END"),
        format!("CREATE TRIGGER {table}_hd AFTER DELETE ON {table} BEGIN {close} END"),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let sqlite = manager.get_database_backend() == DbBackend::Sqlite;
        if sqlite {
            db.execute_unprepared(
                "CREATE TABLE history_clock (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, tx_time TEXT);
                 INSERT INTO history_clock (id, started_at) VALUES (1, strftime('%Y-%m-%d %H:%M:%f', 'now'))",
            )
            .await?;
        } else {
            db.execute_unprepared(
                "CREATE TABLE history_clock (id INTEGER PRIMARY KEY, started_at timestamptz NOT NULL);
                 INSERT INTO history_clock (id, started_at) VALUES (1, now())",
            )
            .await?;
            db.execute_unprepared(PG_FUNCTION).await?;
        }
        for (table, indexed) in TABLES {
            let history = format!("{table}_history");
            if sqlite {
                db.execute_unprepared(&format!(
                    "CREATE TABLE {history} AS SELECT * FROM {table} WHERE 0;
                     ALTER TABLE {history} ADD COLUMN sys_from TEXT NOT NULL DEFAULT '';
                     ALTER TABLE {history} ADD COLUMN sys_to TEXT;
                     INSERT INTO {history} SELECT *, (SELECT started_at FROM history_clock), NULL FROM {table}"
                ))
                .await?;
                let cols = columns(db, table).await?;
                for trigger in sqlite_triggers(table, &cols) {
                    db.execute_unprepared(&trigger).await?;
                }
            } else {
                db.execute_unprepared(&format!(
                    "CREATE TABLE {history} (LIKE {table});
                     ALTER TABLE {history} ADD COLUMN sys_from timestamptz NOT NULL, ADD COLUMN sys_to timestamptz;
                     INSERT INTO {history} SELECT *, (SELECT started_at FROM history_clock), NULL FROM {table};
                     CREATE TRIGGER {table}_history AFTER INSERT OR UPDATE OR DELETE ON {table}
                       FOR EACH ROW EXECUTE FUNCTION liaison_history()"
                ))
                .await?;
            }
            db.execute_unprepared(&format!(
                "CREATE INDEX ix_{history}_id ON {history} (id, sys_from)"
            ))
            .await?;
            for column in indexed {
                db.execute_unprepared(&format!(
                    "CREATE INDEX ix_{history}_{column} ON {history} ({column}, sys_from)"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let sqlite = manager.get_database_backend() == DbBackend::Sqlite;
        for (table, _) in TABLES {
            if sqlite {
                for suffix in ["hi", "hu", "hd"] {
                    db.execute_unprepared(&format!("DROP TRIGGER {table}_{suffix}"))
                        .await?;
                }
            } else {
                db.execute_unprepared(&format!("DROP TRIGGER {table}_history ON {table}"))
                    .await?;
            }
            db.execute_unprepared(&format!("DROP TABLE {table}_history"))
                .await?;
        }
        if !sqlite {
            db.execute_unprepared("DROP FUNCTION liaison_history()")
                .await?;
        }
        db.execute_unprepared("DROP TABLE history_clock").await?;
        Ok(())
    }
}
