//! Access at a past instant: a read-only connection that runs the engine's unchanged SQL against the
//! rows as they were recorded then. Every statement gets a `WITH` prefix whose common table
//! expressions shadow the historied tables (migration `m20261203_000002_history`) by their versions
//! current at the instant; the rules, explanations and `whoCanAccess` need no change of their own.

use chrono::{DateTime, Utc};
use migration::m20261203_000002_history::TABLES;
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, Statement, Value,
    sea_query::{Expr, Query},
};

use super::error::AccessResult;

/// How the history tables spell an instant on `backend` (SQLite compares text, so one fixed width).
fn literal(backend: DbBackend, at: DateTime<Utc>) -> String {
    match backend {
        DbBackend::Postgres => at.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string(),
        _ => at.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
    }
}

/// Marks the open transaction `txn` as happening at `at` (the application's clock), so the
/// history triggers record its writes at that instant. Called where every mutation begins.
pub async fn record_instant(txn: &impl ConnectionTrait, at: DateTime<Utc>) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    let text = literal(backend, at);
    let sql = match backend {
        DbBackend::Postgres => "SELECT set_config('liaison.tx_time', $1, true)",
        _ => "UPDATE history_clock SET tx_time = ? WHERE id = 1",
    };
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [Value::from(text)],
    ))
    .await?;
    Ok(())
}

/// The instant history began (the migration that introduced it); earlier instants are unknown.
pub async fn history_start(db: &impl ConnectionTrait) -> AccessResult<DateTime<Utc>> {
    let query = Query::select()
        .expr_as(Expr::cust("started_at"), "started_at")
        .from(sea_orm::sea_query::Alias::new("history_clock"))
        .to_owned();
    let row = db.query_one(&query).await?;
    let Some(row) = row else {
        return Ok(DateTime::<Utc>::MIN_UTC);
    };
    if db.get_database_backend() == DbBackend::Postgres {
        return Ok(row.try_get("", "started_at")?);
    }
    let text: String = row.try_get("", "started_at")?;
    Ok(
        chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%.f")
            .map(|t| t.and_utc())
            .unwrap_or(DateTime::<Utc>::MIN_UTC),
    )
}

/// A read-only view of `inner` as recorded at one instant.
pub struct AsOf<'a, C> {
    inner: &'a C,
    at: String,
}

impl<'a, C: ConnectionTrait> AsOf<'a, C> {
    /// The view of `inner` at `at`.
    pub fn new(inner: &'a C, at: DateTime<Utc>) -> Self {
        let at = literal(inner.get_database_backend(), at);
        Self { inner, at }
    }
}

impl<C> AsOf<'_, C> {
    /// `sql` with the historied tables it names shadowed by their versions current at the instant.
    pub fn rewrite(&self, sql: &str) -> String {
        let at = &self.at;
        let ctes: Vec<String> = TABLES
            .iter()
            .map(|(table, _)| *table)
            .filter(|table| sql.contains(table))
            .map(|table| {
                format!(
                    "{table} AS NOT MATERIALIZED (SELECT * FROM {table}_history \
                     WHERE sys_from <= '{at}' AND (sys_to IS NULL OR sys_to > '{at}'))"
                )
            })
            .collect();
        if ctes.is_empty() {
            return sql.to_owned();
        }
        let ctes = ctes.join(", ");
        let trimmed = sql.trim_start();
        let head = |n: usize| trimmed.get(..n).map(str::to_ascii_uppercase);
        if head(15).as_deref() == Some("WITH RECURSIVE ") {
            format!("WITH RECURSIVE {ctes}, {}", &trimmed[15..])
        } else if head(5).as_deref() == Some("WITH ") {
            format!("WITH {ctes}, {}", &trimmed[5..])
        } else {
            format!("WITH {ctes} {trimmed}")
        }
    }

    fn shadowed(&self, stmt: Statement) -> Statement {
        Statement {
            sql: self.rewrite(&stmt.sql),
            ..stmt
        }
    }
}

/// Refuses writes: the past is read-only.
fn read_only() -> DbErr {
    DbErr::Custom("a point-in-time view is read-only".into())
}

#[async_trait::async_trait]
impl<C: ConnectionTrait + Send + Sync> ConnectionTrait for AsOf<'_, C> {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, _stmt: Statement) -> Result<ExecResult, DbErr> {
        Err(read_only())
    }

    async fn execute_unprepared(&self, _sql: &str) -> Result<ExecResult, DbErr> {
        Err(read_only())
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.inner.query_one_raw(self.shadowed(stmt)).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.inner.query_all_raw(self.shadowed(stmt)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shadows_named_tables_and_merges_recursive_clauses() {
        let at = DateTime::parse_from_rfc3339("2026-03-03T10:00:00Z")
            .unwrap()
            .to_utc();
        let view = AsOf {
            inner: &(),
            at: literal(DbBackend::Sqlite, at),
        };
        let plain = view.rewrite(r#"SELECT "cases"."id" FROM "cases""#);
        assert!(plain.starts_with("WITH cases AS NOT MATERIALIZED (SELECT * FROM cases_history"));
        assert!(plain.ends_with(r#" SELECT "cases"."id" FROM "cases""#));
        let recursive =
            view.rewrite("WITH RECURSIVE chain(id) AS (SELECT id FROM accounts) SELECT 1");
        assert!(recursive.starts_with("WITH RECURSIVE accounts AS NOT MATERIALIZED"));
        assert!(recursive.ends_with(", chain(id) AS (SELECT id FROM accounts) SELECT 1"));
        assert_eq!(view.rewrite("SELECT 1"), "SELECT 1");
    }
}
