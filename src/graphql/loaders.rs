//! The per-request dataloader: every node lookup and every list edge is batched here, so the number
//! of SQL statements depends on a query's depth, never on how many rows it returns.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll, Wake, Waker, ready},
    time::Duration,
};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    account, consumer, contact, household, household_membership, internal_user, role_assignment,
};
use futures_util::{StreamExt, future::BoxFuture, stream::FuturesUnordered};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use uuid::Uuid;

use crate::domain::{
    Ctx, DomainError, accounts, consumers, contacts, households, internal_users,
    page::{Page, PageArgs},
    roles::{self, Holder},
};

/// Loads rows and pages for one request, with that request's access scope.
pub struct Batch {
    ctx: Ctx,
}

/// The dataloader type resolvers use.
pub type Loaders = DataLoader<Batch, HashMapCache>;

/// Builds the loader of one request; its batches run in `queue`, inside the request's own task.
pub fn for_request(ctx: Ctx, queue: &LoadQueue, delay: Duration) -> Loaders {
    let tx = queue.tx.clone();
    DataLoader::with_cache(
        Batch { ctx },
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
    pub async fn run<F: Future>(self, execution: F) -> F::Output {
        let Self { tx, mut rx } = self;
        drop(tx);
        let mut execution = std::pin::pin!(execution);
        let mut running = FuturesUnordered::new();
        std::future::poll_fn(move |cx| {
            let flag = Arc::new(WakeFlag {
                woken: AtomicBool::new(false),
                task: cx.waker().clone(),
            });
            let waker = Waker::from(flag.clone());
            if let Poll::Ready(output) = execution.as_mut().poll(&mut Context::from_waker(&waker)) {
                return Poll::Ready(output);
            }
            if flag.woken.load(Ordering::Acquire) {
                // The resolvers yielded with work left (the task is already woken): let them
                // register all their keys before any batch takes them.
                return Poll::Pending;
            }
            loop {
                while let Poll::Ready(Some(batch)) = rx.poll_recv(cx) {
                    running.push(batch);
                }
                // An empty set is `Ready(None)`: then only new batches or resolvers can wake us.
                if ready!(running.poll_next_unpin(cx)).is_none() {
                    return Poll::Pending;
                }
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

        impl Loader<$key> for Batch {
            type Value = $model;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> LoadResult<$key, $model> {
                let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
                let rows = $fetch(&self.ctx, &ids).await.map_err(LoadError::from)?;
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

/// Parameters of the `children` edge of an account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChildrenParams {
    pub args: PageArgs,
    pub order: accounts::AccountOrder,
    pub descending: bool,
}

impl Loader<EdgeKey<ChildrenParams>> for Batch {
    type Value = Page<account::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[EdgeKey<ChildrenParams>],
    ) -> LoadResult<EdgeKey<ChildrenParams>, Self::Value> {
        let mut out = HashMap::new();
        for (params, parents) in group(keys) {
            let sort = params.order.sort(params.descending);
            let pages = accounts::children_pages(&self.ctx, &parents, sort, &params.args)
                .await
                .map_err(LoadError::from)?;
            ungroup(&mut out, &params, &parents, pages);
        }
        Ok(out)
    }
}

/// Parameters of the `contacts` edge of an account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContactsParams {
    pub args: PageArgs,
    pub by_name: bool,
    pub descending: bool,
}

impl Loader<EdgeKey<ContactsParams>> for Batch {
    type Value = Page<contact::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[EdgeKey<ContactsParams>],
    ) -> LoadResult<EdgeKey<ContactsParams>, Self::Value> {
        let mut out = HashMap::new();
        for (params, parents) in group(keys) {
            let sort = contacts::sort(params.by_name, params.descending);
            let pages = contacts::pages_by_account(&self.ctx, &parents, sort, &params.args)
                .await
                .map_err(LoadError::from)?;
            ungroup(&mut out, &params, &parents, pages);
        }
        Ok(out)
    }
}

/// Parameters of a memberships edge, from the household's or the consumer's side.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MembershipParams {
    pub side: households::MembershipSide,
    pub current_only: bool,
    pub args: PageArgs,
}

impl Loader<EdgeKey<MembershipParams>> for Batch {
    type Value = Page<household_membership::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[EdgeKey<MembershipParams>],
    ) -> LoadResult<EdgeKey<MembershipParams>, Self::Value> {
        let mut out = HashMap::new();
        for (params, parents) in group(keys) {
            let pages = households::membership_pages(
                &self.ctx,
                params.side,
                &parents,
                params.current_only,
                &params.args,
            )
            .await
            .map_err(LoadError::from)?;
            ungroup(&mut out, &params, &parents, pages);
        }
        Ok(out)
    }
}

/// Key for the stored roles of a contact or internal user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RolesOf(pub Holder);

impl Loader<RolesOf> for Batch {
    type Value = Vec<role_assignment::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[RolesOf]) -> LoadResult<RolesOf, Self::Value> {
        let holders: Vec<Holder> = keys.iter().map(|k| k.0).collect();
        let mut found = roles::of_holders(&self.ctx, &holders)
            .await
            .map_err(LoadError::from)?;
        Ok(holders
            .into_iter()
            .map(|h| (RolesOf(h), found.remove(&h).unwrap_or_default()))
            .collect())
    }
}
