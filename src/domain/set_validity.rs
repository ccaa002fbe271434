//! Changing the order and validity dates of one relationship row, the same way for every kind,
//! reporting whose access that changes.

use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use super::{Ctx, DomainError, DomainResult, audit, cascade, rows, validity::Validity};
use crate::access::{
    self, Permission,
    impact::{AccessChange, Grants},
};
use crate::pagination::Pageable;

/// Sets the order and validity dates of one relationship row of `E` (every relationship table has
/// `sort_order`, `valid_from`, `valid_to` and `updated_at`), audited as `audit_kind` (manager or
/// admin); reports the access it changes for the row's holders, and with `dry_run` writes nothing.
pub async fn set_validity<E>(
    ctx: &Ctx,
    id: Uuid,
    validity: Validity,
    kind: &'static str,
    audit_kind: &str,
    dry_run: bool,
) -> DomainResult<(E::Model, Vec<AccessChange>)>
where
    E: Pageable,
    E::Column: std::str::FromStr,
    E::Model: Grants,
{
    access::require(&ctx.principal, Permission::ManageRelationships)?;
    validity.check()?;
    let column = |name: &str| {
        name.parse::<E::Column>()
            .map_err(|_| DomainError::Internal(format!("{kind} has no {name} column")))
    };
    let txn = ctx.write().await?;
    let current = rows::require::<E>(&txn, id, kind).await?;
    let impact = cascade::watch(ctx, &txn, current.holders(&txn).await?).await?;
    E::update_many()
        .col_expr(column("sort_order")?, Expr::value(validity.sort_order))
        .col_expr(column("valid_from")?, Expr::value(validity.valid_from))
        .col_expr(column("valid_to")?, Expr::value(validity.valid_to))
        .col_expr(column("updated_at")?, Expr::value(ctx.clock.now()))
        .filter(E::id_column().eq(id))
        .exec(&txn)
        .await?;
    let model = rows::require::<E>(&txn, id, kind).await?;
    let details = serde_json::json!({
        "order": validity.sort_order, "validFrom": validity.valid_from, "validTo": validity.valid_to
    });
    audit::record(ctx, &txn, "update", audit_kind, id, details).await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((model, changes))
}
