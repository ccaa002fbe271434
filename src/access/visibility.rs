//! Who may see which records other than cases: for each kind, the SQL condition selecting the rows
//! a principal may see. Lists, edges and single lookups all apply these scopes, so a check and a
//! list can never disagree. (Cases have rules of their own: `rules`.)

use chrono::NaiveDate;
use entity::{
    account, account_relationship as relationship, consumer, consumer_relationship,
    consumer_relationship_side, contact, contact_relationship, household,
    household_membership as membership, role_assignment, team_member,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, Select,
    sea_query::{Expr, ExprTrait, IntoColumnRef, Query, SelectStatement},
};
use uuid::Uuid;

use super::{
    hierarchy::descendants_of,
    period::{current_membership, households_of, in_force},
    principal::{Principal, Role},
};

/// Which rows of a table a principal may see.
#[derive(Clone, Debug)]
pub enum Scope {
    /// Every row.
    All,
    /// No row.
    Nothing,
    /// The rows matching the condition.
    Only(Condition),
}

impl Scope {
    /// Restricts `select` to this scope.
    pub fn apply<E: EntityTrait>(self, select: Select<E>) -> Select<E> {
        match self {
            Scope::All => select,
            Scope::Nothing => select.filter(Expr::cust("1 = 0")),
            Scope::Only(condition) => select.filter(condition),
        }
    }

    /// The scope as a condition, for a join's `ON` clause (rows outside it join as NULLs).
    pub fn condition(self) -> Condition {
        match self {
            Scope::All => Condition::all(),
            Scope::Nothing => Condition::all().add(Expr::cust("1 = 0")),
            Scope::Only(condition) => condition,
        }
    }
}

/// Every row for a signed-in caller, none for an anonymous one (definitions and types).
pub fn signed_in(principal: &Principal) -> Scope {
    if principal.is_authenticated() {
        Scope::All
    } else {
        Scope::Nothing
    }
}

/// Consumers who currently share a household with the consumer.
fn co_members_of(consumer_id: Uuid, today: NaiveDate) -> SelectStatement {
    Query::select()
        .column(membership::Column::ConsumerId)
        .from(membership::Entity)
        .and_where(membership::Column::HouseholdId.in_subquery(households_of(consumer_id, today)))
        .cond_where(current_membership(today))
        .to_owned()
}

/// The accounts a contact may see: its own, those related to it by an account relationship in
/// force (either direction), those it holds a contact relationship on in force (customer and
/// customer_admin roles), and its own account's descendants (customer_case_manager, customer_admin).
fn contact_accounts(
    principal: &Principal,
    contact_id: Uuid,
    own: Uuid,
    today: NaiveDate,
) -> Condition {
    let related = |from: relationship::Column, to: relationship::Column| {
        Query::select()
            .column(to)
            .from(relationship::Entity)
            .and_where(from.eq(own))
            .cond_where(in_force(
                relationship::Column::ValidFrom,
                relationship::Column::ValidTo,
                today,
            ))
            .to_owned()
    };
    let mut visible = Condition::any()
        .add(account::Column::Id.eq(own))
        .add(account::Column::Id.in_subquery(related(
            relationship::Column::FromId,
            relationship::Column::ToId,
        )))
        .add(account::Column::Id.in_subquery(related(
            relationship::Column::ToId,
            relationship::Column::FromId,
        )));
    if principal.has_any(&[Role::Customer, Role::CustomerAdmin]) {
        visible = visible.add(
            account::Column::Id.in_subquery(
                Query::select()
                    .column(contact_relationship::Column::AccountId)
                    .from(contact_relationship::Entity)
                    .and_where(contact_relationship::Column::ContactId.eq(contact_id))
                    .cond_where(in_force(
                        contact_relationship::Column::ValidFrom,
                        contact_relationship::Column::ValidTo,
                        today,
                    ))
                    .to_owned(),
            ),
        );
    }
    if principal.has_any(&[Role::CustomerCaseManager, Role::CustomerAdmin]) {
        visible = visible.add(account::Column::Id.in_subquery(descendants_of(own)));
    }
    visible
}

/// Accounts: staff see all; a contact sees its own account and the accounts related to it.
pub fn accounts(principal: &Principal, today: NaiveDate) -> Scope {
    if principal.is_internal() {
        return Scope::All;
    }
    match principal.contact() {
        Some((me, own)) => Scope::Only(contact_accounts(principal, me, own, today)),
        None => Scope::Nothing,
    }
}

/// Rows whose `column` names an account the principal may see.
pub fn account_scope_on(
    principal: &Principal,
    today: NaiveDate,
    column: impl IntoColumnRef,
) -> Scope {
    match accounts(principal, today) {
        Scope::Only(condition) => Scope::Only(
            Condition::all().add(
                Expr::col(column).in_subquery(
                    Query::select()
                        .column(account::Column::Id)
                        .from(account::Entity)
                        .cond_where(condition)
                        .to_owned(),
                ),
            ),
        ),
        other => other,
    }
}

