//! Hand-written SQL for both backends: written once with `?` placeholders, numbered for PostgreSQL.

use sea_orm::{DbBackend, Value, sea_query::Expr};

/// `sql` as `backend` wants it: `?` placeholders stay on SQLite and become `$1, $2, ...` on
/// PostgreSQL.
pub fn for_backend(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut numbered = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            numbered.push_str(&format!("${n}"));
        } else {
            numbered.push(c);
        }
    }
    numbered
}

/// `count` placeholders separated by commas, for an `IN (...)` list that is the statement's first.
pub fn placeholders(backend: DbBackend, count: usize) -> String {
    for_backend(backend, &vec!["?"; count].join(", "))
}

/// A condition or value in hand-written SQL with `?` placeholders, bound to `values`.
pub fn custom(backend: DbBackend, sql: &str, values: Vec<Value>) -> Expr {
    Expr::cust_with_values(for_backend(backend, sql), values)
}
