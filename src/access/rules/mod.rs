//! The case access engine. Every rule of DOMAIN.md §1 and §6 is one SQL condition on `cases`:
//! a check is the rules' disjunction on one row, a list is the same disjunction as a filter,
//! creating "for" an account or consumer evaluates the rules on a hypothetical case row, and an
//! explanation evaluates each rule on its own. One source of truth, so they cannot disagree.

use chrono::NaiveDate;
use entity::{case, contact_relationship, team_member};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Value,
    sea_query::{Expr, ExprTrait, Query, SelectStatement, UnionType},
};
use uuid::Uuid;

use super::{
    DomainError, DomainResult,
    access::{Scope, descendants_of, households_of},
    principal::{Identity, Principal, Role},
    validity::in_force,
};

/// One way a principal can reach a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// admin, sn_customerservice_manager, sn_customerservice_agent: every case.
    InternalRole,
    /// relationship_agent: cases of accounts, consumers and households on whose team it is.
    TeamMember,
    /// A contact's own cases: it is the case's contact or opened it (not partner_admin).
    OwnCase,
    /// partner: cases whose partner contact it is.
    PartnerContact,
    /// customer_case_manager, customer_admin, partner, partner_admin: own account's cases.
    OwnAccount,
    /// customer_case_manager: cases of accounts below its own in the hierarchy.
    DescendantAccount,
    /// customer, customer_admin: cases of accounts it holds a contact relationship on.
    ContactRelationship,
    /// partner, partner_admin: cases of customers its account is partner of (DERIVED or STAMPED).
    PartnerRelationship,
    /// consumer: its own cases.
    OwnConsumerCase,
    /// consumer: cases of consumers it represents.
    Representative,
    /// consumer: cases of its current households.
    HouseholdMember,
    /// consumer: as head of household, the household's and its current members' cases.
    HeadOfHousehold,
}

impl Rule {
    /// Every rule, in the order explanations list them.
    pub const ALL: [Rule; 12] = [
        Rule::InternalRole,
        Rule::TeamMember,
        Rule::OwnCase,
        Rule::PartnerContact,
        Rule::OwnAccount,
        Rule::DescendantAccount,
        Rule::ContactRelationship,
        Rule::PartnerRelationship,
        Rule::OwnConsumerCase,
        Rule::Representative,
        Rule::HouseholdMember,
        Rule::HeadOfHousehold,
    ];

    /// The roles any of which make the rule count.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Rule::InternalRole => &[Role::Admin, Role::Manager, Role::Agent],
            Rule::TeamMember => &[Role::RelationshipAgent],
            // DOMAIN.md §1: "cases it opened or is partner contact of" belongs to `partner`;
            // a partner_admin reaches customers' cases only through its account's relationships.
            Rule::OwnCase => &[
                Role::Customer,
                Role::CustomerCaseManager,
                Role::CustomerAdmin,
                Role::Partner,
            ],
            Rule::PartnerContact => &[Role::Partner],
            Rule::OwnAccount => &[
                Role::CustomerCaseManager,
                Role::CustomerAdmin,
                Role::Partner,
                Role::PartnerAdmin,
            ],
            Rule::DescendantAccount => &[Role::CustomerCaseManager],
            Rule::ContactRelationship => &[Role::Customer, Role::CustomerAdmin],
            Rule::PartnerRelationship => &[Role::Partner, Role::PartnerAdmin],
            Rule::OwnConsumerCase
            | Rule::Representative
            | Rule::HouseholdMember
            | Rule::HeadOfHousehold => &[Role::Consumer],
        }
    }

    /// Whether the rule lets its holder change fields other than comments and state (staff only).
    pub fn allows_update(self) -> bool {
        matches!(self, Rule::InternalRole | Rule::TeamMember)
    }
}

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

/// The role that makes `rule` count for `principal`, when it does.
pub fn role_for(principal: &Principal, rule: Rule) -> Option<Role> {
    let role = rule.roles().iter().copied().find(|r| principal.has(*r))?;
    let identified = match rule {
        Rule::InternalRole => true,
        Rule::TeamMember => matches!(principal.identity, Identity::InternalUser { .. }),
        Rule::OwnConsumerCase
        | Rule::Representative
        | Rule::HouseholdMember
        | Rule::HeadOfHousehold => principal.consumer().is_some(),
        _ => principal.contact().is_some(),
    };
    identified.then_some(role)
}

