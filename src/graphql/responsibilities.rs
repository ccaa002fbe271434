//! Responsibility definitions (admin) and contact relationships (managers create, staff read).

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{contact_relationship as link, responsibility_definition as definition};
use uuid::Uuid;

use super::{
    accounts::Organization,
    connection::{Connection, cost, page_args, wants},
    contacts::Contact,
    domain,
    ids::{self, Kind},
    loaders::{AccountId, ContactId, EdgeKey, LinkParams, ResponsibilityId},
    relationships::{AccountRelationship, CascadeDeletePayload, RelationshipDirection},
    state,
};
use crate::domain::{
    account_relationships::Direction,
    contact_relationships::{self as links, Candidate, CandidateReason, LinkSide, NewLink},
    responsibilities::{self as service, DefinitionInput, ResponsibilityKind as Kind_},
    validity::Validity,
};
use crate::pagination::Page;

/// Who can carry a responsibility.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponsibilityKind {
    /// An internal user (team members).
    User,
    /// A contact (contact relationships).
    Contact,
    /// A consumer.
    Consumer,
    /// An account.
    Account,
    /// Anyone (e.g. Authorized Representative between consumers).
    None,
}

impl ResponsibilityKind {
    fn domain(self) -> Kind_ {
        match self {
            ResponsibilityKind::User => Kind_::User,
            ResponsibilityKind::Contact => Kind_::Contact,
            ResponsibilityKind::Consumer => Kind_::Consumer,
            ResponsibilityKind::Account => Kind_::Account,
            ResponsibilityKind::None => Kind_::None,
        }
    }
    fn from_stored(text: &str) -> Self {
        match Kind_::parse(text) {
            Kind_::User => ResponsibilityKind::User,
            Kind_::Contact => ResponsibilityKind::Contact,
            Kind_::Consumer => ResponsibilityKind::Consumer,
            Kind_::Account => ResponsibilityKind::Account,
            Kind_::None => ResponsibilityKind::None,
        }
    }
}

/// A responsibility one party carries for another.
pub struct ResponsibilityDefinition(pub definition::Model);

#[Object]
impl ResponsibilityDefinition {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ResponsibilityDefinition, self.0.id)
    }
    /// Unique name, e.g. "Account Manager".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Who can carry it.
    async fn kind(&self) -> ResponsibilityKind {
        ResponsibilityKind::from_stored(&self.0.kind)
    }
    /// At most one holder per account, consumer or household.
    async fn is_unique(&self) -> bool {
        self.0.is_unique
    }
    /// Stored role the holder must have.
    async fn required_role(&self) -> Option<&str> {
        self.0.required_role.as_deref()
    }
    /// What the responsibility means.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
}

/// A contact of another account with a responsibility on an account.
pub struct ContactRelationship(pub link::Model);

