//! Contact relationships (managers create, staff read): a contact of one account carrying a
//! responsibility on another, and the candidates for one.

use crate::graphql::scalars::Date;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::contact_relationship as link;
use uuid::Uuid;

use super::{
    access_changes::{AccessChange, AccessDeletePayload, access_changes},
    account_relationships::{AccountRelationship, RelationshipDirection},
    accounts::Organization,
    connection::{Connection, RelayArgs},
    contacts::Contact,
    domain,
    ids::{self, Kind},
    loaders::{AccountId, ContactId, LinkParams, ResponsibilityId},
    responsibility_definitions::ResponsibilityDefinition,
    state,
    validity::{InForce, Period, RelationshipFields},
};
use crate::domain::{
    account_relationships::Direction,
    contact_relationships::{self as links, Candidate, CandidateReason, LinkSide, NewLink},
    validity::Validity,
};
use crate::graphql::loaders::load_node;

/// A contact of another account with a responsibility on an account.
pub struct ContactRelationship(pub link::Model);

/// A contact of another account with a responsibility on an account.
#[Object]
impl ContactRelationship {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ContactRelationship, self.0.id)
    }
    /// The relationship's audit entries, newest first.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn history(
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
    ) -> Result<crate::graphql::connection::Connection<crate::graphql::audit_log::AuditEntry>> {
        let args = crate::graphql::connection::RelayArgs::new(first, after, last, before);
        crate::graphql::audit_log::history(ctx, self.0.id, args).await
    }
    /// The account the contact acts for.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        load_node(ctx, AccountId(self.0.account_id), Organization::from_model).await
    }
    /// The contact, from another account.
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        load_node(ctx, ContactId(self.0.contact_id), Contact).await
    }
    /// The responsibility the contact carries.
    async fn responsibility(&self, ctx: &Context<'_>) -> Result<Option<ResponsibilityDefinition>> {
        load_node(
            ctx,
            ResponsibilityId(self.0.responsibility_id),
            ResponsibilityDefinition,
        )
        .await
    }
    #[graphql(flatten)]
    async fn dated(&self) -> RelationshipFields {
        RelationshipFields::of(self, self.0.sort_order, self.0.created_at)
    }
}

impl InForce for ContactRelationship {
    fn period(&self) -> Period {
        Period::new(self.0.valid_from, self.0.valid_to)
    }
}

/// Why a contact qualifies as a candidate.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateReasonKind {
    /// Its account is related to the account by an account relationship in force.
    RelatedAccount,
    /// Its account is in the account's hierarchy.
    Hierarchy,
}

/// One reason a contact qualifies.
pub struct ContactCandidateReason(CandidateReason);

/// One reason a contact qualifies.
#[Object]
impl ContactCandidateReason {
    /// Which rule applies.
    async fn kind(&self) -> CandidateReasonKind {
        match self.0 {
            CandidateReason::RelatedAccount { .. } => CandidateReasonKind::RelatedAccount,
            CandidateReason::Hierarchy { .. } => CandidateReasonKind::Hierarchy,
        }
    }
    /// The contact's account through which the rule applies.
    async fn via_account(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let id = match self.0 {
            CandidateReason::RelatedAccount { account_id, .. }
            | CandidateReason::Hierarchy { account_id } => account_id,
        };
        load_node(ctx, AccountId(id), Organization::from_model).await
    }
    /// The account relationship, for RELATED_ACCOUNT.
    async fn relationship(&self, ctx: &Context<'_>) -> Result<Option<AccountRelationship>> {
        match self.0 {
            CandidateReason::RelatedAccount {
                relationship_id, ..
            } => {
                load_node(
                    ctx,
                    super::loaders::RelationshipId(relationship_id),
                    AccountRelationship,
                )
                .await
            }
            CandidateReason::Hierarchy { .. } => Ok(None),
        }
    }
    /// The account's side of that relationship, for RELATED_ACCOUNT.
    async fn direction(&self) -> Option<RelationshipDirection> {
        match self.0 {
            CandidateReason::RelatedAccount {
                direction: Direction::Forward,
                ..
            } => Some(RelationshipDirection::Forward),
            CandidateReason::RelatedAccount {
                direction: Direction::Reverse,
                ..
            } => Some(RelationshipDirection::Reverse),
            CandidateReason::Hierarchy { .. } => None,
        }
    }
}

