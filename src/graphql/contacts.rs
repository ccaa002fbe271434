//! Contacts: the people of an account who use the portal.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::contact;

use super::{
    NameOrder,
    accounts::Organization,
    connection::{Connection, RelayArgs, cost, wants},
    deletions::DeletePayload,
    domain,
    ids::{self, Kind},
    loaders::{AccountId, RolesOf},
    state,
    timestamps::Timestamps,
};
use crate::domain::{
    contacts::{self as service, ContactFilter as Filter, ContactPatch, NewContact},
    roles::Holder,
};
use crate::graphql::loaders::load_node;

/// A person who belongs to exactly one account.
pub struct Contact(pub contact::Model);

/// A person who belongs to exactly one account.
#[Object]
impl Contact {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Contact, self.0.id)
    }
    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Email address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Phone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// The identity-provider subject (`sub` claim) this contact signs in as.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// The account the contact belongs to.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        load_node(ctx, AccountId(self.0.account_id), Organization::from_model).await
    }
    /// Roles stored for this contact.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<super::roles::Role>> {
        let rows = state(ctx)
            .loaders
            .load_one(RolesOf(Holder::Contact(self.0.id)))
            .await?
            .unwrap_or_default();
        Ok(super::roles::Role::list(
            rows.iter().map(|r| r.role.as_str()),
        ))
    }
    /// The accounts this contact acts for through contact relationships.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn acts_for(
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
    ) -> Result<Connection<super::contact_relationships::ContactRelationship>> {
        let page = RelayArgs::new(first, after, last, before);
        super::contact_relationships::links_of(
            ctx,
            crate::domain::contact_relationships::LinkSide::Contact,
            self.0.id,
            current_only,
            page,
        )
        .await
    }
    #[graphql(flatten)]
    async fn timestamps(&self) -> Timestamps {
        Timestamps::new(self.0.created_at, self.0.updated_at)
    }
}

/// Filters of a contact list.
#[derive(InputObject, Default)]
pub struct ContactFilter {
    /// Name contains this text.
    pub name_contains: Option<String>,
    /// Only contacts of this account.
    pub account_id: Option<ID>,
}

/// Contact queries.
#[derive(Default)]
pub struct ContactsQuery;

/// Contact queries.
#[Object]
impl ContactsQuery {
    /// Contacts the viewer may see.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every given condition.")] filter: Option<
            ContactFilter,
        >,
        #[graphql(desc = "Sort order; absent: the list's default order.")] order_by: Option<
            NameOrder,
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
    ) -> Result<Connection<Contact>> {
        let filter = filter.unwrap_or_default();
        let filter = Filter {
            name_contains: filter.name_contains,
            account_id: filter
                .account_id
                .as_ref()
                .map(|id| ids::decode(id, ids::ORGANIZATION, "accountId"))
                .transpose()?,
        };
        let (by_name, descending) = NameOrder::domain(order_by);
        let args = RelayArgs::new(first, after, last, before).validate(ctx)?;
        let page = service::list(
            domain(ctx),
            &filter,
            service::sort(by_name, descending),
            &args,
            wants(ctx),
        )
        .await?;
        Ok(Connection::from_page(page, Contact))
    }
}

/// Input of `createContact`.
#[derive(InputObject)]
pub struct CreateContactInput {
    /// The account the contact belongs to.
    pub account_id: ID,
    /// Display name (not blank).
    pub name: String,
    /// Email address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Identity-provider subject the contact signs in as (unique across all people).
    pub subject: Option<String>,
}

/// Input of `updateContact`; absent fields stay, empty text clears.
#[derive(InputObject)]
pub struct UpdateContactInput {
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
    /// Global ID of the record to change.
    pub id: ID,
    /// Move the contact to another account.
    pub account_id: Option<ID>,
    /// New display name; absent: unchanged.
    pub name: Option<String>,
    /// Email address; absent: unchanged.
    pub email: Option<String>,
    /// Phone number; absent: unchanged.
    pub phone: Option<String>,
    /// Sign-in subject (the token's `sub` claim) of this person; absent: unchanged.
    pub subject: Option<String>,
}

/// Result of a contact mutation.
#[derive(SimpleObject)]
pub struct ContactPayload {
    /// The contact after the change (as it would be, on a dry run).
    pub contact: Contact,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Principals whose readable cases change, with how many they gain or lose.
    pub access_changes: Vec<super::access_changes::AccessChange>,
}

/// Contact mutations (admin or manager).
#[derive(Default)]
pub struct ContactsMutation;

/// Contact mutations (admin or manager).
#[Object]
impl ContactsMutation {
    /// Creates a contact on an account.
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: CreateContactInput,
    ) -> Result<ContactPayload> {
        let account_id = ids::decode(&input.account_id, ids::ORGANIZATION, "accountId")?;
        let new = NewContact {
            account_id,
            name: input.name,
            email: input.email,
            phone: input.phone,
            subject: input.subject,
        };
        Ok(ContactPayload {
            contact: Contact(service::create(domain(ctx), new).await?),
            dry_run: false,
            access_changes: Vec::new(),
        })
    }

    /// Changes a contact.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: UpdateContactInput,
    ) -> Result<ContactPayload> {
        let id = ids::decode(&input.id, &[Kind::Contact], "id")?;
        let account_id = input
            .account_id
            .as_ref()
            .map(|id| ids::decode(id, ids::ORGANIZATION, "accountId"))
            .transpose()?;
        let patch = ContactPatch {
            account_id,
            name: input.name,
            email: input.email,
            phone: input.phone,
            subject: input.subject,
        };
        let (model, changes) = service::update(domain(ctx), id, patch, input.dry_run).await?;
        Ok(ContactPayload {
            contact: Contact(model),
            dry_run: input.dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }

    /// Deletes a contact and its stored roles.
    async fn delete_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
    ) -> Result<DeletePayload> {
        let uuid = ids::decode(&id, &[Kind::Contact], "id")?;
        service::delete(domain(ctx), uuid).await?;
        Ok(DeletePayload {
            deleted_id: ids::encode(Kind::Contact, uuid),
        })
    }
}
