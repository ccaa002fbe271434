//! Accounts (customers and partners): listing, lookup, hierarchy edges and maintenance.

use std::collections::HashMap;

use entity::{account, contact};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::{Ctx, DomainError, DomainResult, audit, cascade, hierarchy, input, rows, sequences};
use super::{
    account_relationships,
    locks::{self, Lock},
    relationship_types::AccountKind,
};
use crate::access::{
    self, Permission,
    impact::{self, AccessChange},
    visibility,
};
use crate::pagination::{self as page, Page, PageArgs, Pageable, Sort, SortValue, Wants};

impl Pageable for account::Entity {
    fn id_column() -> account::Column {
        account::Column::Id
    }
    fn id_of(model: &account::Model) -> Uuid {
        model.id
    }
    fn sort_value(model: &account::Model, column: account::Column) -> SortValue {
        match column {
            account::Column::Number => SortValue::Text(model.number.clone()),
            _ => SortValue::Text(model.name.clone()),
        }
    }
}

/// The orderings account lists offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountOrder {
    Name,
    Number,
    Created,
}

impl AccountOrder {
    /// The keyset sort for this ordering.
    pub fn sort(self, descending: bool) -> Sort<account::Column> {
        let (name, column) = match self {
            AccountOrder::Name => ("NAME", Some(account::Column::Name)),
            AccountOrder::Number => ("NUMBER", Some(account::Column::Number)),
            AccountOrder::Created => ("CREATED", None),
        };
        Sort {
            name,
            column,
            descending,
        }
    }
}

/// Which accounts a list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AccountFilter {
    pub name_contains: Option<String>,
    pub is_customer: Option<bool>,
    pub is_partner: Option<bool>,
    pub parent_id: Option<Uuid>,
    pub roots_only: bool,
}

impl AccountFilter {
    fn apply(
        &self,
        mut select: sea_orm::Select<account::Entity>,
    ) -> sea_orm::Select<account::Entity> {
        if let Some(text) = &self.name_contains {
            select = select.filter(account::Column::Name.contains(text));
        }
        if let Some(flag) = self.is_customer {
            select = select.filter(account::Column::IsCustomer.eq(flag));
        }
        if let Some(flag) = self.is_partner {
            select = select.filter(account::Column::IsPartner.eq(flag));
        }
        if let Some(parent) = self.parent_id {
            select = select.filter(account::Column::ParentId.eq(parent));
        }
        if self.roots_only {
            select = select.filter(account::Column::ParentId.is_null());
        }
        select
    }
}

/// A page of the accounts the caller may see.
pub async fn list(
    ctx: &Ctx,
    filter: &AccountFilter,
    order: Sort<account::Column>,
    args: &PageArgs,
    wants: Wants,
) -> DomainResult<Page<account::Model>> {
    let select = visibility::accounts(&ctx.principal, ctx.clock.today())
        .apply(filter.apply(account::Entity::find()));
    Ok(page::fetch_page(&ctx.db, select, &order, args, wants).await?)
}

