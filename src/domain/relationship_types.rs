//! Account relationship types: which kinds of account a relationship joins and how each side reads it.

use std::collections::HashMap;

use entity::{account_relationship as relationship, account_relationship_type as rel_type};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Func},
};
use serde_json::json;
use uuid::Uuid;

use super::locks::{self, Lock};
use super::{
    Ctx, DomainError, DomainResult, audit, cascade, input::required_name, rows, validity::Removal,
};
use crate::access::{
    self, Permission,
    impact::{self, AccessChange},
    visibility,
};
use crate::pagination::{self as page, Page, PageArgs, Sort, Wants};

/// Which account flag a side of a relationship requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountKind {
    /// The customer flag.
    Account,
    /// The partner flag.
    Partner,
}

impl AccountKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Account => "ACCOUNT",
            AccountKind::Partner => "PARTNER",
        }
    }

    /// Reads the stored form.
    pub fn parse(text: &str) -> Self {
        if text == "PARTNER" {
            AccountKind::Partner
        } else {
            AccountKind::Account
        }
    }

    /// Whether an account carries the flag this kind requires.
    pub fn fits(self, account: &entity::account::Model) -> bool {
        match self {
            AccountKind::Account => account.is_customer,
            AccountKind::Partner => account.is_partner,
        }
    }
}

/// Which of a customer's cases a partner sees through a partner-granting relationship.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartnerPolicy {
    /// Every case of the customer, older ones too.
    Derived,
    /// Only cases whose partner field names the partner account.
    Stamped,
}

impl PartnerPolicy {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerPolicy::Derived => "DERIVED",
            PartnerPolicy::Stamped => "STAMPED",
        }
    }

    /// Reads the stored form.
    pub fn parse(text: &str) -> Self {
        if text == "STAMPED" {
            PartnerPolicy::Stamped
        } else {
            PartnerPolicy::Derived
        }
    }
}

/// Whether records of `t` are symmetric: the mirror of a record is the same relationship.
pub fn is_symmetric(t: &rel_type::Model) -> bool {
    t.source_kind == t.target_kind && t.forward_label == t.reverse_label
}

page::pageable!(rel_type by name);

const SORT: Sort<rel_type::Column> = Sort {
    name: "NAME",
    column: Some(rel_type::Column::Name),
    descending: false,
};

/// A page of relationship types, by name (every signed-in principal may read them).
pub async fn list(
    ctx: &Ctx,
    active: Option<bool>,
    args: &PageArgs,
    wants: Wants,
) -> DomainResult<Page<rel_type::Model>> {
    access::require(&ctx.principal, Permission::SignedIn)?;
    let mut select = rel_type::Entity::find();
    if let Some(active) = active {
        select = select.filter(rel_type::Column::Active.eq(active));
    }
    Ok(page::fetch_page(&ctx.db, select, &SORT, args, wants).await?)
}

/// The types among `ids` (every signed-in principal may read them).
pub async fn by_ids(ctx: &Ctx, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, rel_type::Model>> {
    let scope = visibility::signed_in(&ctx.principal);
    rows::by_ids::<rel_type::Entity>(&ctx.db, ids, scope).await
}

/// Input of `create`.
#[derive(Clone, Debug)]
pub struct NewType {
    pub name: String,
    pub source_kind: AccountKind,
    pub target_kind: AccountKind,
    pub forward_label: String,
    pub reverse_label: String,
    pub active: bool,
    pub grants_partner_access: bool,
    pub policy: PartnerPolicy,
}

/// Changes of `update`; kinds cannot change.
#[derive(Clone, Debug, Default)]
pub struct TypePatch {
    pub name: Option<String>,
    pub forward_label: Option<String>,
    pub reverse_label: Option<String>,
    pub active: Option<bool>,
    pub grants_partner_access: Option<bool>,
    pub policy: Option<PartnerPolicy>,
}

fn label(text: &str, field: &str) -> DomainResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    Ok(text.to_owned())
}

async fn ensure_name_free(
    txn: &impl sea_orm::ConnectionTrait,
    name: &str,
    except: Option<Uuid>,
) -> DomainResult<()> {
    let taken = rel_type::Entity::find()
        .filter(Expr::expr(Func::lower(Expr::col(rel_type::Column::Name))).eq(Func::lower(name)))
        .filter(rel_type::Column::Id.ne(except.unwrap_or_default()))
        .one(txn)
        .await?;
    if taken.is_some() {
        return Err(DomainError::conflict(
            Some("name"),
            format!(
                "a relationship type named {name} exists (names are compared regardless of letter case)"
            ),
        ));
    }
    Ok(())
}

