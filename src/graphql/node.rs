//! The Relay `Node` interface: any object fetched again by its global ID.

use async_graphql::{Context, ID, Interface, Object, Result};

use uuid::Uuid;

use crate::access::principal::Identity;

use super::{
    account_relationships::AccountRelationship,
    accounts::{Account, Partner},
    consumers::Consumer,
    contact_relationships::ContactRelationship,
    contacts::Contact,
    households::{Household, HouseholdMembership},
    ids::{self, Kind},
    internal_users::InternalUser,
    loaders::{
        AccountId, ConsumerId, ContactId, ContactRelationshipId, HouseholdId, InternalUserId,
        MembershipId, RelationshipId, RelationshipTypeId, ResponsibilityId,
    },
    relationship_types::AccountRelationshipType,
    responsibility_definitions::ResponsibilityDefinition,
    state,
};

/// An object with a global ID.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Global ID: pass it to `node` to fetch the object again."
))]
pub enum Node {
    Account(Account),
    Partner(Partner),
    Contact(Contact),
    Consumer(Consumer),
    Household(Household),
    HouseholdMembership(HouseholdMembership),
    InternalUser(InternalUser),
    AccountRelationshipType(AccountRelationshipType),
    AccountRelationship(AccountRelationship),
    ResponsibilityDefinition(ResponsibilityDefinition),
    ContactRelationship(ContactRelationship),
    TeamMember(super::team_members::TeamMember),
    ConsumerRelationship(super::consumer_relationships::ConsumerRelationship),
    Case(super::cases::Case),
}

/// Looks up one node through the dataloader; invisible and missing objects are both `None`.
pub async fn load(ctx: &Context<'_>, kind: Kind, id: uuid::Uuid) -> Result<Option<Node>> {
    let loaders = &state(ctx).loaders;
    Ok(match kind {
        Kind::Account => loaders
            .load_one(AccountId(id))
            .await?
            .and_then(Account::new)
            .map(Node::Account),
        Kind::Partner => loaders
            .load_one(AccountId(id))
            .await?
            .and_then(Partner::new)
            .map(Node::Partner),
        Kind::Contact => loaders
            .load_one(ContactId(id))
            .await?
            .map(|m| Node::Contact(Contact(m))),
        Kind::Consumer => loaders
            .load_one(ConsumerId(id))
            .await?
            .map(|m| Node::Consumer(Consumer(m))),
        Kind::Household => loaders
            .load_one(HouseholdId(id))
            .await?
            .map(|m| Node::Household(Household(m))),
        Kind::HouseholdMembership => loaders
            .load_one(MembershipId(id))
            .await?
            .map(|m| Node::HouseholdMembership(HouseholdMembership(m))),
        Kind::InternalUser => loaders
            .load_one(InternalUserId(id))
            .await?
            .map(|m| Node::InternalUser(InternalUser(m))),
        Kind::AccountRelationshipType => loaders
            .load_one(RelationshipTypeId(id))
            .await?
            .map(|m| Node::AccountRelationshipType(AccountRelationshipType(m))),
        Kind::AccountRelationship => loaders
            .load_one(RelationshipId(id))
            .await?
            .map(|m| Node::AccountRelationship(AccountRelationship(m))),
        Kind::ResponsibilityDefinition => loaders
            .load_one(ResponsibilityId(id))
            .await?
            .map(|m| Node::ResponsibilityDefinition(ResponsibilityDefinition(m))),
        Kind::ContactRelationship => loaders
            .load_one(ContactRelationshipId(id))
            .await?
            .map(|m| Node::ContactRelationship(ContactRelationship(m))),
        Kind::TeamMember => loaders
            .load_one(super::loaders::TeamMemberId(id))
            .await?
            .map(|m| Node::TeamMember(super::team_members::TeamMember(m))),
        Kind::ConsumerRelationship => loaders
            .load_one(super::loaders::ConsumerRelationshipId(id))
            .await?
            .map(|m| {
                Node::ConsumerRelationship(super::consumer_relationships::ConsumerRelationship(m))
            }),
        Kind::Case => loaders
            .load_one(super::loaders::CaseId(id))
            .await?
            .map(|m| Node::Case(super::cases::Case(m))),
        Kind::CaseComment => None,
    })
}

/// The node kind and id a principal signs in as; none for anonymous and unregistered callers.
pub fn identity_node(identity: Identity) -> Option<(Kind, Uuid)> {
    match identity {
        Identity::InternalUser { id } => Some((Kind::InternalUser, id)),
        Identity::Contact { id, .. } => Some((Kind::Contact, id)),
        Identity::Consumer { id } => Some((Kind::Consumer, id)),
        Identity::Anonymous | Identity::Unregistered => None,
    }
}

/// `node` and `nodes`.
#[derive(Default)]
pub struct NodeQuery;

/// `node` and `nodes`.
#[Object]
impl NodeQuery {
    /// The object with this global ID, or null when it does not exist or the viewer may not see it.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record, of any kind.")] id: ID,
    ) -> Result<Option<Node>> {
        let (kind, uuid) = ids::decode_any(&id, "id")?;
        load(ctx, kind, uuid).await
    }

    /// The objects with these global IDs, in order; null where not found or not visible.
    #[graphql(complexity = "ids.len() * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global IDs of the records, any kinds (at most the page size limit); one entry per ID, in the same order."
        )]
        ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        let max = state(ctx).limits.max_page_size as usize;
        if ids.len() > max {
            return Err(crate::domain::DomainError::invalid(
                "ids",
                format!("at most {max} IDs per call"),
            )
            .into());
        }
        let decoded = ids
            .iter()
            .map(|id| ids::decode_any(id, "ids"))
            .collect::<Result<Vec<_>, _>>()?;
        futures_util::future::try_join_all(
            decoded
                .into_iter()
                .map(|(kind, uuid)| load(ctx, kind, uuid)),
        )
        .await
    }
}
