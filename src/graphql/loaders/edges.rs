//! Loads of list edges: one page per parent, batched so parents sharing page arguments cost one
//! statement.

use std::{collections::HashMap, hash::Hash};

use entity::{
    account, account_relationship, case, case_comment, consumer_relationship,
    consumer_relationship_side, contact, contact_relationship, household_membership, team_member,
};
use uuid::Uuid;

use super::{Batch, Fetch, LoadResult};
use crate::domain::{
    Ctx, DomainResult, account_relationships, accounts, cases, consumer_relationships,
    contact_relationships, contacts, households, side_rows, teams,
};
use crate::pagination::{Page, PageArgs};

/// A list edge of one parent with its page arguments and ordering.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EdgeKey<P> {
    pub parent: Uuid,
    pub params: P,
}

/// The pages of many parents' edges, by parent.
type Pages<T> = DomainResult<HashMap<Uuid, Page<T>>>;

/// The parameters of one kind of list edge and the domain query that pages many parents at once.
pub trait Edge: Clone + Eq + Hash + Send + Sync + 'static {
    /// The rows the edge lists.
    type Row: Clone + Send + Sync + 'static;

    /// One page per parent in `parents`, in one statement.
    fn pages(&self, ctx: &Ctx, parents: &[Uuid]) -> impl Future<Output = Pages<Self::Row>> + Send;
}

/// Runs each edge's query once per group of keys that share parameters and files the pages back
/// under their keys.
impl<P: Edge> Fetch<EdgeKey<P>> for Batch {
    type Value = Page<P::Row>;

    async fn fetch(&self, keys: &[EdgeKey<P>]) -> LoadResult<EdgeKey<P>, Page<P::Row>> {
        let mut out = HashMap::new();
        for (params, parents) in group(keys) {
            let pages = params.pages(&self.ctx, &parents).await?;
            ungroup(&mut out, &params, &parents, pages);
        }
        Ok(out)
    }
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

/// Parameters of the `children` edge of an account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChildrenParams {
    pub args: PageArgs,
    pub order: accounts::AccountOrder,
    pub descending: bool,
}

impl Edge for ChildrenParams {
    type Row = account::Model;

    async fn pages(&self, ctx: &Ctx, parents: &[Uuid]) -> Pages<Self::Row> {
        let sort = self.order.sort(self.descending);
        accounts::children_pages(ctx, parents, sort, &self.args).await
    }
}

/// Parameters of the `contacts` edge of an account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContactsParams {
    pub args: PageArgs,
    pub by_name: bool,
    pub descending: bool,
}

impl Edge for ContactsParams {
    type Row = contact::Model;

    async fn pages(&self, ctx: &Ctx, parents: &[Uuid]) -> Pages<Self::Row> {
        let sort = contacts::sort(self.by_name, self.descending);
        contacts::pages_by_account(ctx, parents, sort, &self.args).await
    }
}

/// Parameters of a memberships edge, from the household's or the consumer's side.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MembershipParams {
    pub side: households::MembershipSide,
    pub current_only: bool,
    pub args: PageArgs,
}

impl Edge for MembershipParams {
    type Row = household_membership::Model;

    async fn pages(&self, ctx: &Ctx, parents: &[Uuid]) -> Pages<Self::Row> {
        households::membership_pages(ctx, self.side, parents, self.current_only, &self.args).await
    }
}

/// Parameters of an account's `relationships` edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SidesParams {
    pub filter: account_relationships::SideFilter,
    pub args: PageArgs,
    /// Join each side's other account (the selection asks for it).
    pub with_other: bool,
}

impl Edge for SidesParams {
    type Row = side_rows::SideRow;

    async fn pages(&self, ctx: &Ctx, parents: &[Uuid]) -> Pages<Self::Row> {
        account_relationships::side_pages(ctx, parents, &self.filter, &self.args, self.with_other)
            .await
    }
}