/// The rules that can apply to `principal`, each with the role that makes it count.
pub fn applicable(principal: &Principal) -> Vec<(Rule, Role)> {
    Rule::ALL
        .into_iter()
        .filter_map(|rule| role_for(principal, rule).map(|role| (rule, role)))
        .collect()
}

/// Custom SQL with `?` placeholders, written for `backend`: PostgreSQL wants them numbered.
fn custom(backend: DbBackend, sql: &str, values: Vec<Value>) -> Expr {
    if backend != DbBackend::Postgres {
        return Expr::cust_with_values(sql.to_owned(), values);
    }
    let mut numbered = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            numbered.push_str(&format!("${n}"));
        } else {
            numbered.push(c);
        }
    }
    Expr::cust_with_values(numbered, values)
}

fn col(column: case::Column) -> Expr {
    Expr::col((case::Entity, column))
}

const CURRENT_MEMBER: &str =
    "(m.start_date IS NULL OR m.start_date <= ?) AND (m.end_date IS NULL OR m.end_date >= ?)";

fn team_targets(
    user: Uuid,
    kind: &str,
    column: team_member::Column,
    today: NaiveDate,
) -> SelectStatement {
    Query::select()
        .column(column)
        .from(team_member::Entity)
        .and_where(team_member::Column::UserId.eq(user))
        .and_where(team_member::Column::TargetKind.eq(kind))
        .cond_where(in_force(
            team_member::Column::ValidFrom,
            team_member::Column::ValidTo,
            today,
        ))
        .to_owned()
}

/// The SQL condition on `cases` under which `rule` grants `principal` the case: the disjunction
/// of the rule's arms.
pub fn condition(
    principal: &Principal,
    rule: Rule,
    today: NaiveDate,
    backend: DbBackend,
) -> Condition {
    let arms = arms(principal, rule, today, backend);
    if arms.is_empty() {
        return Condition::all().add(Expr::cust("1 = 0"));
    }
    arms.into_iter()
        .fold(Condition::any(), |any, arm| any.add(arm))
}

