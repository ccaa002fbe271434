//! Accounts and partners: one organisation record seen as a customer `Account`, a `Partner`, or both.

use std::{borrow::Cow, marker::PhantomData};

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, TypeName};
use entity::account;

use super::{
    NameOrder, OrderDirection,
    account_relationships::{self, AccountRelationshipFilter, AccountRelationshipSide},
    connection::{Connection, RelayArgs, cost, wants},
    contact_relationships::{self, ContactRelationship, ContactRelationshipCandidate},
    contacts::Contact,
    domain,
    ids::{self, Kind},
    loaders::{AccountId, AncestorsOf, ChildrenParams, ContactsParams, DescendantsOf},
    scalars::DateTime,
    state,
    timestamps::Timestamps,
};
use crate::domain::account_relationships::Direction;
use crate::domain::accounts::{self as service, AccountFilter as Filter, AccountOrder as Order};
use crate::domain::contact_relationships::LinkSide;
use crate::graphql::loaders::load_node;
use crate::pagination::{Cursor, SortValue};

pub use super::organization::Organization;

/// Which face of an organisation a GraphQL type shows.
pub trait Side: Send + Sync + 'static {
    const NAME: &'static str;
    const KIND: Kind;
    /// Whether the record carries this face's flag.
    fn fits(model: &account::Model) -> bool;
}

/// The customer face.
pub struct CustomerSide;
/// The partner face.
pub struct PartnerSide;

impl Side for CustomerSide {
    const NAME: &'static str = "Account";
    const KIND: Kind = Kind::Account;
    fn fits(model: &account::Model) -> bool {
        model.is_customer
    }
}

impl Side for PartnerSide {
    const NAME: &'static str = "Partner";
    const KIND: Kind = Kind::Partner;
    fn fits(model: &account::Model) -> bool {
        model.is_partner
    }
}

/// An organisation seen from one side; `Account` and `Partner` share every field.
pub struct Org<S> {
    pub model: account::Model,
    pub(super) side: PhantomData<S>,
}

/// A customer account.
pub type Account = Org<CustomerSide>;
/// A partner account.
pub type Partner = Org<PartnerSide>;

impl<S: Side> Org<S> {
    /// This face of `model`, when the record carries the face's flag.
    pub fn new(model: account::Model) -> Option<Self> {
        S::fits(&model).then_some(Self {
            model,
            side: PhantomData,
        })
    }
}

/// The `Organization` interface's `createdAt` and `updatedAt`, which `Org` shows by flattening
/// `Timestamps`.
impl<S: Side> Org<S> {
    pub async fn created_at(&self, _: &Context<'_>) -> Result<DateTime> {
        Ok(self.model.created_at.into())
    }
    pub async fn updated_at(&self, _: &Context<'_>) -> Result<DateTime> {
        Ok(self.model.updated_at.into())
    }
}

impl<S: Side> TypeName for Org<S> {
    fn type_name() -> Cow<'static, str> {
        S::NAME.into()
    }
}

/// Fields an account list can be sorted by.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AccountOrderField {
    /// By name.
    #[default]
    Name,
    /// By account number.
    Number,
    /// By creation time.
    CreatedAt,
}

/// Ordering of an account list.
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct AccountOrder {
    /// What to sort by.
    pub field: AccountOrderField,
    /// Ascending (default) or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl AccountOrder {
    fn domain(order: Option<Self>) -> (Order, bool) {
        let order = order.unwrap_or_default();
        let field = match order.field {
            AccountOrderField::Name => Order::Name,
            AccountOrderField::Number => Order::Number,
            AccountOrderField::CreatedAt => Order::Created,
        };
        (field, order.direction == OrderDirection::Desc)
    }
}

/// Filters of an account list; all given conditions must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct AccountFilter {
    /// Name contains this text.
    pub name_contains: Option<String>,
    /// Only children of this account.
    pub parent_id: Option<ID>,
    /// Only accounts without a parent.
    #[graphql(default)]
    pub roots_only: bool,
}

impl AccountFilter {
    fn domain(filter: Option<Self>) -> crate::domain::DomainResult<Filter> {
        let filter = filter.unwrap_or_default();
        Ok(Filter {
            name_contains: filter.name_contains,
            parent_id: filter
                .parent_id
                .as_ref()
                .map(|id| ids::decode(id, ids::ORGANIZATION, "parentId"))
                .transpose()?,
            roots_only: filter.roots_only,
            ..Filter::default()
        })
    }
}

