//! The sweep: removes what the passing of time has ended (member relationships of consumers whose
//! membership has run out, heads and primary households no longer backed by a current membership).

use entity::{consumer, consumer_relationship, household};
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use super::{
    Ctx, DomainResult, cascade, consumer_relationships::lapsed_member_relationships,
    validity::Removal,
};
use crate::access::{self, Permission, period};

/// Runs one sweep in one transaction and reports what it removed; reads already ignore these rows.
pub async fn run(ctx: &Ctx) -> DomainResult<Removal> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let today = ctx.clock.today();
    let txn = ctx.write().await?;
    let mut removal = Removal::default();
    cascade::remove::<consumer_relationship::Entity>(
        ctx,
        &txn,
        lapsed_member_relationships(today),
        Uuid::nil(),
        &mut removal,
    )
    .await?;
    cascade::clear::<household::Entity>(
        ctx,
        &txn,
        household::Column::HeadId,
        "head",
        Condition::all()
            .add(household::Column::HeadId.is_not_null())
            .add(period::not_current_member(
                (household::Entity, household::Column::Id),
                (household::Entity, household::Column::HeadId),
                today,
            )),
        Uuid::nil(),
        &mut removal,
    )
    .await?;
    cascade::clear::<consumer::Entity>(
        ctx,
        &txn,
        consumer::Column::PrimaryHouseholdId,
        "primaryHousehold",
        Condition::all()
            .add(consumer::Column::PrimaryHouseholdId.is_not_null())
            .add(period::not_current_member(
                (consumer::Entity, consumer::Column::PrimaryHouseholdId),
                (consumer::Entity, consumer::Column::Id),
                today,
            )),
        Uuid::nil(),
        &mut removal,
    )
    .await?;
    cascade::finish(txn, false).await?;
    Ok(removal)
}
