//! The access engine's answers as GraphQL types: `accessExplanation`, `whoCanAccess` holders and
//! the `accessCheck` query.

use crate::graphql::scalars::{Date, DateTime};
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::Utc;
use entity::contact;
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::access::{
    self, AccessError, Action, Permission, Prospect,
    explain::Explanation,
    principal::{Identity, Principal, Role},
    rules::{Rule, Step, StepKind},
};
use crate::domain::DomainError;
use crate::graphql::{
    domain,
    ids::{self, Kind},
    loaders::{ContactId, InternalUserId},
    node::{self, Node},
    state,
};

/// An access rule of DOMAIN.md §1 and §6.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessRule {
    /// Staff roles (admin, manager, agent) read every case.
    InternalRole,
    /// A relationship agent reads the cases of the accounts, consumers and households whose team it is on.
    TeamMember,
    /// A contact reads the cases it is the contact of or opened.
    OwnCase,
    /// A partner contact reads the cases it works as partner contact.
    PartnerContact,
    /// A contact reads the cases of its own account.
    OwnAccount,
    /// A customer case manager reads the cases of accounts below its account.
    DescendantAccount,
    /// A customer contact reads the cases of accounts it holds a contact relationship on.
    ContactRelationship,
    /// A partner contact reads the cases of its account's customers (through a partner-granting relationship).
    PartnerRelationship,
    /// A consumer reads its own cases.
    OwnConsumerCase,
    /// A consumer reads the cases of the consumers it represents.
    Representative,
    /// A consumer reads the cases of its current households.
    HouseholdMember,
    /// A head of household reads the household's cases and its current members'.
    HeadOfHousehold,
}

impl From<Rule> for AccessRule {
    fn from(rule: Rule) -> Self {
        match rule {
            Rule::InternalRole => AccessRule::InternalRole,
            Rule::TeamMember => AccessRule::TeamMember,
            Rule::OwnCase => AccessRule::OwnCase,
            Rule::PartnerContact => AccessRule::PartnerContact,
            Rule::OwnAccount => AccessRule::OwnAccount,
            Rule::DescendantAccount => AccessRule::DescendantAccount,
            Rule::ContactRelationship => AccessRule::ContactRelationship,
            Rule::PartnerRelationship => AccessRule::PartnerRelationship,
            Rule::OwnConsumerCase => AccessRule::OwnConsumerCase,
            Rule::Representative => AccessRule::Representative,
            Rule::HouseholdMember => AccessRule::HouseholdMember,
            Rule::HeadOfHousehold => AccessRule::HeadOfHousehold,
        }
    }
}

/// What one step of an access path is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessStepKind {
    /// The principal holds a role.
    Role,
    /// A team membership of the principal.
    TeamMember,
    /// The principal is the case's contact.
    CaseContact,
    /// The principal opened the case.
    CaseOpener,
    /// The principal is the case's partner contact.
    PartnerContact,
    /// The principal's own account.
    OwnAccount,
    /// An account below another in the hierarchy.
    Hierarchy,
    /// A contact relationship.
    ContactRelationship,
    /// An account relationship.
    AccountRelationship,
    /// The principal is the case's consumer.
    CaseConsumer,
    /// A consumer relationship (representation).
    ConsumerRelationship,
    /// A household membership.
    HouseholdMembership,
    /// The principal heads the household.
    HeadOfHousehold,
}

impl AccessStepKind {
    fn from_domain(kind: StepKind) -> (Self, Option<Kind>) {
        match kind {
            StepKind::Role => (AccessStepKind::Role, None),
            StepKind::TeamMember => (AccessStepKind::TeamMember, Some(Kind::TeamMember)),
            StepKind::CaseContact => (AccessStepKind::CaseContact, Some(Kind::Case)),
            StepKind::CaseOpener => (AccessStepKind::CaseOpener, Some(Kind::Case)),
            StepKind::PartnerContact => (AccessStepKind::PartnerContact, Some(Kind::Case)),
            StepKind::OwnAccount => (AccessStepKind::OwnAccount, Some(Kind::Account)),
            StepKind::Hierarchy => (AccessStepKind::Hierarchy, Some(Kind::Account)),
            StepKind::ContactRelationship => (
                AccessStepKind::ContactRelationship,
                Some(Kind::ContactRelationship),
            ),
            StepKind::AccountRelationship => (
                AccessStepKind::AccountRelationship,
                Some(Kind::AccountRelationship),
            ),
            StepKind::CaseConsumer => (AccessStepKind::CaseConsumer, Some(Kind::Case)),
            StepKind::ConsumerRelationship => (
                AccessStepKind::ConsumerRelationship,
                Some(Kind::ConsumerRelationship),
            ),
            StepKind::HouseholdMembership => (
                AccessStepKind::HouseholdMembership,
                Some(Kind::HouseholdMembership),
            ),
            StepKind::HeadOfHousehold => (AccessStepKind::HeadOfHousehold, Some(Kind::Household)),
        }
    }
}

