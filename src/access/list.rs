//! Which cases may this principal see? The same rules as a check, phrased for lists: the union of
//! every arm's case ids, so each arm is answered from its own index instead of testing every rule
//! against every case.

use chrono::NaiveDate;
use entity::case;
use sea_orm::{
    Condition, DbBackend,
    sea_query::{Expr, ExprTrait, Query, SelectStatement, UnionType},
};

use super::{
    check::{Action, rules_for},
    principal::Principal,
    rules::Rule,
    visibility::Scope,
};

/// The cases `principal` may do `action` on, as a union of the rules' arms over `cases`.
pub fn list_scope(
    principal: &Principal,
    action: Action,
    today: NaiveDate,
    backend: DbBackend,
) -> Scope {
    let rules = rules_for(principal, action);
    if rules.is_empty() {
        return Scope::Nothing;
    }
    if rules.contains(&Rule::InternalRole) {
        return Scope::All;
    }
    let mut union: Option<SelectStatement> = None;
    for rule in rules {
        for arm in rule.arms(principal, today, backend) {
            let select = Query::select()
                .column((case::Entity, case::Column::Id))
                .from(case::Entity)
                .cond_where(arm.into_condition())
                .to_owned();
            match union.as_mut() {
                Some(all) => {
                    all.union(UnionType::Distinct, select);
                }
                None => union = Some(select),
            }
        }
    }
    match union {
        Some(union) => Scope::Only(
            Condition::all().add(Expr::col((case::Entity, case::Column::Id)).in_subquery(union)),
        ),
        None => Scope::Nothing,
    }
}