/// The rule as a list of arms, each selective on one indexed column of `cases` and free of
/// references to the outer row, so a list can be answered as a union of index lookups.
pub fn arms(
    principal: &Principal,
    rule: Rule,
    today: NaiveDate,
    backend: DbBackend,
) -> Vec<Condition> {
    let one = |expr: Expr| Condition::all().add(expr);
    let contact = principal.contact();
    let consumer = principal.consumer();
    match rule {
        Rule::InternalRole => vec![one(Expr::cust("1 = 1"))],
        Rule::TeamMember => match principal.identity {
            Identity::InternalUser { id } => vec![
                one(col(case::Column::AccountId).in_subquery(team_targets(
                    id,
                    "ACCOUNT",
                    team_member::Column::AccountId,
                    today,
                ))),
                one(col(case::Column::ConsumerId).in_subquery(team_targets(
                    id,
                    "CONSUMER",
                    team_member::Column::ConsumerId,
                    today,
                ))),
                one(col(case::Column::HouseholdId).in_subquery(team_targets(
                    id,
                    "HOUSEHOLD",
                    team_member::Column::HouseholdId,
                    today,
                ))),
            ],
            _ => Vec::new(),
        },
        Rule::OwnCase => match contact {
            Some((me, _)) => vec![
                one(col(case::Column::ContactId).eq(me)),
                one(col(case::Column::OpenedById).eq(me)),
            ],
            None => Vec::new(),
        },
        Rule::PartnerContact => match contact {
            Some((me, _)) => vec![one(col(case::Column::PartnerContactId).eq(me))],
            None => Vec::new(),
        },
        Rule::OwnAccount => match contact {
            Some((_, own)) => vec![one(col(case::Column::AccountId).eq(own))],
            None => Vec::new(),
        },
        Rule::DescendantAccount => match contact {
            Some((_, own)) => vec![one(
                col(case::Column::AccountId).in_subquery(descendants_of(own))
            )],
            None => Vec::new(),
        },
        Rule::ContactRelationship => match contact {
            Some((me, _)) => vec![one(col(case::Column::AccountId).in_subquery(
                Query::select()
                    .column(contact_relationship::Column::AccountId)
                    .from(contact_relationship::Entity)
                    .and_where(contact_relationship::Column::ContactId.eq(me))
                    .cond_where(in_force(
                        contact_relationship::Column::ValidFrom,
                        contact_relationship::Column::ValidTo,
                        today,
                    ))
                    .to_owned(),
            ))],
            None => Vec::new(),
        },
        Rule::PartnerRelationship => match contact {
            // Some partner-granting relationship in force from the principal's account to the
            // case's account, with the DERIVED policy or with the case stamped for that account.
            Some((_, own)) => {
                let customers = |policy: &str| {
                    format!(
                        r#""cases"."account_id" IN (SELECT r.to_id FROM account_relationships r
                             JOIN account_relationship_types t ON t.id = r.type_id
                             WHERE r.from_id = ? AND t.grants_partner_access = ?
                               AND (r.valid_from IS NULL OR r.valid_from <= ?) AND (r.valid_to IS NULL OR r.valid_to >= ?){policy})"#
                    )
                };
                let values = || vec![Value::from(own), true.into(), today.into(), today.into()];
                vec![
                    one(custom(
                        backend,
                        &customers(" AND t.partner_access_policy = 'DERIVED'"),
                        values(),
                    )),
                    Condition::all()
                        .add(col(case::Column::PartnerId).eq(own))
                        .add(custom(backend, &customers(""), values())),
                ]
            }
            None => Vec::new(),
        },
        Rule::OwnConsumerCase => match consumer {
            Some(me) => vec![
                one(col(case::Column::ConsumerId).eq(me)),
                one(col(case::Column::OpenedById).eq(me)),
            ],
            None => Vec::new(),
        },
        Rule::Representative => match consumer {
            Some(me) => vec![one(custom(
                backend,
                &format!(
                    r#""cases"."consumer_id" IN (SELECT cr.related_consumer_id FROM consumer_relationships cr
                         WHERE cr.consumer_id = ?
                           AND (cr.valid_from IS NULL OR cr.valid_from <= ?) AND (cr.valid_to IS NULL OR cr.valid_to >= ?)
                           AND (cr.household_id IS NULL OR (
                             EXISTS (SELECT 1 FROM household_memberships m WHERE m.household_id = cr.household_id
                                       AND m.consumer_id = cr.consumer_id AND {CURRENT_MEMBER})
                             AND EXISTS (SELECT 1 FROM household_memberships m WHERE m.household_id = cr.household_id
                                       AND m.consumer_id = cr.related_consumer_id AND {CURRENT_MEMBER}))))"#
                ),
                vec![
                    Value::from(me),
                    today.into(),
                    today.into(),
                    today.into(),
                    today.into(),
                    today.into(),
                    today.into(),
                ],
            ))],
            None => Vec::new(),
        },
        Rule::HouseholdMember => match consumer {
            Some(me) => vec![one(
                col(case::Column::HouseholdId).in_subquery(households_of(me, today))
            )],
            None => Vec::new(),
        },
        Rule::HeadOfHousehold => match consumer {
            Some(me) => {
                let headed = format!(
                    "SELECT h.id FROM households h WHERE h.head_id = ? AND EXISTS (SELECT 1 FROM household_memberships m \
                     WHERE m.household_id = h.id AND m.consumer_id = h.head_id AND {CURRENT_MEMBER})"
                );
                vec![
                    one(custom(
                        backend,
                        &format!(r#""cases"."household_id" IN ({headed})"#),
                        vec![Value::from(me), today.into(), today.into()],
                    )),
                    one(custom(
                        backend,
                        &format!(
                            r#""cases"."consumer_id" IN (SELECT m.consumer_id FROM household_memberships m
                                 WHERE m.household_id IN ({headed}) AND {CURRENT_MEMBER})"#
                        ),
                        vec![
                            Value::from(me),
                            today.into(),
                            today.into(),
                            today.into(),
                            today.into(),
                        ],
                    )),
                ]
            }
            None => Vec::new(),
        },
    }
}

