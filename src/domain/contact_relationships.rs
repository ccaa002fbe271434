//! Contact relationships: a contact of another account given a responsibility on an account.

use std::collections::{BTreeMap, HashMap, HashSet};

use entity::{
    account, account_relationship_side as side, contact, contact_relationship as link,
    responsibility_definition as definition,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    Statement, Value,
};
use serde_json::json;
use uuid::Uuid;

use super::locks::{self, Lock};
use super::{
    Ctx, DomainError, DomainResult, account_relationships::Direction, audit, cascade, hierarchy,
    responsibilities::ResponsibilityKind, rows, validity::Validity,
};
use crate::access::{
    self, Permission,
    impact::{self, AccessChange, Grants, Impact},
    period::in_force,
    visibility,
};
use crate::pagination::{self as page, Cursor, Page, PageArgs, Sort, SortValue};

page::pageable!(link);

const SORT: Sort<link::Column> = Sort::creation(false);

/// Which side a batched page of contact relationships is keyed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkSide {
    /// The account the responsibility is on.
    Account,
    /// The contact who carries it.
    Contact,
}

/// Each account's (or contact's) page of visible contact relationships.
pub async fn pages(
    ctx: &Ctx,
    by: LinkSide,
    keys: &[Uuid],
    current_only: bool,
    args: &PageArgs,
) -> DomainResult<HashMap<Uuid, Page<link::Model>>> {
    let column = match by {
        LinkSide::Account => link::Column::AccountId,
        LinkSide::Contact => link::Column::ContactId,
    };
    let mut select = link::Entity::find().filter(crate::sql::one_of(
        ctx.backend(),
        column,
        keys.iter().copied(),
    ));
    if current_only {
        select = select.filter(in_force(
            link::Column::ValidFrom,
            link::Column::ValidTo,
            ctx.clock.today(),
        ));
    }
    let select = visibility::contact_relationships(&ctx.principal).apply(select);
    let parent_of = move |m: &link::Model| match by {
        LinkSide::Account => m.account_id,
        LinkSide::Contact => m.contact_id,
    };
    Ok(page::fetch_pages_by_parent(&ctx.db, select, column, parent_of, &SORT, args).await?)
}

/// The visible contact relationships among `ids`.
pub async fn by_ids(ctx: &Ctx, ids: &[Uuid]) -> DomainResult<HashMap<Uuid, link::Model>> {
    rows::by_ids::<link::Entity>(
        &ctx.db,
        ids,
        visibility::contact_relationships(&ctx.principal),
    )
    .await
}

/// Why a contact may be chosen for a contact relationship on an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CandidateReason {
    /// Its account is related to the account by an account relationship in force.
    RelatedAccount {
        account_id: Uuid,
        relationship_id: Uuid,
        direction: Direction,
    },
    /// Its account is in the same hierarchy (the whole tree from the root).
    Hierarchy { account_id: Uuid },
}

/// A contact that may be given a responsibility on an account, with every reason it qualifies.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub contact: contact::Model,
    pub reasons: Vec<CandidateReason>,
}

/// For each account, the candidate contacts of §3 ordered by name, in four statements for any number of accounts.
pub async fn candidates(
    ctx: &Ctx,
    accounts: &[Uuid],
) -> DomainResult<HashMap<Uuid, Vec<Candidate>>> {
    candidates_in(ctx, &ctx.db, accounts).await
}

