//! The per-request dataloader: every node lookup and every list edge is batched here, so the number
//! of SQL statements depends on a query's depth, never on how many rows it returns.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll, Wake, Waker},
    time::Duration,
};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    account, account_relationship, account_relationship_side, account_relationship_type, consumer,
    contact, contact_relationship, household, household_membership, internal_user,
    responsibility_definition, role_assignment,
};
use futures_util::{StreamExt, future::BoxFuture, stream::FuturesUnordered};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use uuid::Uuid;

use crate::domain::{
    Ctx, DomainError, account_relationships, accounts, consumers, contact_relationships, contacts,
    hierarchy, households, internal_users, relationship_types, responsibilities,
    roles::{self, Holder},
};
use crate::pagination::{Page, PageArgs};

/// Loads rows and pages for one request, with that request's access scope.
pub struct Batch {
    ctx: Ctx,
    /// Every value this request has loaded, by key type: a batch asks the database only for keys
    /// no earlier batch answered (one can start while another with the same keys is in flight).
    memo: std::sync::Mutex<HashMap<std::any::TypeId, Box<dyn std::any::Any + Send>>>,
}

type Memo<K, V> = HashMap<K, Option<V>>;

/// One key type's batch query; the dataloader reaches it through the request's memo.
pub trait Fetch<K>: Send + Sync + 'static {
    type Value: Send + Sync + Clone + 'static;

    /// Loads the values of `keys` in one statement (or a constant number of statements).
    fn fetch(&self, keys: &[K]) -> impl Future<Output = LoadResult<K, Self::Value>> + Send;
}

impl<K> Loader<K> for Batch
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Batch: Fetch<K>,
{
    type Value = <Batch as Fetch<K>>::Value;
    type Error = LoadError;

    async fn load(&self, keys: &[K]) -> LoadResult<K, Self::Value> {
        self.memoized(keys, |missing| async move { self.fetch(&missing).await })
            .await
    }
}