/// The same cases as `scope`, phrased for lists: the union of every arm's case ids, so each arm
/// is answered from its own index instead of testing every rule against every case.
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
        for arm in arms(principal, rule, today, backend) {
            let select = Query::select()
                .column((case::Entity, case::Column::Id))
                .from(case::Entity)
                .cond_where(arm)
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
        Some(union) => Scope::Only(Condition::all().add(col(case::Column::Id).in_subquery(union))),
        None => Scope::Nothing,
    }
}

fn rules_for(principal: &Principal, action: Action) -> Vec<Rule> {
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
        any = any.add(condition(principal, rule, today, backend));
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
) -> DomainResult<bool> {
    let select = scope(principal, action, today, db.get_database_backend())
        .apply(case::Entity::find().filter(case::Column::Id.eq(id)));
    Ok(select.one(db).await?.is_some())
}

/// A case that does not exist yet, for deciding whether a principal may open it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Prospect {
    pub account_id: Option<Uuid>,
    pub consumer_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
}

/// Whether `principal` may open a case for the prospect's account or consumer: the read rules
/// evaluated on the prospective row (with no contact and no opener, so "own case" cannot vouch
/// for itself), plus any contact creating for its own account.
pub async fn may_create(
    db: &impl ConnectionTrait,
    principal: &Principal,
    prospect: Prospect,
    today: NaiveDate,
) -> DomainResult<bool> {
    if let (Some((_, own)), Some(account)) = (principal.contact(), prospect.account_id)
        && own == account
    {
        return Ok(true);
    }
    let uuid = |v: Option<Uuid>| Expr::val(Value::Uuid(v));
    let row = Query::select()
        .expr_as(uuid(None), "id")
        .expr_as(uuid(prospect.account_id), "account_id")
        .expr_as(uuid(prospect.consumer_id), "consumer_id")
        .expr_as(uuid(prospect.household_id), "household_id")
        .expr_as(uuid(prospect.partner_id), "partner_id")
        .expr_as(uuid(None), "contact_id")
        .expr_as(uuid(None), "partner_contact_id")
        .expr_as(uuid(None), "opened_by_id")
        .to_owned();
    let mut probe = Query::select();
    probe.expr(Expr::cust("1")).from_subquery(row, case::Entity);
    match scope(principal, Action::Read, today, db.get_database_backend()) {
        Scope::All => return Ok(true),
        Scope::Nothing => return Ok(false),
        Scope::Only(condition) => {
            probe.cond_where(condition);
        }
    }
    Ok(db.query_one(&probe).await?.is_some())
}

/// Which rules grant `principal` case `id`, each evaluated on its own in one statement.
pub async fn granting_rules(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: Uuid,
    today: NaiveDate,
) -> DomainResult<Vec<(Rule, Role, bool)>> {
    let rules = applicable(principal);
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = Query::select();
    query.from(case::Entity).and_where(case::Column::Id.eq(id));
    for (i, (rule, _)) in rules.iter().enumerate() {
        query.expr_as(
            Expr::case(
                condition(principal, *rule, today, db.get_database_backend()),
                Expr::cust("1"),
            )
            .finally(Expr::cust("0")),
            format!("r{i}"),
        );
    }
    let row = db
        .query_one(&query)
        .await?
        .ok_or(DomainError::NotFound { kind: "case" })?;
    rules
        .into_iter()
        .enumerate()
        .map(|(i, (rule, role))| {
            let flag: i32 = row.try_get("", &format!("r{i}"))?;
            Ok((rule, role, flag == 1))
        })
        .collect()
}

/// For each principal (by index), whether it may read case `id`, in one statement per chunk.
pub async fn who_reads(
    db: &impl ConnectionTrait,
    principals: &[Principal],
    id: Uuid,
    today: NaiveDate,
) -> DomainResult<Vec<bool>> {
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
            .ok_or(DomainError::NotFound { kind: "case" })?;
        for i in 0..chunk.len() {
            let flag: i32 = row.try_get("", &format!("p{i}"))?;
            out.push(flag == 1);
        }
    }
    Ok(out)
}
