//! Loads of list edges: one page per parent, batched so parents sharing page arguments cost one
//! statement.

use std::{collections::HashMap, hash::Hash};

use entity::{
    account, account_relationship, account_relationship_side, contact, contact_relationship,
    household_membership,
};
use uuid::Uuid;

use super::{Batch, Fetch, LoadResult};
use crate::domain::{account_relationships, accounts, contact_relationships, contacts, households};
use crate::pagination::{Page, PageArgs};

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