impl Batch {
    /// Answers `keys` from the memo, fetching only the keys not loaded before in this request.
    async fn memoized<K, V, Fut>(
        &self,
        keys: &[K],
        fetch: impl FnOnce(Vec<K>) -> Fut,
    ) -> LoadResult<K, V>
    where
        K: Clone + Eq + Hash + Send + 'static,
        V: Clone + Send + 'static,
        Fut: Future<Output = LoadResult<K, V>>,
    {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        {
            let mut memo = self.memo.lock().expect("loader memo");
            let typed = memo
                .entry(std::any::TypeId::of::<K>())
                .or_insert_with(|| Box::new(Memo::<K, V>::new()))
                .downcast_mut::<Memo<K, V>>()
                .expect("memo type");
            for key in keys {
                match typed.get(key) {
                    Some(Some(value)) => {
                        found.insert(key.clone(), value.clone());
                    }
                    Some(None) => {}
                    None => missing.push(key.clone()),
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let fetched = fetch(missing.clone()).await?;
        let mut memo = self.memo.lock().expect("loader memo");
        let typed = memo
            .get_mut(&std::any::TypeId::of::<K>())
            .and_then(|m| m.downcast_mut::<Memo<K, V>>())
            .expect("memo type");
        for key in missing {
            let value = fetched.get(&key).cloned();
            typed.insert(key.clone(), value.clone());
            if let Some(value) = value {
                found.insert(key, value);
            }
        }
        Ok(found)
    }
}

/// The dataloader type resolvers use.
pub type Loaders = DataLoader<Batch, HashMapCache>;

/// Builds the loader of one request; its batches run in `queue`, inside the request's own task.
pub fn for_request(ctx: Ctx, queue: &LoadQueue, delay: Duration) -> Loaders {
    let tx = queue.tx.clone();
    DataLoader::with_cache(
        Batch {
            ctx,
            memo: Default::default(),
        },
        move |fut| {
            let _ = tx.send(fut);
        },
        HashMapCache::default(),
    )
    .delay(delay)
}

/// The batch loads of one HTTP request, run inside the request's task instead of being spawned.
///
/// A spawned batch runs on another worker thread once its delay is over, possibly while the
/// resolvers are still registering keys: resolving a page of 100 rows takes many polls, because
/// every object yields after polling its fields. That split one batch into several and made the
/// statement count depend on page size and timing. Here a batch is only polled once the resolvers
/// wait for data rather than yield, so it takes every key they could register; loaders are built
/// without delay. The batches' statements are counted by the request's counter.
pub struct LoadQueue {
    tx: UnboundedSender<BoxFuture<'static, ()>>,
    rx: UnboundedReceiver<BoxFuture<'static, ()>>,
}

impl Default for LoadQueue {
    fn default() -> Self {
        let (tx, rx) = unbounded_channel();
        Self { tx, rx }
    }
}

/// Forwards wake-ups to the task, remembering whether one came while the resolvers were polled.
struct WakeFlag {
    woken: AtomicBool,
    task: Waker,
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake_by_ref();
    }
}

impl LoadQueue {
    /// Runs `execution` to completion, driving the batches its loaders start in the same task.
    ///
    /// Batches run in waves: once the resolvers wait for data, every queued batch starts, and the
    /// resolvers resume only when the whole wave has finished. Each wave then holds every key of
    /// the next level of the query, whatever order the database answers in, so the number of
    /// statements depends on the query's shape alone.
    pub async fn run<F: Future>(self, execution: F) -> F::Output {
        let Self { tx, mut rx } = self;
        drop(tx);
        let mut execution = std::pin::pin!(execution);
        let mut running = FuturesUnordered::new();
        std::future::poll_fn(move |cx| {
            loop {
                let flag = Arc::new(WakeFlag {
                    woken: AtomicBool::new(false),
                    task: cx.waker().clone(),
                });
                let waker = Waker::from(flag.clone());
                if let Poll::Ready(output) =
                    execution.as_mut().poll(&mut Context::from_waker(&waker))
                {
                    return Poll::Ready(output);
                }
                // Drive the current wave; a finished batch wakes the resolvers waiting on it.
                while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {}
                if flag.woken.load(Ordering::Acquire) {
                    // The resolvers have work left (the task is already woken): let them
                    // register all their keys before the next wave takes them.
                    return Poll::Pending;
                }
                if running.is_empty() {
                    let mut started = false;
                    while let Poll::Ready(Some(batch)) = rx.poll_recv(cx) {
                        running.push(batch);
                        started = true;
                    }
                    if started {
                        continue;
                    }
                }
                return Poll::Pending;
            }
        })
        .await
    }
}

/// A failed batch, shared by every resolver that waited on it.
#[derive(Clone, Debug)]
pub struct LoadError(pub Arc<DomainError>);

impl From<DomainError> for LoadError {
    fn from(err: DomainError) -> Self {
        Self(Arc::new(err))
    }
}

type LoadResult<K, V> = Result<HashMap<K, V>, LoadError>;

/// A list edge of one parent with its page arguments and ordering.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EdgeKey<P> {
    pub parent: Uuid,
    pub params: P,
}

/// Groups edge keys that share parameters, so each group is one statement.
fn group<P: Clone + Eq + Hash>(keys: &[EdgeKey<P>]) -> HashMap<P, Vec<Uuid>> {
    let mut groups: HashMap<P, Vec<Uuid>> = HashMap::new();
    for key in keys {
        groups
            .entry(key.params.clone())
            .or_default()
            .push(key.parent);
    }
    groups
}

/// Runs `fetch` once per group of keys that share parameters (one statement each) and files the
/// pages back under their keys.
async fn by_parent<P, T, Fut>(
    keys: &[EdgeKey<P>],
    fetch: impl Fn(P, Vec<Uuid>) -> Fut,
) -> LoadResult<EdgeKey<P>, Page<T>>
where
    P: Clone + Eq + Hash,
    T: Clone,
    Fut: Future<Output = crate::domain::DomainResult<HashMap<Uuid, Page<T>>>>,
{
    let mut out = HashMap::new();
    for (params, parents) in group(keys) {
        let pages = fetch(params.clone(), parents.clone()).await?;
        ungroup(&mut out, &params, &parents, pages);
    }
    Ok(out)
}

/// Files each group's pages back under their keys; parents without rows get an empty page.
fn ungroup<P: Clone + Eq + Hash, T: Clone>(
    out: &mut HashMap<EdgeKey<P>, Page<T>>,
    params: &P,
    parents: &[Uuid],
    mut pages: HashMap<Uuid, Page<T>>,
) {
    for parent in parents {
        let page = pages.remove(parent).unwrap_or_else(Page::empty);
        out.insert(
            EdgeKey {
                parent: *parent,
                params: params.clone(),
            },
            page,
        );
    }
}

macro_rules! by_id_loader {
    ($key:ident, $model:ty, $fetch:path) => {
        /// Key for loading one row by id within the caller's scope.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub Uuid);

        impl Fetch<$key> for Batch {
            type Value = $model;

            async fn fetch(&self, keys: &[$key]) -> LoadResult<$key, $model> {
                let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
                let rows = $fetch(&self.ctx, &ids).await?;
                Ok(rows.into_iter().map(|(id, row)| ($key(id), row)).collect())
            }
        }
    };
}

by_id_loader!(AccountId, account::Model, accounts::by_ids);
by_id_loader!(ContactId, contact::Model, contacts::by_ids);
by_id_loader!(ConsumerId, consumer::Model, consumers::by_ids);
by_id_loader!(HouseholdId, household::Model, households::by_ids);
by_id_loader!(
    MembershipId,
    household_membership::Model,
    households::memberships_by_ids
);
by_id_loader!(InternalUserId, internal_user::Model, internal_users::by_ids);
by_id_loader!(
    RelationshipTypeId,
    account_relationship_type::Model,
    relationship_types::by_ids
);
by_id_loader!(
    RelationshipId,
    account_relationship::Model,
    account_relationships::by_ids
);
by_id_loader!(
    ResponsibilityId,
    responsibility_definition::Model,
    responsibilities::by_ids
);
by_id_loader!(
    ContactRelationshipId,
    contact_relationship::Model,
    contact_relationships::by_ids
);
by_id_loader!(
    TeamMemberId,
    entity::team_member::Model,
    crate::domain::teams::by_ids
);
by_id_loader!(
    ConsumerRelationshipId,
    entity::consumer_relationship::Model,
    crate::domain::consumer_relationships::by_ids
);

/// Parameters of the `children` edge of an account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChildrenParams {
    pub args: PageArgs,
    pub order: accounts::AccountOrder,
    pub descending: bool,
}

