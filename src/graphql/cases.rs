//! Cases, their comments, and the access engine's three questions: check, list and explain.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{case, case_comment};
use uuid::Uuid;

use super::{
    OrderDirection,
    accounts::{Organization, Partner},
    connection::{Connection, cost, page_args, wants},
    consumers::Consumer,
    contacts::Contact,
    domain,
    households::Household,
    ids::{self, Kind},
    loaders::{
        AccountId, CaseEdgeParams, CommentParams, ConsumerId, ContactId, EdgeKey, HouseholdId,
        InternalUserId,
    },
    node::{self, Node},
    state,
};
use crate::domain::{
    DomainError,
    case_access::{self, Action, Prospect, Rule},
    case_explain::{self, Explanation, Step, StepKind},
    cases::{
        self as service, CaseFilter as Filter, CaseOrder, CaseParent, CasePatch,
        CaseState as State, NewCase,
    },
    principal::{Identity, Principal, Role},
};
use crate::pagination::Page;

/// The life-cycle state of a case.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseState {
    New,
    InProgress,
    AwaitingInfo,
    Resolved,
    Closed,
    Canceled,
}

impl CaseState {
    fn domain(self) -> State {
        match self {
            CaseState::New => State::New,
            CaseState::InProgress => State::InProgress,
            CaseState::AwaitingInfo => State::AwaitingInfo,
            CaseState::Resolved => State::Resolved,
            CaseState::Closed => State::Closed,
            CaseState::Canceled => State::Canceled,
        }
    }

    fn from_stored(text: &str) -> Self {
        match State::parse(text) {
            State::New => CaseState::New,
            State::InProgress => CaseState::InProgress,
            State::AwaitingInfo => CaseState::AwaitingInfo,
            State::Resolved => CaseState::Resolved,
            State::Closed => CaseState::Closed,
            State::Canceled => CaseState::Canceled,
        }
    }
}

/// A customer-service case.
pub struct Case(pub case::Model);

