//! `viewer`: who the caller is, with which roles, and the node it signs in as.

use async_graphql::{Context, Object, Result};

use super::{connection::RelayArgs, domain, node};

/// The caller of the request.
pub struct Viewer;

/// The caller of the request.
#[Object]
impl Viewer {
    /// Whether the request carried a valid token.
    async fn is_authenticated(&self, ctx: &Context<'_>) -> bool {
        domain(ctx).principal.is_authenticated()
    }
    /// The token's `sub` claim.
    async fn subject(&self, ctx: &Context<'_>) -> Option<String> {
        domain(ctx).principal.subject.clone()
    }
    /// The roles the token grants.
    async fn roles(&self, ctx: &Context<'_>) -> Vec<super::roles::Role> {
        super::roles::Role::of(domain(ctx).principal.roles.iter().copied())
    }
    /// The cases the viewer may read, filtered and sorted in SQL, with an exact total.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every given condition.")] filter: Option<
            super::cases::CaseFilter,
        >,
        #[graphql(desc = "Sort order; absent: the list's default order.")] order_by: Option<
            super::cases::CaseOrderBy,
        >,
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
    ) -> Result<super::connection::Connection<super::cases::Case>> {
        super::cases::viewer_cases(
            ctx,
            filter,
            order_by,
            RelayArgs::new(first, after, last, before),
        )
        .await
    }
    /// The contact, consumer or internal user the subject maps to.
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<node::Node>> {
        let target = node::identity_node(domain(ctx).principal.identity);
        match target {
            Some((kind, id)) => node::load(ctx, kind, id).await,
            None => Ok(None),
        }
    }
}

/// The `viewer` root field.
#[derive(Default)]
pub struct ViewerQuery;

/// The `viewer` root field.
#[Object]
impl ViewerQuery {
    /// The caller of this request.
    async fn viewer(&self) -> Viewer {
        Viewer
    }
}