/// `candidates` read through `db`: a mutation asks inside its own transaction, which on SQLite
/// holds the write lock, so it never waits for a second pooled connection.
async fn candidates_in(
    ctx: &Ctx,
    db: &impl ConnectionTrait,
    accounts: &[Uuid],
) -> DomainResult<HashMap<Uuid, Vec<Candidate>>> {
    let mut reasons: HashMap<Uuid, BTreeMap<Uuid, Vec<CandidateReason>>> = HashMap::new();
    let sides = side::Entity::find()
        .filter(side::Column::AccountId.is_in(accounts.iter().copied()))
        .filter(in_force(
            side::Column::ValidFrom,
            side::Column::ValidTo,
            ctx.clock.today(),
        ))
        .all(db)
        .await?;
    for s in sides {
        reasons
            .entry(s.account_id)
            .or_default()
            .entry(s.other_account_id)
            .or_default()
            .push(CandidateReason::RelatedAccount {
                account_id: s.other_account_id,
                relationship_id: s.relationship_id,
                direction: Direction::parse(&s.direction),
            });
    }
    let chains = hierarchy::ancestor_chains(db, accounts).await?;
    let roots: HashMap<Uuid, Uuid> = accounts
        .iter()
        .map(|a| {
            (
                *a,
                chains.get(a).and_then(|c| c.last().copied()).unwrap_or(*a),
            )
        })
        .collect();
    let distinct_roots: Vec<Uuid> = roots
        .values()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let trees = subtrees(ctx, db, &distinct_roots).await?;
    for (account, root) in &roots {
        for member in trees.get(root).into_iter().flatten() {
            if member != account {
                reasons
                    .entry(*account)
                    .or_default()
                    .entry(*member)
                    .or_default()
                    .push(CandidateReason::Hierarchy {
                        account_id: *member,
                    });
            }
        }
    }
    let wanted: HashSet<Uuid> = reasons.values().flat_map(|m| m.keys().copied()).collect();
    let contacts = visibility::contacts(&ctx.principal, ctx.clock.today())
        .apply(contact::Entity::find().filter(contact::Column::AccountId.is_in(wanted)))
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<Candidate>> =
        accounts.iter().map(|a| (*a, Vec::new())).collect();
    for (account, by_account) in reasons {
        let list = out.entry(account).or_default();
        for person in contacts.iter().filter(|c| c.account_id != account) {
            if let Some(why) = by_account.get(&person.account_id) {
                list.push(Candidate {
                    contact: person.clone(),
                    reasons: why.clone(),
                });
            }
        }
        list.sort_by(|a, b| {
            a.contact
                .name
                .cmp(&b.contact.name)
                .then(a.contact.id.cmp(&b.contact.id))
        });
    }
    Ok(out)
}

/// Every account of each root's tree, the root included, in one statement.
async fn subtrees(
    ctx: &Ctx,
    db: &impl ConnectionTrait,
    roots: &[Uuid],
) -> DomainResult<HashMap<Uuid, Vec<Uuid>>> {
    if roots.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = ctx.backend();
    let sql = format!(
        "WITH RECURSIVE tree(root_id, id) AS (\
           SELECT id, id FROM accounts WHERE id IN ({}) \
           UNION SELECT tree.root_id, a.id FROM accounts a JOIN tree ON a.parent_id = tree.id) \
         SELECT root_id, id FROM tree",
        crate::sql::mark_list(backend, roots.len())
    );
    let values: Vec<Value> = roots.iter().map(|r| (*r).into()).collect();
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
    {
        out.entry(row.try_get("", "root_id")?)
            .or_default()
            .push(row.try_get("", "id")?);
    }
    Ok(out)
}

/// The candidates of one account as a page, cut in memory.
pub fn candidate_page(list: Vec<Candidate>, args: &PageArgs) -> DomainResult<Page<Candidate>> {
    let items = list
        .into_iter()
        .map(|c| {
            let cursor = Cursor {
                order: "NAME".into(),
                value: Some(SortValue::Text(c.contact.name.clone())),
                id: c.contact.id,
            };
            (cursor, c)
        })
        .collect();
    Ok(page::slice(items, args, "NAME")?)
}

/// Input of `create`.
#[derive(Clone, Debug)]
pub struct NewLink {
    pub account_id: Uuid,
    pub contact_id: Uuid,
    pub responsibility_id: Uuid,
    pub validity: Validity,
}