/// Contacts: staff see all; a contact sees the contacts of the accounts it may see.
pub fn contacts(principal: &Principal, today: NaiveDate) -> Scope {
    account_scope_on(
        principal,
        today,
        (contact::Entity, contact::Column::AccountId),
    )
}

/// Account relationship records: those touching an account the principal may see.
pub fn relationships(principal: &Principal, today: NaiveDate) -> Scope {
    match (
        account_scope_on(
            principal,
            today,
            (relationship::Entity, relationship::Column::FromId),
        ),
        account_scope_on(
            principal,
            today,
            (relationship::Entity, relationship::Column::ToId),
        ),
    ) {
        (Scope::Only(from), Scope::Only(to)) => Scope::Only(Condition::any().add(from).add(to)),
        (scope, _) => scope,
    }
}

/// Contact relationships: staff see all; a contact sees those it holds and those on its own account.
pub fn contact_relationships(principal: &Principal) -> Scope {
    if principal.is_internal() {
        return Scope::All;
    }
    match principal.contact() {
        Some((me, own)) => Scope::Only(
            Condition::any()
                .add(contact_relationship::Column::ContactId.eq(me))
                .add(contact_relationship::Column::AccountId.eq(own)),
        ),
        None => Scope::Nothing,
    }
}

/// Consumers: staff see all; a consumer sees itself and its current household co-members.
pub fn consumers(principal: &Principal, today: NaiveDate) -> Scope {
    if principal.is_internal() {
        return Scope::All;
    }
    match principal.consumer() {
        Some(me) => Scope::Only(
            Condition::any()
                .add(consumer::Column::Id.eq(me))
                .add(consumer::Column::Id.in_subquery(co_members_of(me, today))),
        ),
        None => Scope::Nothing,
    }
}

/// Households: staff see all; a consumer sees the households it currently belongs to.
pub fn households(principal: &Principal, today: NaiveDate) -> Scope {
    if principal.is_internal() {
        return Scope::All;
    }
    match principal.consumer() {
        Some(me) => Scope::Only(
            Condition::all().add(household::Column::Id.in_subquery(households_of(me, today))),
        ),
        None => Scope::Nothing,
    }
}

/// Memberships: staff see all; a consumer sees the memberships of its current households.
pub fn memberships(principal: &Principal, today: NaiveDate) -> Scope {
    if principal.is_internal() {
        return Scope::All;
    }
    match principal.consumer() {
        Some(me) => Scope::Only(
            Condition::all()
                .add(membership::Column::HouseholdId.in_subquery(households_of(me, today))),
        ),
        None => Scope::Nothing,
    }
}

/// Internal users: staff see all; nobody else sees staff records.
pub fn internal_users(principal: &Principal) -> Scope {
    if principal.is_internal() {
        return Scope::All;
    }
    Scope::Nothing
}

/// Stored role assignments: staff see all; a contact sees its own.
pub fn role_assignments(principal: &Principal) -> Scope {
    if principal.is_internal() {
        return Scope::All;
    }
    match principal.contact() {
        Some((me, _)) => {
            Scope::Only(Condition::all().add(role_assignment::Column::ContactId.eq(me)))
        }
        None => Scope::Nothing,
    }
}

/// Team members: admins, managers and agents see all; a relationship agent sees its own teams.
pub fn team_members(principal: &Principal) -> Scope {
    if principal.has_any(&[Role::Admin, Role::Manager, Role::Agent]) {
        return Scope::All;
    }
    match principal.internal_user() {
        Some(id) if principal.has(Role::RelationshipAgent) => {
            Scope::Only(Condition::all().add(team_member::Column::UserId.eq(id)))
        }
        _ => Scope::Nothing,
    }
}

/// Consumer relationships: staff see all; a consumer sees those it is part of and those of its
/// current households.
pub fn consumer_relationships(principal: &Principal, today: NaiveDate) -> Scope {
    if principal.is_internal() {
        return Scope::All;
    }
    match principal.consumer() {
        Some(me) => Scope::Only(
            Condition::any()
                .add(consumer_relationship::Column::ConsumerId.eq(me))
                .add(consumer_relationship::Column::RelatedConsumerId.eq(me))
                .add(
                    consumer_relationship::Column::HouseholdId
                        .in_subquery(households_of(me, today)),
                ),
        ),
        None => Scope::Nothing,
    }
}

/// The two-sided view of consumer relationships, scoped like the relationships themselves.
pub fn consumer_relationship_sides(principal: &Principal, today: NaiveDate) -> Scope {
    if principal.is_internal() {
        return Scope::All;
    }
    match principal.consumer() {
        Some(me) => Scope::Only(
            Condition::any()
                .add(consumer_relationship_side::Column::ConsumerId.eq(me))
                .add(consumer_relationship_side::Column::OtherConsumerId.eq(me))
                .add(
                    consumer_relationship_side::Column::HouseholdId
                        .in_subquery(households_of(me, today)),
                ),
        ),
        None => Scope::Nothing,
    }
}
