//! How one rule is written: the SQL arms that decide it and the path that explains it, side by side
//! in the rule's family file (`staff`, `contact`, `partner`, `consumer`), so one edit changes both.

use chrono::NaiveDate;
use entity::{account, case};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, IntoCondition},
};
use uuid::Uuid;

use crate::access::{
    error::AccessResult,
    period::Period,
    principal::{Principal, Role},
};

/// One rule, written once. Check, list and may-create evaluate its arms; an explanation evaluates
/// them for one case (so "allowed" is the check itself) and then follows its path.
pub(crate) trait Definition {
    /// The rule as SQL: arms on `cases`, each selective on one indexed column and free of
    /// references to the outer row, so a list is a union of index lookups. `None` when the
    /// principal is not the kind of party the rule is about.
    fn arms(&self, ask: &Asking) -> Option<Vec<Arm>>;

    /// The rule explained for one case: every record it follows (in force or not, the explanation
    /// sorts them by date) and what is missing when it does not grant.
    async fn path<C: ConnectionTrait>(&self, ex: &Explaining<'_, C>) -> AccessResult<Path>;
}

/// What a rule's SQL is built for: who asks, on which day, on which backend.
#[derive(Clone, Copy)]
pub struct Asking<'a> {
    pub principal: &'a Principal,
    pub today: NaiveDate,
    pub backend: DbBackend,
}

/// What a rule's path is followed for: the case, who asks and under which role, and where to look.
pub struct Explaining<'a, C> {
    pub db: &'a C,
    pub principal: &'a Principal,
    pub role: Role,
    pub case: &'a case::Model,
}

/// One arm of a rule: a condition on `cases` that one index answers.
#[derive(Clone, Debug)]
pub struct Arm(Condition);

impl Arm {
    /// The arm holding where `condition` does.
    pub fn on(condition: impl IntoCondition) -> Self {
        Self(Condition::all().add(condition))
    }

    /// The arm narrowed by another condition.
    pub fn and(self, condition: impl IntoCondition) -> Self {
        Self(self.0.add(condition))
    }

    /// The arm as a sea-query condition.
    pub fn into_condition(self) -> Condition {
        self.0
    }
}

/// A column of the outer `cases` row.
pub(super) fn case_col(column: case::Column) -> Expr {
    Expr::col((case::Entity, column))
}

/// What one step of an access path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A role that grants the case by itself.
    Role,
    /// A team membership of the principal (internal user).
    TeamMember,
    /// The principal is the case's contact.
    CaseContact,
    /// The principal opened the case.
    CaseOpener,
    /// The principal is the case's partner contact.
    PartnerContact,
    /// The case belongs to the principal's own account.
    OwnAccount,
    /// An account on the hierarchy path from the case's account up to the principal's.
    Hierarchy,
    /// A contact relationship the principal holds on the case's account.
    ContactRelationship,
    /// A partner-granting account relationship from the principal's account to the case's.
    AccountRelationship,
    /// The principal is the case's consumer.
    CaseConsumer,
    /// A consumer relationship in which the principal represents the case's consumer.
    ConsumerRelationship,
    /// A household membership.
    HouseholdMembership,
    /// The principal heads the household.
    HeadOfHousehold,
}

/// One step of an access path: a record and how it reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    /// The record (relationship, membership, account, ...) when the step is one.
    pub record_id: Option<Uuid>,
    pub label: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// The record is an account flagged partner only, which is named by its `Partner` face
    /// (an `Account` ID would not resolve through `node`).
    pub partner_face: bool,
}

impl Step {
    /// A step that is not dated (a role, a field of the case, an account).
    pub(super) fn plain(kind: StepKind, record_id: Option<Uuid>, label: impl Into<String>) -> Self {
        Self {
            kind,
            record_id,
            label: label.into(),
            valid_from: None,
            valid_to: None,
            partner_face: false,
        }
    }

    /// A step through a dated record (a relationship or membership).
    pub(super) fn dated(
        kind: StepKind,
        record_id: Uuid,
        label: impl Into<String>,
        period: Period,
    ) -> Self {
        Self {
            kind,
            record_id: Some(record_id),
            label: label.into(),
            valid_from: period.from,
            valid_to: period.to,
            partner_face: false,
        }
    }

    /// Whether the step's record is in force on `day`.
    pub fn covers(&self, day: NaiveDate) -> bool {
        Period::new(self.valid_from, self.valid_to).covers(day)
    }
}

/// What a rule follows for one case: the records it looks at, and why it would not grant.
#[derive(Clone, Debug)]
pub struct Path {
    pub steps: Vec<Step>,
    pub reason: String,
}

impl Path {
    /// The path through `steps`; `reason` is shown when the rule does not grant.
    pub(super) fn new(steps: Vec<Step>, reason: impl Into<String>) -> Self {
        Self {
            steps,
            reason: reason.into(),
        }
    }
}

/// The arms of an "own case" rule: `me` is the case's own party (`party`: its contact or
/// consumer) or its opener.
pub(super) fn own_case_arms(party: case::Column, me: Uuid) -> Vec<Arm> {
    vec![
        Arm::on(case_col(party).eq(me)),
        Arm::on(case_col(case::Column::OpenedById).eq(me)),
    ]
}

/// The path of an "own case" rule: `me` is the case's own party (`party`, read as `noun`) or
/// its opener.
pub(super) fn own_case_path(
    me: Option<Uuid>,
    party: Option<Uuid>,
    kind: StepKind,
    noun: &str,
    case: &case::Model,
) -> Path {
    let mut steps = Vec::new();
    if me.is_some() && party == me {
        steps.push(Step::plain(
            kind,
            Some(case.id),
            format!("{noun} of case {}", case.number),
        ));
    }
    if me.is_some() && case.opened_by_id == me {
        steps.push(Step::plain(
            StepKind::CaseOpener,
            Some(case.id),
            format!("opened case {}", case.number),
        ));
    }
    Path::new(steps, "neither the case's own party nor its opener")
}

/// Every row of `E` linking `a` (in column `first`) to `b` (in column `second`), in force or not:
/// the records a rule's path looks at.
pub(super) async fn linking<E: EntityTrait>(
    db: &impl ConnectionTrait,
    (first, a): (E::Column, Uuid),
    (second, b): (E::Column, Uuid),
) -> AccessResult<Vec<E::Model>> {
    Ok(E::find()
        .filter(first.eq(a))
        .filter(second.eq(b))
        .all(db)
        .await?)
}

/// An account's name for a step's label (empty when it is gone).
pub(super) async fn account_name(db: &impl ConnectionTrait, id: Uuid) -> AccessResult<String> {
    Ok(account::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|a| a.name)
        .unwrap_or_default())
}

/// A step through the account `id`, labelled `prefix` and the account's name, naming the account
/// by the face `node` resolves (its `Partner` face when it is a partner only).
pub(super) async fn account_step(
    db: &impl ConnectionTrait,
    kind: StepKind,
    id: Uuid,
    prefix: &str,
) -> AccessResult<Step> {
    let found = account::Entity::find_by_id(id).one(db).await?;
    let name = found.as_ref().map(|a| a.name.as_str()).unwrap_or_default();
    let mut step = Step::plain(kind, Some(id), format!("{prefix}{name}"));
    step.partner_face = found.is_some_and(|a| a.is_partner && !a.is_customer);
    Ok(step)
}
