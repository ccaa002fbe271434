//! Who can read this case? Every stored principal related to the case is a candidate; the engine
//! is evaluated for all of them at once, then each reader's granting rules are listed.

use std::collections::HashSet;

use chrono::NaiveDate;
use entity::{
    account_relationship as relationship, case, consumer, consumer_relationship, contact,
    contact_relationship, household_membership as membership, role_assignment,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, Query},
};
use uuid::Uuid;

use super::{
    check::{Action, scope},
    error::{AccessError, AccessResult},
    explain::granting_rules,
    hierarchy::ancestor_chains,
    principal::{Identity, Principal, Role},
    rules::Rule,
    stored_roles::stored_principal,
    visibility::Scope,
};

/// Everyone stored who may read case `id`, with the rules that grant each, staff first.
pub async fn who_can_read(
    db: &impl ConnectionTrait,
    id: Uuid,
    today: NaiveDate,
) -> AccessResult<Vec<(Principal, Vec<(Rule, Role)>)>> {
    let the_case = case::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AccessError::NotFound { kind: "case" })?;
    let mut principals = Vec::new();
    for identity in candidates(db, &the_case).await? {
        principals.push(stored_principal(db, identity).await?);
    }
    let readable = who_reads(db, &principals, id, today).await?;
    let mut out = Vec::new();
    for (principal, can) in principals.into_iter().zip(readable) {
        if can {
            let rules = granting_rules(db, &principal, id, today)
                .await?
                .into_iter()
                .filter(|(_, _, granted)| *granted)
                .map(|(rule, role, _)| (rule, role))
                .collect();
            out.push((principal, rules));
        }
    }
    Ok(out)
}

/// The stored people any rule could let read `the_case`: staff with a stored staff role; contacts
/// of its account, the account's ancestors and partners, contacts related to the account and the
/// case's own contacts; its consumers, their representatives and the members of their households.
async fn candidates(
    db: &impl ConnectionTrait,
    the_case: &case::Model,
) -> AccessResult<Vec<Identity>> {
    let mut candidates: Vec<Identity> = Vec::new();
    let mut seen: HashSet<Uuid> = HashSet::new();
    let staff_roles = [
        Role::Admin,
        Role::Manager,
        Role::Agent,
        Role::RelationshipAgent,
    ]
    .map(|r| r.as_str());
    let staff = role_assignment::Entity::find()
        .filter(role_assignment::Column::InternalUserId.is_not_null())
        .filter(role_assignment::Column::Role.is_in(staff_roles))
        .all(db)
        .await?;
    for row in staff {
        if let Some(user) = row.internal_user_id
            && seen.insert(user)
        {
            candidates.push(Identity::InternalUser { id: user });
        }
    }
    let mut accounts: Vec<Uuid> = the_case.account_id.into_iter().collect();
    if let Some(case_account) = the_case.account_id {
        accounts.extend(
            ancestor_chains(db, &[case_account])
                .await?
                .remove(&case_account)
                .unwrap_or_default(),
        );
        let partners = relationship::Entity::find()
            .filter(relationship::Column::ToId.eq(case_account))
            .all(db)
            .await?;
        accounts.extend(partners.into_iter().map(|r| r.from_id));
    }
    let linked = Query::select()
        .column(contact_relationship::Column::ContactId)
        .from(contact_relationship::Entity)
        .and_where(
            contact_relationship::Column::AccountId.eq(the_case.account_id.unwrap_or_default()),
        )
        .to_owned();
    let mut people = Condition::any()
        .add(contact::Column::AccountId.is_in(accounts))
        .add(contact::Column::Id.in_subquery(linked));
    for id in [
        the_case.contact_id,
        the_case.partner_contact_id,
        the_case.opened_by_id,
    ]
    .into_iter()
    .flatten()
    {
        people = people.add(contact::Column::Id.eq(id));
    }
    for person in contact::Entity::find().filter(people).all(db).await? {
        if seen.insert(person.id) {
            candidates.push(Identity::Contact {
                id: person.id,
                account_id: person.account_id,
            });
        }
    }
    let mut homes: Vec<Uuid> = the_case.household_id.into_iter().collect();
    let mut consumers: Vec<Uuid> = [the_case.consumer_id, the_case.opened_by_id]
        .into_iter()
        .flatten()
        .collect();
    if let Some(person) = the_case.consumer_id {
        let theirs = membership::Entity::find()
            .filter(membership::Column::ConsumerId.eq(person))
            .all(db)
            .await?;
        homes.extend(theirs.into_iter().map(|m| m.household_id));
        let reps = consumer_relationship::Entity::find()
            .filter(consumer_relationship::Column::RelatedConsumerId.eq(person))
            .all(db)
            .await?;
        consumers.extend(reps.into_iter().map(|r| r.consumer_id));
    }
    let members = membership::Entity::find()
        .filter(membership::Column::HouseholdId.is_in(homes))
        .all(db)
        .await?;
    consumers.extend(members.into_iter().map(|m| m.consumer_id));
    for person in consumer::Entity::find()
        .filter(consumer::Column::Id.is_in(consumers))
        .all(db)
        .await?
    {
        if seen.insert(person.id) {
            candidates.push(Identity::Consumer { id: person.id });
        }
    }
    Ok(candidates)
}

/// For each principal (by index), whether it may read case `id`, in one statement per chunk.
pub async fn who_reads(
    db: &impl ConnectionTrait,
    principals: &[Principal],
    id: Uuid,
    today: NaiveDate,
) -> AccessResult<Vec<bool>> {
    let mut out = Vec::with_capacity(principals.len());
    for chunk in principals.chunks(50) {
        let mut query = Query::select();
        query.from(case::Entity).and_where(case::Column::Id.eq(id));
        for (i, principal) in chunk.iter().enumerate() {
            let flag = match scope(principal, Action::Read, today, db.get_database_backend()) {
                Scope::All => Expr::cust("1"),
                Scope::Nothing => Expr::cust("0"),
                Scope::Only(condition) => Expr::case(condition, Expr::cust("1"))
                    .finally(Expr::cust("0"))
                    .into(),
            };
            query.expr_as(flag, format!("p{i}"));
        }
        let row = db
            .query_one(&query)
            .await?
            .ok_or(AccessError::NotFound { kind: "case" })?;
        for i in 0..chunk.len() {
            let flag: i32 = row.try_get("", &format!("p{i}"))?;
            out.push(flag == 1);
        }
    }
    Ok(out)
}
