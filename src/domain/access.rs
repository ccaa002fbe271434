//! The access engine: for each kind of record, the SQL condition selecting what a principal may see,
//! and the checks for what a principal may change. Lists, edges and single lookups all apply these
//! scopes, so a check and a list can never disagree.

use chrono::NaiveDate;
use entity::{
    account, consumer, contact, household, household_membership as membership, role_assignment,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, Select,
    sea_query::{Expr, Query, SelectStatement},
};
use uuid::Uuid;

use super::{
    DomainError, DomainResult,
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
}

/// Memberships in force on `today`: started (or no start) and not yet ended (or no end).
pub fn current_membership(today: NaiveDate) -> Condition {
    Condition::all()
        .add(
            Condition::any()
                .add(membership::Column::StartDate.is_null())
                .add(membership::Column::StartDate.lte(today)),
        )
        .add(
            Condition::any()
                .add(membership::Column::EndDate.is_null())
                .add(membership::Column::EndDate.gte(today)),
        )
}

/// Households the consumer currently belongs to.
fn households_of(consumer_id: Uuid, today: NaiveDate) -> SelectStatement {
    Query::select()
        .column(membership::Column::HouseholdId)
        .from(membership::Entity)
        .and_where(membership::Column::ConsumerId.eq(consumer_id))
        .cond_where(current_membership(today))
        .to_owned()
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

/// Accounts: staff see all; a contact sees its own account.
pub fn accounts(principal: &Principal) -> Scope {
    if principal.is_internal() {
        return Scope::All;
    }
    match principal.contact() {
        Some((_, account_id)) => {
            Scope::Only(Condition::all().add(account::Column::Id.eq(account_id)))
        }
        None => Scope::Nothing,
    }
}

/// Contacts: staff see all; a contact sees the contacts of the accounts it may see.
pub fn contacts(principal: &Principal) -> Scope {
    if principal.is_internal() {
        return Scope::All;
    }
    match principal.contact() {
        Some((_, account_id)) => {
            Scope::Only(Condition::all().add(contact::Column::AccountId.eq(account_id)))
        }
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

/// Refuses anonymous callers.
pub fn require_authenticated(principal: &Principal) -> DomainResult<()> {
    if principal.is_authenticated() {
        Ok(())
    } else {
        Err(DomainError::Unauthenticated)
    }
}

/// Accounts, contacts, consumers and households are maintained by admins and managers.
pub fn require_directory_manager(principal: &Principal) -> DomainResult<()> {
    require_authenticated(principal)?;
    if principal.has_any(&[Role::Admin, Role::Manager]) {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "requires the admin or sn_customerservice_manager role",
        ))
    }
}

/// Internal users and role assignments are maintained by admins only.
pub fn require_admin(principal: &Principal) -> DomainResult<()> {
    require_authenticated(principal)?;
    if principal.has(Role::Admin) {
        Ok(())
    } else {
        Err(DomainError::forbidden("requires the admin role"))
    }
}
