//! Team members: internal users who carry a USER responsibility for an account, consumer or household.

use std::collections::HashMap;

use entity::{
    account, consumer, household, internal_user, responsibility_definition as definition,
    role_assignment, team_member as member,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
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
    period::in_force,
    principal::Identity,
    visibility,
};
use crate::pagination::{self as page, Page, PageArgs, Sort};

page::pageable!(member);

const SORT: Sort<member::Column> = Sort::creation(false);

/// What a team serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetKind {
    Account,
    Consumer,
    Household,
}

impl TargetKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Account => "ACCOUNT",
            TargetKind::Consumer => "CONSUMER",
            TargetKind::Household => "HOUSEHOLD",
        }
    }

    /// The column naming targets of this kind.
    pub fn column(self) -> member::Column {
        match self {
            TargetKind::Account => member::Column::AccountId,
            TargetKind::Consumer => member::Column::ConsumerId,
            TargetKind::Household => member::Column::HouseholdId,
        }
    }

    /// The target of a row of this kind.
    pub fn target_of(self, row: &member::Model) -> Uuid {
        match self {
            TargetKind::Account => row.account_id,
            TargetKind::Consumer => row.consumer_id,
            TargetKind::Household => row.household_id,
        }
        .unwrap_or_default()
    }

    /// The responsibility used when none is named (Account Manager or Relationship Manager).
    pub fn default_responsibility(self) -> Uuid {
        let (id, ..) = match self {
            TargetKind::Account => migration::m20261122_000002_relationships::RESPONSIBILITIES[0],
            TargetKind::Consumer | TargetKind::Household => {
                migration::m20261122_000002_relationships::RESPONSIBILITIES[1]
            }
        };
        id.parse().expect("shipped responsibility id")
    }
}

/// Each target's page of team members.
pub async fn pages_by_target(
    ctx: &Ctx,
    kind: TargetKind,
    targets: &[Uuid],
    current_only: bool,
    args: &PageArgs,
) -> DomainResult<HashMap<Uuid, Page<member::Model>>> {
    let mut select = member::Entity::find().filter(crate::sql::one_of(
        ctx.backend(),
        kind.column(),
        targets.iter().copied(),
    ));
    if current_only {
        select = select.filter(in_force(
            member::Column::ValidFrom,
            member::Column::ValidTo,
            ctx.clock.today(),
        ));
    }
    let select = visibility::team_members(&ctx.principal).apply(select);
    Ok(page::fetch_pages_by_parent(
        &ctx.db,
        select,
        kind.column(),
        move |m| kind.target_of(m),
        &SORT,
        args,
    )
    .await?)
}

/// Each internal user's page of team memberships of one kind.
pub async fn pages_by_user(
    ctx: &Ctx,
    kind: TargetKind,
    users: &[Uuid],
    current_only: bool,
    args: &PageArgs,
) -> DomainResult<HashMap<Uuid, Page<member::Model>>> {
    let mut select = member::Entity::find()
        .filter(crate::sql::one_of(
            ctx.backend(),
            member::Column::UserId,
            users.iter().copied(),
        ))
        .filter(member::Column::TargetKind.eq(kind.as_str()));
    if current_only {
        select = select.filter(in_force(
            member::Column::ValidFrom,
            member::Column::ValidTo,
            ctx.clock.today(),
        ));
    }
    let select = visibility::team_members(&ctx.principal).apply(select);
    Ok(page::fetch_pages_by_parent(
        &ctx.db,
        select,
        member::Column::UserId,
        |m| m.user_id,
        &SORT,
        args,
    )
    .await?)
}