/// One step of an access path.
#[derive(SimpleObject)]
pub struct AccessPathStep {
    /// What the step is.
    pub kind: AccessStepKind,
    /// Global ID of the record the step follows (relationship, membership, account, case).
    pub record_id: Option<ID>,
    /// How the step reads, with the relationship's label.
    pub label: String,
    /// First day the step's record is in force; absent: since always.
    pub valid_from: Option<Date>,
    /// Last day the step's record is in force; absent: open-ended.
    pub valid_to: Option<Date>,
}

impl From<Step> for AccessPathStep {
    fn from(step: Step) -> Self {
        let (kind, mut node) = AccessStepKind::from_domain(step.kind);
        if step.partner_face {
            node = Some(Kind::Partner);
        }
        Self {
            kind,
            record_id: step
                .record_id
                .zip(node)
                .map(|(id, kind)| ids::encode(kind, id)),
            label: step.label,
            valid_from: step.valid_from.map(Into::into),
            valid_to: step.valid_to.map(Into::into),
        }
    }
}

/// A rule that grants access and the path it follows.
#[derive(SimpleObject)]
pub struct AccessGrant {
    /// The rule that grants access.
    pub rule: AccessRule,
    /// The role that made the rule count.
    pub role: crate::graphql::roles::Role,
    /// The records the rule follows, from the principal to the case.
    pub path: Vec<AccessPathStep>,
}

/// A rule that could grant access but does not.
#[derive(SimpleObject)]
pub struct AccessDenial {
    /// The rule that does not grant access.
    pub rule: AccessRule,
    /// The role under which the rule was considered.
    pub role: Option<crate::graphql::roles::Role>,
    /// What is missing.
    pub reason: String,
    /// Relationships that would grant access but are outside their validity dates.
    pub lapsed: Vec<AccessPathStep>,
}

/// Why a principal can or cannot read a case.
#[derive(SimpleObject)]
pub struct AccessExplanation {
    /// Exactly the access engine's check.
    pub allowed: bool,
    /// The principal's subject.
    pub subject: Option<String>,
    /// The roles considered.
    pub roles: Vec<crate::graphql::roles::Role>,
    /// Every granting rule with its path; empty exactly when `allowed` is false.
    pub grants: Vec<AccessGrant>,
    /// Rules that apply to the principal's roles but do not grant access.
    pub denials: Vec<AccessDenial>,
}

impl AccessExplanation {
    pub(crate) fn new(principal: &Principal, explanation: Explanation) -> Self {
        Self {
            allowed: explanation.allowed,
            subject: principal.subject.clone(),
            roles: crate::graphql::roles::Role::of(principal.roles.iter().copied()),
            grants: explanation
                .grants
                .into_iter()
                .map(|g| AccessGrant {
                    rule: g.rule.into(),
                    role: g.role.into(),
                    path: g.steps.into_iter().map(Into::into).collect(),
                })
                .collect(),
            denials: explanation
                .denials
                .into_iter()
                .map(|d| AccessDenial {
                    rule: d.rule.into(),
                    role: d.role.map(Into::into),
                    reason: d.reason,
                    lapsed: d.lapsed.into_iter().map(Into::into).collect(),
                })
                .collect(),
        }
    }
}

/// A principal who can read a case.
pub struct AccessHolder {
    pub(super) kind: Kind,
    pub(super) id: Uuid,
    pub(super) principal: Principal,
    pub(super) rules: Vec<(Rule, Role)>,
}

