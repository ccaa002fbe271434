//! Contacts: people who belong to one account and use the portal.

use std::collections::HashMap;

use entity::{account, contact, contact_relationship, role_assignment};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::locks::{self, Lock};
use super::{
    Ctx, DomainResult, audit, cascade,
    input::{self, optional_text, required_name},
    rows,
};
use crate::access::{
    self, Permission,
    impact::{self, AccessChange},
    visibility,
};
use crate::pagination::{self as page, Page, PageArgs, Sort, Wants};

page::pageable!(contact by name);

/// The keyset sort of contact lists: by name, or by creation when `by_name` is false.
pub fn sort(by_name: bool, descending: bool) -> Sort<contact::Column> {
    Sort::by_name_or_creation(contact::Column::Name, by_name, descending)
}

/// Which contacts a list shows.
#[derive(Clone, Debug, Default)]
pub struct ContactFilter {
    pub name_contains: Option<String>,
    pub account_id: Option<Uuid>,
}

/// A page of the contacts the caller may see.
pub async fn list(
    ctx: &Ctx,
    filter: &ContactFilter,
    order: Sort<contact::Column>,
    args: &PageArgs,
    wants: Wants,
) -> DomainResult<Page<contact::Model>> {
    let mut select = contact::Entity::find();
    if let Some(text) = &filter.name_contains {
        select = select.filter(contact::Column::Name.contains(text));
    }
    if let Some(account_id) = filter.account_id {
        select = select.filter(contact::Column::AccountId.eq(account_id));
    }
    Ok(page::fetch_page(
        &ctx.db,
        visibility::contacts(&ctx.principal, ctx.clock.today()).apply(select),
        &order,
        args,
        wants,
    )
    .await?)
}

/// The visible contacts among `ids`.
pub async fn by_ids(ctx: &Ctx, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, contact::Model>> {
    rows::by_ids::<contact::Entity>(
        &ctx.db,
        ids,
        visibility::contacts(&ctx.principal, ctx.clock.today()),
    )
    .await
}

/// Each account's page of visible contacts.
pub async fn pages_by_account(
    ctx: &Ctx,
    accounts: &[Uuid],
    order: Sort<contact::Column>,
    args: &PageArgs,
) -> DomainResult<HashMap<Uuid, Page<contact::Model>>> {
    let select = visibility::contacts(&ctx.principal, ctx.clock.today()).apply(
        contact::Entity::find().filter(crate::sql::one_of(
            ctx.backend(),
            contact::Column::AccountId,
            accounts.iter().copied(),
        )),
    );
    Ok(page::fetch_pages_by_parent(
        &ctx.db,
        select,
        contact::Column::AccountId,
        |m| m.account_id,
        &order,
        args,
    )
    .await?)
}

/// Input of `create`.
#[derive(Clone, Debug, Default)]
pub struct NewContact {
    pub account_id: Uuid,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub subject: Option<String>,
}

/// Changes of `update`; `None` leaves a field unchanged, an empty text clears it.
#[derive(Clone, Debug, Default)]
pub struct ContactPatch {
    pub account_id: Option<Uuid>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub subject: Option<String>,
}

async fn check_account(txn: &impl sea_orm::ConnectionTrait, id: Uuid) -> DomainResult<()> {
    if account::Entity::find_by_id(id).one(txn).await?.is_none() {
        return Err(super::DomainError::invalid(
            "accountId",
            "the account does not exist",
        ));
    }
    Ok(())
}

/// Refuses moving a contact onto an account it holds a contact relationship on: those are for
/// contacts of other accounts (DOMAIN §3).
async fn ensure_acts_elsewhere(
    txn: &impl sea_orm::ConnectionTrait,
    contact_id: Uuid,
    account_id: Uuid,
) -> DomainResult<()> {
    let held = contact_relationship::Entity::find()
        .filter(contact_relationship::Column::ContactId.eq(contact_id))
        .filter(contact_relationship::Column::AccountId.eq(account_id))
        .count(txn)
        .await?;
    if held > 0 {
        return Err(super::DomainError::conflict(
            Some("accountId"),
            format!(
                "the contact holds {held} contact relationship(s) on that account; remove them before moving it there"
            ),
        ));
    }
    Ok(())
}

/// Creates a contact on an account (admin or manager).
pub async fn create(ctx: &Ctx, input: NewContact) -> DomainResult<contact::Model> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let name = required_name(&input.name)?;
    let subject = optional_text(input.subject);
    let txn = ctx.write().await?;
    check_account(&txn, input.account_id).await?;
    if let Some(subject) = &subject {
        input::ensure_subject_free(&txn, subject, None).await?;
    }
    let now = ctx.clock.now();
    let model = contact::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(input.account_id),
        name: Set(name),
        email: Set(optional_text(input.email)),
        phone: Set(optional_text(input.phone)),
        subject: Set(subject),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record_and_commit(
        ctx,
        txn,
        "create",
        "contact",
        model.id,
        json!({"name": model.name, "accountId": model.account_id}),
    )
    .await?;
    Ok(model)
}

/// Changes a contact (admin or manager); moving it to another account changes its own access,
/// which is reported. A dry run writes nothing.
pub async fn update(
    ctx: &Ctx,
    id: Uuid,
    patch: ContactPatch,
    dry_run: bool,
) -> DomainResult<(contact::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let txn = ctx.write().await?;
    locks::rows::<contact::Entity>(&txn, &[id], Lock::Exclusive).await?;
    let mut model = rows::require::<contact::Entity>(&txn, id, "contact")
        .await?
        .into_active_model();
    let impact = cascade::watch(ctx, &txn, impact::contact_identity(&txn, id).await?).await?;
    if let Some(account_id) = patch.account_id {
        check_account(&txn, account_id).await?;
        ensure_acts_elsewhere(&txn, id, account_id).await?;
        model.account_id = Set(account_id);
    }
    if let Some(name) = &patch.name {
        model.name = Set(required_name(name)?);
    }
    if let Some(email) = patch.email {
        model.email = Set(optional_text(Some(email)));
    }
    if let Some(phone) = patch.phone {
        model.phone = Set(optional_text(Some(phone)));
    }
    if let Some(subject) = patch.subject {
        let subject = optional_text(Some(subject));
        if let Some(subject) = &subject {
            input::ensure_subject_free(&txn, subject, Some(id)).await?;
        }
        model.subject = Set(subject);
    }
    model.updated_at = Set(ctx.clock.now());
    let model = model.update(&txn).await?;
    audit::record(
        ctx,
        &txn,
        "update",
        "contact",
        id,
        json!({"name": model.name, "accountId": model.account_id}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((model, changes))
}

/// Deletes a contact and its stored roles (admin or manager).
pub async fn delete(ctx: &Ctx, id: Uuid) -> DomainResult<contact::Model> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let txn = ctx.write().await?;
    let current = rows::require::<contact::Entity>(&txn, id, "contact").await?;
    role_assignment::Entity::delete_many()
        .filter(role_assignment::Column::ContactId.eq(id))
        .exec(&txn)
        .await?;
    contact::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record_and_commit(
        ctx,
        txn,
        "delete",
        "contact",
        id,
        json!({"name": current.name, "accountId": current.account_id}),
    )
    .await?;
    Ok(current)
}
