//! The subscription root: live case events and access changes, each authorized per event by the
//! access engine on the committed state the event is delivered on.
//!
//! `accessEvents` keeps the set of case ids the subscriber can read (one list statement at
//! subscribe time) and, on each committed change that can affect access, reads it again and
//! reports the difference, each case with the engine's explanation. Memory per subscription is
//! the subscriber's readable set; work per change is one list statement per subscription (plus
//! one explanation per case gained or lost).

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use async_graphql::{Context, Enum, ErrorExtensions, ID, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use entity::case;
use futures_util::{Stream, stream};
use sea_orm::{EntityTrait, QuerySelect};
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

use super::{
    RequestState,
    cases::{access::AccessExplanation, case::Case},
    ids::{self, Kind},
};
use crate::{
    access::{self, Action, identity, list::list_scope, principal::Principal},
    domain::events::{Event, Hub},
};

/// Error code: a principal already holds as many subscriptions as allowed.
pub const SUBSCRIPTION_LIMIT: &str = "SUBSCRIPTION_LIMIT";
/// Error code: the subscriber fell so far behind that events were dropped for it.
pub const EVENTS_MISSED: &str = "EVENTS_MISSED";

/// Counts what each principal holds (connections, subscriptions) against a maximum.
pub struct Quota {
    max: usize,
    held: Mutex<HashMap<String, usize>>,
}

/// One unit of a [`Quota`], given back when dropped.
pub struct Permit {
    quota: Arc<Quota>,
    key: String,
}

impl Quota {
    /// A quota of `max` per principal.
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            held: Mutex::default(),
        })
    }

    /// Takes one unit for `key`, or `None` when it already holds the maximum.
    pub fn acquire(self: &Arc<Self>, key: &str) -> Option<Permit> {
        let mut held = self.held.lock().expect("quota");
        let count = held.entry(key.to_owned()).or_default();
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Permit {
            quota: self.clone(),
            key: key.to_owned(),
        })
    }

    /// How many units `key` holds.
    pub fn held(&self, key: &str) -> usize {
        self.held
            .lock()
            .expect("quota")
            .get(key)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut held = self.quota.held.lock().expect("quota");
        if let Some(count) = held.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

/// What a WebSocket connection gives its subscriptions: the bus, the quota and whose it is.
pub struct Live {
    pub hub: Arc<Hub>,
    pub subscriptions: Arc<Quota>,
    /// The principal's quota key (its token subject).
    pub key: String,
}

/// The key a principal's quotas are counted under.
pub fn quota_key(principal: &Principal) -> String {
    principal
        .subject
        .clone()
        .unwrap_or_else(|| "(anonymous)".into())
}

/// What happened to a case.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseEventKind {
    /// The case was opened.
    Created,
    /// Fields of the case changed.
    Updated,
    /// A comment was added.
    Commented,
    /// The case moved to another state.
    StateChanged,
}

impl CaseEventKind {
    fn of(event: &Event) -> Option<Self> {
        if event.kind != "case" {
            return None;
        }
        Some(match event.action.as_str() {
            "create" => Self::Created,
            "update" => Self::Updated,
            "comment" => Self::Commented,
            "change_state" => Self::StateChanged,
            _ => return None,
        })
    }
}

/// A committed change to a case the subscriber may read.
pub struct CaseEvent {
    kind: CaseEventKind,
    case: case::Model,
    event: Arc<Event>,
}

/// A committed change to a case the subscriber may read.
#[Object]
impl CaseEvent {
    /// What happened.
    async fn kind(&self) -> CaseEventKind {
        self.kind
    }
    /// The case as it is when the event is delivered.
    async fn case(&self) -> Case {
        Case(self.case.clone())
    }
    /// When the change was made.
    async fn at(&self) -> DateTime<Utc> {
        self.event.at
    }
    /// The token subject that made the change.
    async fn actor(&self) -> Option<&str> {
        self.event.actor.as_deref()
    }
}

/// Whether the subscriber gained or lost read access.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessEventKind {
    /// The subscriber can now read the case.
    Gained,
    /// The subscriber can no longer read the case.
    Lost,
}

/// The subscriber's read access to a case changed with a committed change.
pub struct AccessEvent {
    kind: AccessEventKind,
    case_id: Uuid,
    case: Option<case::Model>,
    reason: String,
    explanation: Option<AccessExplanation>,
    event: Arc<Event>,
}

