//! The per-request dataloader: every node lookup and every list edge is batched here, so the number
//! of SQL statements depends on a query's depth, never on how many rows it returns.

mod edges;
mod lookups;
mod waves;

use std::{collections::HashMap, hash::Hash, sync::Arc, time::Duration};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

use crate::domain::{Ctx, DomainError};

pub use edges::{
    CaseEdgeParams, ChildrenParams, CommentParams, ConsumerSidesParams, ContactsParams, Edge,
    EdgeKey, LinkParams, MemberLinksParams, MembershipParams, SidesParams, TeamParams, TeamSide,
    TypeRecordsParams, edge_page,
};
pub use lookups::{
    AccountId, AncestorsOf, CandidatesOf, CaseId, ConsumerId, ConsumerRelationshipId, ContactId,
    ContactRelationshipId, CurrentMember, DescendantsOf, HouseholdId, InternalUserId, MembershipId,
    RelationshipId, RelationshipTypeId, ResponsibilityId, RolesOf, TeamMemberId,
};
pub use waves::LoadQueue;

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
    /// Forgets every loaded value, so that a long-lived connection reads fresh rows per event.
    pub fn forget(&self) {
        self.memo.lock().expect("loader memo").clear();
    }

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

/// Builds the loader of a WebSocket connection: batches run as tasks, and nothing is cached
/// between events (see [`Batch::forget`]).
pub fn for_connection(ctx: Ctx) -> Loaders {
    let loaders = DataLoader::with_cache(
        Batch {
            ctx,
            memo: Default::default(),
        },
        |fut| {
            tokio::spawn(fut);
        },
        HashMapCache::default(),
    );
    loaders.enable_all_cache(false);
    loaders
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

/// The row behind `key`, when the viewer may see it, turned into its GraphQL node.
pub async fn load_node<K, N>(
    ctx: &async_graphql::Context<'_>,
    key: K,
    node: impl FnOnce(<Batch as Fetch<K>>::Value) -> N,
) -> async_graphql::Result<Option<N>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Batch: Fetch<K>,
{
    Ok(crate::graphql::state(ctx)
        .loaders
        .load_one(key)
        .await?
        .map(node))
}