#[Object]
impl Case {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Case, self.0.id)
    }
    /// Case number, CS0000001 onward.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// One-line summary.
    async fn short_description(&self) -> &str {
        &self.0.short_description
    }
    /// Full description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Life-cycle state.
    async fn state(&self) -> CaseState {
        CaseState::from_stored(&self.0.state)
    }
    /// 1 (critical) to 4 (low).
    async fn priority(&self) -> i32 {
        self.0.priority
    }
    /// The account (B2B cases).
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        org(ctx, self.0.account_id).await
    }
    /// The account's contact the case is for.
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        person(ctx, self.0.contact_id).await
    }
    /// The consumer (B2C cases).
    async fn consumer(&self, ctx: &Context<'_>) -> Result<Option<Consumer>> {
        let Some(id) = self.0.consumer_id else {
            return Ok(None);
        };
        Ok(state(ctx)
            .loaders
            .load_one(ConsumerId(id))
            .await?
            .map(Consumer))
    }
    /// The consumer's household the case concerns.
    async fn household(&self, ctx: &Context<'_>) -> Result<Option<Household>> {
        let Some(id) = self.0.household_id else {
            return Ok(None);
        };
        Ok(state(ctx)
            .loaders
            .load_one(HouseholdId(id))
            .await?
            .map(Household))
    }
    /// The partner account working the case.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Partner>> {
        let Some(id) = self.0.partner_id else {
            return Ok(None);
        };
        Ok(state(ctx)
            .loaders
            .load_one(AccountId(id))
            .await?
            .and_then(Partner::new))
    }
    /// The partner's contact working the case.
    async fn partner_contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        person(ctx, self.0.partner_contact_id).await
    }
    /// Who opened the case (a contact, consumer or internal user), when the viewer may see them.
    async fn opened_by(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        let Some(id) = self.0.opened_by_id else {
            return Ok(None);
        };
        let kind = match self.0.opened_by_kind.as_deref() {
            Some("CONTACT") => Kind::Contact,
            Some("CONSUMER") => Kind::Consumer,
            _ => Kind::InternalUser,
        };
        node::load(ctx, kind, id).await
    }
    /// The token subject that opened the case.
    async fn opened_by_subject(&self) -> Option<&str> {
        self.0.opened_by_subject.as_deref()
    }
    /// Comments, oldest first.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<CaseComment>> {
        let params = CommentParams {
            args: page_args(ctx, first, after, last, before)?,
        };
        let page = state(ctx)
            .loaders
            .load_one(EdgeKey {
                parent: self.0.id,
                params,
            })
            .await?
            .unwrap_or_else(Page::empty);
        Ok(Connection::from_page(page, CaseComment))
    }
    /// When the case was opened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the case last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When the case was resolved.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// When the case was closed or canceled.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// Why a principal (the viewer when absent) can or cannot read this case: every granting rule
    /// with the relationships it follows, or what is missing or lapsed. Admins and managers may ask
    /// about anyone; others only about themselves.
    async fn access_explanation(
        &self,
        ctx: &Context<'_>,
        principal_id: Option<ID>,
    ) -> Result<AccessExplanation> {
        let subject = subject_principal(ctx, principal_id.as_ref()).await?;
        let explanation = case_explain::explain(
            &domain(ctx).db,
            &subject,
            self.0.id,
            domain(ctx).clock.today(),
        )
        .await?;
        Ok(AccessExplanation::new(&subject, explanation))
    }
    /// Every stored principal who can read this case and by which rules (admins and managers).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn who_can_access(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<AccessHolder>> {
        let viewer = &domain(ctx).principal;
        if !viewer.has_any(&[Role::Admin, Role::Manager]) {
            return Err(DomainError::forbidden(
                "only admins and managers may list who can access a case",
            )
            .into());
        }
        let args = page_args(ctx, first, after, last, before)?;
        let holders =
            case_explain::who_can_read(&domain(ctx).db, self.0.id, domain(ctx).clock.today())
                .await?;
        let items = holders
            .into_iter()
            .filter_map(|(principal, rules)| {
                let (kind, id) = identity_node(principal.identity)?;
                let cursor = crate::pagination::Cursor {
                    order: "HOLDER".into(),
                    value: Some(crate::pagination::SortValue::Text(kind.name().into())),
                    id,
                };
                Some((
                    cursor,
                    AccessHolder {
                        kind,
                        id,
                        principal,
                        rules,
                    },
                ))
            })
            .collect::<Vec<_>>();
        let mut items = items;
        items.sort_by_key(|a| (a.0.value.clone(), a.0.id));
        let page = crate::pagination::slice(items, &args, "HOLDER")?;
        Ok(Connection::from_page(page, |h| h))
    }
    /// What the viewer may do with this case.
    async fn viewer_can(&self, ctx: &Context<'_>) -> Result<CasePermissions> {
        let d = domain(ctx);
        let today = d.clock.today();
        let mut allowed = Vec::new();
        for action in [Action::Read, Action::Comment, Action::Update, Action::Close] {
            allowed.push(case_access::check(&d.db, &d.principal, action, self.0.id, today).await?);
        }
        Ok(CasePermissions {
            read: allowed[0],
            comment: allowed[1],
            update: allowed[2],
            close: allowed[3],
        })
    }
}

/// What the viewer may do with a case.
#[derive(SimpleObject)]
pub struct CasePermissions {
    pub read: bool,
    pub comment: bool,
    /// Change fields other than comments and state: staff only.
    pub update: bool,
    /// Resolve or close.
    pub close: bool,
}

async fn org(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<Organization>> {
    let Some(id) = id else { return Ok(None) };
    Ok(state(ctx)
        .loaders
        .load_one(AccountId(id))
        .await?
        .map(Organization::from_model))
}

async fn person(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<Contact>> {
    let Some(id) = id else { return Ok(None) };
    Ok(state(ctx)
        .loaders
        .load_one(ContactId(id))
        .await?
        .map(Contact))
}

/// A comment on a case.
pub struct CaseComment(pub case_comment::Model);

#[Object]
impl CaseComment {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::CaseComment, self.0.id)
    }
    /// The text.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Who wrote it, when the viewer may see them.
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        let Some(id) = self.0.author_id else {
            return Ok(None);
        };
        let kind = match self.0.author_kind.as_deref() {
            Some("CONTACT") => Kind::Contact,
            Some("CONSUMER") => Kind::Consumer,
            _ => Kind::InternalUser,
        };
        node::load(ctx, kind, id).await
    }
    /// The token subject that wrote it.
    async fn author_subject(&self) -> Option<&str> {
        self.0.author_subject.as_deref()
    }
    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// An access rule of DOMAIN.md §1 and §6.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessRule {
    InternalRole,
    TeamMember,
    OwnCase,
    PartnerContact,
    OwnAccount,
    DescendantAccount,
    ContactRelationship,
    PartnerRelationship,
    OwnConsumerCase,
    Representative,
    HouseholdMember,
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
    Role,
    TeamMember,
    CaseContact,
    CaseOpener,
    PartnerContact,
    OwnAccount,
    Hierarchy,
    ContactRelationship,
    AccountRelationship,
    CaseConsumer,
    ConsumerRelationship,
    HouseholdMembership,
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
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl From<Step> for AccessPathStep {
    fn from(step: Step) -> Self {
        let (kind, node) = AccessStepKind::from_domain(step.kind);
        Self {
            kind,
            record_id: step
                .record_id
                .zip(node)
                .map(|(id, kind)| ids::encode(kind, id)),
            label: step.label,
            valid_from: step.valid_from,
            valid_to: step.valid_to,
        }
    }
}

