//! Responsibility definitions: what one party does for another, and who may hold it.

use std::collections::HashMap;

use entity::{
    consumer_relationship, contact_relationship, responsibility_definition as definition,
    team_member,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter,
    sea_query::{Expr, ExprTrait, Func},
};
use serde_json::json;
use uuid::Uuid;

use super::locks::{self, Lock};
use super::{
    Ctx, DomainError, DomainResult, audit, cascade,
    input::{optional_text, required_name},
    rows,
    validity::Removal,
};
use crate::access::{
    self, Permission,
    impact::{self, AccessChange},
    principal::Role,
    visibility,
};
use crate::pagination::{self as page, Page, PageArgs, Sort, Wants};

/// Who can carry a responsibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResponsibilityKind {
    User,
    Contact,
    Consumer,
    Account,
    None,
}

impl ResponsibilityKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponsibilityKind::User => "USER",
            ResponsibilityKind::Contact => "CONTACT",
            ResponsibilityKind::Consumer => "CONSUMER",
            ResponsibilityKind::Account => "ACCOUNT",
            ResponsibilityKind::None => "NONE",
        }
    }

    /// Reads the stored form.
    pub fn parse(text: &str) -> Self {
        match text {
            "USER" => ResponsibilityKind::User,
            "CONTACT" => ResponsibilityKind::Contact,
            "CONSUMER" => ResponsibilityKind::Consumer,
            "ACCOUNT" => ResponsibilityKind::Account,
            _ => ResponsibilityKind::None,
        }
    }
}

page::pageable!(definition by name);

const SORT: Sort<definition::Column> = Sort {
    name: "NAME",
    column: Some(definition::Column::Name),
    descending: false,
};

/// A page of definitions, by name, optionally of one kind (every signed-in principal may read them).
pub async fn list(
    ctx: &Ctx,
    kind: Option<ResponsibilityKind>,
    args: &PageArgs,
    wants: Wants,
) -> DomainResult<Page<definition::Model>> {
    access::require(&ctx.principal, Permission::SignedIn)?;
    let mut select = definition::Entity::find();
    if let Some(kind) = kind {
        select = select.filter(definition::Column::Kind.eq(kind.as_str()));
    }
    Ok(page::fetch_page(&ctx.db, select, &SORT, args, wants).await?)
}