/// Creates a relationship type (admin).
pub async fn create(ctx: &Ctx, input: NewType) -> DomainResult<rel_type::Model> {
    access::require(&ctx.principal, Permission::Administer)?;
    let name = required_name(&input.name)?;
    let forward = label(&input.forward_label, "forwardLabel")?;
    let reverse = label(&input.reverse_label, "reverseLabel")?;
    let txn = ctx.write().await?;
    ensure_name_free(&txn, &name, None).await?;
    let now = ctx.clock.now();
    let model = rel_type::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        source_kind: Set(input.source_kind.as_str().into()),
        target_kind: Set(input.target_kind.as_str().into()),
        forward_label: Set(forward),
        reverse_label: Set(reverse),
        active: Set(input.active),
        grants_partner_access: Set(input.grants_partner_access),
        partner_access_policy: Set(input.policy.as_str().into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record_and_commit(
        ctx,
        txn,
        "create",
        "account_relationship_type",
        model.id,
        json!({"name": model.name}),
    )
    .await?;
    Ok(model)
}

/// Renames, relabels, (de)activates or changes the partner access of a type (admin). Reports the
/// access change of the contacts its records join; a dry run writes nothing.
pub async fn update(
    ctx: &Ctx,
    id: Uuid,
    patch: TypePatch,
    dry_run: bool,
) -> DomainResult<(rel_type::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::Administer)?;
    let txn = ctx.write().await?;
    // Creating records share-lock the type before their checks: none runs while this changes it.
    locks::rows::<rel_type::Entity>(&txn, &[id], Lock::Exclusive).await?;
    let current = rows::require::<rel_type::Entity>(&txn, id, "account relationship type").await?;
    ensure_symmetry_holds(&txn, &current, &patch).await?;
    let mut model = current.into_active_model();
    let impact = cascade::watch(ctx, &txn, impact::of_relationship_type(&txn, id).await?).await?;
    if let Some(name) = &patch.name {
        let name = required_name(name)?;
        ensure_name_free(&txn, &name, Some(id)).await?;
        model.name = Set(name);
    }
    if let Some(text) = &patch.forward_label {
        model.forward_label = Set(label(text, "forwardLabel")?);
    }
    if let Some(text) = &patch.reverse_label {
        model.reverse_label = Set(label(text, "reverseLabel")?);
    }
    if let Some(active) = patch.active {
        model.active = Set(active);
    }
    if let Some(grants) = patch.grants_partner_access {
        model.grants_partner_access = Set(grants);
    }
    if let Some(policy) = patch.policy {
        model.partner_access_policy = Set(policy.as_str().into());
    }
    model.updated_at = Set(ctx.clock.now());
    let model = model.update(&txn).await?;
    audit::record(ctx, &txn,
        "update",
        "account_relationship_type",
        id,
        json!({"name": model.name, "forwardLabel": model.forward_label, "reverseLabel": model.reverse_label,
               "active": model.active, "grantsPartnerAccess": model.grants_partner_access,
               "partnerAccessPolicy": model.partner_access_policy}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((model, changes))
}

/// Refuses relabelling a type into a symmetric one (equal labels) while it has a record and its
/// mirror: a symmetric type stores each pair once.
async fn ensure_symmetry_holds(
    txn: &impl sea_orm::ConnectionTrait,
    current: &rel_type::Model,
    patch: &TypePatch,
) -> DomainResult<()> {
    let mut after = current.clone();
    if let Some(text) = &patch.forward_label {
        after.forward_label = text.trim().to_owned();
    }
    if let Some(text) = &patch.reverse_label {
        after.reverse_label = text.trim().to_owned();
    }
    if is_symmetric(current) || !is_symmetric(&after) {
        return Ok(());
    }
    let pairs: std::collections::HashSet<(Uuid, Uuid)> = relationship::Entity::find()
        .select_only()
        .column(relationship::Column::FromId)
        .column(relationship::Column::ToId)
        .filter(relationship::Column::TypeId.eq(current.id))
        .into_tuple()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let mirrored = pairs
        .iter()
        .filter(|(a, b)| pairs.contains(&(*b, *a)))
        .count()
        / 2;
    if mirrored == 0 {
        return Ok(());
    }
    let field = if patch.reverse_label.is_some() {
        "reverseLabel"
    } else {
        "forwardLabel"
    };
    Err(DomainError::conflict(
        Some(field),
        format!(
            "equal labels would make {} symmetric, but {mirrored} pair(s) of accounts are related in both directions",
            current.name
        ),
    ))
}

/// Deletes a type and every record using it in one transaction (admin), auditing and reporting
/// each record and the access change of the contacts they joined; a dry run writes nothing.
pub async fn delete(
    ctx: &Ctx,
    id: Uuid,
    dry_run: bool,
) -> DomainResult<(rel_type::Model, Removal, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::Administer)?;
    let txn = ctx.write().await?;
    let current = rows::require::<rel_type::Entity>(&txn, id, "account relationship type").await?;
    let impact = cascade::watch(ctx, &txn, impact::of_relationship_type(&txn, id).await?).await?;
    let mut removal = Removal::default();
    cascade::remove::<relationship::Entity>(
        ctx,
        &txn,
        sea_orm::Condition::all().add(relationship::Column::TypeId.eq(id)),
        id,
        &mut removal,
    )
    .await?;
    rel_type::Entity::delete_by_id(id).exec(&txn).await?;
    let records = removal
        .kinds
        .iter()
        .map(|(_, ids)| ids.len())
        .sum::<usize>();
    audit::record(
        ctx,
        &txn,
        "delete",
        "account_relationship_type",
        id,
        json!({"name": current.name, "records": records}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((current, removal, changes))
}