/// A rule that grants access and the path it follows.
#[derive(SimpleObject)]
pub struct AccessGrant {
    pub rule: AccessRule,
    /// The role that made the rule count.
    pub role: String,
    pub path: Vec<AccessPathStep>,
}

/// A rule that could grant access but does not.
#[derive(SimpleObject)]
pub struct AccessDenial {
    pub rule: AccessRule,
    /// The role under which the rule was considered.
    pub role: Option<String>,
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
    pub roles: Vec<String>,
    /// Every granting rule with its path; empty exactly when `allowed` is false.
    pub grants: Vec<AccessGrant>,
    /// Rules that apply to the principal's roles but do not grant access.
    pub denials: Vec<AccessDenial>,
}

impl AccessExplanation {
    fn new(principal: &Principal, explanation: Explanation) -> Self {
        Self {
            allowed: explanation.allowed,
            subject: principal.subject.clone(),
            roles: principal
                .roles
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            grants: explanation
                .grants
                .into_iter()
                .map(|g| AccessGrant {
                    rule: g.rule.into(),
                    role: g.role.as_str().into(),
                    path: g.steps.into_iter().map(Into::into).collect(),
                })
                .collect(),
            denials: explanation
                .denials
                .into_iter()
                .map(|d| AccessDenial {
                    rule: d.rule.into(),
                    role: d.role.map(|r| r.as_str().to_owned()),
                    reason: d.reason,
                    lapsed: d.lapsed.into_iter().map(Into::into).collect(),
                })
                .collect(),
        }
    }
}

fn identity_node(identity: Identity) -> Option<(Kind, Uuid)> {
    match identity {
        Identity::InternalUser { id } => Some((Kind::InternalUser, id)),
        Identity::Contact { id, .. } => Some((Kind::Contact, id)),
        Identity::Consumer { id } => Some((Kind::Consumer, id)),
        Identity::Anonymous | Identity::Unregistered => None,
    }
}

/// A principal who can read a case.
pub struct AccessHolder {
    kind: Kind,
    id: Uuid,
    principal: Principal,
    rules: Vec<(Rule, Role)>,
}

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
    async fn roles(&self) -> Vec<String> {
        self.principal
            .roles
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect()
    }
    /// The rules that grant it the case.
    async fn rules(&self) -> Vec<AccessRule> {
        self.rules.iter().map(|(rule, _)| (*rule).into()).collect()
    }
}