impl Fetch<EdgeKey<ChildrenParams>> for Batch {
    type Value = Page<account::Model>;

    async fn fetch(
        &self,
        keys: &[EdgeKey<ChildrenParams>],
    ) -> LoadResult<EdgeKey<ChildrenParams>, Self::Value> {
        by_parent(keys, |params, parents| async move {
            let sort = params.order.sort(params.descending);
            let pages = accounts::children_pages(&self.ctx, &parents, sort, &params.args).await?;
            Ok(pages)
        })
        .await
    }
}

/// Parameters of the `contacts` edge of an account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContactsParams {
    pub args: PageArgs,
    pub by_name: bool,
    pub descending: bool,
}

impl Fetch<EdgeKey<ContactsParams>> for Batch {
    type Value = Page<contact::Model>;

    async fn fetch(
        &self,
        keys: &[EdgeKey<ContactsParams>],
    ) -> LoadResult<EdgeKey<ContactsParams>, Self::Value> {
        by_parent(keys, |params, parents| async move {
            let sort = contacts::sort(params.by_name, params.descending);
            let pages = contacts::pages_by_account(&self.ctx, &parents, sort, &params.args).await?;
            Ok(pages)
        })
        .await
    }
}

/// Parameters of a memberships edge, from the household's or the consumer's side.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MembershipParams {
    pub side: households::MembershipSide,
    pub current_only: bool,
    pub args: PageArgs,
}

impl Fetch<EdgeKey<MembershipParams>> for Batch {
    type Value = Page<household_membership::Model>;

    async fn fetch(
        &self,
        keys: &[EdgeKey<MembershipParams>],
    ) -> LoadResult<EdgeKey<MembershipParams>, Self::Value> {
        by_parent(keys, |params, parents| async move {
            let pages = households::membership_pages(
                &self.ctx,
                params.side,
                &parents,
                params.current_only,
                &params.args,
            )
            .await?;
            Ok(pages)
        })
        .await
    }
}

/// Key for the stored roles of a contact or internal user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RolesOf(pub Holder);

impl Fetch<RolesOf> for Batch {
    type Value = Vec<role_assignment::Model>;

