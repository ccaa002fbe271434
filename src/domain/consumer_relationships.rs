//! Consumer relationships: a consumer acting for another (Authorized Representative), anywhere or
//! within a household whose current members they both are.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use entity::{
    consumer, consumer_relationship as link, consumer_relationship_side as side, household,
    household_membership as membership, responsibility_definition as definition,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::locks::{self, Lock};
use super::{
    Ctx, DomainError, DomainResult, audit, cascade, responsibilities::ResponsibilityKind, rows,
    set_validity::set_validity, validity::Validity,
};
use crate::access::{
    self, Permission,
    impact::{AccessChange, Grants, Impact},
    period::{self, in_force},
    principal::Identity,
    visibility,
};
use crate::pagination::{self as page, Page, PageArgs, Sort};

page::pageable!(link);

page::pageable!(side, RelationshipId, relationship_id);

const SORT_LINKS: Sort<link::Column> = Sort::creation(false);
const SORT_SIDES: Sort<side::Column> = Sort::creation(false);

/// The responsibility used when none is named: Authorized Representative.
pub fn default_responsibility() -> Uuid {
    migration::m20261122_000002_relationships::RESPONSIBILITIES[2]
        .0
        .parse()
        .expect("shipped responsibility id")
}

/// Each consumer's page of relationships as seen from that consumer.
pub async fn side_pages(
    ctx: &Ctx,
    consumers: &[Uuid],
    current_only: bool,
    args: &PageArgs,
) -> DomainResult<HashMap<Uuid, Page<side::Model>>> {
    let mut select = side::Entity::find().filter(crate::sql::one_of(
        ctx.backend(),
        side::Column::ConsumerId,
        consumers.iter().copied(),
    ));
    if current_only {
        let today = ctx.clock.today();
        select = select
            .filter(in_force(
                side::Column::ValidFrom,
                side::Column::ValidTo,
                today,
            ))
            .filter(lapsed_sides(today).not());
    }
    let select =
        visibility::consumer_relationship_sides(&ctx.principal, ctx.clock.today()).apply(select);
    Ok(page::fetch_pages_by_parent(
        &ctx.db,
        select,
        side::Column::ConsumerId,
        |m| m.consumer_id,
        &SORT_SIDES,
        args,
    )
    .await?)
}

/// Each household's page of member relationships.
pub async fn pages_by_household(
    ctx: &Ctx,
    households: &[Uuid],
    current_only: bool,
    args: &PageArgs,
) -> DomainResult<HashMap<Uuid, Page<link::Model>>> {
    let mut select = link::Entity::find().filter(crate::sql::one_of(
        ctx.backend(),
        link::Column::HouseholdId,
        households.iter().copied(),
    ));
    if current_only {
        let today = ctx.clock.today();
        select = select
            .filter(in_force(
                link::Column::ValidFrom,
                link::Column::ValidTo,
                today,
            ))
            .filter(lapsed_member_relationships(today).not());
    }
    let select =
        visibility::consumer_relationships(&ctx.principal, ctx.clock.today()).apply(select);
    Ok(page::fetch_pages_by_parent(
        &ctx.db,
        select,
        link::Column::HouseholdId,
        |m| m.household_id.unwrap_or_default(),
        &SORT_LINKS,
        args,
    )
    .await?)
}

