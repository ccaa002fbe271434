//! The `Case` object: its fields, parties, comments edge, access explanation and viewer rights.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use entity::case;
use uuid::Uuid;

use super::{
    access::{AccessExplanation, AccessHolder, as_of, instant, subject_principal},
    comments::CaseComment,
};
use crate::access::{self, Action, Permission};
use crate::domain::cases::CaseState as State;
use crate::graphql::loaders::load_node;
use crate::graphql::{
    accounts::{Organization, Partner},
    connection::{Connection, RelayArgs, cost},
    consumers::Consumer,
    contacts::Contact,
    domain,
    households::Household,
    ids::{self, Kind},
    loaders::{AccountId, CommentParams, ConsumerId, ContactId, HouseholdId},
    node::{self, Node, identity_node},
    state,
};

/// The life-cycle state of a case.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseState {
    /// Opened, nobody works it yet.
    New,
    /// Being worked.
    InProgress,
    /// Waiting for the customer.
    AwaitingInfo,
    /// Solved; waiting to be closed.
    Resolved,
    /// Done.
    Closed,
    /// Withdrawn.
    Canceled,
}

impl CaseState {
    pub(super) fn domain(self) -> State {
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

/// A customer-service case.
#[Object]
impl Case {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Case, self.0.id)
    }
    /// The case (its comments included)'s audit entries, newest first.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many rows from the start of the list (after `after`, when given)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Start after the row with this cursor (`endCursor` of the previous page)."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Return at most this many rows from the end of the list (before `before`, when given)."
        )]
        last: Option<i32>,
        #[graphql(desc = "End before the row with this cursor (`startCursor` of the next page).")]
        before: Option<String>,
    ) -> Result<crate::graphql::connection::Connection<crate::graphql::audit_log::AuditEntry>> {
        let args = crate::graphql::connection::RelayArgs::new(first, after, last, before);
        crate::graphql::audit_log::history(ctx, self.0.id, args).await
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
    /// 1 (highest) to 4 (lowest).
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
        load_node(ctx, ConsumerId(id), Consumer).await
    }
    /// The consumer's household the case concerns.
    async fn household(&self, ctx: &Context<'_>) -> Result<Option<Household>> {
        let Some(id) = self.0.household_id else {
            return Ok(None);
        };
        load_node(ctx, HouseholdId(id), Household).await
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
    /// The token subject that opened the case; null for portal principals when staff opened it.
    async fn opened_by_subject(&self, ctx: &Context<'_>) -> Option<&str> {
        visible_subject(
            ctx,
            self.0.opened_by_kind.as_deref(),
            self.0.opened_by_subject.as_deref(),
        )
    }
    /// Comments, oldest first.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many rows from the start of the list (after `after`, when given)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Start after the row with this cursor (`endCursor` of the previous page)."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Return at most this many rows from the end of the list (before `before`, when given)."
        )]
        last: Option<i32>,
        #[graphql(desc = "End before the row with this cursor (`startCursor` of the next page).")]
        before: Option<String>,
    ) -> Result<Connection<CaseComment>> {
        let params = CommentParams {
            args: RelayArgs::new(first, after, last, before).validate(ctx)?,
        };
        Connection::of_edge(ctx, self.0.id, params, CaseComment).await
    }
    /// When the case was opened.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When the case last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
    /// When the case was resolved.
    async fn resolved_at(&self) -> Option<DateTime> {
        self.0.resolved_at.map(Into::into)
    }
    /// When the case was closed or canceled.
    async fn closed_at(&self) -> Option<DateTime> {
        self.0.closed_at.map(Into::into)
    }
    /// Why a principal (the viewer when absent) can or cannot read this case: every granting rule
    /// with the relationships it follows, or what is missing or lapsed. Admins and managers may ask
    /// about anyone; others only about themselves.
    async fn access_explanation(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global ID of the contact, consumer or internal user to ask about; absent: the caller."
        )]
        principal_id: Option<ID>,
        #[graphql(
            desc = "Explain as of this past instant: records as they were then, validity judged on its day; absent: now."
        )]
        at: Option<DateTime>,
    ) -> Result<AccessExplanation> {
        let at = instant(ctx, at).await?;
        let subject = subject_principal(ctx, principal_id.as_ref(), at).await?;
        let d = domain(ctx);
        let explanation = as_of!(&d.db, d.clock, at, |db, today| {
            access::explain(db, &subject, self.0.id, today).await?
        });
        Ok(AccessExplanation::new(&subject, explanation))
    }
    /// Every stored principal who can read this case and by which rules (admins and managers).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn who_can_access(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many rows from the start of the list (after `after`, when given)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Start after the row with this cursor (`endCursor` of the previous page)."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Return at most this many rows from the end of the list (before `before`, when given)."
        )]
        last: Option<i32>,
        #[graphql(desc = "End before the row with this cursor (`startCursor` of the next page).")]
        before: Option<String>,
        #[graphql(
            desc = "Who could read the case at this past instant: records as they were then, validity judged on its day; absent: now."
        )]
        at: Option<DateTime>,
    ) -> Result<Connection<AccessHolder>> {
        access::require(&domain(ctx).principal, Permission::ListCaseAccess)?;
        let args = RelayArgs::new(first, after, last, before).validate(ctx)?;
        let at = instant(ctx, at).await?;
        let d = domain(ctx);
        let holders = as_of!(&d.db, d.clock, at, |db, today| {
            access::who_can_read(db, self.0.id, today).await?
        });
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
            let check = access::check(&d.db, &d.principal, action, self.0.id, today);
            allowed.push(crate::telemetry::time_access_check(check).await?);
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
    /// Whether the viewer may read the case.
    pub read: bool,
    /// Whether the viewer may comment on the case.
    pub comment: bool,
    /// Change fields other than comments and state: staff only.
    pub update: bool,
    /// Resolve or close.
    pub close: bool,
}

/// The subject of who opened a case or wrote a comment, as the viewer may see it: staff see every
/// subject; portal principals (contacts, consumers) only those of portal principals, never the
/// sign-in names of internal users (nor of system or unregistered staff writers).
pub(super) fn visible_subject<'a>(
    ctx: &Context<'_>,
    kind: Option<&str>,
    subject: Option<&'a str>,
) -> Option<&'a str> {
    let portal_writer = matches!(kind, Some("CONTACT" | "CONSUMER"));
    (portal_writer || domain(ctx).principal.is_internal())
        .then_some(subject)
        .flatten()
}

async fn org(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<Organization>> {
    let Some(id) = id else { return Ok(None) };
    load_node(ctx, AccountId(id), Organization::from_model).await
}

async fn person(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<Contact>> {
    let Some(id) = id else { return Ok(None) };
    load_node(ctx, ContactId(id), Contact).await
}