/// The principal an explanation or check is about: the viewer, or (admins and managers) anyone.
async fn subject_principal(ctx: &Context<'_>, principal_id: Option<&ID>) -> Result<Principal> {
    let viewer = &domain(ctx).principal;
    let Some(id) = principal_id else {
        return Ok((**viewer).clone());
    };
    let (kind, uuid) = ids::decode_any(id, "principalId")?;
    let identity = match kind {
        Kind::Contact => {
            let person = state(ctx).loaders.load_one(ContactId(uuid)).await?;
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
    if identity != viewer.identity && !viewer.has_any(&[Role::Admin, Role::Manager]) {
        return Err(DomainError::forbidden(
            "only admins and managers may ask about another principal",
        )
        .into());
    }
    if identity == viewer.identity {
        return Ok((**viewer).clone());
    }
    Ok(case_explain::stored_principal(&domain(ctx).db, identity).await?)
}

/// Fields a case list can be sorted by.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CaseOrderField {
    #[default]
    Number,
    Priority,
    UpdatedAt,
    CreatedAt,
}

/// Ordering of a case list.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct CaseOrderBy {
    pub field: CaseOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl CaseOrderBy {
    fn domain(order: Option<Self>) -> (CaseOrder, bool) {
        let Some(order) = order else {
            return (CaseOrder::Number, true);
        };
        let field = match order.field {
            CaseOrderField::Number => CaseOrder::Number,
            CaseOrderField::Priority => CaseOrder::Priority,
            CaseOrderField::UpdatedAt => CaseOrder::UpdatedAt,
            CaseOrderField::CreatedAt => CaseOrder::CreatedAt,
        };
        (field, order.direction == OrderDirection::Desc)
    }
}

/// Filters of a case list; all given conditions must hold.
#[derive(InputObject, Default)]
pub struct CaseFilter {
    /// Any of these states.
    pub states: Option<Vec<CaseState>>,
    pub priority: Option<i32>,
    pub account_id: Option<ID>,
    pub consumer_id: Option<ID>,
    pub household_id: Option<ID>,
    /// Number, short description or description contains this text.
    pub text: Option<String>,
}

impl CaseFilter {
    fn domain(filter: Option<Self>) -> Result<Filter> {
        let filter = filter.unwrap_or_default();
        Ok(Filter {
            states: filter
                .states
                .unwrap_or_default()
                .into_iter()
                .map(CaseState::domain)
                .collect(),
            priority: filter.priority,
            account_id: filter
                .account_id
                .as_ref()
                .map(|id| ids::decode(id, ids::ORGANIZATION, "accountId"))
                .transpose()?,
            consumer_id: filter
                .consumer_id
                .as_ref()
                .map(|id| ids::decode(id, &[Kind::Consumer], "consumerId"))
                .transpose()?,
            household_id: filter
                .household_id
                .as_ref()
                .map(|id| ids::decode(id, &[Kind::Household], "householdId"))
                .transpose()?,
            text: filter.text.filter(|t| !t.trim().is_empty()),
        })
    }
}

/// The cases the viewer may read, filtered and sorted, as a connection with an exact total.
pub async fn viewer_cases(
    ctx: &Context<'_>,
    filter: Option<CaseFilter>,
    order_by: Option<CaseOrderBy>,
    page: (Option<i32>, Option<String>, Option<i32>, Option<String>),
) -> Result<Connection<Case>> {
    let (order, descending) = CaseOrderBy::domain(order_by);
    let args = page_args(ctx, page.0, page.1, page.2, page.3)?;
    let page = service::list(
        domain(ctx),
        &CaseFilter::domain(filter)?,
        order.sort(descending),
        &args,
        wants(ctx),
    )
    .await?;
    Ok(Connection::from_page(page, Case))
}

/// The readable cases of an account, consumer or household, through the dataloader.
pub async fn cases_of(
    ctx: &Context<'_>,
    parent: CaseParent,
    key: Uuid,
    filter: Option<CaseFilter>,
    order_by: Option<CaseOrderBy>,
    page: (Option<i32>, Option<String>, Option<i32>, Option<String>),
) -> Result<Connection<Case>> {
    let (order, descending) = CaseOrderBy::domain(order_by);
    let params = CaseEdgeParams {
        parent,
        filter: CaseFilter::domain(filter)?,
        order,
        descending,
        args: page_args(ctx, page.0, page.1, page.2, page.3)?,
    };
    let page = state(ctx)
        .loaders
        .load_one(EdgeKey {
            parent: key,
            params,
        })
        .await?
        .unwrap_or_else(Page::empty);
    Ok(Connection::from_page(page, Case))
}

/// What an access check asks about.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseAction {
    Read,
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
    pub allowed: bool,
    /// For actions on a case: why, as `Case.accessExplanation` gives it.
    pub explanation: Option<AccessExplanation>,
}

/// Case queries.
#[derive(Default)]
pub struct CasesQuery;

#[Object]
impl CasesQuery {
    /// The cases the viewer may read (the same list as `viewer.cases`).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        filter: Option<CaseFilter>,
        order_by: Option<CaseOrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<Case>> {
        viewer_cases(ctx, filter, order_by, (first, after, last, before)).await
    }

