//! The append-only audit log: every change records who did what to which row, inside its transaction.

use entity::audit_log;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseTransaction, EntityTrait};
use serde_json::Value;
use uuid::Uuid;

use super::{Ctx, DomainResult, change_feed};

/// Appends one audit entry for `action` on the `kind` row `id`, with `details` as JSON.
///
/// `details` holds the fields the change wrote (a deletion: the fields the row had), so it is
/// also stored as the entry's after image, or its before image for a deletion; an update of a
/// historied record stores the whole row as it was and as it is (`versions`).
pub async fn record(
    ctx: &Ctx,
    txn: &impl ConnectionTrait,
    action: &str,
    kind: &str,
    id: Uuid,
    details: Value,
) -> DomainResult<()> {
    let (before, after) = match action {
        "delete" => (Some(details.clone()), None),
        "update" => match super::versions::before_and_after(txn, kind, id).await? {
            Some((before, after)) => (before, after.or_else(|| Some(details.clone()))),
            None => (None, Some(details.clone())),
        },
        _ => (None, Some(details.clone())),
    };
    record_change(ctx, txn, action, kind, id, details, before, after).await
}

/// Appends one audit entry with explicit before and after images of the record.
#[allow(clippy::too_many_arguments)]
pub async fn record_change(
    ctx: &Ctx,
    txn: &impl ConnectionTrait,
    action: &str,
    kind: &str,
    id: Uuid,
    details: Value,
    before: Option<Value>,
    after: Option<Value>,
) -> DomainResult<()> {
    audit_log::Entity::insert(audit_log::ActiveModel {
        id: Set(super::events::announce(ctx, txn, action, kind, id).await?),
        at: Set(ctx.clock.now()),
        actor: Set(ctx.principal.subject.clone()),
        action: Set(action.to_owned()),
        entity_kind: Set(kind.to_owned()),
        entity_id: Set(id),
        details: Set(details.to_string()),
        feed_position: Set(None),
        before_state: Set(before.map(|v| v.to_string())),
        after_state: Set(after.map(|v| v.to_string())),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Commits a mutation's transaction, stamping its audit entries with the next change-feed
/// position as the very last write: every mutation commits through here.
pub async fn commit(txn: DatabaseTransaction) -> DomainResult<()> {
    change_feed::stamp(&txn).await?;
    txn.commit().await?;
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
    commit(txn).await
}
