//! Cascading removal: delete the rows a condition selects, audit each one, and report them.

use sea_orm::{Condition, ConnectionTrait, QueryFilter, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use crate::pagination::Pageable;

use super::{Ctx, DomainResult, audit, validity::Removal};

/// A record kind that cascading removal deletes, with the names its rows are reported and audited
/// under, so every cascade names them alike.
pub trait Cascaded: Pageable {
    /// The GraphQL type name a `Removal` lists the rows under.
    const KIND: &'static str;
    /// The entity kind of the rows' audit entries.
    const AUDIT_KIND: &'static str;
}

macro_rules! cascaded {
    ($($entity:path => $kind:literal, $audit_kind:literal;)*) => {
        $(impl Cascaded for $entity {
            const KIND: &'static str = $kind;
            const AUDIT_KIND: &'static str = $audit_kind;
        })*
    };
}

cascaded! {
    entity::consumer_relationship::Entity => "ConsumerRelationship", "consumer_relationship";
    entity::contact_relationship::Entity => "ContactRelationship", "contact_relationship";
    entity::household_membership::Entity => "HouseholdMembership", "household_membership";
    entity::team_member::Entity => "TeamMember", "team_member";
}

/// Deletes every `E` row matching `condition` because `cause` went, auditing each row and listing
/// it in `removal`.
pub async fn remove<E: Cascaded>(
    ctx: &Ctx,
    txn: &impl ConnectionTrait,
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
            E::AUDIT_KIND,
            *id,
            json!({"cascadeFrom": cause}),
        )
        .await?;
    }
    E::delete_many().filter(condition).exec(txn).await?;
    removal.add(E::KIND, ids);
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