    /// May a principal (the viewer when absent) do `action` on a case, or open one for an
    /// account or consumer? Admins and managers may ask about anyone.
    async fn access_check(
        &self,
        ctx: &Context<'_>,
        action: CaseAction,
        case_id: Option<ID>,
        account_id: Option<ID>,
        consumer_id: Option<ID>,
        principal_id: Option<ID>,
    ) -> Result<AccessDecision> {
        let subject = subject_principal(ctx, principal_id.as_ref()).await?;
        let d = domain(ctx);
        let today = d.clock.today();
        if action == CaseAction::CreateFor {
            let prospect = Prospect {
                account_id: account_id
                    .as_ref()
                    .map(|id| ids::decode(id, ids::ORGANIZATION, "accountId"))
                    .transpose()?,
                consumer_id: consumer_id
                    .as_ref()
                    .map(|id| ids::decode(id, &[Kind::Consumer], "consumerId"))
                    .transpose()?,
                household_id: None,
                partner_id: subject
                    .contact()
                    .filter(|_| subject.has_any(&[Role::Partner, Role::PartnerAdmin]))
                    .map(|c| c.1),
            };
            if prospect.account_id.is_none() && prospect.consumer_id.is_none() {
                return Err(DomainError::invalid(
                    "accountId",
                    "CREATE_FOR needs accountId or consumerId",
                )
                .into());
            }
            let allowed = case_access::may_create(&d.db, &subject, prospect, today).await?;
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
        let allowed = case_access::check(&d.db, &subject, action, id, today).await?;
        let explanation = match case_explain::explain(&d.db, &subject, id, today).await {
            Ok(e) => Some(AccessExplanation::new(&subject, e)),
            Err(DomainError::NotFound { .. }) => None,
            Err(other) => return Err(other.into()),
        };
        Ok(AccessDecision {
            allowed,
            explanation,
        })
    }
}

/// Input of `createCase`.
#[derive(InputObject)]
pub struct CreateCaseInput {
    pub short_description: String,
    pub description: Option<String>,
    /// 1 (critical) to 4 (low); 4 when absent.
    pub priority: Option<i32>,
    /// The account of a B2B case.
    pub account_id: Option<ID>,
    /// The account's contact; a portal contact opening a case for its own account is filled in.
    pub contact_id: Option<ID>,
    /// The consumer of a B2C case.
    pub consumer_id: Option<ID>,
    /// The consumer's household the case concerns.
    pub household_id: Option<ID>,
    /// Staff only; a partner contact opening a case for a customer is stamped automatically.
    pub partner_id: Option<ID>,
    /// Staff only.
    pub partner_contact_id: Option<ID>,
}

/// Input of `updateCase` (staff); absent fields stay, `clear*` flags remove a party.
#[derive(InputObject)]
pub struct UpdateCaseInput {
    pub id: ID,
    pub short_description: Option<String>,
    pub description: Option<String>,
    pub priority: Option<i32>,
    pub contact_id: Option<ID>,
    pub household_id: Option<ID>,
    pub partner_id: Option<ID>,
    pub partner_contact_id: Option<ID>,
    #[graphql(default)]
    pub clear_contact: bool,
    #[graphql(default)]
    pub clear_household: bool,
    #[graphql(default)]
    pub clear_partner: bool,
}

/// Input of `addCaseComment`.
#[derive(InputObject)]
pub struct AddCaseCommentInput {
    pub case_id: ID,
    pub body: String,
}

/// Result of a case mutation.
#[derive(SimpleObject)]
pub struct CasePayload {
    /// The case after the change.
    pub case: Case,
}

/// Result of `addCaseComment`.
#[derive(SimpleObject)]
pub struct CaseCommentPayload {
    /// The new comment.
    pub comment: CaseComment,
}

fn optional(id: &Option<ID>, kinds: &[Kind], field: &str) -> Result<Option<Uuid>> {
    Ok(id
        .as_ref()
        .map(|id| ids::decode(id, kinds, field))
        .transpose()?)
}

fn change(id: Option<Uuid>, clear: bool, field: &str) -> Result<Option<Option<Uuid>>> {
    match (id, clear) {
        (Some(_), true) => {
            Err(DomainError::invalid(field, "give the ID or the clear flag, not both").into())
        }
        (Some(id), false) => Ok(Some(Some(id))),
        (None, true) => Ok(Some(None)),
        (None, false) => Ok(None),
    }
}

/// Case mutations.
#[derive(Default)]
pub struct CasesMutation;

#[Object]
impl CasesMutation {
    /// Opens a case for an account (B2B) or consumer (B2C) the caller may open cases for.
    async fn create_case(&self, ctx: &Context<'_>, input: CreateCaseInput) -> Result<CasePayload> {
        let new = NewCase {
            short_description: input.short_description,
            description: input.description,
            priority: input.priority,
            account_id: optional(&input.account_id, ids::ORGANIZATION, "accountId")?,
            contact_id: optional(&input.contact_id, &[Kind::Contact], "contactId")?,
            consumer_id: optional(&input.consumer_id, &[Kind::Consumer], "consumerId")?,
            household_id: optional(&input.household_id, &[Kind::Household], "householdId")?,
            partner_id: optional(&input.partner_id, ids::ORGANIZATION, "partnerId")?,
            partner_contact_id: optional(
                &input.partner_contact_id,
                &[Kind::Contact],
                "partnerContactId",
            )?,
        };
        Ok(CasePayload {
            case: Case(service::create(domain(ctx), new).await?),
        })
    }

