//! May this principal do this to this case? The applicable rules' disjunction on one row; the same
//! disjunction, as a filter, scopes per-parent case edges.

use chrono::NaiveDate;
use entity::case;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    error::AccessResult,
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

/// Whether `principal` may do `action` on case `id` (false also when the case does not exist).
pub async fn check(
    db: &impl ConnectionTrait,
    principal: &Principal,
    action: Action,
    id: Uuid,
    today: NaiveDate,
) -> AccessResult<bool> {
    let select = scope(principal, action, today, db.get_database_backend())
        .apply(case::Entity::find().filter(case::Column::Id.eq(id)));
    Ok(select.one(db).await?.is_some())
}