/// A principal who can read a case.
#[Object]
impl AccessHolder {
    /// The contact, consumer or internal user.
    async fn principal(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        node::load(ctx, self.kind, self.id).await
    }
    /// Its subject.
    async fn subject(&self) -> Option<&str> {
        self.principal.subject.as_deref()
    }
    /// Its stored roles.
    async fn roles(&self) -> Vec<crate::graphql::roles::Role> {
        crate::graphql::roles::Role::of(self.principal.roles.iter().copied())
    }
    /// The rules that grant it the case.
    async fn rules(&self) -> Vec<AccessRule> {
        self.rules.iter().map(|(rule, _)| (*rule).into()).collect()
    }
}

/// Runs `$body` with `$db` bound to the live connection (no instant) or to its view as recorded at
/// the instant, and `$today` the day validity dates are judged on; one engine call serves both.
macro_rules! as_of {
    ($live:expr, $clock:expr, $at:expr, |$db:ident, $today:ident| $body:expr) => {
        match $at {
            None => {
                let $db = $live;
                let $today = $clock.today();
                $body
            }
            Some(at) => {
                let view = crate::access::as_of::AsOf::new($live, at);
                let $db = &view;
                let $today = at.date_naive();
                $body
            }
        }
    };
}
pub(crate) use as_of;

/// The instant an access question is about (`None`: now). The future is not recorded yet, and
/// nothing is known before history began: both are refused on the `at` field.
pub(super) async fn instant(
    ctx: &Context<'_>,
    at: Option<DateTime>,
) -> Result<Option<chrono::DateTime<Utc>>> {
    let Some(DateTime(at)) = at else {
        return Ok(None);
    };
    let d = domain(ctx);
    if at > d.clock.now() {
        return Err(DomainError::invalid("at", "must not be in the future").into());
    }
    let start = access::as_of::history_start(&d.db).await?;
    if at < start {
        let message = format!("history begins at {}", start.to_rfc3339());
        return Err(DomainError::invalid("at", message).into());
    }
    Ok(Some(at))
}

/// The principal an explanation or check is about: the viewer, or (admins and managers) anyone,
/// with its stored roles as recorded at `at` when given.
pub(super) async fn subject_principal(
    ctx: &Context<'_>,
    principal_id: Option<&ID>,
    at: Option<chrono::DateTime<Utc>>,
) -> Result<Principal> {
    let viewer = &domain(ctx).principal;
    let Some(id) = principal_id else {
        return Ok((**viewer).clone());
    };
    let (kind, uuid) = ids::decode_any(id, "principalId")?;
    let identity = match kind {
        Kind::Contact => {
            let person = match at {
                None => state(ctx).loaders.load_one(ContactId(uuid)).await?,
                Some(at) => {
                    let view = access::as_of::AsOf::new(&domain(ctx).db, at);
                    contact::Entity::find_by_id(uuid)
                        .one(&view)
                        .await
                        .map_err(AccessError::from)?
                }
            };
            Identity::Contact {
                id: uuid,
                account_id: person.map(|p| p.account_id).unwrap_or_default(),
            }
        }
        Kind::Consumer => Identity::Consumer { id: uuid },
        Kind::InternalUser => {
            let _ = state(ctx).loaders.load_one(InternalUserId(uuid)).await?;
            Identity::InternalUser { id: uuid }
        }
        _ => {
            return Err(DomainError::invalid(
                "principalId",
                "expected a Contact, Consumer or InternalUser ID",
            )
            .into());
        }
    };
    if !viewer.is(identity) {
        access::require(viewer, Permission::InspectOthersAccess)?;
    }
    if viewer.is(identity) {
        return Ok((**viewer).clone());
    }
    let d = domain(ctx);
    Ok(as_of!(&d.db, d.clock, at, |db, _today| {
        access::stored_principal(db, identity).await?
    }))
}

/// What an access check asks about.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseAction {
    /// Read the case.
    Read,
    /// Comment on the case.
    Comment,
    /// Change fields other than comments and state (staff only).
    Update,
    /// Resolve or close.
    Close,
    /// Open a case for the given account or consumer.
    CreateFor,
}

/// The answer of `accessCheck`.
#[derive(SimpleObject)]
pub struct AccessDecision {
    /// Whether the principal may do the action.
    pub allowed: bool,
    /// For actions on a case: why, as `Case.accessExplanation` gives it. Absent when the case
    /// does not exist and, for portal principals, when they cannot read it (the two look alike).
    pub explanation: Option<AccessExplanation>,
}