    /// Changes a case's fields (staff with access to the case).
    async fn update_case(&self, ctx: &Context<'_>, input: UpdateCaseInput) -> Result<CasePayload> {
        let id = ids::decode(&input.id, &[Kind::Case], "id")?;
        let partner = optional(&input.partner_id, ids::ORGANIZATION, "partnerId")?;
        let partner_contact = optional(
            &input.partner_contact_id,
            &[Kind::Contact],
            "partnerContactId",
        )?;
        let patch = CasePatch {
            short_description: input.short_description,
            description: input.description,
            priority: input.priority,
            contact_id: change(
                optional(&input.contact_id, &[Kind::Contact], "contactId")?,
                input.clear_contact,
                "contactId",
            )?,
            household_id: change(
                optional(&input.household_id, &[Kind::Household], "householdId")?,
                input.clear_household,
                "householdId",
            )?,
            partner_id: change(partner, input.clear_partner, "partnerId")?,
            partner_contact_id: change(
                partner_contact,
                input.clear_partner && partner_contact.is_none(),
                "partnerContactId",
            )?,
        };
        Ok(CasePayload {
            case: Case(service::update(domain(ctx), id, patch).await?),
        })
    }

    /// Moves a case to another state (staff: any allowed transition).
    async fn change_case_state(
        &self,
        ctx: &Context<'_>,
        id: ID,
        state: CaseState,
    ) -> Result<CasePayload> {
        let uuid = ids::decode(&id, &[Kind::Case], "id")?;
        Ok(CasePayload {
            case: Case(service::change_state(domain(ctx), uuid, state.domain()).await?),
        })
    }

    /// Resolves an open case (anyone who may read it).
    async fn resolve_case(&self, ctx: &Context<'_>, id: ID) -> Result<CasePayload> {
        let uuid = ids::decode(&id, &[Kind::Case], "id")?;
        Ok(CasePayload {
            case: Case(service::change_state(domain(ctx), uuid, State::Resolved).await?),
        })
    }

    /// Closes a resolved case (anyone who may read it).
    async fn close_case(&self, ctx: &Context<'_>, id: ID) -> Result<CasePayload> {
        let uuid = ids::decode(&id, &[Kind::Case], "id")?;
        Ok(CasePayload {
            case: Case(service::change_state(domain(ctx), uuid, State::Closed).await?),
        })
    }

    /// Comments on a case the caller may read.
    async fn add_case_comment(
        &self,
        ctx: &Context<'_>,
        input: AddCaseCommentInput,
    ) -> Result<CaseCommentPayload> {
        let id = ids::decode(&input.case_id, &[Kind::Case], "caseId")?;
        Ok(CaseCommentPayload {
            comment: CaseComment(service::comment(domain(ctx), id, &input.body).await?),
        })
    }
}

/// How many cases one principal can read more, or no longer, after a mutation.
pub struct AccessChange(pub crate::domain::impact::AccessChange);

#[Object]
impl AccessChange {
    /// The contact, consumer or internal user affected.
    async fn principal(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        match identity_node(self.0.identity) {
            Some((kind, id)) => node::load(ctx, kind, id).await,
            None => Ok(None),
        }
    }
    /// Its subject.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// Cases it can read after the change and could not before.
    async fn gained(&self) -> u64 {
        self.0.gained
    }
    /// Cases it could read before the change and cannot after.
    async fn lost(&self) -> u64 {
        self.0.lost
    }
}

/// The GraphQL form of an access impact.
pub fn access_changes(changes: Vec<crate::domain::impact::AccessChange>) -> Vec<AccessChange> {
    changes.into_iter().map(AccessChange).collect()
}

/// Result of removing a relationship that granted access.
#[derive(SimpleObject)]
pub struct AccessDeletePayload {
    /// Global ID of the removed record (null on a dry run).
    pub deleted_id: Option<ID>,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Principals whose readable cases change, with how many they gain or lose.
    pub access_changes: Vec<AccessChange>,
}
