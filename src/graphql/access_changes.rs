//! What a mutation does to case access: how many cases each principal gains or loses, reported by
//! every mutation that adds or removes a relationship that grants access.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::node::{self, Node, identity_node};

/// How many cases one principal can read more, or no longer, after a mutation.
pub struct AccessChange(pub crate::access::impact::AccessChange);

/// How many cases one principal can read more, or no longer, after a mutation.
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
pub fn access_changes(changes: Vec<crate::access::impact::AccessChange>) -> Vec<AccessChange> {
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