    async fn fetch(&self, keys: &[RolesOf]) -> LoadResult<RolesOf, Self::Value> {
        let holders: Vec<Holder> = keys.iter().map(|k| k.0).collect();
        let mut found = roles::of_holders(&self.ctx, &holders).await?;
        Ok(holders
            .into_iter()
            .map(|h| (RolesOf(h), found.remove(&h).unwrap_or_default()))
            .collect())
    }
}

/// Parameters of an account's `relationships` edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SidesParams {
    pub filter: account_relationships::SideFilter,
    pub args: PageArgs,
}

impl Fetch<EdgeKey<SidesParams>> for Batch {
    type Value = Page<account_relationship_side::Model>;

    async fn fetch(
        &self,
        keys: &[EdgeKey<SidesParams>],
    ) -> LoadResult<EdgeKey<SidesParams>, Self::Value> {
        by_parent(keys, |params, parents| async move {
            let pages = account_relationships::side_pages(
                &self.ctx,
                &parents,
                &params.filter,
                &params.args,
            )
            .await?;
            Ok(pages)
        })
        .await
    }
}

/// Parameters of a relationship type's `relationships` edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeRecordsParams {
    pub args: PageArgs,
}

impl Fetch<EdgeKey<TypeRecordsParams>> for Batch {
    type Value = Page<account_relationship::Model>;

    async fn fetch(
        &self,
        keys: &[EdgeKey<TypeRecordsParams>],
    ) -> LoadResult<EdgeKey<TypeRecordsParams>, Self::Value> {
        by_parent(keys, |params, parents| async move {
            let pages =
                account_relationships::pages_by_type(&self.ctx, &parents, &params.args).await?;
            Ok(pages)
        })
        .await
    }
}

/// Parameters of a contact-relationship edge, from the account's or the contact's side.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LinkParams {
    pub by: contact_relationships::LinkSide,
    pub current_only: bool,
    pub args: PageArgs,
}

impl Fetch<EdgeKey<LinkParams>> for Batch {
    type Value = Page<contact_relationship::Model>;

    async fn fetch(
        &self,
        keys: &[EdgeKey<LinkParams>],
    ) -> LoadResult<EdgeKey<LinkParams>, Self::Value> {
        by_parent(keys, |params, parents| async move {
            let pages = contact_relationships::pages(
                &self.ctx,
                params.by,
                &parents,
                params.current_only,
                &params.args,
            )
            .await?;
            Ok(pages)
        })
        .await
    }
}

/// Key for an account's ancestor ids, nearest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AncestorsOf(pub Uuid);

impl Fetch<AncestorsOf> for Batch {
    type Value = Vec<Uuid>;

    async fn fetch(&self, keys: &[AncestorsOf]) -> LoadResult<AncestorsOf, Self::Value> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let chains = hierarchy::ancestor_chains(&self.ctx.db, &ids).await?;
        Ok(chains
            .into_iter()
            .map(|(id, chain)| (AncestorsOf(id), chain))
            .collect())
    }
}

/// Key for an account's visible descendants with their depth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DescendantsOf(pub Uuid);

impl Fetch<DescendantsOf> for Batch {
    type Value = Vec<(i64, account::Model)>;

    async fn fetch(&self, keys: &[DescendantsOf]) -> LoadResult<DescendantsOf, Self::Value> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = hierarchy::descendants(&self.ctx, &ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, list)| (DescendantsOf(id), list))
            .collect())
    }
}

/// Key for the contact-relationship candidates of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CandidatesOf(pub Uuid);

impl Fetch<CandidatesOf> for Batch {
    type Value = Vec<contact_relationships::Candidate>;

    async fn fetch(&self, keys: &[CandidatesOf]) -> LoadResult<CandidatesOf, Self::Value> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = contact_relationships::candidates(&self.ctx, &ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, list)| (CandidatesOf(id), list))
            .collect())
    }
}

/// Whose team memberships an edge lists: a target's team, or a user's memberships of one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TeamSide {
    Target(crate::domain::teams::TargetKind),
    User(crate::domain::teams::TargetKind),
}

/// Parameters of a team edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TeamParams {
    pub side: TeamSide,
    pub current_only: bool,
    pub args: PageArgs,
}

impl Fetch<EdgeKey<TeamParams>> for Batch {
    type Value = Page<entity::team_member::Model>;

