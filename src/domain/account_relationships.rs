//! Account relationships: stored once, read from both sides with the label that side sees.

use std::collections::HashMap;

use entity::{
    account, account_relationship as relationship, account_relationship_side as side,
    account_relationship_type as rel_type,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::Query,
};
use serde_json::json;
use uuid::Uuid;

use super::locks::{self, Lock};
use super::{
    Ctx, DomainError, DomainResult, audit, cascade,
    relationship_types::{AccountKind, is_symmetric},
    rows,
    set_validity::set_validity,
    side_rows,
    validity::Validity,
};
use crate::access::{
    self, Permission,
    impact::{self, AccessChange, Grants, Impact},
    period::in_force,
    visibility,
};
use crate::pagination::{self as page, Page, PageArgs, Sort};

page::pageable!(relationship);

page::pageable!(side, RelationshipId, relationship_id);

/// Relationships are listed in the order they were created.
pub const SORT_RECORDS: Sort<relationship::Column> = Sort::creation(false);
/// Sides are listed in the order their relationships were created.
pub const SORT_SIDES: Sort<side::Column> = Sort::creation(false);

/// Which side of a relationship an account is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The account is the source (Account From); it reads the forward label.
    Forward,
    /// The account is the target (Account To); it reads the reverse label.
    Reverse,
}

impl Direction {
    /// Stored form in the sides view.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Forward => "FORWARD",
            Direction::Reverse => "REVERSE",
        }
    }

    /// Reads the stored form.
    pub fn parse(text: &str) -> Self {
        if text == "REVERSE" {
            Direction::Reverse
        } else {
            Direction::Forward
        }
    }
}

/// Which relationships an account's list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SideFilter {
    pub type_id: Option<Uuid>,
    pub direction: Option<Direction>,
    /// Only relationships in force today.
    pub current_only: bool,
    /// Only types joining a partner (source) to a customer account (target).
    pub partner_types_only: bool,
}

/// Each account's page of relationships as seen from that account.
pub async fn side_pages(
    ctx: &Ctx,
    accounts: &[Uuid],
    filter: &SideFilter,
    args: &PageArgs,
    with_other: bool,
) -> DomainResult<HashMap<Uuid, Page<side_rows::SideRow>>> {
    let today = ctx.clock.today();
    let mut select = side::Entity::find().filter(crate::sql::one_of(
        ctx.backend(),
        side::Column::AccountId,
        accounts.iter().copied(),
    ));
    if let Some(type_id) = filter.type_id {
        select = select.filter(side::Column::TypeId.eq(type_id));
    }
    if let Some(direction) = filter.direction {
        select = select.filter(side::Column::Direction.eq(direction.as_str()));
    }
    if filter.current_only {
        select = select.filter(in_force(
            side::Column::ValidFrom,
            side::Column::ValidTo,
            today,
        ));
    }
    if filter.partner_types_only {
        select = select.filter(
            side::Column::TypeId.in_subquery(
                Query::select()
                    .column(rel_type::Column::Id)
                    .from(rel_type::Entity)
                    .and_where(rel_type::Column::SourceKind.eq(AccountKind::Partner.as_str()))
                    .and_where(rel_type::Column::TargetKind.eq(AccountKind::Account.as_str()))
                    .to_owned(),
            ),
        );
    }
    let select =
        visibility::account_scope_on(&ctx.principal, today, side::Column::AccountId).apply(select);
    let select = side_rows::joined(select, ctx.backend(), &ctx.principal, today, with_other);
    let mut layout = None;
    Ok(page::fetch_joined_pages_by_parent(
        &ctx.db,
        select,
        side::Column::AccountId,
        |row| {
            if layout.is_none() {
                layout = Some(side_rows::Layout::of(row, with_other)?);
            }
            side_rows::decode(row, layout.as_ref().expect("layout"))
        },
        |row| &row.side,
        |m| m.account_id,
        &SORT_SIDES,
        args,
    )
    .await?)
}

/// Each type's page of relationship records.
pub async fn pages_by_type(
    ctx: &Ctx,
    types: &[Uuid],
    args: &PageArgs,
) -> DomainResult<HashMap<Uuid, Page<relationship::Model>>> {
    let select = relationship::Entity::find().filter(crate::sql::one_of(
        ctx.backend(),
        relationship::Column::TypeId,
        types.iter().copied(),
    ));
    let select = visibility::relationships(&ctx.principal, ctx.clock.today()).apply(select);
    Ok(page::fetch_pages_by_parent(
        &ctx.db,
        select,
        relationship::Column::TypeId,
        |m| m.type_id,
        &SORT_RECORDS,
        args,
    )
    .await?)
}

/// The visible relationship records among `ids`.
pub async fn by_ids(ctx: &Ctx, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, relationship::Model>> {
    rows::by_ids::<relationship::Entity>(
        &ctx.db,
        ids,
        visibility::relationships(&ctx.principal, ctx.clock.today()),
    )
    .await
}

/// Input of `create`.
#[derive(Clone, Debug)]
pub struct NewRelationship {
    pub type_id: Uuid,
    pub from_id: Uuid,
    pub to_id: Uuid,
    pub validity: Validity,
}

async fn account_for(
    txn: &impl sea_orm::ConnectionTrait,
    id: Uuid,
    kind: AccountKind,
    field: &str,
) -> DomainResult<account::Model> {
    let found = account::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| DomainError::invalid(field, "the account does not exist"))?;
    if !kind.fits(&found) {
        let flag = if kind == AccountKind::Partner {
            "a partner"
        } else {
            "a customer"
        };
        return Err(DomainError::invalid(
            field,
            format!(
                "{} is not {flag} account, as the relationship type requires",
                found.name
            ),
        ));
    }
    Ok(found)
}

