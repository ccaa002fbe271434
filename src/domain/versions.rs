//! Whole-row before and after images of an update, read from the recorded history the triggers
//! keep (`<table>_history`): the version that just closed and the one now current, in the same
//! transaction, so an audit entry can show every field as it was and as it is.

use std::{collections::HashMap, sync::OnceLock};

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::Value;
use tokio::sync::Mutex;
use uuid::Uuid;

use super::DomainResult;

/// The historied table an audit kind's records live in.
fn table_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "account" => "accounts",
        "account_relationship_type" => "account_relationship_types",
        "account_relationship" => "account_relationships",
        "contact_relationship" => "contact_relationships",
        "consumer_relationship" => "consumer_relationships",
        "household_membership" => "household_memberships",
        "household" => "households",
        "team_member" => "team_members",
        "responsibility_definition" => "responsibility_definitions",
        "contact" => "contacts",
        "consumer" => "consumers",
        "internal_user" => "internal_users",
        "case" => "cases",
        _ => return None,
    })
}

/// SQLite's column lists per table, read once (a column set changes only with a migration).
fn sqlite_columns() -> &'static Mutex<HashMap<&'static str, Vec<String>>> {
    static COLUMNS: OnceLock<Mutex<HashMap<&'static str, Vec<String>>>> = OnceLock::new();
    COLUMNS.get_or_init(Default::default)
}

/// A SQLite expression giving column `c` as JSON would hold it: UUIDs (16-byte blobs) in their
/// hyphenated text form.
fn sqlite_json_value(c: &str) -> String {
    format!(
        "'{c}', CASE WHEN typeof({c}) = 'blob' AND length({c}) = 16 THEN lower(substr(hex({c}), 1, 8) \
         || '-' || substr(hex({c}), 9, 4) || '-' || substr(hex({c}), 13, 4) || '-' \
         || substr(hex({c}), 17, 4) || '-' || substr(hex({c}), 21)) ELSE {c} END"
    )
}

/// The JSON object of a history row, without its period columns.
async fn row_json(db: &impl ConnectionTrait, table: &'static str) -> DomainResult<String> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok("(row_to_json(h)::jsonb - 'sys_from' - 'sys_to')::text".to_owned());
    }
    let mut cache = sqlite_columns().lock().await;
    if !cache.contains_key(table) {
        let sql = format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid");
        let rows = db
            .query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
            .await?;
        let names = rows
            .iter()
            .map(|r| r.try_get::<String>("", "name"))
            .collect::<Result<Vec<_>, _>>()?;
        cache.insert(table, names);
    }
    let values: Vec<String> = cache[table].iter().map(|c| sqlite_json_value(c)).collect();
    Ok(format!("json_object({})", values.join(", ")))
}

/// The record's version before this transaction's update and its current version, when the
/// kind is historied.
pub async fn before_and_after(
    db: &impl ConnectionTrait,
    kind: &str,
    id: Uuid,
) -> DomainResult<Option<(Option<Value>, Option<Value>)>> {
    let Some(table) = table_of(kind) else {
        return Ok(None);
    };
    let json = row_json(db, table).await?;
    let backend = db.get_database_backend();
    let placeholder = if backend == DbBackend::Sqlite {
        "?"
    } else {
        "$1"
    };
    let sql = format!(
        "SELECT {json} AS j, h.sys_to IS NULL AS current FROM {table}_history h \
         WHERE h.id = {placeholder} ORDER BY h.sys_to IS NULL DESC, h.sys_from DESC, h.sys_to DESC LIMIT 2"
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, [id.into()]))
        .await?;
    let mut after = None;
    let mut before = None;
    for row in rows {
        let text: String = row.try_get("", "j")?;
        let value = serde_json::from_str(&text).ok();
        let current: bool = row.try_get("", "current")?;
        if current && after.is_none() {
            after = value;
        } else if before.is_none() {
            before = value;
        }
    }
    Ok(Some((before, after)))
}
