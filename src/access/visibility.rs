//! The access engine: for each kind of record, the SQL condition selecting what a principal may see,
//! and the checks for what a principal may change. Lists, edges and single lookups all apply these
//! scopes, so a check and a list can never disagree.

use chrono::NaiveDate;
use entity::{
    account, account_relationship as relationship, consumer, consumer_relationship,
    consumer_relationship_side, contact, contact_relationship, household,
    household_membership as membership, role_assignment, team_member,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, Select,
    sea_query::{
        Alias, CommonTableExpression, Expr, ExprTrait, IntoColumnRef, Query, SelectStatement,
        UnionType, WithClause,
    },
};
use uuid::Uuid;

use super::{
    DomainError, DomainResult,
    principal::{Identity, Principal, Role},
    validity::in_force,
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

/// True when the consumer named by the outer query's `consumer` column is not a current member,
/// on `today`, of the household named by its `household` column. Built without custom SQL so the
/// same condition runs on SQLite and PostgreSQL (whose placeholders differ).
pub fn not_current_member(
    household: impl IntoColumnRef,
    consumer: impl IntoColumnRef,
    today: NaiveDate,
) -> Expr {
    Expr::not_exists(
        Query::select()
            .expr(Expr::val(1))
            .from(membership::Entity)
            .and_where(
                Expr::col((membership::Entity, membership::Column::HouseholdId)).equals(household),
            )
            .and_where(
                Expr::col((membership::Entity, membership::Column::ConsumerId)).equals(consumer),
            )
            .cond_where(current_membership(today))
            .to_owned(),
    )
}

/// Households the consumer currently belongs to.
pub fn households_of(consumer_id: Uuid, today: NaiveDate) -> SelectStatement {
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

/// The ids of every account below `root`, at any depth: a recursive CTE built with sea-query, so
/// each backend gets its own placeholder syntax (a custom SQL string would need `?` on SQLite and
/// `$1` on PostgreSQL).
pub fn descendants_of(root: Uuid) -> SelectStatement {
    let (subtree, child, id) = (Alias::new("subtree"), Alias::new("child"), Alias::new("id"));
    let mut walk = Query::select()
        .column(account::Column::Id)
        .from(account::Entity)
        .and_where(Expr::col(account::Column::ParentId).eq(root))
        .to_owned();
    walk.union(
        UnionType::Distinct,
        Query::select()
            .column((child.clone(), account::Column::Id))
            .from_as(account::Entity, child.clone())
            .inner_join(
                subtree.clone(),
                Expr::col((child, account::Column::ParentId)).equals((subtree.clone(), id.clone())),
            )
            .to_owned(),
    );
    let cte = CommonTableExpression::new()
        .query(walk)
        .column(id.clone())
        .table_name(subtree.clone())
        .to_owned();
    Query::select()
        .column(id)
        .from(subtree)
        .with_cte(WithClause::new().recursive(true).cte(cte).to_owned())
        .to_owned()
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
    match principal.identity {
        Identity::InternalUser { id } if principal.has(Role::RelationshipAgent) => {
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

/// Relationship records, household memberships and contact relationships: admins and managers.
pub fn require_relationship_manager(principal: &Principal) -> DomainResult<()> {
    require_directory_manager(principal)
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