/// How many relationships need `account` to carry `kind`'s flag (it is on a side whose type
/// requires it), and the names of their types: what blocks clearing the flag.
pub async fn needing_flag(
    txn: &impl sea_orm::ConnectionTrait,
    account: Uuid,
    kind: AccountKind,
) -> DomainResult<(usize, Vec<String>)> {
    let records = relationship::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(relationship::Column::FromId.eq(account))
                .add(relationship::Column::ToId.eq(account)),
        )
        .all(txn)
        .await?;
    let types: HashMap<Uuid, rel_type::Model> = rel_type::Entity::find()
        .filter(rel_type::Column::Id.is_in(records.iter().map(|r| r.type_id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let mut names = Vec::new();
    let mut count = 0;
    for record in records {
        let Some(t) = types.get(&record.type_id) else {
            continue;
        };
        let needs = (record.from_id == account && t.source_kind == kind.as_str())
            || (record.to_id == account && t.target_kind == kind.as_str());
        if needs {
            count += 1;
            if !names.contains(&t.name) {
                names.push(t.name.clone());
            }
        }
    }
    Ok((count, names))
}

/// Links two accounts with a relationship type (manager or admin), enforcing §2's rules.
pub async fn create(
    ctx: &Ctx,
    input: NewRelationship,
    dry_run: bool,
) -> DomainResult<(relationship::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageRelationships)?;
    input.validity.check()?;
    if input.from_id == input.to_id {
        return Err(DomainError::invalid(
            "toId",
            "an account cannot be related to itself",
        ));
    }
    let txn = ctx.write().await?;
    // Both accounts in id order (a pair and its mirror lock the same rows in the same order), then
    // the type's kinds, labels and active flag, which hold until this transaction ends.
    locks::rows::<account::Entity>(&txn, &[input.from_id, input.to_id], Lock::Exclusive).await?;
    locks::rows::<rel_type::Entity>(&txn, &[input.type_id], Lock::Shared).await?;
    let kind = rel_type::Entity::find_by_id(input.type_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::invalid("typeId", "the relationship type does not exist"))?;
    if !kind.active {
        return Err(DomainError::invalid(
            "typeId",
            format!("the relationship type {} is inactive", kind.name),
        ));
    }
    account_for(
        &txn,
        input.from_id,
        AccountKind::parse(&kind.source_kind),
        "fromId",
    )
    .await?;
    account_for(
        &txn,
        input.to_id,
        AccountKind::parse(&kind.target_kind),
        "toId",
    )
    .await?;
    let mut same = relationship::Entity::find()
        .filter(relationship::Column::TypeId.eq(input.type_id))
        .filter(relationship::Column::FromId.eq(input.from_id))
        .filter(relationship::Column::ToId.eq(input.to_id));
    if is_symmetric(&kind) {
        same = relationship::Entity::find()
            .filter(relationship::Column::TypeId.eq(input.type_id))
            .filter(
                sea_orm::Condition::any()
                    .add(
                        sea_orm::Condition::all()
                            .add(relationship::Column::FromId.eq(input.from_id))
                            .add(relationship::Column::ToId.eq(input.to_id)),
                    )
                    .add(
                        sea_orm::Condition::all()
                            .add(relationship::Column::FromId.eq(input.to_id))
                            .add(relationship::Column::ToId.eq(input.from_id)),
                    ),
            );
    }
    if same
        .select_only()
        .column(relationship::Column::Id)
        .into_tuple::<Uuid>()
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(DomainError::conflict(
            Some("toId"),
            "these accounts already have a relationship of this type",
        ));
    }
    let impact = Impact::before(
        &txn,
        ctx.clock.today(),
        impact::contacts_of(&txn, &[input.from_id, input.to_id]).await?,
    )
    .await?;
    let now = ctx.clock.now();
    let model = relationship::ActiveModel {
        id: Set(Uuid::now_v7()),
        type_id: Set(input.type_id),
        from_id: Set(input.from_id),
        to_id: Set(input.to_id),
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
        "account_relationship",
        model.id,
        json!({"typeId": model.type_id, "fromId": model.from_id, "toId": model.to_id,
               "validFrom": model.valid_from, "validTo": model.valid_to}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((model, changes))
}

/// Changes the order and validity dates of a relationship (manager or admin), reporting whose
/// access that changes; a dry run writes nothing.
pub async fn update(
    ctx: &Ctx,
    id: Uuid,
    validity: Validity,
    dry_run: bool,
) -> DomainResult<(relationship::Model, Vec<AccessChange>)> {
    set_validity::<relationship::Entity>(
        ctx,
        id,
        validity,
        "account relationship",
        "account_relationship",
        dry_run,
    )
    .await
}

/// Deletes a relationship, both of its views at once; cases are untouched (manager or admin).
pub async fn delete(
    ctx: &Ctx,
    id: Uuid,
    dry_run: bool,
) -> DomainResult<(relationship::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageRelationships)?;
    let txn = ctx.write().await?;
    let current = rows::require::<relationship::Entity>(&txn, id, "account relationship").await?;
    let impact = cascade::watch(ctx, &txn, current.holders(&txn).await?).await?;
    relationship::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        ctx,
        &txn,
        "delete",
        "account_relationship",
        id,
        json!({"typeId": current.type_id, "fromId": current.from_id, "toId": current.to_id}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((current, changes))
}