/// The visible team members among `ids`.
pub async fn by_ids(ctx: &Ctx, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, member::Model>> {
    rows::by_ids::<member::Entity>(&ctx.db, ids, visibility::team_members(&ctx.principal)).await
}

/// Input of `create`.
#[derive(Clone, Debug)]
pub struct NewTeamMember {
    pub user_id: Uuid,
    pub kind: TargetKind,
    pub target_id: Uuid,
    /// A USER responsibility; the kind's default when absent.
    pub responsibility_id: Option<Uuid>,
    pub validity: Validity,
}

async fn check_target(
    txn: &impl sea_orm::ConnectionTrait,
    kind: TargetKind,
    id: Uuid,
) -> DomainResult<()> {
    let exists = match kind {
        TargetKind::Account => account::Entity::find_by_id(id).one(txn).await?.is_some(),
        TargetKind::Consumer => consumer::Entity::find_by_id(id).one(txn).await?.is_some(),
        TargetKind::Household => household::Entity::find_by_id(id).one(txn).await?.is_some(),
    };
    if !exists {
        return Err(DomainError::invalid(
            "targetId",
            format!("the {} does not exist", kind.as_str().to_lowercase()),
        ));
    }
    Ok(())
}

/// Puts an internal user on a team (manager or admin), enforcing the responsibility's type, required role
/// and uniqueness.
pub async fn create(
    ctx: &Ctx,
    input: NewTeamMember,
    dry_run: bool,
) -> DomainResult<(member::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageRelationships)?;
    input.validity.check()?;
    let txn = ctx.write().await?;
    let responsibility_id = input
        .responsibility_id
        .unwrap_or_else(|| input.kind.default_responsibility());
    // One writer per team target checks its holders; the definition's flags hold meanwhile.
    match input.kind {
        TargetKind::Account => {
            locks::rows::<account::Entity>(&txn, &[input.target_id], Lock::Exclusive).await?
        }
        TargetKind::Consumer => {
            locks::rows::<consumer::Entity>(&txn, &[input.target_id], Lock::Exclusive).await?
        }
        TargetKind::Household => {
            locks::rows::<household::Entity>(&txn, &[input.target_id], Lock::Exclusive).await?
        }
    }
    locks::rows::<definition::Entity>(&txn, &[responsibility_id], Lock::Shared).await?;
    check_target(&txn, input.kind, input.target_id).await?;
    internal_user::Entity::find_by_id(input.user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::invalid("userId", "the internal user does not exist"))?;
    let duty = definition::Entity::find_by_id(responsibility_id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            DomainError::invalid("responsibilityId", "the responsibility does not exist")
        })?;
    if ResponsibilityKind::parse(&duty.kind) != ResponsibilityKind::User {
        return Err(DomainError::invalid(
            "responsibilityId",
            format!("{} is not a USER responsibility", duty.name),
        ));
    }
    if let Some(role) = &duty.required_role {
        let holds = role_assignment::Entity::find()
            .filter(role_assignment::Column::InternalUserId.eq(input.user_id))
            .filter(role_assignment::Column::Role.eq(role))
            .one(&txn)
            .await?
            .is_some();
        if !holds {
            return Err(DomainError::invalid(
                "userId",
                format!("{} requires the user to hold the role {role}", duty.name),
            ));
        }
    }
    let holders = member::Entity::find()
        .filter(input.kind.column().eq(input.target_id))
        .filter(member::Column::ResponsibilityId.eq(responsibility_id))
        .all(&txn)
        .await?;
    if holders.iter().any(|h| h.user_id == input.user_id) {
        return Err(DomainError::conflict(
            Some("userId"),
            "the user already carries this responsibility on the team",
        ));
    }
    if duty.is_unique && !holders.is_empty() {
        return Err(DomainError::conflict(
            Some("responsibilityId"),
            format!("{} is unique and already has a holder", duty.name),
        ));
    }
    let impact = Impact::before(
        &txn,
        ctx.clock.today(),
        vec![Identity::InternalUser { id: input.user_id }],
    )
    .await?;
    let target = Some(input.target_id);
    let now = ctx.clock.now();
    let model = member::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(input.user_id),
        target_kind: Set(input.kind.as_str().into()),
        account_id: Set(target.filter(|_| input.kind == TargetKind::Account)),
        consumer_id: Set(target.filter(|_| input.kind == TargetKind::Consumer)),
        household_id: Set(target.filter(|_| input.kind == TargetKind::Household)),
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
        "team_member",
        model.id,
        json!({"userId": model.user_id, "target": input.kind.as_str(), "targetId": input.target_id,
               "responsibilityId": responsibility_id}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((model, changes))
}

/// Sets a team member's order and validity dates (manager or admin), reporting whose access that
/// changes; a dry run writes nothing.
pub async fn update(
    ctx: &Ctx,
    id: Uuid,
    validity: Validity,
    dry_run: bool,
) -> DomainResult<(member::Model, Vec<AccessChange>)> {
    set_validity::<member::Entity>(ctx, id, validity, "team member", "team_member", dry_run).await
}

/// Takes an internal user off a team (manager or admin).
pub async fn delete(
    ctx: &Ctx,
    id: Uuid,
    dry_run: bool,
) -> DomainResult<(member::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageRelationships)?;
    let txn = ctx.write().await?;
    let current = rows::require::<member::Entity>(&txn, id, "team member").await?;
    let impact = cascade::watch(ctx, &txn, current.holders(&txn).await?).await?;
    member::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        ctx,
        &txn,
        "delete",
        "team_member",
        id,
        json!({"userId": current.user_id}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((current, changes))
}
