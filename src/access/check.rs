//! May this principal do this to this case? The applicable rules' disjunction on one row; the same
//! disjunction, as a filter, scopes per-parent case edges.

use chrono::NaiveDate;
use entity::case;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, Statement,
    sea_query::{Expr, Query, SelectStatement},
};
use uuid::Uuid;

use super::{
    error::AccessResult,
    prepared::{self, Question},
    principal::Principal,
    rules::{Rule, applicable},
    visibility::Scope,
};

/// What a principal wants to do with a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    Comment,
    /// Change fields other than comments and resolving/closing: staff only.
    Update,
    /// Resolve or close.
    Close,
}

/// The rules that let `principal` do `action` (anyone who reads may comment, resolve and close).
pub fn rules_for(principal: &Principal, action: Action) -> Vec<Rule> {
    applicable(principal)
        .into_iter()
        .map(|(rule, _)| rule)
        .filter(|rule| action != Action::Update || rule.allows_update())
        .collect()
}

/// The cases `principal` may do `action` on, as a scope over `cases`.
pub fn scope(principal: &Principal, action: Action, today: NaiveDate, backend: DbBackend) -> Scope {
    let rules = rules_for(principal, action);
    if rules.is_empty() {
        return Scope::Nothing;
    }
    if rules.contains(&Rule::InternalRole) {
        return Scope::All;
    }
    let mut any = Condition::any();
    for rule in rules {
        any = any.add(rule.condition(principal, today, backend));
    }
    Scope::Only(any)
}

/// The check as SQL on `cases`: one row (`1`) when `principal` may do `action` on case `id`.
fn check_select(
    principal: &Principal,
    action: Action,
    id: Uuid,
    today: NaiveDate,
    backend: DbBackend,
) -> SelectStatement {
    let mut select = Query::select();
    select
        .expr(Expr::cust("1"))
        .from(case::Entity)
        .and_where(case::Column::Id.eq(id));
    match scope(principal, action, today, backend) {
        Scope::All => {}
        Scope::Nothing => {
            select.and_where(Expr::cust("1 = 0"));
        }
        Scope::Only(condition) => {
            select.cond_where(condition);
        }
    }
    select.limit(1).to_owned()
}

/// The final SQL and values of a check, from the statement built once per principal shape: the
/// one place the check's statement comes from, for the check itself and for anything that wraps
/// it (tables are named plainly, unqualified, and the statement starts with `SELECT`).
pub fn check_statement(
    principal: &Principal,
    action: Action,
    id: Uuid,
    today: NaiveDate,
    backend: DbBackend,
) -> Statement {
    prepared::statement(
        Question::Check(action),
        backend,
        principal,
        id,
        today,
        |p, id, today| check_select(p, action, id, today, backend),
    )
}

/// The check's statement built afresh for this principal, without the per-shape cache (to prove
/// the cached statements equal it).
pub fn check_statement_uncached(
    principal: &Principal,
    action: Action,
    id: Uuid,
    today: NaiveDate,
    backend: DbBackend,
) -> Statement {
    backend.build(&check_select(principal, action, id, today, backend))
}

/// Whether `principal` may do `action` on case `id` (false also when the case does not exist).
pub async fn check(
    db: &impl ConnectionTrait,
    principal: &Principal,
    action: Action,
    id: Uuid,
    today: NaiveDate,
) -> AccessResult<bool> {
    let statement = check_statement(principal, action, id, today, db.get_database_backend());
    Ok(db.query_one_raw(statement).await?.is_some())
}
