//! Relay cursor connections, generic over the node type, named `<Node>Connection` and `<Node>Edge`.

use std::borrow::Cow;

use async_graphql::{Context, Object, OutputType, SimpleObject, TypeName};

use crate::domain::DomainResult;
use crate::pagination::{Page, PageArgs, Wants};

use super::state;
use crate::config::limit_defaults::DEFAULT_PAGE_SIZE;

/// Relay pagination facts of a page.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether more rows follow this page.
    pub has_next_page: bool,
    /// Whether rows precede this page.
    pub has_previous_page: bool,
    /// Cursor of the first row of the page.
    pub start_cursor: Option<String>,
    /// Cursor of the last row of the page.
    pub end_cursor: Option<String>,
}

/// One row of a connection with its cursor.
pub struct Edge<N> {
    cursor: String,
    node: N,
}

impl<N: OutputType> TypeName for Edge<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", N::type_name()).into()
    }
}

/// One row of a connection with its cursor.
#[Object(name_type)]
impl<N: OutputType> Edge<N> {
    /// Opaque position of this row, for `after` and `before`.
    async fn cursor(&self) -> &str {
        &self.cursor
    }
    /// The row.
    async fn node(&self) -> &N {
        &self.node
    }
}

/// A page of a list, with Relay edges, plain nodes, page info and the total count.
pub struct Connection<N> {
    edges: Vec<Edge<N>>,
    page_info: PageInfo,
    total_count: u64,
}

impl<N> Connection<N> {
    /// Wraps a domain page, turning each row into its GraphQL node.
    pub fn from_page<T>(page: Page<T>, node: impl Fn(T) -> N) -> Self {
        let start_cursor = page.items.first().map(|(c, _)| c.encode());
        let end_cursor = page.items.last().map(|(c, _)| c.encode());
        Self {
            edges: page
                .items
                .into_iter()
                .map(|(cursor, row)| Edge {
                    cursor: cursor.encode(),
                    node: node(row),
                })
                .collect(),
            page_info: PageInfo {
                has_next_page: page.has_next,
                has_previous_page: page.has_previous,
                start_cursor,
                end_cursor,
            },
            total_count: page.total.unwrap_or_default(),
        }
    }

    /// One parent's page of a batched list edge, each row turned into its GraphQL node.
    pub async fn of_edge<P: super::loaders::Edge>(
        ctx: &Context<'_>,
        parent: uuid::Uuid,
        params: P,
        node: impl Fn(P::Row) -> N,
    ) -> async_graphql::Result<Self> {
        let page = super::loaders::edge_page(ctx, parent, params).await?;
        Ok(Self::from_page(page, node))
    }
}

impl<N: OutputType> TypeName for Connection<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

/// A page of a list, with Relay edges, plain nodes, page info and the total count.
#[Object(name_type)]
impl<N: OutputType> Connection<N> {
    /// The rows of this page with their cursors.
    async fn edges(&self) -> &[Edge<N>] {
        &self.edges
    }
    /// The rows of this page.
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|edge| &edge.node).collect()
    }
    /// Pagination facts.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
    /// How many rows the whole list has (all pages, same filters).
    async fn total_count(&self) -> u64 {
        self.total_count
    }
}

/// The Relay page arguments of a connection field as the client sent them, passed on as one value.
#[derive(Clone, Debug, Default)]
pub struct RelayArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl RelayArgs {
    /// The four arguments of a connection field, in the order the schema declares them.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }

    /// Validates the arguments against the configured page sizes.
    pub fn validate(self, ctx: &Context<'_>) -> DomainResult<PageArgs> {
        let limits = &state(ctx).limits;
        Ok(PageArgs::new(
            self.first.map(i64::from),
            self.after.as_deref(),
            self.last.map(i64::from),
            self.before.as_deref(),
            limits.default_page_size,
            limits.max_page_size,
        )?)
    }
}

/// Which optional page facts the query selected, so root lists only count when asked.
pub fn wants(ctx: &Context<'_>) -> Wants {
    let look = ctx.look_ahead();
    let info = look.field("pageInfo");
    Wants {
        total: look.field("totalCount").exists(),
        has_next: info.field("hasNextPage").exists(),
        has_previous: info.field("hasPreviousPage").exists(),
    }
}

/// Query cost of a list field: its page size times the cost of one row.
pub fn cost(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let size = first
        .or(last)
        .unwrap_or(DEFAULT_PAGE_SIZE as i32)
        .clamp(1, 1000) as usize;
    size.saturating_mul(child.max(1))
}