/// The visible consumer relationships among `ids`.
pub async fn by_ids(ctx: &Ctx, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, link::Model>> {
    rows::by_ids::<link::Entity>(
        &ctx.db,
        ids,
        visibility::consumer_relationships(&ctx.principal, ctx.clock.today()),
    )
    .await
}

/// Input of `create`.
#[derive(Clone, Debug)]
pub struct NewConsumerRelationship {
    /// The representative.
    pub consumer_id: Uuid,
    /// The represented consumer.
    pub related_consumer_id: Uuid,
    /// Set for a household member relationship.
    pub household_id: Option<Uuid>,
    /// Authorized Representative when absent.
    pub responsibility_id: Option<Uuid>,
    pub validity: Validity,
}

/// Whether `consumer` is a current member of `household` on `today`.
pub async fn is_current_member(
    txn: &impl ConnectionTrait,
    household: Uuid,
    consumer: Uuid,
    today: NaiveDate,
) -> DomainResult<bool> {
    Ok(membership::Entity::find()
        .filter(membership::Column::HouseholdId.eq(household))
        .filter(membership::Column::ConsumerId.eq(consumer))
        .filter(period::current_membership(today))
        .one(txn)
        .await?
        .is_some())
}

/// Relates two consumers (manager or admin); within a household both must be current members.
pub async fn create(
    ctx: &Ctx,
    input: NewConsumerRelationship,
    dry_run: bool,
) -> DomainResult<(link::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageRelationships)?;
    input.validity.check()?;
    if input.consumer_id == input.related_consumer_id {
        return Err(DomainError::invalid(
            "relatedConsumerId",
            "a consumer cannot be related to itself",
        ));
    }
    let txn = ctx.write().await?;
    // Within a household, membership changes (which remove member relationships) wait for this
    // check; the definition's kind holds meanwhile. Duplicates are refused by unique indexes.
    if let Some(home) = input.household_id {
        locks::rows::<household::Entity>(&txn, &[home], Lock::Exclusive).await?;
    }
    locks::rows::<definition::Entity>(
        &txn,
        &[input
            .responsibility_id
            .unwrap_or_else(default_responsibility)],
        Lock::Shared,
    )
    .await?;
    for (id, field) in [
        (input.consumer_id, "consumerId"),
        (input.related_consumer_id, "relatedConsumerId"),
    ] {
        if consumer::Entity::find_by_id(id).one(&txn).await?.is_none() {
            return Err(DomainError::invalid(field, "the consumer does not exist"));
        }
    }
    let responsibility_id = input
        .responsibility_id
        .unwrap_or_else(default_responsibility);
    let duty = definition::Entity::find_by_id(responsibility_id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            DomainError::invalid("responsibilityId", "the responsibility does not exist")
        })?;
    if !matches!(
        ResponsibilityKind::parse(&duty.kind),
        ResponsibilityKind::None | ResponsibilityKind::Consumer
    ) {
        return Err(DomainError::invalid(
            "responsibilityId",
            format!(
                "{} cannot be carried between consumers (needs type NONE or CONSUMER)",
                duty.name
            ),
        ));
    }
    if let Some(home) = input.household_id {
        if household::Entity::find_by_id(home)
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(DomainError::invalid(
                "householdId",
                "the household does not exist",
            ));
        }
        let today = ctx.clock.today();
        for (id, field) in [
            (input.consumer_id, "consumerId"),
            (input.related_consumer_id, "relatedConsumerId"),
        ] {
            if !is_current_member(&txn, home, id, today).await? {
                return Err(DomainError::invalid(
                    field,
                    "the consumer is not a current member of the household",
                ));
            }
        }
    }
    let household_matches = match input.household_id {
        Some(home) => Condition::all().add(link::Column::HouseholdId.eq(home)),
        None => Condition::all().add(link::Column::HouseholdId.is_null()),
    };
    let duplicate = link::Entity::find()
        .filter(link::Column::ConsumerId.eq(input.consumer_id))
        .filter(link::Column::RelatedConsumerId.eq(input.related_consumer_id))
        .filter(link::Column::ResponsibilityId.eq(responsibility_id))
        .filter(household_matches)
        .one(&txn)
        .await?;
    if duplicate.is_some() {
        return Err(DomainError::conflict(
            Some("relatedConsumerId"),
            "this relationship already exists",
        ));
    }
    let impact = Impact::before(
        &txn,
        ctx.clock.today(),
        vec![Identity::Consumer {
            id: input.consumer_id,
        }],
    )
    .await?;
    let now = ctx.clock.now();
    let model = link::ActiveModel {
        id: Set(Uuid::now_v7()),
        consumer_id: Set(input.consumer_id),
        related_consumer_id: Set(input.related_consumer_id),
        household_id: Set(input.household_id),
        responsibility_id: Set(responsibility_id),
        sort_order: Set(input.validity.sort_order),
        valid_from: Set(input.validity.valid_from),
        valid_to: Set(input.validity.valid_to),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        ctx,
        &txn,
        "create",
        "consumer_relationship",
        model.id,
        json!({"consumerId": model.consumer_id, "relatedConsumerId": model.related_consumer_id,
               "householdId": model.household_id, "responsibilityId": responsibility_id}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((model, changes))
}

/// Sets a consumer relationship's order and validity dates (manager or admin), reporting whose
/// access that changes; a dry run writes nothing.
pub async fn update(
    ctx: &Ctx,
    id: Uuid,
    validity: Validity,
    dry_run: bool,
) -> DomainResult<(link::Model, Vec<AccessChange>)> {
    set_validity::<link::Entity>(
        ctx,
        id,
        validity,
        "consumer relationship",
        "consumer_relationship",
        dry_run,
    )
    .await
}

/// Removes a consumer relationship (manager or admin).
pub async fn delete(
    ctx: &Ctx,
    id: Uuid,
    dry_run: bool,
) -> DomainResult<(link::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageRelationships)?;
    let txn = ctx.write().await?;
    let current = rows::require::<link::Entity>(&txn, id, "consumer relationship").await?;
    let impact = cascade::watch(ctx, &txn, current.holders(&txn).await?).await?;
    link::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        ctx,
        &txn,
        "delete",
        "consumer_relationship",
        id,
        json!({"consumerId": current.consumer_id}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((current, changes))
}

/// Member relationships in a household where either consumer is not a current member on `today`.
pub fn lapsed_member_relationships(today: NaiveDate) -> Condition {
    let household = (link::Entity, link::Column::HouseholdId);
    Condition::all()
        .add(link::Column::HouseholdId.is_not_null())
        .add(
            Condition::any()
                .add(period::not_current_member(
                    household,
                    (link::Entity, link::Column::ConsumerId),
                    today,
                ))
                .add(period::not_current_member(
                    household,
                    (link::Entity, link::Column::RelatedConsumerId),
                    today,
                )),
        )
}

/// The same as `lapsed_member_relationships`, on the two-sided view.
fn lapsed_sides(today: NaiveDate) -> Condition {
    let household = (side::Entity, side::Column::HouseholdId);
    Condition::all()
        .add(side::Column::HouseholdId.is_not_null())
        .add(
            Condition::any()
                .add(period::not_current_member(
                    household,
                    (side::Entity, side::Column::ConsumerId),
                    today,
                ))
                .add(period::not_current_member(
                    household,
                    (side::Entity, side::Column::OtherConsumerId),
                    today,
                )),
        )
}

/// Which of the (household, consumer) pairs are current memberships on `today`, in one statement:
/// a member relationship is in force only while both of its consumers are current members.
pub async fn current_members(
    ctx: &Ctx,
    pairs: &[(Uuid, Uuid)],
) -> DomainResult<HashSet<(Uuid, Uuid)>> {
    if pairs.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<(Uuid, Uuid)> = membership::Entity::find()
        .select_only()
        .columns([
            membership::Column::HouseholdId,
            membership::Column::ConsumerId,
        ])
        .filter(membership::Column::HouseholdId.is_in(pairs.iter().map(|p| p.0)))
        .filter(membership::Column::ConsumerId.is_in(pairs.iter().map(|p| p.1)))
        .filter(period::current_membership(ctx.clock.today()))
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let wanted: HashSet<(Uuid, Uuid)> = pairs.iter().copied().collect();
    Ok(rows.into_iter().filter(|p| wanted.contains(p)).collect())
}