    async fn fetch(
        &self,
        keys: &[EdgeKey<TeamParams>],
    ) -> LoadResult<EdgeKey<TeamParams>, Self::Value> {
        by_parent(keys, |params, parents| async move {
            let pages = match params.side {
                TeamSide::Target(kind) => {
                    crate::domain::teams::pages_by_target(
                        &self.ctx,
                        kind,
                        &parents,
                        params.current_only,
                        &params.args,
                    )
                    .await?
                }
                TeamSide::User(kind) => {
                    crate::domain::teams::pages_by_user(
                        &self.ctx,
                        kind,
                        &parents,
                        params.current_only,
                        &params.args,
                    )
                    .await?
                }
            };
            Ok(pages)
        })
        .await
    }
}

/// Parameters of a consumer's `relationships` edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConsumerSidesParams {
    pub current_only: bool,
    pub args: PageArgs,
}

impl Fetch<EdgeKey<ConsumerSidesParams>> for Batch {
    type Value = Page<entity::consumer_relationship_side::Model>;

    async fn fetch(
        &self,
        keys: &[EdgeKey<ConsumerSidesParams>],
    ) -> LoadResult<EdgeKey<ConsumerSidesParams>, Self::Value> {
        by_parent(keys, |params, parents| async move {
            let pages = crate::domain::consumer_relationships::side_pages(
                &self.ctx,
                &parents,
                params.current_only,
                &params.args,
            )
            .await?;
            Ok(pages)
        })
        .await
    }
}

/// Parameters of a household's `memberRelationships` edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemberLinksParams {
    pub current_only: bool,
    pub args: PageArgs,
}

impl Fetch<EdgeKey<MemberLinksParams>> for Batch {
    type Value = Page<entity::consumer_relationship::Model>;

    async fn fetch(
        &self,
        keys: &[EdgeKey<MemberLinksParams>],
    ) -> LoadResult<EdgeKey<MemberLinksParams>, Self::Value> {
        by_parent(keys, |params, parents| async move {
            let pages = crate::domain::consumer_relationships::pages_by_household(
                &self.ctx,
                &parents,
                params.current_only,
                &params.args,
            )
            .await?;
            Ok(pages)
        })
        .await
    }
}

/// Key for whether a consumer is a current member of a household: (household, consumer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CurrentMember(pub Uuid, pub Uuid);

impl Fetch<CurrentMember> for Batch {
    type Value = bool;

    async fn fetch(&self, keys: &[CurrentMember]) -> LoadResult<CurrentMember, bool> {
        let pairs: Vec<(Uuid, Uuid)> = keys.iter().map(|k| (k.0, k.1)).collect();
        let current =
            crate::domain::consumer_relationships::current_members(&self.ctx, &pairs).await?;
        Ok(keys
            .iter()
            .map(|k| (*k, current.contains(&(k.0, k.1))))
            .collect())
    }
}

by_id_loader!(CaseId, entity::case::Model, crate::domain::cases::by_ids);

/// Parameters of a `cases` edge of an account, consumer or household.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CaseEdgeParams {
    pub parent: crate::domain::cases::CaseParent,
    pub filter: crate::domain::cases::CaseFilter,
    pub order: crate::domain::cases::CaseOrder,
    pub descending: bool,
    pub args: PageArgs,
}

impl Fetch<EdgeKey<CaseEdgeParams>> for Batch {
    type Value = Page<entity::case::Model>;

    async fn fetch(
        &self,
        keys: &[EdgeKey<CaseEdgeParams>],
    ) -> LoadResult<EdgeKey<CaseEdgeParams>, Self::Value> {
        by_parent(keys, |params, parents| async move {
            let sort = params.order.sort(params.descending);
            let pages = crate::domain::cases::pages_by_parent(
                &self.ctx,
                params.parent,
                &parents,
                &params.filter,
                sort,
                &params.args,
            )
            .await?;
            Ok(pages)
        })
        .await
    }
}

/// Parameters of a case's `comments` edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CommentParams {
    pub args: PageArgs,
}

impl Fetch<EdgeKey<CommentParams>> for Batch {
    type Value = Page<entity::case_comment::Model>;

    async fn fetch(
        &self,
        keys: &[EdgeKey<CommentParams>],
    ) -> LoadResult<EdgeKey<CommentParams>, Self::Value> {
        by_parent(keys, |params, parents| async move {
            let pages =
                crate::domain::cases::comment_pages(&self.ctx, &parents, &params.args).await?;
            Ok(pages)
        })
        .await
    }
}