/// An organisation as a customer (`Account`) or as a partner (`Partner`). One that is both has
/// an `Account` and a `Partner` ID; both faces show every field of the `Organization` interface.
#[Object(name_type)]
impl<S: Side> Org<S> {
    /// Global ID of this face of the organisation.
    pub async fn id(&self) -> ID {
        ids::encode(S::KIND, self.model.id)
    }
    /// Human-readable account number.
    pub async fn number(&self) -> &str {
        &self.model.number
    }
    /// Display name.
    pub async fn name(&self) -> &str {
        &self.model.name
    }
    /// Whether it is a customer account.
    pub async fn is_customer(&self) -> bool {
        self.model.is_customer
    }
    /// Whether it is a partner account.
    pub async fn is_partner(&self) -> bool {
        self.model.is_partner
    }
    #[graphql(flatten)]
    pub async fn timestamps(&self) -> Timestamps {
        Timestamps::new(self.model.created_at, self.model.updated_at)
    }
    /// The same organisation as a customer account, when it is one.
    pub async fn as_account(&self) -> Option<Account> {
        Account::new(self.model.clone())
    }
    /// The same organisation as a partner account, when it is one.
    pub async fn as_partner(&self) -> Option<Partner> {
        Partner::new(self.model.clone())
    }
    /// The parent account in the hierarchy, when there is one the viewer may see.
    pub async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(parent) = self.model.parent_id else {
            return Ok(None);
        };
        load_node(ctx, AccountId(parent), Organization::from_model).await
    }
    /// Direct child accounts in the hierarchy.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    pub async fn children(
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
        #[graphql(desc = "Sort order; absent: the list's default order.")] order_by: Option<
            AccountOrder,
        >,
    ) -> Result<Connection<Organization>> {
        let (order, descending) = AccountOrder::domain(order_by);
        let params = ChildrenParams {
            args: RelayArgs::new(first, after, last, before).validate(ctx)?,
            order,
            descending,
        };
        Connection::of_edge(ctx, self.model.id, params, Organization::from_model).await
    }
    /// The contacts who belong to this account.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    pub async fn contacts(
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
        #[graphql(desc = "Sort order; absent: the list's default order.")] order_by: Option<
            NameOrder,
        >,
    ) -> Result<Connection<Contact>> {
        let (by_name, descending) = NameOrder::domain(order_by);
        let params = ContactsParams {
            args: RelayArgs::new(first, after, last, before).validate(ctx)?,
            by_name,
            descending,
        };
        Connection::of_edge(ctx, self.model.id, params, Contact).await
    }
    /// This account's relationships, each labelled as this account reads it.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    pub async fn relationships(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every given condition.")] filter: Option<
            AccountRelationshipFilter,
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
    ) -> Result<Connection<AccountRelationshipSide>> {
        account_relationships::relationships_of(
            ctx,
            self.model.id,
            filter,
            RelayArgs::new(first, after, last, before),
        )
        .await
    }
    /// Partner accounts linked to this account by a PARTNER-to-ACCOUNT relationship type.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    pub async fn partners(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default,
            desc = "Only records in force today; false lists past and future ones too."
        )]
        current_only: bool,
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
    ) -> Result<Connection<Partner>> {
        let page = RelayArgs::new(first, after, last, before);
        account_relationships::partner_links(
            ctx,
            self.model.id,
            Direction::Reverse,
            current_only,
            page,
            Partner::new,
        )
        .await
    }
    /// Customer accounts this organisation is partner of, by a PARTNER-to-ACCOUNT relationship type.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    pub async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default,
            desc = "Only records in force today; false lists past and future ones too."
        )]
        current_only: bool,
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
    ) -> Result<Connection<Account>> {
        let page = RelayArgs::new(first, after, last, before);
        account_relationships::partner_links(
            ctx,
            self.model.id,
            Direction::Forward,
            current_only,
            page,
            Account::new,
        )
        .await
    }
    /// Internal users on this account's team (Account Team Members).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    pub async fn team(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default,
            desc = "Only records in force today; false lists past and future ones too."
        )]
        current_only: bool,
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
    ) -> Result<Connection<super::team_members::TeamMember>> {
        let page = RelayArgs::new(first, after, last, before);
        super::team_members::team_edge(
            ctx,
            super::loaders::TeamSide::Target(crate::domain::teams::TargetKind::Account),
            self.model.id,
            current_only,
            page,
        )
        .await
    }
    /// Cases here the viewer may read, filtered and sorted like `viewer.cases`.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    pub async fn cases(
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
    ) -> Result<Connection<super::cases::Case>> {
        let page = RelayArgs::new(first, after, last, before);
        super::cases::cases_of(
            ctx,
            crate::domain::cases::CaseParent::Account,
            self.model.id,
            filter,
            order_by,
            page,
        )
        .await
    }
    /// Ancestors in the hierarchy, nearest first (parent, grandparent, ..., root).
    pub async fn ancestors(&self, ctx: &Context<'_>) -> Result<Vec<Organization>> {
        let chain = state(ctx)
            .loaders
            .load_one(AncestorsOf(self.model.id))
            .await?
            .unwrap_or_default();
        let found = state(ctx)
            .loaders
            .load_many(chain.iter().map(|id| AccountId(*id)))
            .await?;
        Ok(chain
            .iter()
            .filter_map(|id| {
                found
                    .get(&AccountId(*id))
                    .cloned()
                    .map(Organization::from_model)
            })
            .collect())
    }
    /// The top of this account's hierarchy (the account itself when it has no parent).
    pub async fn hierarchy_root(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let chain = state(ctx)
            .loaders
            .load_one(AncestorsOf(self.model.id))
            .await?
            .unwrap_or_default();
        match chain.last() {
            None => Ok(Some(Organization::from_model(self.model.clone()))),
            Some(root) => load_node(ctx, AccountId(*root), Organization::from_model).await,
        }
    }
    /// Every account below this one, at any depth, nearest levels first.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    pub async fn descendants(
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
    ) -> Result<Connection<HierarchyMember>> {
        let args = RelayArgs::new(first, after, last, before).validate(ctx)?;
        let list = state(ctx)
            .loaders
            .load_one(DescendantsOf(self.model.id))
            .await?
            .unwrap_or_default();
        let mut items = list
            .into_iter()
            .map(|(depth, model)| {
                let cursor = Cursor {
                    order: "DEPTH".into(),
                    value: Some(SortValue::Int(depth)),
                    id: model.id,
                };
                (cursor, HierarchyMember { depth, model })
            })
            .collect::<Vec<_>>();
        // `slice` cuts by cursor (depth, id), so the list must be in that order before it is cut.
        items.sort_by(|a, b| a.1.depth.cmp(&b.1.depth).then(a.0.id.cmp(&b.0.id)));
        let page = crate::pagination::slice(items, &args, "DEPTH")?;
        Ok(Connection::from_page(page, |m| m))
    }
    /// Contacts of other accounts who carry a responsibility on this account.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    pub async fn contact_relationships(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default,
            desc = "Only records in force today; false lists past and future ones too."
        )]
        current_only: bool,
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
    ) -> Result<Connection<ContactRelationship>> {
        let page = RelayArgs::new(first, after, last, before);
        contact_relationships::links_of(ctx, LinkSide::Account, self.model.id, current_only, page)
            .await
    }
    /// Contacts that may be given a responsibility on this account, each with why it qualifies.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    pub async fn contact_relationship_candidates(
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
    ) -> Result<Connection<ContactRelationshipCandidate>> {
        contact_relationships::candidates_of(
            ctx,
            self.model.id,
            RelayArgs::new(first, after, last, before),
        )
        .await
    }
}

