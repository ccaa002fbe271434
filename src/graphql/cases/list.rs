//! Case lists: ordering, filters, the viewer's cases and the `cases` edge of accounts, consumers
//! and households.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use uuid::Uuid;

use super::case::{Case, CaseState};
use crate::domain::cases::{self as service, CaseFilter as Filter, CaseOrder, CaseParent};
use crate::graphql::{
    OrderDirection,
    connection::{Connection, RelayArgs, cost, wants},
    domain,
    ids::{self, Kind},
    loaders::CaseEdgeParams,
};

/// Fields a case list can be sorted by.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CaseOrderField {
    /// By case number.
    #[default]
    Number,
    /// By priority (1 first when ascending).
    Priority,
    /// By last change.
    UpdatedAt,
    /// By creation time.
    CreatedAt,
}

/// Ordering of a case list.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct CaseOrderBy {
    /// What to sort by.
    pub field: CaseOrderField,
    /// Ascending (default) or descending.
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
    /// This priority, 1 (highest) to 4 (lowest); anything else is refused.
    pub priority: Option<i32>,
    /// Only cases of this account.
    pub account_id: Option<ID>,
    /// Only cases of this consumer.
    pub consumer_id: Option<ID>,
    /// Only cases of this household.
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
            priority: filter.priority.map(service::check_priority).transpose()?,
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
    page: RelayArgs,
) -> Result<Connection<Case>> {
    let (order, descending) = CaseOrderBy::domain(order_by);
    let args = page.validate(ctx)?;
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
    page: RelayArgs,
) -> Result<Connection<Case>> {
    let (order, descending) = CaseOrderBy::domain(order_by);
    let params = CaseEdgeParams {
        parent,
        filter: CaseFilter::domain(filter)?,
        order,
        descending,
        args: page.validate(ctx)?,
    };
    Connection::of_edge(ctx, key, params, Case).await
}

/// Case queries.
#[derive(Default)]
pub struct CasesQuery;

/// Case queries.
#[Object]
impl CasesQuery {
    /// The cases the viewer may read (the same list as `viewer.cases`).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every given condition.")] filter: Option<CaseFilter>,
        #[graphql(desc = "Sort order; absent: the list's default order.")] order_by: Option<
            CaseOrderBy,
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
    ) -> Result<Connection<Case>> {
        viewer_cases(
            ctx,
            filter,
            order_by,
            RelayArgs::new(first, after, last, before),
        )
        .await
    }
}