/// Gives a contact of another account a CONTACT responsibility on an account (manager or admin).
pub async fn create(
    ctx: &Ctx,
    input: NewLink,
    dry_run: bool,
) -> DomainResult<(link::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageRelationships)?;
    input.validity.check()?;
    let txn = ctx.write().await?;
    // One writer per account checks its holders; the contact (its account) and the definition
    // (its kind and unique flag) cannot change until this transaction ends.
    locks::rows::<account::Entity>(&txn, &[input.account_id], Lock::Exclusive).await?;
    locks::rows::<contact::Entity>(&txn, &[input.contact_id], Lock::Shared).await?;
    locks::rows::<definition::Entity>(&txn, &[input.responsibility_id], Lock::Shared).await?;
    account::Entity::find_by_id(input.account_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::invalid("accountId", "the account does not exist"))?;
    let person = contact::Entity::find_by_id(input.contact_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::invalid("contactId", "the contact does not exist"))?;
    if person.account_id == input.account_id {
        return Err(DomainError::invalid(
            "contactId",
            "the contact belongs to this account; choose a contact of another account",
        ));
    }
    let duty = definition::Entity::find_by_id(input.responsibility_id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            DomainError::invalid("responsibilityId", "the responsibility does not exist")
        })?;
    if ResponsibilityKind::parse(&duty.kind) != ResponsibilityKind::Contact {
        return Err(DomainError::invalid(
            "responsibilityId",
            format!("{} is not a CONTACT responsibility", duty.name),
        ));
    }
    if !ctx.settings.contact_candidates_any_account {
        let found = candidates_in(ctx, &txn, &[input.account_id]).await?;
        let allowed = found
            .get(&input.account_id)
            .is_some_and(|list| list.iter().any(|c| c.contact.id == person.id));
        if !allowed {
            return Err(DomainError::invalid(
                "contactId",
                "the contact's account is neither related to this account nor in its hierarchy",
            ));
        }
    }
    let holders = link::Entity::find()
        .filter(link::Column::AccountId.eq(input.account_id))
        .filter(link::Column::ResponsibilityId.eq(input.responsibility_id))
        .all(&txn)
        .await?;
    if holders.iter().any(|h| h.contact_id == input.contact_id) {
        return Err(DomainError::conflict(
            Some("contactId"),
            "the contact already holds this responsibility on the account",
        ));
    }
    if duty.is_unique && !holders.is_empty() {
        return Err(DomainError::conflict(
            Some("responsibilityId"),
            format!(
                "{} is unique and the account already has a holder",
                duty.name
            ),
        ));
    }
    let impact = Impact::before(
        &txn,
        ctx.clock.today(),
        impact::contact_identity(&txn, input.contact_id).await?,
    )
    .await?;
    let now = ctx.clock.now();
    let model = link::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(input.account_id),
        contact_id: Set(input.contact_id),
        responsibility_id: Set(input.responsibility_id),
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
        "contact_relationship",
        model.id,
        json!({"accountId": model.account_id, "contactId": model.contact_id, "responsibilityId": model.responsibility_id}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((model, changes))
}

/// Removes a contact relationship (manager or admin).
pub async fn delete(
    ctx: &Ctx,
    id: Uuid,
    dry_run: bool,
) -> DomainResult<(link::Model, Vec<AccessChange>)> {
    access::require(&ctx.principal, Permission::ManageRelationships)?;
    let txn = ctx.write().await?;
    let current = rows::require::<link::Entity>(&txn, id, "contact relationship").await?;
    let impact = cascade::watch(ctx, &txn, current.holders(&txn).await?).await?;
    link::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        ctx,
        &txn,
        "delete",
        "contact_relationship",
        id,
        json!({"accountId": current.account_id, "contactId": current.contact_id}),
    )
    .await?;
    let changes = cascade::conclude(ctx, txn, impact, dry_run).await?;
    Ok((current, changes))
}
