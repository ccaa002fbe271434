//! Consumers: individual (B2C) customers.

use std::collections::HashMap;

use entity::{
    consumer, consumer_relationship, household, household_membership as membership, team_member,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    Ctx, DomainError, DomainResult, audit, cascade,
    input::{self, optional_text, required_name},
    rows,
    validity::Removal,
};
use crate::access::{
    self, Permission,
    impact::{self, AccessChange},
    period, visibility,
};
use crate::pagination::{self as page, Page, PageArgs, Sort, Wants};

page::pageable!(consumer by name);

/// The keyset sort of consumer lists: by name, or by creation when `by_name` is false.
pub fn sort(by_name: bool, descending: bool) -> Sort<consumer::Column> {
    Sort::by_name_or_creation(consumer::Column::Name, by_name, descending)
}

/// A page of the consumers the caller may see, optionally filtered by name.
pub async fn list(
    ctx: &Ctx,
    name_contains: Option<&str>,
    order: Sort<consumer::Column>,
    args: &PageArgs,
    wants: Wants,
) -> DomainResult<Page<consumer::Model>> {
    let mut select = consumer::Entity::find();
    if let Some(text) = name_contains {
        select = select.filter(consumer::Column::Name.contains(text));
    }
    let scope = visibility::consumers(&ctx.principal, ctx.clock.today());
    Ok(page::fetch_page(&ctx.db, scope.apply(select), &order, args, wants).await?)
}

/// The visible consumers among `ids`.
pub async fn by_ids(ctx: &Ctx, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, consumer::Model>> {
    rows::by_ids::<consumer::Entity>(
        &ctx.db,
        ids,
        visibility::consumers(&ctx.principal, ctx.clock.today()),
    )
    .await
}

/// Input of `create` and `update`; on update `None` leaves a field unchanged and empty text clears it.
#[derive(Clone, Debug, Default)]
pub struct ConsumerInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub subject: Option<String>,
}

/// Creates a consumer (admin or manager).
pub async fn create(ctx: &Ctx, input: ConsumerInput) -> DomainResult<consumer::Model> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let name = required_name(input.name.as_deref().unwrap_or_default())?;
    let subject = optional_text(input.subject);
    let txn = ctx.write().await?;
    if let Some(subject) = &subject {
        input::ensure_subject_free(&txn, subject, None).await?;
    }
    let now = ctx.clock.now();
    let model = consumer::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        email: Set(optional_text(input.email)),
        subject: Set(subject),
        primary_household_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record_and_commit(
        ctx,
        txn,
        "create",
        "consumer",
        model.id,
        json!({"name": model.name}),
    )
    .await?;
    Ok(model)
}

/// Changes a consumer (admin or manager).
pub async fn update(ctx: &Ctx, id: Uuid, input: ConsumerInput) -> DomainResult<consumer::Model> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let txn = ctx.write().await?;
    let mut model = rows::require::<consumer::Entity>(&txn, id, "consumer")
        .await?
        .into_active_model();
    if let Some(name) = &input.name {
        model.name = Set(required_name(name)?);
    }
    if let Some(email) = input.email {
        model.email = Set(optional_text(Some(email)));
    }
    if let Some(subject) = input.subject {
        let subject = optional_text(Some(subject));
        if let Some(subject) = &subject {
            input::ensure_subject_free(&txn, subject, Some(id)).await?;
        }
        model.subject = Set(subject);
    }
    model.updated_at = Set(ctx.clock.now());
    let model = model.update(&txn).await?;
    audit::record_and_commit(
        ctx,
        txn,
        "update",
        "consumer",
        id,
        json!({"name": model.name}),
    )
    .await?;
    Ok(model)
}

/// Names one of the consumer's current households as its primary one, or clears it (admin or manager).
pub async fn set_primary_household(
    ctx: &Ctx,
    id: Uuid,
    household_id: Option<Uuid>,
) -> DomainResult<consumer::Model> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let txn = ctx.write().await?;
    let mut model = rows::require::<consumer::Entity>(&txn, id, "consumer")
        .await?
        .into_active_model();
    if let Some(household_id) = household_id {
        // Membership changes of the household (which clear primary households) wait for this.
        super::locks::rows::<entity::household::Entity>(
            &txn,
            &[household_id],
            super::locks::Lock::Shared,
        )
        .await?;
        let member = membership::Entity::find()
            .filter(membership::Column::ConsumerId.eq(id))
            .filter(membership::Column::HouseholdId.eq(household_id))
            .filter(period::current_membership(ctx.clock.today()))
            .one(&txn)
            .await?;
        if member.is_none() {
            return Err(DomainError::invalid(
                "householdId",
                "the consumer is not a current member of that household",
            ));
        }
    }
    model.primary_household_id = Set(household_id);
    model.updated_at = Set(ctx.clock.now());
    let model = model.update(&txn).await?;
    audit::record_and_commit(
        ctx,
        txn,
        "set_primary_household",
        "consumer",
        id,
        json!({"householdId": household_id}),
    )
    .await?;
    Ok(model)
}

/// Deletes a consumer with every membership, relationship and team membership it is part of;
/// households it headed lose their head (admin or manager). Every removed and cleared row is
/// audited and reported with the access change; a dry run reports and writes nothing.
pub async fn delete(
    ctx: &Ctx,
    id: Uuid,
    dry_run: bool,
) -> DomainResult<(consumer::Model, Removal, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let txn = ctx.write().await?;
    let current = rows::require::<consumer::Entity>(&txn, id, "consumer").await?;
    let cases = sea_orm::PaginatorTrait::count(
        entity::case::Entity::find().filter(entity::case::Column::ConsumerId.eq(id)),
        &txn,
    )
    .await?;
    if cases > 0 {
        return Err(DomainError::conflict(
            Some("id"),
            format!("the consumer still has {cases} case(s)"),
        ));
    }
    let impact = cascade::watch(ctx, &txn, impact::around_consumer(&txn, id).await?).await?;
    let mut removal = Removal::default();
    cascade::remove::<consumer_relationship::Entity>(
        ctx,
        &txn,
        Condition::any()
            .add(consumer_relationship::Column::ConsumerId.eq(id))
            .add(consumer_relationship::Column::RelatedConsumerId.eq(id)),
        id,
        &mut removal,
    )
    .await?;
    cascade::remove::<team_member::Entity>(
        ctx,
        &txn,
        Condition::all().add(team_member::Column::ConsumerId.eq(id)),
        id,
        &mut removal,
    )
    .await?;
    cascade::remove::<membership::Entity>(
        ctx,
        &txn,
        Condition::all().add(membership::Column::ConsumerId.eq(id)),
        id,
        &mut removal,
    )
    .await?;
    cascade::clear::<household::Entity>(
        ctx,
        &txn,
        household::Column::HeadId,
        "head",
        Condition::all().add(household::Column::HeadId.eq(id)),
        id,
        &mut removal,
    )
    .await?;
    consumer::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        ctx,
        &txn,
        "delete",
        "consumer",
        id,
        json!({"name": current.name}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((current, removal, changes))
}