/// A contact that may be given a responsibility on the account, with why.
pub struct ContactRelationshipCandidate(pub Candidate);

/// A contact that may be given a responsibility on the account, with why.
#[Object]
impl ContactRelationshipCandidate {
    /// The contact.
    async fn contact(&self) -> Contact {
        Contact(self.0.contact.clone())
    }
    /// Every reason the contact qualifies.
    async fn reasons(&self) -> Vec<ContactCandidateReason> {
        self.0
            .reasons
            .iter()
            .cloned()
            .map(ContactCandidateReason)
            .collect()
    }
}

/// The page of contact relationships of an account or a contact, through the dataloader.
pub async fn links_of(
    ctx: &Context<'_>,
    by: LinkSide,
    key: Uuid,
    current_only: bool,
    page: RelayArgs,
) -> Result<Connection<ContactRelationship>> {
    let params = LinkParams {
        by,
        current_only,
        args: page.validate(ctx)?,
    };
    Connection::of_edge(ctx, key, params, ContactRelationship).await
}

/// The candidate contacts of an account as a connection.
pub async fn candidates_of(
    ctx: &Context<'_>,
    account: Uuid,
    page: RelayArgs,
) -> Result<Connection<ContactRelationshipCandidate>> {
    let args = page.validate(ctx)?;
    let list = state(ctx)
        .loaders
        .load_one(super::loaders::CandidatesOf(account))
        .await?
        .unwrap_or_default();
    Ok(Connection::from_page(
        links::candidate_page(list, &args)?,
        ContactRelationshipCandidate,
    ))
}

/// Input of `createContactRelationship`.
#[derive(InputObject)]
pub struct CreateContactRelationshipInput {
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
    /// The account the contact will act for.
    pub account_id: ID,
    /// A contact of another account (see `contactRelationshipCandidates`).
    pub contact_id: ID,
    /// A CONTACT-type responsibility.
    pub responsibility_id: ID,
    /// Position among the record's siblings, for display (lower first).
    pub order: Option<i32>,
    /// First day in force (`YYYY-MM-DD`); absent: since always.
    pub valid_from: Option<Date>,
    /// Last day in force (`YYYY-MM-DD`); absent: open-ended.
    pub valid_to: Option<Date>,
}

/// Result of a contact relationship mutation.
#[derive(SimpleObject)]
pub struct ContactRelationshipPayload {
    /// The contact relationship after the change.
    pub contact_relationship: ContactRelationship,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Principals whose readable cases change, with how many they gain or lose.
    pub access_changes: Vec<AccessChange>,
}

/// Contact relationship mutations (managers and admins).
#[derive(Default)]
pub struct ContactRelationshipsMutation;

/// Contact relationship mutations (managers and admins).
#[Object]
impl ContactRelationshipsMutation {
    /// Gives a contact of another account a responsibility on an account (manager or admin).
    async fn create_contact_relationship(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: CreateContactRelationshipInput,
    ) -> Result<ContactRelationshipPayload> {
        let dry_run = input.dry_run;
        let new = NewLink {
            account_id: ids::decode(&input.account_id, ids::ORGANIZATION, "accountId")?,
            contact_id: ids::decode(&input.contact_id, &[Kind::Contact], "contactId")?,
            responsibility_id: ids::decode(
                &input.responsibility_id,
                &[Kind::ResponsibilityDefinition],
                "responsibilityId",
            )?,
            validity: Validity {
                sort_order: input.order,
                valid_from: input.valid_from.map(Into::into),
                valid_to: input.valid_to.map(Into::into),
            },
        };
        let (model, changes) = links::create(domain(ctx), new, dry_run).await?;
        Ok(ContactRelationshipPayload {
            contact_relationship: ContactRelationship(model),
            dry_run,
            access_changes: access_changes(changes),
        })
    }

    /// Removes a contact relationship (manager or admin).
    async fn delete_contact_relationship(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
        #[graphql(default, desc = "Only report what would change; nothing is written.")]
        dry_run: bool,
    ) -> Result<AccessDeletePayload> {
        let uuid = ids::decode(&id, &[Kind::ContactRelationship], "id")?;
        let (_, changes) = links::delete(domain(ctx), uuid, dry_run).await?;
        Ok(AccessDeletePayload {
            deleted_id: (!dry_run).then(|| ids::encode(Kind::ContactRelationship, uuid)),
            dry_run,
            access_changes: access_changes(changes),
        })
    }
}