/// The subscriber's read access to a case changed with a committed change.
#[Object]
impl AccessEvent {
    /// Gained or lost.
    async fn kind(&self) -> AccessEventKind {
        self.kind
    }
    /// The case's global id (also when access was lost).
    async fn case_id(&self) -> ID {
        ids::encode(Kind::Case, self.case_id)
    }
    /// The case, when access was gained.
    async fn case(&self) -> Option<Case> {
        self.case.clone().map(Case)
    }
    /// The rules that now grant access, or why none does any more.
    async fn reason(&self) -> &str {
        &self.reason
    }
    /// The access engine's full explanation on the state after the change (absent when the case
    /// itself is gone).
    async fn explanation(&self) -> Option<&AccessExplanation> {
        self.explanation.as_ref()
    }
    /// The change's kind of record (`account_relationship`, `contact`, `case`, ...).
    async fn record_kind(&self) -> &str {
        &self.event.kind
    }
    /// When the change was made.
    async fn at(&self) -> DateTime<Utc> {
        self.event.at
    }
    /// The token subject that made the change.
    async fn actor(&self) -> Option<&str> {
        self.event.actor.as_deref()
    }
}

/// All subscriptions.
#[derive(Default)]
pub struct Subscription;

fn db_error(err: sea_orm::DbErr) -> async_graphql::Error {
    crate::domain::DomainError::from(err).into()
}

fn missed() -> async_graphql::Error {
    async_graphql::Error::new("events were dropped because the subscriber fell behind")
        .extend_with(|_, e| e.set("code", EVENTS_MISSED))
}

/// The state one subscription keeps between events.
struct Watch<'a> {
    state: &'a RequestState,
    principal: Principal,
    rx: broadcast::Receiver<Arc<Event>>,
    _permit: Permit,
    readable: HashSet<Uuid>,
    queued: Vec<AccessEvent>,
    done: bool,
}

impl<'a> Watch<'a> {
    async fn start(ctx: &Context<'a>) -> Result<Self> {
        let live = ctx.data::<Live>()?;
        live.hub.listening().await;
        let state = super::state(ctx);
        let permit = live.subscriptions.acquire(&live.key).ok_or_else(|| {
            async_graphql::Error::new("too many subscriptions for this principal")
                .extend_with(|_, e| e.set("code", SUBSCRIPTION_LIMIT))
        })?;
        Ok(Self {
            state,
            principal: (*state.ctx.principal).clone(),
            rx: live.hub.subscribe(),
            _permit: permit,
            readable: HashSet::new(),
            queued: Vec::new(),
            done: false,
        })
    }

    /// Reads the principal again (its stored identity may be what changed).
    async fn refresh(&mut self) -> Result<()> {
        if let Some(subject) = self.principal.subject.clone() {
            self.principal =
                identity::resolve(&self.state.ctx.db, subject, self.principal.roles.clone())
                    .await?;
        }
        Ok(())
    }

    async fn readable(&self) -> Result<HashSet<Uuid>> {
        let ctx = &self.state.ctx;
        let scope = list_scope(
            &self.principal,
            Action::Read,
            ctx.clock.today(),
            ctx.backend(),
        );
        let ids: Vec<Uuid> = scope
            .apply(case::Entity::find())
            .select_only()
            .column(case::Column::Id)
            .into_tuple()
            .all(&ctx.db)
            .await
            .map_err(db_error)?;
        Ok(ids.into_iter().collect())
    }

    /// The next committed event, `None` when the bus is gone, an error once events were missed.
    async fn next_event(&mut self) -> Option<Result<Arc<Event>>> {
        match self.rx.recv().await {
            Ok(event) => Some(Ok(event)),
            Err(RecvError::Lagged(_)) => Some(Err(missed())),
            Err(RecvError::Closed) => None,
        }
    }

    async fn case_event(&mut self, event: Arc<Event>) -> Result<Option<CaseEvent>> {
        if event.may_change_access() {
            self.refresh().await?;
        }
        let Some(kind) = CaseEventKind::of(&event) else {
            return Ok(None);
        };
        let ctx = &self.state.ctx;
        if !access::check(
            &ctx.db,
            &self.principal,
            Action::Read,
            event.id,
            ctx.clock.today(),
        )
        .await?
        {
            return Ok(None);
        }
        let Some(model) = case::Entity::find_by_id(event.id)
            .one(&ctx.db)
            .await
            .map_err(db_error)?
        else {
            return Ok(None);
        };
        self.state.loaders.loader().forget();
        Ok(Some(CaseEvent {
            kind,
            case: model,
            event,
        }))
    }