/// The definitions among `ids`.
pub async fn by_ids(ctx: &Ctx, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, definition::Model>> {
    let scope = visibility::signed_in(&ctx.principal);
    rows::by_ids::<definition::Entity>(&ctx.db, ids, scope).await
}

/// Input of `create` and `update` (on update `None` leaves a field, empty text clears).
#[derive(Clone, Debug, Default)]
pub struct DefinitionInput {
    pub name: Option<String>,
    pub kind: Option<ResponsibilityKind>,
    pub is_unique: Option<bool>,
    pub required_role: Option<String>,
    pub description: Option<String>,
}

fn check_role(role: Option<String>) -> DomainResult<Option<String>> {
    match optional_text(role) {
        Some(role) => {
            role.parse::<Role>()
                .map_err(|message| DomainError::invalid("requiredRole", message))?;
            Ok(Some(role))
        }
        None => Ok(None),
    }
}

async fn ensure_name_free(
    txn: &impl sea_orm::ConnectionTrait,
    name: &str,
    except: Option<Uuid>,
) -> DomainResult<()> {
    let taken = definition::Entity::find()
        .filter(Expr::expr(Func::lower(Expr::col(definition::Column::Name))).eq(Func::lower(name)))
        .filter(definition::Column::Id.ne(except.unwrap_or_default()))
        .one(txn)
        .await?;
    if taken.is_some() {
        return Err(DomainError::conflict(
            Some("name"),
            format!(
                "a responsibility named {name} exists (names are compared regardless of letter case)"
            ),
        ));
    }
    Ok(())
}

/// Creates a definition (admin).
pub async fn create(ctx: &Ctx, input: DefinitionInput) -> DomainResult<definition::Model> {
    access::require(&ctx.principal, Permission::Administer)?;
    let name = required_name(input.name.as_deref().unwrap_or_default())?;
    let role = check_role(input.required_role)?;
    let txn = ctx.write().await?;
    ensure_name_free(&txn, &name, None).await?;
    let now = ctx.clock.now();
    let model = definition::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        kind: Set(input
            .kind
            .unwrap_or(ResponsibilityKind::None)
            .as_str()
            .into()),
        is_unique: Set(input.is_unique.unwrap_or(false)),
        required_role: Set(role),
        description: Set(optional_text(input.description)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record_and_commit(
        ctx,
        txn,
        "create",
        "responsibility_definition",
        model.id,
        json!({"name": model.name, "kind": model.kind}),
    )
    .await?;
    Ok(model)
}

/// Changes a definition (admin); its kind is fixed once relationships use it. Reports the access
/// change of everyone holding a relationship with it (its required role is a precondition); a dry
/// run writes nothing.
pub async fn update(
    ctx: &Ctx,
    id: Uuid,
    input: DefinitionInput,
    dry_run: bool,
) -> DomainResult<(definition::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::Administer)?;
    let txn = ctx.write().await?;
    // Creating paths share-lock the definition before their checks: none runs while this changes it.
    locks::rows::<definition::Entity>(&txn, &[id], Lock::Exclusive).await?;
    let current =
        rows::require::<definition::Entity>(&txn, id, "responsibility definition").await?;
    if input.is_unique == Some(true) && !current.is_unique {
        ensure_one_holder_each(&txn, &current).await?;
    }
    let impact = cascade::watch(ctx, &txn, impact::of_responsibility(&txn, id).await?).await?;
    let used = in_use(&txn, id).await?;
    let mut model = current.clone().into_active_model();
    if let Some(name) = &input.name {
        let name = required_name(name)?;
        ensure_name_free(&txn, &name, Some(id)).await?;
        model.name = Set(name);
    }
    if let Some(kind) = input.kind {
        if used && kind.as_str() != current.kind {
            return Err(DomainError::invalid(
                "kind",
                "the type cannot change while relationships use the responsibility",
            ));
        }
        model.kind = Set(kind.as_str().into());
    }
    if let Some(unique) = input.is_unique {
        model.is_unique = Set(unique);
    }
    if input.required_role.is_some() {
        model.required_role = Set(check_role(input.required_role)?);
    }
    if input.description.is_some() {
        model.description = Set(optional_text(input.description));
    }
    model.updated_at = Set(ctx.clock.now());
    let model = model.update(&txn).await?;
    audit::record(
        ctx,
        &txn,
        "update",
        "responsibility_definition",
        id,
        json!({"name": model.name, "kind": model.kind, "requiredRole": model.required_role}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((model, changes))
}

/// Refuses making `duty` unique while an account (contact relationships) or a team target
/// (team members) has more than one holder; consumer relationships are exempt (DOMAIN §5).
async fn ensure_one_holder_each(
    txn: &impl sea_orm::ConnectionTrait,
    duty: &definition::Model,
) -> DomainResult<()> {
    let mut holders: HashMap<(&'static str, Uuid), usize> = HashMap::new();
    for link in contact_relationship::Entity::find()
        .filter(contact_relationship::Column::ResponsibilityId.eq(duty.id))
        .all(txn)
        .await?
    {
        *holders.entry(("account", link.account_id)).or_default() += 1;
    }
    for member in team_member::Entity::find()
        .filter(team_member::Column::ResponsibilityId.eq(duty.id))
        .all(txn)
        .await?
    {
        let target = member
            .account_id
            .map(|id| ("account team", id))
            .or(member.consumer_id.map(|id| ("consumer team", id)))
            .or(member.household_id.map(|id| ("household team", id)));
        if let Some(target) = target {
            *holders.entry(target).or_default() += 1;
        }
    }
    let mut crowded: Vec<_> = holders.into_iter().filter(|(_, n)| *n > 1).collect();
    if crowded.is_empty() {
        return Ok(());
    }
    crowded.sort();
    let ((what, target), count) = crowded[0];
    let name = target_name(txn, what, target).await?;
    Err(DomainError::conflict(
        Some("isUnique"),
        format!(
            "{} cannot become unique: the {what} of {name} has {count} holders ({} place(s) with more than one)",
            duty.name,
            crowded.len()
        ),
    ))
}

/// The display name of an account, consumer or household, for messages.
async fn target_name(
    txn: &impl sea_orm::ConnectionTrait,
    what: &str,
    id: Uuid,
) -> DomainResult<String> {
    let name = match what {
        "consumer team" => entity::consumer::Entity::find_by_id(id)
            .one(txn)
            .await?
            .map(|c| c.name),
        "household team" => entity::household::Entity::find_by_id(id)
            .one(txn)
            .await?
            .map(|h| h.name),
        _ => entity::account::Entity::find_by_id(id)
            .one(txn)
            .await?
            .map(|a| format!("{} ({})", a.name, a.number)),
    };
    Ok(name.unwrap_or_else(|| id.to_string()))
}

/// Whether any relationship uses the definition.
async fn in_use(txn: &impl sea_orm::ConnectionTrait, id: Uuid) -> DomainResult<bool> {
    use sea_orm::PaginatorTrait;
    Ok(contact_relationship::Entity::find()
        .filter(contact_relationship::Column::ResponsibilityId.eq(id))
        .count(txn)
        .await?
        + team_member::Entity::find()
            .filter(team_member::Column::ResponsibilityId.eq(id))
            .count(txn)
            .await?
        + consumer_relationship::Entity::find()
            .filter(consumer_relationship::Column::ResponsibilityId.eq(id))
            .count(txn)
            .await?
        > 0)
}

/// Deletes a definition and every relationship using it in one transaction (admin), reporting
/// the removed records and whose access that changes; a dry run only reports.
pub async fn delete(
    ctx: &Ctx,
    id: Uuid,
    dry_run: bool,
) -> DomainResult<(definition::Model, Removal, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::Administer)?;
    let txn = ctx.write().await?;
    let current =
        rows::require::<definition::Entity>(&txn, id, "responsibility definition").await?;
    let impact = cascade::watch(ctx, &txn, impact::of_responsibility(&txn, id).await?).await?;
    let mut removal = Removal::default();
    cascade::remove::<contact_relationship::Entity>(
        ctx,
        &txn,
        Condition::all().add(contact_relationship::Column::ResponsibilityId.eq(id)),
        id,
        &mut removal,
    )
    .await?;
    cascade::remove::<team_member::Entity>(
        ctx,
        &txn,
        Condition::all().add(team_member::Column::ResponsibilityId.eq(id)),
        id,
        &mut removal,
    )
    .await?;
    cascade::remove::<consumer_relationship::Entity>(
        ctx,
        &txn,
        Condition::all().add(consumer_relationship::Column::ResponsibilityId.eq(id)),
        id,
        &mut removal,
    )
    .await?;
    definition::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        ctx,
        &txn,
        "delete",
        "responsibility_definition",
        id,
        json!({"name": current.name}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((current, removal, changes))
}
