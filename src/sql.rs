//! Bound parameters in the few hand-written SQL statements: one syntax in the source (`?`), the
//! backend's own on the wire (`?` on SQLite, `$1`, `$2`, ... on PostgreSQL).

use sea_orm::{
    ColumnTrait, DbBackend, Value,
    sea_query::{Expr, ExprTrait, extension::postgres::PgFunc},
};
use uuid::Uuid;

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

/// `column` is one of `ids`: an `IN (...)` list on SQLite, and on PostgreSQL `= ANY(...)` over one
/// array parameter, so the statement's text, and the plan PostgreSQL keeps for it, is the same
/// whatever the number of ids.
pub fn one_of<C: ColumnTrait>(
    backend: DbBackend,
    column: C,
    ids: impl IntoIterator<Item = Uuid>,
) -> Expr {
    if backend != DbBackend::Postgres {
        return column.is_in(ids);
    }
    let mut array = String::from("{");
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            array.push(',');
        }
        array.push_str(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
    }
    array.push('}');
    let array = custom(backend, "CAST(? AS uuid[])", vec![array.into()]);
    ExprTrait::eq(column.into_expr(), PgFunc::any(array))
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

    #[test]
    fn id_lists_are_one_array_parameter_on_postgres() {
        use entity::account;
        use sea_orm::{EntityTrait, QueryFilter, QueryTrait};
        let ids = [Uuid::from_u128(1), Uuid::from_u128(2)];
        let on = |backend| {
            account::Entity::find()
                .filter(one_of(backend, account::Column::Id, ids))
                .filter(account::Column::Name.eq("x"))
                .build(backend)
        };
        let pg = on(DbBackend::Postgres);
        assert!(
            pg.sql.ends_with(
                r#"WHERE "accounts"."id" = ANY(CAST($1 AS uuid[])) AND "accounts"."name" = $2"#
            ),
            "{}",
            pg.sql
        );
        assert_eq!(
            pg.values.unwrap().0[0],
            Value::from(
                "{00000000-0000-0000-0000-000000000001,00000000-0000-0000-0000-000000000002}"
            )
        );
        let lite = on(DbBackend::Sqlite);
        assert!(
            lite.sql.contains(r#""accounts"."id" IN (?, ?)"#),
            "{}",
            lite.sql
        );
    }
}
