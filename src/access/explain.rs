//! Why can (or can't) this principal read this case? Every applicable rule is evaluated on its own
//! in one statement (so "allowed" is exactly the check), then each follows its path: the records
//! that grant it, or what is missing or lapsed.

use chrono::NaiveDate;
use entity::case;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, Statement,
    sea_query::{Expr, Query, SelectStatement},
};
use uuid::Uuid;

use super::{
    error::{AccessError, AccessResult},
    prepared::{self, Question},
    principal::{Principal, Role},
    rules::{Rule, Step, applicable},
};

/// A rule that grants access, the role that made it count, and the path it follows.
#[derive(Clone, Debug)]
pub struct Grant {
    pub rule: Rule,
    pub role: Role,
    pub steps: Vec<Step>,
}

/// A rule that could have granted access but does not: why, and any relationships that would
/// grant it but are outside their validity dates.
#[derive(Clone, Debug)]
pub struct Denial {
    pub rule: Rule,
    pub role: Option<Role>,
    pub reason: String,
    pub lapsed: Vec<Step>,
}

/// Why a principal can (or cannot) read a case.
#[derive(Clone, Debug)]
pub struct Explanation {
    pub allowed: bool,
    pub grants: Vec<Grant>,
    pub denials: Vec<Denial>,
}

/// Explains `principal`'s access to case `id` on `today`; `allowed` equals the engine's check.
pub async fn explain(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
    today: NaiveDate,
) -> AccessResult<Explanation> {
    let the_case = case::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AccessError::NotFound { kind: "case" })?;
    let flags = granting_rules(db, principal, id, today).await?;
    let mut grants = Vec::new();
    let mut denials = Vec::new();
    if flags.is_empty() {
        denials.push(Denial {
            rule: Rule::InternalRole,
            role: None,
            reason: "the principal holds no role that grants case access, or is not a stored contact or consumer".into(),
            lapsed: Vec::new(),
        });
    }
    for (rule, role, granted) in flags {
        let path = rule.path(db, principal, role, &the_case).await?;
        let (live, lapsed): (Vec<Step>, Vec<Step>) =
            path.steps.into_iter().partition(|s| s.covers(today));
        if granted {
            grants.push(Grant {
                rule,
                role,
                steps: live,
            });
        } else {
            denials.push(Denial {
                rule,
                role: Some(role),
                reason: path.reason,
                lapsed,
            });
        }
    }
    Ok(Explanation {
        allowed: !grants.is_empty(),
        grants,
        denials,
    })
}

/// Which rules grant `principal` case `id`, each evaluated on its own in one statement.
pub async fn granting_rules(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
    today: NaiveDate,
) -> AccessResult<Vec<(Rule, Role, bool)>> {
    let rules = applicable(principal);
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let statement = flags_statement(principal, id, today, backend);
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or(AccessError::NotFound { kind: "case" })?;
    rules
        .into_iter()
        .enumerate()
        .map(|(i, (rule, role))| {
            let flag: i32 = row.try_get("", &format!("r{i}"))?;
            Ok((rule, role, flag == 1))
        })
        .collect()
}

/// The statement of [`granting_rules`], built once per principal shape: one `CASE` flag per
/// applicable rule on case `id`.
pub fn flags_statement(
    principal: &Principal,
    id: Uuid,
    today: NaiveDate,
    backend: DbBackend,
) -> Statement {
    prepared::statement(
        Question::Explain,
        backend,
        principal,
        id,
        today,
        |p, id, today| flags_select(p, id, today, backend),
    )
}

/// [`flags_statement`] built afresh for this principal, without the per-shape cache.
pub fn flags_statement_uncached(
    principal: &Principal,
    id: Uuid,
    today: NaiveDate,
    backend: DbBackend,
) -> Statement {
    backend.build(&flags_select(principal, id, today, backend))
}

/// [`flags_statement`] as sea-query, rendered for one principal.
fn flags_select(
    principal: &Principal,
    id: Uuid,
    today: NaiveDate,
    backend: DbBackend,
) -> SelectStatement {
    let mut query = Query::select();
    query.from(case::Entity).and_where(case::Column::Id.eq(id));
    for (i, (rule, _)) in applicable(principal).iter().enumerate() {
        query.expr_as(
            Expr::case(rule.condition(principal, today, backend), Expr::cust("1"))
                .finally(Expr::cust("0")),
            format!("r{i}"),
        );
    }
    query
}