/// The visible accounts among `ids`.
pub async fn by_ids(ctx: &Ctx, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, account::Model>> {
    rows::by_ids::<account::Entity>(
        &ctx.db,
        ids,
        visibility::accounts(&ctx.principal, ctx.clock.today()),
    )
    .await
}

/// Each parent's page of visible child accounts.
pub async fn children_pages(
    ctx: &Ctx,
    parents: &[Uuid],
    order: Sort<account::Column>,
    args: &PageArgs,
) -> DomainResult<HashMap<Uuid, Page<account::Model>>> {
    let select = visibility::accounts(&ctx.principal, ctx.clock.today()).apply(
        account::Entity::find().filter(crate::sql::one_of(
            ctx.backend(),
            account::Column::ParentId,
            parents.iter().copied(),
        )),
    );
    Ok(page::fetch_pages_by_parent(
        &ctx.db,
        select,
        account::Column::ParentId,
        |m| m.parent_id.unwrap_or_default(),
        &order,
        args,
    )
    .await?)
}

/// Input of `create`.
#[derive(Clone, Debug, Default)]
pub struct NewAccount {
    pub name: String,
    pub number: Option<String>,
    pub is_customer: bool,
    pub is_partner: bool,
    pub parent_id: Option<Uuid>,
}

/// Changes of `update`; `None` leaves a field as it is, `Some(None)` clears the parent.
#[derive(Clone, Debug, Default)]
pub struct AccountPatch {
    pub name: Option<String>,
    pub is_customer: Option<bool>,
    pub is_partner: Option<bool>,
    pub parent_id: Option<Option<Uuid>>,
}

fn check_flags(is_customer: bool, is_partner: bool) -> DomainResult<()> {
    if !is_customer && !is_partner {
        return Err(DomainError::invalid(
            "isCustomer",
            "an account must be a customer, a partner, or both",
        ));
    }
    Ok(())
}

/// The next generated account number not already taken by an explicitly numbered account.
async fn next_free_number(txn: &impl sea_orm::ConnectionTrait) -> DomainResult<String> {
    loop {
        let number = sequences::format("ACC", sequences::next(txn, "account").await?);
        let taken = account::Entity::find()
            .filter(account::Column::Number.eq(&number))
            .count(txn)
            .await?;
        if taken == 0 {
            return Ok(number);
        }
    }
}

/// Creates an account (admin or manager).
pub async fn create(ctx: &Ctx, input: NewAccount) -> DomainResult<account::Model> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let name = input::required_name(&input.name)?;
    check_flags(input.is_customer, input.is_partner)?;
    let txn = ctx.write().await?;
    if let Some(parent) = input.parent_id {
        hierarchy::check_parent(&txn, None, parent).await?;
    }
    let number = match input.number.map(|n| n.trim().to_owned()) {
        Some(number) if number.is_empty() => {
            return Err(DomainError::invalid("number", "must not be empty"));
        }
        Some(number) => {
            if account::Entity::find()
                .filter(account::Column::Number.eq(&number))
                .count(&txn)
                .await?
                > 0
            {
                return Err(DomainError::conflict(
                    Some("number"),
                    format!("account number {number} is taken"),
                ));
            }
            number
        }
        None => next_free_number(&txn).await?,
    };
    let now = ctx.clock.now();
    let model = account::ActiveModel {
        id: Set(Uuid::now_v7()),
        number: Set(number),
        name: Set(name),
        is_customer: Set(input.is_customer),
        is_partner: Set(input.is_partner),
        parent_id: Set(input.parent_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record_and_commit(
        ctx,
        txn,
        "create",
        "account",
        model.id,
        json!({"name": model.name, "number": model.number}),
    )
    .await?;
    Ok(model)
}

/// Changes an account's name, flags or parent (admin or manager), reporting whose access that
/// changes (contacts of the account, of the accounts above it before and after, and of the
/// accounts related to it); a dry run writes nothing.
pub async fn update(
    ctx: &Ctx,
    id: Uuid,
    patch: AccountPatch,
    dry_run: bool,
) -> DomainResult<(account::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let txn = ctx.write().await?;
    if matches!(patch.parent_id, Some(Some(_))) {
        // A cycle is a property of the whole tree: one parent change at a time checks it.
        locks::named(&txn, "accounts.parent_id").await?;
    }
    locks::rows::<account::Entity>(&txn, &[id], Lock::Exclusive).await?;
    let current = rows::require::<account::Entity>(&txn, id, "account").await?;
    let new_parent = patch.parent_id.flatten();
    let affected = impact::around_account(&txn, id, new_parent).await?;
    let impact = cascade::watch(ctx, &txn, affected).await?;
    let is_customer = patch.is_customer.unwrap_or(current.is_customer);
    let is_partner = patch.is_partner.unwrap_or(current.is_partner);
    check_flags(is_customer, is_partner)?;
    for (had, has, kind, field) in [
        (
            current.is_customer,
            is_customer,
            AccountKind::Account,
            "isCustomer",
        ),
        (
            current.is_partner,
            is_partner,
            AccountKind::Partner,
            "isPartner",
        ),
    ] {
        ensure_flag_unused(&txn, &current, (had && !has).then_some(kind), field).await?;
    }
    let mut model = current.into_active_model();
    if let Some(name) = &patch.name {
        model.name = Set(input::required_name(name)?);
    }
    model.is_customer = Set(is_customer);
    model.is_partner = Set(is_partner);
    if let Some(parent) = patch.parent_id {
        if let Some(parent) = parent {
            hierarchy::check_parent(&txn, Some(id), parent).await?;
        }
        model.parent_id = Set(parent);
    }
    model.updated_at = Set(ctx.clock.now());
    let model = model.update(&txn).await?;
    audit::record(ctx, &txn,
        "update",
        "account",
        id,
        json!({"name": model.name, "isCustomer": is_customer, "isPartner": is_partner, "parentId": model.parent_id}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((model, changes))
}

/// Refuses clearing the flag `kind` requires while relationships need the account to carry it.
async fn ensure_flag_unused(
    txn: &impl sea_orm::ConnectionTrait,
    current: &account::Model,
    cleared: Option<AccountKind>,
    field: &str,
) -> DomainResult<()> {
    let Some(kind) = cleared else { return Ok(()) };
    let (count, types) = account_relationships::needing_flag(txn, current.id, kind).await?;
    if count == 0 {
        return Ok(());
    }
    let side = if kind == AccountKind::Partner {
        "partner"
    } else {
        "customer"
    };
    Err(DomainError::conflict(
        Some(field),
        format!(
            "{} is the {side} side of {count} relationship(s) ({}); delete them first",
            current.name,
            types.join(", ")
        ),
    ))
}

/// Deletes an account that has no contacts and no child accounts (admin or manager).
pub async fn delete(ctx: &Ctx, id: Uuid) -> DomainResult<account::Model> {
    access::require(&ctx.principal, Permission::ManageDirectory)?;
    let txn = ctx.write().await?;
    let current = rows::require::<account::Entity>(&txn, id, "account").await?;
    let contacts = contact::Entity::find()
        .filter(contact::Column::AccountId.eq(id))
        .count(&txn)
        .await?;
    if contacts > 0 {
        return Err(DomainError::conflict(
            Some("id"),
            format!("the account still has {contacts} contact(s)"),
        ));
    }
    let children = account::Entity::find()
        .filter(account::Column::ParentId.eq(id))
        .count(&txn)
        .await?;
    if children > 0 {
        return Err(DomainError::conflict(
            Some("id"),
            format!("the account still has {children} child account(s)"),
        ));
    }
    let cases = entity::case::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(entity::case::Column::AccountId.eq(id))
                .add(entity::case::Column::PartnerId.eq(id)),
        )
        .count(&txn)
        .await?;
    if cases > 0 {
        return Err(DomainError::conflict(
            Some("id"),
            format!("the account still has {cases} case(s)"),
        ));
    }
    account::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record_and_commit(
        ctx,
        txn,
        "delete",
        "account",
        id,
        json!({"name": current.name, "number": current.number}),
    )
    .await?;
    Ok(current)
}
