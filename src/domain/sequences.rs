//! Gap-free human-readable numbers (ACC0000001, CS0000001) drawn inside the creating transaction.

use sea_orm::{
    ConnectionTrait,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{DomainError, DomainResult};

/// Takes the next value of sequence `name`; the row lock serializes concurrent writers, and a
/// rolled-back transaction gives its number back.
pub async fn next(txn: &impl ConnectionTrait, name: &str) -> DomainResult<i64> {
    let stmt = Query::update()
        .table("sequences")
        .value("value", Expr::col("value").add(1))
        .and_where(Expr::col("name").eq(name))
        .returning_col("value")
        .to_owned();
    let row = txn
        .query_one(&stmt)
        .await?
        .ok_or_else(|| DomainError::Internal(format!("sequence {name} missing")))?;
    Ok(row.try_get("", "value")?)
}

/// Formats `value` with a prefix and seven digits, as the platform shows numbers.
pub fn format(prefix: &str, value: i64) -> String {
    format!("{prefix}{value:07}")
}