#[Object]
impl ContactRelationship {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ContactRelationship, self.0.id)
    }
    /// The account the contact acts for.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Ok(state(ctx)
            .loaders
            .load_one(AccountId(self.0.account_id))
            .await?
            .map(Organization::from_model))
    }
    /// The contact, from another account.
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        Ok(state(ctx)
            .loaders
            .load_one(ContactId(self.0.contact_id))
            .await?
            .map(Contact))
    }
    /// The responsibility the contact carries.
    async fn responsibility(&self, ctx: &Context<'_>) -> Result<Option<ResponsibilityDefinition>> {
        Ok(state(ctx)
            .loaders
            .load_one(ResponsibilityId(self.0.responsibility_id))
            .await?
            .map(ResponsibilityDefinition))
    }
    /// Optional display order.
    async fn order(&self) -> Option<i32> {
        self.0.sort_order
    }
    /// First day in force.
    async fn valid_from(&self) -> Option<NaiveDate> {
        self.0.valid_from
    }
    /// Last day in force.
    async fn valid_to(&self) -> Option<NaiveDate> {
        self.0.valid_to
    }
    /// Whether it is in force today.
    async fn is_current(&self, ctx: &Context<'_>) -> bool {
        let v = Validity {
            sort_order: None,
            valid_from: self.0.valid_from,
            valid_to: self.0.valid_to,
        };
        v.covers(domain(ctx).clock.today())
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
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
        Ok(state(ctx)
            .loaders
            .load_one(AccountId(id))
            .await?
            .map(Organization::from_model))
    }
    /// The account relationship, for RELATED_ACCOUNT.
    async fn relationship(&self, ctx: &Context<'_>) -> Result<Option<AccountRelationship>> {
        match self.0 {
            CandidateReason::RelatedAccount {
                relationship_id, ..
            } => Ok(state(ctx)
                .loaders
                .load_one(super::loaders::RelationshipId(relationship_id))
                .await?
                .map(AccountRelationship)),
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
    page: (Option<i32>, Option<String>, Option<i32>, Option<String>),
) -> Result<Connection<ContactRelationship>> {
    let params = LinkParams {
        by,
        current_only,
        args: page_args(ctx, page.0, page.1, page.2, page.3)?,
    };
    let page = state(ctx)
        .loaders
        .load_one(EdgeKey {
            parent: key,
            params,
        })
        .await?
        .unwrap_or_else(Page::empty);
    Ok(Connection::from_page(page, ContactRelationship))
}

/// The candidate contacts of an account as a connection.
pub async fn candidates_of(
    ctx: &Context<'_>,
    account: Uuid,
    page: (Option<i32>, Option<String>, Option<i32>, Option<String>),
) -> Result<Connection<ContactRelationshipCandidate>> {
    let args = page_args(ctx, page.0, page.1, page.2, page.3)?;
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

/// Responsibility queries.
#[derive(Default)]
pub struct ResponsibilitiesQuery;

#[Object]
impl ResponsibilitiesQuery {
    /// Responsibility definitions, by name.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn responsibility_definitions(
        &self,
        ctx: &Context<'_>,
        kind: Option<ResponsibilityKind>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<ResponsibilityDefinition>> {
        let args = page_args(ctx, first, after, last, before)?;
        let page = service::list(
            domain(ctx),
            kind.map(ResponsibilityKind::domain),
            &args,
            wants(ctx),
        )
        .await?;
        Ok(Connection::from_page(page, ResponsibilityDefinition))
    }
}

/// Input of `createResponsibilityDefinition`.
#[derive(InputObject)]
pub struct CreateResponsibilityDefinitionInput {
    pub name: String,
    pub kind: ResponsibilityKind,
    #[graphql(default)]
    pub is_unique: bool,
    /// Role name the holder must have stored, e.g. `sn_customerservice.relationship_agent`.
    pub required_role: Option<String>,
    pub description: Option<String>,
}

/// Input of `updateResponsibilityDefinition`; absent fields stay, empty text clears.
#[derive(InputObject)]
pub struct UpdateResponsibilityDefinitionInput {
    pub id: ID,
    pub name: Option<String>,
    pub kind: Option<ResponsibilityKind>,
    pub is_unique: Option<bool>,
    pub required_role: Option<String>,
    pub description: Option<String>,
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
    pub order: Option<i32>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// Result of a responsibility definition mutation.
#[derive(SimpleObject)]
pub struct ResponsibilityDefinitionPayload {
    /// The definition after the change.
    pub responsibility_definition: ResponsibilityDefinition,
}

/// Result of a contact relationship mutation.
#[derive(SimpleObject)]
pub struct ContactRelationshipPayload {
    /// The contact relationship after the change.
    pub contact_relationship: ContactRelationship,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Principals whose readable cases change, with how many they gain or lose.
    pub access_changes: Vec<super::access_changes::AccessChange>,
}

/// Responsibility and contact relationship mutations.
#[derive(Default)]
pub struct ResponsibilitiesMutation;

#[Object]
impl ResponsibilitiesMutation {
    /// Defines a responsibility (admin).
    async fn create_responsibility_definition(
        &self,
        ctx: &Context<'_>,
        input: CreateResponsibilityDefinitionInput,
    ) -> Result<ResponsibilityDefinitionPayload> {
        let input = DefinitionInput {
            name: Some(input.name),
            kind: Some(input.kind.domain()),
            is_unique: Some(input.is_unique),
            required_role: input.required_role,
            description: input.description,
        };
        Ok(ResponsibilityDefinitionPayload {
            responsibility_definition: ResponsibilityDefinition(
                service::create(domain(ctx), input).await?,
            ),
        })
    }

    /// Changes a responsibility definition (admin).
    async fn update_responsibility_definition(
        &self,
        ctx: &Context<'_>,
        input: UpdateResponsibilityDefinitionInput,
    ) -> Result<ResponsibilityDefinitionPayload> {
        let id = ids::decode(&input.id, &[Kind::ResponsibilityDefinition], "id")?;
        let patch = DefinitionInput {
            name: input.name,
            kind: input.kind.map(ResponsibilityKind::domain),
            is_unique: input.is_unique,
            required_role: input.required_role,
            description: input.description,
        };
        Ok(ResponsibilityDefinitionPayload {
            responsibility_definition: ResponsibilityDefinition(
                service::update(domain(ctx), id, patch).await?,
            ),
        })
    }

    /// Deletes a definition and every relationship using it in one transaction (admin); `dryRun` only reports.
    async fn delete_responsibility_definition(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] dry_run: bool,
    ) -> Result<CascadeDeletePayload> {
        let uuid = ids::decode(&id, &[Kind::ResponsibilityDefinition], "id")?;
        let (_, removal) = service::delete(domain(ctx), uuid, dry_run).await?;
        Ok(CascadeDeletePayload::new(
            Kind::ResponsibilityDefinition,
            uuid,
            dry_run,
            removal,
        ))
    }

    /// Gives a contact of another account a responsibility on an account (manager or admin).
    async fn create_contact_relationship(
        &self,
        ctx: &Context<'_>,
        input: CreateContactRelationshipInput,
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
                valid_from: input.valid_from,
                valid_to: input.valid_to,
            },
        };
        let (model, changes) = links::create(domain(ctx), new, dry_run).await?;
        Ok(ContactRelationshipPayload {
            contact_relationship: ContactRelationship(model),
            dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }

    /// Removes a contact relationship (manager or admin).
    async fn delete_contact_relationship(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] dry_run: bool,
    ) -> Result<super::access_changes::AccessDeletePayload> {
        let uuid = ids::decode(&id, &[Kind::ContactRelationship], "id")?;
        let (_, changes) = links::delete(domain(ctx), uuid, dry_run).await?;
        Ok(super::access_changes::AccessDeletePayload {
            deleted_id: (!dry_run).then(|| ids::encode(Kind::ContactRelationship, uuid)),
            dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }
}
