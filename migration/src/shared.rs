//! Building blocks the migrations share: foreign keys, indexes and common column groups.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the created/updated timestamps every table carries.
pub fn with_timestamps(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
}

/// A named foreign key from `from_table.from_col` to `to_table.id`.
pub fn fk(
    from_table: &'static str,
    from_col: &'static str,
    to_table: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{from_col}"))
        .from(from_table, from_col)
        .to(to_table, "id")
        .to_owned()
}

/// A named index on `cols` of `table`.
pub fn index(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", cols.join("_")))
        .table(table);
    for col in cols {
        stmt.col(*col);
    }
    stmt.to_owned()
}

/// Adds the order, validity dates and timestamps every relationship table carries.
pub fn with_validity(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(integer_null("sort_order"))
        .col(date_null("valid_from"))
        .col(date_null("valid_to"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
}
