//! Households and their memberships: who belongs where, since when and until when.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{
    consumer, consumer_relationship, household, household_membership as membership, team_member,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::locks::{self, Lock};
use super::{
    Ctx, DomainError, DomainResult, audit, cascade, input::required_name, rows, validity::Removal,
};
use crate::access::{
    self, Permission,
    impact::{self, AccessChange, Impact},
    period::{self, Period},
    principal::Identity,
    visibility,
};
use crate::pagination::{self as page, Page, PageArgs, Sort, Wants};

page::pageable!(household by name);

page::pageable!(membership);

/// Whether a membership is in force on `today` (the same rule as `period::current_membership`).
pub fn is_current(row: &membership::Model, today: NaiveDate) -> bool {
    Period::new(row.start_date, row.end_date).covers(today)
}

/// The keyset sort of household lists: by name, or by creation when `by_name` is false.
pub fn sort(by_name: bool, descending: bool) -> Sort<household::Column> {
    Sort::by_name_or_creation(household::Column::Name, by_name, descending)
}

/// Memberships are listed in the order they were recorded.
pub const MEMBERSHIP_SORT: Sort<membership::Column> = Sort::creation(false);

/// A page of the households the caller may see, optionally filtered by name.
pub async fn list(
    ctx: &Ctx,
    name_contains: Option<&str>,
    order: Sort<household::Column>,
    args: &PageArgs,
    wants: Wants,
) -> DomainResult<Page<household::Model>> {
    let mut select = household::Entity::find();
    if let Some(text) = name_contains {
        select = select.filter(household::Column::Name.contains(text));
    }
    let scope = visibility::households(&ctx.principal, ctx.clock.today());
    Ok(page::fetch_page(&ctx.db, scope.apply(select), &order, args, wants).await?)
}

/// The visible households among `ids`.
pub async fn by_ids(ctx: &Ctx, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, household::Model>> {
    rows::by_ids::<household::Entity>(
        &ctx.db,
        ids,
        visibility::households(&ctx.principal, ctx.clock.today()),
    )
    .await
}

/// The visible memberships among `ids`.
pub async fn memberships_by_ids(
    ctx: &Ctx,
    ids: &[Uuid],
) -> DomainResult<HashMap<Uuid, membership::Model>> {
    rows::by_ids::<membership::Entity>(
        &ctx.db,
        ids,
        visibility::memberships(&ctx.principal, ctx.clock.today()),
    )
    .await
}

/// Which side of a membership a batched page is keyed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MembershipSide {
    Household,
    Consumer,
}

/// Each household's (or consumer's) page of visible memberships, current ones only when asked.
pub async fn membership_pages(
    ctx: &Ctx,
    side: MembershipSide,
    keys: &[Uuid],
    current_only: bool,
    args: &PageArgs,
) -> DomainResult<HashMap<Uuid, Page<membership::Model>>> {
    let today = ctx.clock.today();
    let column = match side {
        MembershipSide::Household => membership::Column::HouseholdId,
        MembershipSide::Consumer => membership::Column::ConsumerId,
    };
    let mut select = membership::Entity::find().filter(crate::sql::one_of(
        ctx.backend(),
        column,
        keys.iter().copied(),
    ));
    if current_only {
        select = select.filter(period::current_membership(today));
    }
    let select = visibility::memberships(&ctx.principal, today).apply(select);
    let parent_of = move |m: &membership::Model| match side {
        MembershipSide::Household => m.household_id,
        MembershipSide::Consumer => m.consumer_id,
    };
    Ok(
        page::fetch_pages_by_parent(&ctx.db, select, column, parent_of, &MEMBERSHIP_SORT, args)
            .await?,
    )
}

fn check_dates(start: Option<NaiveDate>, end: Option<NaiveDate>) -> DomainResult<()> {
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        return Err(DomainError::invalid(
            "endDate",
            "the end date is before the start date",
        ));
    }
    Ok(())
}

fn overlaps(
    a: (Option<NaiveDate>, Option<NaiveDate>),
    b: (Option<NaiveDate>, Option<NaiveDate>),
) -> bool {
    let starts_before_other_ends =
        |start: Option<NaiveDate>, end: Option<NaiveDate>| match (start, end) {
            (Some(start), Some(end)) => start <= end,
            _ => true,
        };
    starts_before_other_ends(a.0, b.1) && starts_before_other_ends(b.0, a.1)
}