/// Parameters of a relationship type's `relationships` edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeRecordsParams {
    pub args: PageArgs,
}

impl Edge for TypeRecordsParams {
    type Row = account_relationship::Model;

    async fn pages(&self, ctx: &Ctx, parents: &[Uuid]) -> Pages<Self::Row> {
        account_relationships::pages_by_type(ctx, parents, &self.args).await
    }
}

/// Parameters of a contact-relationship edge, from the account's or the contact's side.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LinkParams {
    pub by: contact_relationships::LinkSide,
    pub current_only: bool,
    pub args: PageArgs,
}

impl Edge for LinkParams {
    type Row = contact_relationship::Model;

    async fn pages(&self, ctx: &Ctx, parents: &[Uuid]) -> Pages<Self::Row> {
        contact_relationships::pages(ctx, self.by, parents, self.current_only, &self.args).await
    }
}

/// Whose team memberships an edge lists: a target's team, or a user's memberships of one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TeamSide {
    Target(teams::TargetKind),
    User(teams::TargetKind),
}

/// Parameters of a team edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TeamParams {
    pub side: TeamSide,
    pub current_only: bool,
    pub args: PageArgs,
}

impl Edge for TeamParams {
    type Row = team_member::Model;

    async fn pages(&self, ctx: &Ctx, parents: &[Uuid]) -> Pages<Self::Row> {
        match self.side {
            TeamSide::Target(kind) => {
                teams::pages_by_target(ctx, kind, parents, self.current_only, &self.args).await
            }
            TeamSide::User(kind) => {
                teams::pages_by_user(ctx, kind, parents, self.current_only, &self.args).await
            }
        }
    }
}

/// Parameters of a consumer's `relationships` edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConsumerSidesParams {
    pub current_only: bool,
    pub args: PageArgs,
}

impl Edge for ConsumerSidesParams {
    type Row = consumer_relationship_side::Model;

    async fn pages(&self, ctx: &Ctx, parents: &[Uuid]) -> Pages<Self::Row> {
        consumer_relationships::side_pages(ctx, parents, self.current_only, &self.args).await
    }
}

/// Parameters of a household's `memberRelationships` edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemberLinksParams {
    pub current_only: bool,
    pub args: PageArgs,
}

impl Edge for MemberLinksParams {
    type Row = consumer_relationship::Model;

    async fn pages(&self, ctx: &Ctx, parents: &[Uuid]) -> Pages<Self::Row> {
        consumer_relationships::pages_by_household(ctx, parents, self.current_only, &self.args)
            .await
    }
}

/// Parameters of a `cases` edge of an account, consumer or household.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CaseEdgeParams {
    pub parent: cases::CaseParent,
    pub filter: cases::CaseFilter,
    pub order: cases::CaseOrder,
    pub descending: bool,
    pub args: PageArgs,
}

impl Edge for CaseEdgeParams {
    type Row = case::Model;

    async fn pages(&self, ctx: &Ctx, parents: &[Uuid]) -> Pages<Self::Row> {
        let sort = self.order.sort(self.descending);
        cases::pages_by_parent(ctx, self.parent, parents, &self.filter, sort, &self.args).await
    }
}

/// Parameters of a case's `comments` edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CommentParams {
    pub args: PageArgs,
}

impl Edge for CommentParams {
    type Row = case_comment::Model;

    async fn pages(&self, ctx: &Ctx, parents: &[Uuid]) -> Pages<Self::Row> {
        cases::comment_pages(ctx, parents, &self.args).await
    }
}

/// One parent's page of an edge, batched with every other parent the request pages alike.
pub async fn edge_page<P: Edge>(
    ctx: &async_graphql::Context<'_>,
    parent: Uuid,
    params: P,
) -> async_graphql::Result<Page<P::Row>> {
    Ok(crate::graphql::state(ctx)
        .loaders
        .load_one(EdgeKey { parent, params })
        .await?
        .unwrap_or_else(Page::empty))
}
