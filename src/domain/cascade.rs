//! Cascading removal: delete the rows a condition selects, audit each one, and report them.

use sea_orm::{Condition, ConnectionTrait, QueryFilter, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use crate::pagination::Pageable;

use super::{Ctx, DomainResult, audit, validity::Removal};

/// Deletes every `E` row matching `condition` because `cause` went, auditing each row under
/// `audit_kind` and listing it in `removal` under the GraphQL type name `kind`.
pub async fn remove<E: Pageable>(
    ctx: &Ctx,
    txn: &impl ConnectionTrait,
    kind: &'static str,
    audit_kind: &str,
    condition: Condition,
    cause: Uuid,
    removal: &mut Removal,
) -> DomainResult<()> {
    let ids: Vec<Uuid> = E::find()
        .select_only()
        .column(E::id_column())
        .filter(condition.clone())
        .into_tuple()
        .all(txn)
        .await?;
    if ids.is_empty() {
        return Ok(());
    }
    for id in &ids {
        audit::record(
            ctx,
            txn,
            "delete",
            audit_kind,
            *id,
            json!({"cascadeFrom": cause}),
        )
        .await?;
    }
    E::delete_many().filter(condition).exec(txn).await?;
    removal.add(kind, ids);
    Ok(())
}

/// Commits `txn`, or rolls it back when `dry_run`, so a preview runs exactly the real logic.
pub async fn finish(txn: sea_orm::DatabaseTransaction, dry_run: bool) -> DomainResult<()> {
    if dry_run {
        txn.rollback().await?;
    } else {
        txn.commit().await?;
    }
    Ok(())
}
