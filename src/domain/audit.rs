//! The append-only audit log: every change records who did what to which row, inside its transaction.

use entity::audit_log;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseTransaction, EntityTrait};
use serde_json::Value;
use uuid::Uuid;

use super::{Ctx, DomainResult};

/// Appends one audit entry for `action` on the `kind` row `id`, with `details` as JSON.
pub async fn record(
    ctx: &Ctx,
    txn: &impl ConnectionTrait,
    action: &str,
    kind: &str,
    id: Uuid,
    details: Value,
) -> DomainResult<()> {
    audit_log::Entity::insert(audit_log::ActiveModel {
        id: Set(super::events::announce(ctx, txn, action, kind, id).await?),
        at: Set(ctx.clock.now()),
        actor: Set(ctx.principal.subject.clone()),
        action: Set(action.to_owned()),
        entity_kind: Set(kind.to_owned()),
        entity_id: Set(id),
        details: Set(details.to_string()),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Appends the audit entry of a change and commits it: the last step of most mutations.
pub async fn record_and_commit(
    ctx: &Ctx,
    txn: DatabaseTransaction,
    action: &str,
    kind: &str,
    id: Uuid,
    details: Value,
) -> DomainResult<()> {
    record(ctx, &txn, action, kind, id, details).await?;
    txn.commit().await?;
    Ok(())
}
