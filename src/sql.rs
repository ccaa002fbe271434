//! Bound parameters in the few hand-written SQL statements: one syntax in the source (`?`), the
//! backend's own on the wire (`?` on SQLite, `$1`, `$2`, ... on PostgreSQL).

use sea_orm::{DbBackend, Value, sea_query::Expr};

/// `sql` written with `?` marks, in `backend`'s syntax: unchanged on SQLite, numbered `$1`, `$2`, ...
/// on PostgreSQL. Every `?` counts as a mark, so `sql` must not hold one inside a literal.
pub fn bind_marks(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut numbered = String::with_capacity(sql.len() + 8);
    let mut count = 0;
    for c in sql.chars() {
        if c == '?' {
            count += 1;
            numbered.push_str(&format!("${count}"));
        } else {
            numbered.push(c);
        }
    }
    numbered
}

/// `count` marks separated by commas, in `backend`'s syntax, for an `IN (...)` list.
pub fn mark_list(backend: DbBackend, count: usize) -> String {
    bind_marks(backend, &vec!["?"; count].join(", "))
}

/// A condition written with `?` marks, bound to `values`, in `backend`'s syntax.
pub fn custom(backend: DbBackend, sql: &str, values: Vec<Value>) -> Expr {
    Expr::cust_with_values(bind_marks(backend, sql), values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_numbered_on_postgres_only() {
        let sql = "a = ? AND b IN (?, ?)";
        assert_eq!(bind_marks(DbBackend::Sqlite, sql), sql);
        assert_eq!(
            bind_marks(DbBackend::Postgres, sql),
            "a = $1 AND b IN ($2, $3)"
        );
        assert_eq!(mark_list(DbBackend::Postgres, 3), "$1, $2, $3");
        assert_eq!(mark_list(DbBackend::Sqlite, 2), "?, ?");
        assert_eq!(mark_list(DbBackend::Sqlite, 0), "");
    }
}
