//! Cascading removal: delete the rows a condition selects (or clear a reference they hold), audit
//! each one, and report them; and the one ending of every mutation that reports access changes.

use sea_orm::{
    Condition, ConnectionTrait, DatabaseTransaction, QueryFilter, QuerySelect, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use crate::access::{
    impact::{AccessChange, Impact},
    principal::Identity,
};
use crate::pagination::Pageable;

use super::{
    Ctx, DomainResult, audit,
    validity::{Cleared, Removal},
};

/// A record kind that a cascade deletes or changes, with the names its rows are reported and
/// audited under, so every cascade names them alike.
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
    entity::account_relationship::Entity => "AccountRelationship", "account_relationship";
    entity::consumer_relationship::Entity => "ConsumerRelationship", "consumer_relationship";
    entity::contact_relationship::Entity => "ContactRelationship", "contact_relationship";
    entity::household_membership::Entity => "HouseholdMembership", "household_membership";
    entity::team_member::Entity => "TeamMember", "team_member";
    entity::case::Entity => "Case", "case";
    entity::consumer::Entity => "Consumer", "consumer";
    entity::household::Entity => "Household", "household";
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

/// Empties the reference `column` (reported as `field`) of every `E` row matching `condition`
/// because `cause` went, auditing each row and listing it in `removal.cleared`.
pub async fn clear<E: Cascaded>(
    ctx: &Ctx,
    txn: &impl ConnectionTrait,
    column: E::Column,
    field: &'static str,
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
            "update",
            E::AUDIT_KIND,
            *id,
            json!({"cleared": field, "cascadeFrom": cause}),
        )
        .await?;
    }
    E::update_many()
        .col_expr(column, Expr::value(Option::<Uuid>::None))
        .filter(condition)
        .exec(txn)
        .await?;
    removal.cleared.extend(ids.into_iter().map(|id| Cleared {
        kind: E::KIND,
        id,
        field,
    }));
    Ok(())
}

/// The start of a mutation that reports access changes: what `affected` can read before it.
pub async fn watch(
    ctx: &Ctx,
    txn: &DatabaseTransaction,
    affected: Vec<Identity>,
) -> DomainResult<Impact> {
    Ok(Impact::before(txn, ctx.clock.today(), affected).await?)
}

/// The end of a mutation that reports access changes: measures `impact` after the change inside
/// the transaction, then commits, or rolls back when `dry_run` (so a preview runs exactly the real
/// logic, audit entries included, and writes nothing).
pub async fn conclude(
    ctx: &Ctx,
    txn: DatabaseTransaction,
    impact: Impact,
    dry_run: bool,
) -> DomainResult<Vec<AccessChange>> {
    let changes = impact.after(&txn, ctx.clock.today()).await?;
    finish(txn, dry_run).await?;
    Ok(changes)
}

/// Commits `txn`, or rolls it back when `dry_run`, so a preview runs exactly the real logic.
pub async fn finish(txn: sea_orm::DatabaseTransaction, dry_run: bool) -> DomainResult<()> {
    if dry_run {
        txn.rollback().await?;
    } else {
        audit::commit(txn).await?;
    }
    Ok(())
}