    async fn access_events(&mut self, event: Arc<Event>) -> Result<()> {
        if !event.may_change_access() {
            return Ok(());
        }
        self.refresh().await?;
        let now = self.readable().await?;
        let gained: Vec<Uuid> = now.difference(&self.readable).copied().collect();
        let lost: Vec<Uuid> = self.readable.difference(&now).copied().collect();
        self.readable = now;
        let ctx = &self.state.ctx;
        for (kind, ids) in [
            (AccessEventKind::Gained, gained),
            (AccessEventKind::Lost, lost),
        ] {
            for id in ids {
                let explanation =
                    match access::explain(&ctx.db, &self.principal, id, ctx.clock.today()).await {
                        Ok(e) => Some(e),
                        Err(access::AccessError::NotFound { .. }) => None,
                        Err(err) => return Err(err.into()),
                    };
                let reason = match &explanation {
                    None => "the case was deleted".to_owned(),
                    Some(e) if e.allowed => {
                        let rules: Vec<String> =
                            e.grants.iter().map(|g| format!("{:?}", g.rule)).collect();
                        format!("granted by {}", rules.join(", "))
                    }
                    Some(e) => {
                        let why: Vec<String> = e
                            .denials
                            .iter()
                            .map(|d| format!("{:?}: {}", d.rule, d.reason))
                            .collect();
                        format!("no rule grants access any more ({})", why.join("; "))
                    }
                };
                let case = match kind {
                    AccessEventKind::Gained => case::Entity::find_by_id(id)
                        .one(&ctx.db)
                        .await
                        .map_err(db_error)?,
                    AccessEventKind::Lost => None,
                };
                self.queued.push(AccessEvent {
                    kind,
                    case_id: id,
                    case,
                    reason,
                    explanation: explanation.map(|e| AccessExplanation::new(&self.principal, e)),
                    event: event.clone(),
                });
            }
        }
        self.state.loaders.loader().forget();
        Ok(())
    }
}

/// Live events over WebSocket (`graphql-transport-ws` at /graphql/ws), authorized per event.
#[Subscription]
impl Subscription {
    /// Created, updated, commented and state-changed events of the cases the subscriber may read
    /// when each event is delivered (checked by the access engine per event).
    async fn case_events<'a>(
        &self,
        ctx: &Context<'a>,
    ) -> Result<impl Stream<Item = Result<CaseEvent>> + 'a> {
        let watch = Watch::start(ctx).await?;
        Ok(stream::unfold(watch, |mut watch| async move {
            loop {
                if watch.done {
                    return None;
                }
                let event = match watch.next_event().await? {
                    Ok(event) => event,
                    Err(err) => {
                        watch.done = true;
                        return Some((Err(err), watch));
                    }
                };
                match watch.case_event(event).await {
                    Ok(Some(item)) => return Some((Ok(item), watch)),
                    Ok(None) => continue,
                    Err(err) => return Some((Err(err), watch)),
                }
            }
        }))
    }

    /// The subscriber gained or lost read access to a case, with the reason, for every committed
    /// change after the subscription started.
    async fn access_events<'a>(
        &self,
        ctx: &Context<'a>,
    ) -> Result<impl Stream<Item = Result<AccessEvent>> + 'a> {
        let mut watch = Watch::start(ctx).await?;
        watch.refresh().await?;
        watch.readable = watch.readable().await?;
        Ok(stream::unfold(watch, |mut watch| async move {
            loop {
                if let Some(item) = watch.queued.pop() {
                    return Some((Ok(item), watch));
                }
                if watch.done {
                    return None;
                }
                let event = match watch.next_event().await? {
                    Ok(event) => event,
                    Err(err) => {
                        watch.done = true;
                        return Some((Err(err), watch));
                    }
                };
                if let Err(err) = watch.access_events(event).await {
                    return Some((Err(err), watch));
                }
                watch.queued.reverse();
            }
        }))
    }
}