/// The `accessCheck` query.
#[derive(Default)]
pub struct AccessCheckQuery;

/// The `accessCheck` query.
#[Object]
impl AccessCheckQuery {
    /// May a principal (the viewer when absent) do `action` on a case, or open one for an
    /// account or consumer? Admins and managers may ask about anyone.
    #[allow(clippy::too_many_arguments)] // each is a GraphQL argument
    async fn access_check(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the principal would do.")] action: CaseAction,
        #[graphql(desc = "Global ID of the case, for actions on a case.")] case_id: Option<ID>,
        #[graphql(desc = "Global ID of the account, for `CREATE_FOR` on an account.")]
        account_id: Option<ID>,
        #[graphql(desc = "Global ID of the consumer, for `CREATE_FOR` on a consumer.")] consumer_id: Option<ID>,
        #[graphql(
            desc = "Global ID of the contact, consumer or internal user to ask about; absent: the caller."
        )]
        principal_id: Option<ID>,
        #[graphql(
            desc = "Answer as of this past instant: records as they were then, validity judged on its day; absent: now."
        )]
        at: Option<DateTime>,
    ) -> Result<AccessDecision> {
        let at = instant(ctx, at).await?;
        let subject = subject_principal(ctx, principal_id.as_ref(), at).await?;
        let d = domain(ctx);
        as_of!(&d.db, d.clock, at, |db, today| {
            decide(
                d,
                db,
                &subject,
                action,
                (case_id, account_id, consumer_id),
                today,
            )
            .await
        })
    }
}

/// The answer of `accessCheck` on `db` (live or as of an instant) with validity judged on `today`.
async fn decide(
    d: &crate::domain::Ctx,
    db: &impl sea_orm::ConnectionTrait,
    subject: &Principal,
    action: CaseAction,
    (case_id, account_id, consumer_id): (Option<ID>, Option<ID>, Option<ID>),
    today: chrono::NaiveDate,
) -> Result<AccessDecision> {
    if action == CaseAction::CreateFor {
        let account_id = account_id
            .as_ref()
            .map(|id| ids::decode(id, ids::ORGANIZATION, "accountId"))
            .transpose()?;
        let prospect = Prospect {
            account_id,
            consumer_id: consumer_id
                .as_ref()
                .map(|id| ids::decode(id, &[Kind::Consumer], "consumerId"))
                .transpose()?,
            household_id: None,
            partner_id: None,
        };
        if prospect.account_id.is_none() && prospect.consumer_id.is_none() {
            return Err(DomainError::invalid(
                "accountId",
                "CREATE_FOR needs accountId or consumerId",
            )
            .into());
        }
        if prospect.account_id.is_some() && prospect.consumer_id.is_some() {
            return Err(DomainError::invalid(
                "consumerId",
                "CREATE_FOR takes accountId or consumerId, not both",
            )
            .into());
        }
        let allowed = access::may_create::opening(db, subject, prospect, today)
            .await?
            .allowed;
        return Ok(AccessDecision {
            allowed,
            explanation: None,
        });
    }
    let id = case_id
        .as_ref()
        .ok_or_else(|| DomainError::invalid("caseId", "this action needs caseId"))?;
    let id = ids::decode(id, &[Kind::Case], "caseId")?;
    let action = match action {
        CaseAction::Read => Action::Read,
        CaseAction::Comment => Action::Comment,
        CaseAction::Update => Action::Update,
        _ => Action::Close,
    };
    let allowed =
        crate::telemetry::time_access_check(access::check(db, subject, action, id, today)).await?;
    let readable = match action {
        Action::Read => allowed,
        _ => {
            let check = access::check(db, subject, Action::Read, id, today);
            crate::telemetry::time_access_check(check).await?
        }
    };
    if !readable && !d.principal.is_internal() {
        // No existence oracle: to a portal principal a case it cannot read answers exactly as
        // a case that does not exist; only staff see why access is denied.
        return Ok(AccessDecision {
            allowed: false,
            explanation: None,
        });
    }
    let explanation = match access::explain(db, subject, id, today).await {
        Ok(e) => Some(AccessExplanation::new(subject, e)),
        Err(AccessError::NotFound { .. }) => None,
        Err(other) => return Err(other.into()),
    };
    Ok(AccessDecision {
        allowed,
        explanation,
    })
}