/// Adds a membership period, refusing one that overlaps an existing period of the same pair.
async fn insert_membership(
    ctx: &Ctx,
    txn: &impl ConnectionTrait,
    household_id: Uuid,
    consumer_id: Uuid,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> DomainResult<membership::Model> {
    check_dates(start, end)?;
    rows::require::<consumer::Entity>(txn, consumer_id, "consumer")
        .await
        .map_err(|_| DomainError::invalid("consumerId", "the consumer does not exist"))?;
    let existing = membership::Entity::find()
        .filter(membership::Column::HouseholdId.eq(household_id))
        .filter(membership::Column::ConsumerId.eq(consumer_id))
        .all(txn)
        .await?;
    if existing
        .iter()
        .any(|row| overlaps((row.start_date, row.end_date), (start, end)))
    {
        return Err(DomainError::conflict(
            Some("consumerId"),
            "the consumer already has a membership of this household in that period",
        ));
    }
    let now = ctx.clock.now();
    let model = membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(household_id),
        consumer_id: Set(consumer_id),
        start_date: Set(start),
        end_date: Set(end),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    audit::record(
        ctx,
        txn,
        "create",
        "household_membership",
        model.id,
        json!({"householdId": household_id, "consumerId": consumer_id, "startDate": start, "endDate": end}),
    )
    .await?;
    Ok(model)
}

/// Refuses a new period for `membership` that overlaps another period of the same pair.
async fn ensure_no_overlap(
    txn: &impl ConnectionTrait,
    membership: &membership::Model,
    period: (Option<NaiveDate>, Option<NaiveDate>),
) -> DomainResult<()> {
    let others = membership::Entity::find()
        .filter(membership::Column::HouseholdId.eq(membership.household_id))
        .filter(membership::Column::ConsumerId.eq(membership.consumer_id))
        .filter(membership::Column::Id.ne(membership.id))
        .all(txn)
        .await?;
    if let Some(other) = others
        .iter()
        .find(|row| overlaps((row.start_date, row.end_date), period))
    {
        let show =
            |day: Option<NaiveDate>| day.map_or_else(|| "open".to_owned(), |d| d.to_string());
        return Err(DomainError::conflict(
            Some("endDate"),
            format!(
                "the consumer has another membership of this household from {} to {}; the periods would overlap",
                show(other.start_date),
                show(other.end_date)
            ),
        ));
    }
    Ok(())
}

/// Makes `head` the household's head, adding a membership from today if it is not a current member.
async fn ensure_head_member(
    ctx: &Ctx,
    txn: &impl ConnectionTrait,
    household_id: Uuid,
    head: Uuid,
) -> DomainResult<()> {
    let today = ctx.clock.today();
    let current = membership::Entity::find()
        .filter(membership::Column::HouseholdId.eq(household_id))
        .filter(membership::Column::ConsumerId.eq(head))
        .filter(period::current_membership(today))
        .one(txn)
        .await?;
    if current.is_none() {
        insert_membership(ctx, txn, household_id, head, Some(today), None)
            .await
            .map_err(|err| match err {
                DomainError::InvalidInput { message, .. }
                | DomainError::Conflict { message, .. } => DomainError::invalid("headId", message),
                other => other,
            })?;
    }
    Ok(())
}

/// Creates a household, adding its head as a current member (admin or manager).
pub async fn create(
    ctx: &Ctx,
    name: &str,
    head_id: Option<Uuid>,
) -> DomainResult<household::Model> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let name = required_name(name)?;
    let txn = ctx.write().await?;
    if let Some(head) = head_id {
        rows::require::<consumer::Entity>(&txn, head, "consumer")
            .await
            .map_err(|_| DomainError::invalid("headId", "the consumer does not exist"))?;
    }
    let now = ctx.clock.now();
    let model = household::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        head_id: Set(head_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        ctx,
        &txn,
        "create",
        "household",
        model.id,
        json!({"name": model.name, "headId": head_id}),
    )
    .await?;
    if let Some(head) = head_id {
        ensure_head_member(ctx, &txn, model.id, head).await?;
    }
    audit::commit(txn).await?;
    Ok(model)
}