/// An account below another in the hierarchy, with how many levels below it is.
pub struct HierarchyMember {
    depth: i64,
    model: account::Model,
}

/// An account below another in the hierarchy, with how many levels below it is.
#[Object]
impl HierarchyMember {
    /// 1 for a child, 2 for a grandchild, ...
    async fn depth(&self) -> i64 {
        self.depth
    }
    /// The account.
    async fn account(&self) -> Organization {
        Organization::from_model(self.model.clone())
    }
}

/// Account queries.
#[derive(Default)]
pub struct AccountsQuery;

async fn list<S: Side>(
    ctx: &Context<'_>,
    mut filter: Filter,
    order_by: Option<AccountOrder>,
    page: RelayArgs,
) -> Result<Connection<Org<S>>> {
    let (order, descending) = AccountOrder::domain(order_by);
    match S::KIND {
        Kind::Partner => filter.is_partner = Some(true),
        _ => filter.is_customer = Some(true),
    }
    let args = page.validate(ctx)?;
    let page = service::list(
        domain(ctx),
        &filter,
        order.sort(descending),
        &args,
        wants(ctx),
    )
    .await?;
    Ok(Connection::from_page(page, |m| Org {
        model: m,
        side: PhantomData,
    }))
}

/// Account queries.
#[Object]
impl AccountsQuery {
    /// Customer accounts the viewer may see.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every given condition.")] filter: Option<
            AccountFilter,
        >,
        #[graphql(desc = "Sort order; absent: the list's default order.")] order_by: Option<
            AccountOrder,
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
    ) -> Result<Connection<Account>> {
        list::<CustomerSide>(
            ctx,
            AccountFilter::domain(filter)?,
            order_by,
            RelayArgs::new(first, after, last, before),
        )
        .await
    }

    /// Partner accounts the viewer may see.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn partners(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every given condition.")] filter: Option<
            AccountFilter,
        >,
        #[graphql(desc = "Sort order; absent: the list's default order.")] order_by: Option<
            AccountOrder,
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
    ) -> Result<Connection<Partner>> {
        list::<PartnerSide>(
            ctx,
            AccountFilter::domain(filter)?,
            order_by,
            RelayArgs::new(first, after, last, before),
        )
        .await
    }
}