/// Renames a household or changes (or clears) its head (admin or manager), reporting whose
/// access that changes (the old and new head, and the members); a dry run writes nothing.
pub async fn update(
    ctx: &Ctx,
    id: Uuid,
    name: Option<&str>,
    head_id: Option<Option<Uuid>>,
    dry_run: bool,
) -> DomainResult<(household::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let txn = ctx.write().await?;
    locks::rows::<household::Entity>(&txn, &[id], Lock::Exclusive).await?;
    let current = rows::require::<household::Entity>(&txn, id, "household").await?;
    let mut affected = impact::members_of(&txn, id).await?;
    affected.extend(
        [current.head_id, head_id.flatten()]
            .into_iter()
            .flatten()
            .map(|id| Identity::Consumer { id }),
    );
    let impact = cascade::watch(ctx, &txn, affected).await?;
    let mut model = current.into_active_model();
    if let Some(name) = name {
        model.name = Set(required_name(name)?);
    }
    if let Some(head) = head_id {
        if let Some(head) = head {
            rows::require::<consumer::Entity>(&txn, head, "consumer")
                .await
                .map_err(|_| DomainError::invalid("headId", "the consumer does not exist"))?;
            ensure_head_member(ctx, &txn, id, head).await?;
        }
        model.head_id = Set(head);
    }
    model.updated_at = Set(ctx.clock.now());
    let model = model.update(&txn).await?;
    audit::record(
        ctx,
        &txn,
        "update",
        "household",
        id,
        json!({"name": model.name, "headId": model.head_id}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((model, changes))
}

/// Deletes a household with its memberships, member relationships and team members; members
/// naming it primary lose that; cases keep everything but the household (admin or manager).
/// Every removed and cleared row is audited and reported with the access change; a dry run
/// reports and writes nothing.
pub async fn delete(
    ctx: &Ctx,
    id: Uuid,
    dry_run: bool,
) -> DomainResult<(household::Model, Removal, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let txn = ctx.write().await?;
    let current = rows::require::<household::Entity>(&txn, id, "household").await?;
    let impact = cascade::watch(ctx, &txn, impact::around_household(&txn, id).await?).await?;
    let mut removal = Removal::default();
    cascade::remove::<consumer_relationship::Entity>(
        ctx,
        &txn,
        Condition::all().add(consumer_relationship::Column::HouseholdId.eq(id)),
        id,
        &mut removal,
    )
    .await?;
    cascade::remove::<team_member::Entity>(
        ctx,
        &txn,
        Condition::all().add(team_member::Column::HouseholdId.eq(id)),
        id,
        &mut removal,
    )
    .await?;
    cascade::remove::<membership::Entity>(
        ctx,
        &txn,
        Condition::all().add(membership::Column::HouseholdId.eq(id)),
        id,
        &mut removal,
    )
    .await?;
    cascade::clear::<consumer::Entity>(
        ctx,
        &txn,
        consumer::Column::PrimaryHouseholdId,
        "primaryHousehold",
        Condition::all().add(consumer::Column::PrimaryHouseholdId.eq(id)),
        id,
        &mut removal,
    )
    .await?;
    cascade::clear::<entity::case::Entity>(
        ctx,
        &txn,
        entity::case::Column::HouseholdId,
        "household",
        Condition::all().add(entity::case::Column::HouseholdId.eq(id)),
        id,
        &mut removal,
    )
    .await?;
    household::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        ctx,
        &txn,
        "delete",
        "household",
        id,
        json!({"name": current.name}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((current, removal, changes))
}

/// Adds a consumer to a household for a period (admin or manager), reporting whose access that
/// changes (the consumer and the household's members); a dry run writes nothing.
pub async fn add_member(
    ctx: &Ctx,
    household_id: Uuid,
    consumer_id: Uuid,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    dry_run: bool,
) -> DomainResult<(membership::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let txn = ctx.write().await?;
    // Every membership change of a household takes its row first: one overlap check at a time.
    locks::rows::<household::Entity>(&txn, &[household_id], Lock::Exclusive).await?;
    rows::require::<household::Entity>(&txn, household_id, "household")
        .await
        .map_err(|_| DomainError::invalid("householdId", "the household does not exist"))?;
    let mut affected = impact::members_of(&txn, household_id).await?;
    affected.push(Identity::Consumer { id: consumer_id });
    let impact = cascade::watch(ctx, &txn, affected).await?;
    let model = insert_membership(ctx, &txn, household_id, consumer_id, start, end).await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((model, changes))
}

/// Once a consumer is no longer a current member of a household, clears the head and primary
/// household pointers it held there and removes its member relationships in that household.
async fn release_membership(
    ctx: &Ctx,
    txn: &impl ConnectionTrait,
    ended: &membership::Model,
    removal: &mut Removal,
) -> DomainResult<()> {
    let (household_id, consumer_id) = (ended.household_id, ended.consumer_id);
    let still_member = membership::Entity::find()
        .filter(membership::Column::HouseholdId.eq(household_id))
        .filter(membership::Column::ConsumerId.eq(consumer_id))
        .filter(membership::Column::Id.ne(ended.id))
        .filter(period::current_membership(ctx.clock.today()))
        .one(txn)
        .await?
        .is_some();
    if still_member {
        return Ok(());
    }
    let cause = ended.id;
    cascade::clear::<household::Entity>(
        ctx,
        txn,
        household::Column::HeadId,
        "head",
        Condition::all()
            .add(household::Column::Id.eq(household_id))
            .add(household::Column::HeadId.eq(consumer_id)),
        cause,
        removal,
    )
    .await?;
    cascade::clear::<consumer::Entity>(
        ctx,
        txn,
        consumer::Column::PrimaryHouseholdId,
        "primaryHousehold",
        Condition::all()
            .add(consumer::Column::Id.eq(consumer_id))
            .add(consumer::Column::PrimaryHouseholdId.eq(household_id)),
        cause,
        removal,
    )
    .await?;
    cascade::remove::<consumer_relationship::Entity>(
        ctx,
        txn,
        Condition::all()
            .add(consumer_relationship::Column::HouseholdId.eq(household_id))
            .add(
                Condition::any()
                    .add(consumer_relationship::Column::ConsumerId.eq(consumer_id))
                    .add(consumer_relationship::Column::RelatedConsumerId.eq(consumer_id)),
            ),
        cause,
        removal,
    )
    .await
}

/// Ends a membership on `end` (today when absent); history is kept. When that ends the
/// consumer's current membership, its member relationships in the household go in the same
/// transaction (admin or manager). A dry run reports and writes nothing.
pub async fn end_membership(
    ctx: &Ctx,
    id: Uuid,
    end: Option<NaiveDate>,
    dry_run: bool,
) -> DomainResult<(membership::Model, Removal, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let end = end.unwrap_or_else(|| ctx.clock.today());
    let txn = ctx.write().await?;
    let current = rows::require::<membership::Entity>(&txn, id, "household membership").await?;
    locks::rows::<household::Entity>(&txn, &[current.household_id], Lock::Exclusive).await?;
    let impact = Impact::before(
        &txn,
        ctx.clock.today(),
        impact::members_of(&txn, current.household_id).await?,
    )
    .await?;
    check_dates(current.start_date, Some(end))?;
    ensure_no_overlap(&txn, &current, (current.start_date, Some(end))).await?;
    let mut model = current.into_active_model();
    model.end_date = Set(Some(end));
    model.updated_at = Set(ctx.clock.now());
    let model = model.update(&txn).await?;
    audit::record(
        ctx,
        &txn,
        "end",
        "household_membership",
        id,
        json!({"endDate": end}),
    )
    .await?;
    let mut removal = Removal::default();
    // Setting the end date to today or earlier ends the membership now (DOMAIN §5); a later date
    // takes effect when it passes, through the sweep, and reads ignore it from then on.
    if end <= ctx.clock.today() {
        release_membership(ctx, &txn, &model, &mut removal).await?;
    }
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((model, removal, changes))
}

/// Removes a membership record altogether, with the same consequences as ending it (admin or manager).
pub async fn remove_membership(
    ctx: &Ctx,
    id: Uuid,
    dry_run: bool,
) -> DomainResult<(membership::Model, Removal, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let txn = ctx.write().await?;
    let current = rows::require::<membership::Entity>(&txn, id, "household membership").await?;
    locks::rows::<household::Entity>(&txn, &[current.household_id], Lock::Exclusive).await?;
    let impact = Impact::before(
        &txn,
        ctx.clock.today(),
        impact::members_of(&txn, current.household_id).await?,
    )
    .await?;
    membership::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        ctx,
        &txn,
        "delete",
        "household_membership",
        id,
        json!({"householdId": current.household_id}),
    )
    .await?;
    let mut removal = Removal::default();
    release_membership(ctx, &txn, &current, &mut removal).await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((current, removal, changes))
}
