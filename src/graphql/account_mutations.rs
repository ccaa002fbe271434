//! Account mutations (admin or manager): create, change and delete organisations.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::account;

use super::{
    accounts::Organization,
    deletions::DeletePayload,
    domain,
    ids::{self, Kind},
};
use crate::domain::accounts::{self as service, AccountPatch, NewAccount};

/// Input of `createAccount`.
#[derive(InputObject)]
pub struct CreateAccountInput {
    /// Display name.
    pub name: String,
    /// Account number; generated (ACC0000001, ...) when absent.
    pub number: Option<String>,
    /// Customer flag.
    #[graphql(default)]
    pub is_customer: bool,
    /// Partner flag.
    #[graphql(default)]
    pub is_partner: bool,
    /// Parent account in the hierarchy.
    pub parent_id: Option<ID>,
}

/// Input of `updateAccount`; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateAccountInput {
    /// The account to change.
    pub id: ID,
    pub name: Option<String>,
    pub is_customer: Option<bool>,
    pub is_partner: Option<bool>,
    /// New parent account.
    pub parent_id: Option<ID>,
    /// Remove the parent (makes the account a root).
    #[graphql(default)]
    pub clear_parent: bool,
}

/// Result of a mutation that returns an organisation.
pub struct AccountPayload {
    model: account::Model,
}

#[Object]
impl AccountPayload {
    /// The organisation after the change.
    async fn account(&self) -> Organization {
        Organization::from_model(self.model.clone())
    }
}

/// Account mutations (admin or manager).
#[derive(Default)]
pub struct AccountsMutation;

#[Object]
impl AccountsMutation {
    /// Creates a customer and/or partner account.
    async fn create_account(
        &self,
        ctx: &Context<'_>,
        input: CreateAccountInput,
    ) -> Result<AccountPayload> {
        let parent_id = input
            .parent_id
            .as_ref()
            .map(|id| ids::decode(id, ids::ORGANIZATION, "parentId"))
            .transpose()?;
        let model = service::create(
            domain(ctx),
            NewAccount {
                name: input.name,
                number: input.number,
                is_customer: input.is_customer,
                is_partner: input.is_partner,
                parent_id,
            },
        )
        .await?;
        Ok(AccountPayload { model })
    }

    /// Changes an account's name, flags or place in the hierarchy (cycles are refused).
    async fn update_account(
        &self,
        ctx: &Context<'_>,
        input: UpdateAccountInput,
    ) -> Result<AccountPayload> {
        let id = ids::decode(&input.id, ids::ORGANIZATION, "id")?;
        let parent = input
            .parent_id
            .as_ref()
            .map(|id| ids::decode(id, ids::ORGANIZATION, "parentId"))
            .transpose()?;
        let parent_id = match (parent, input.clear_parent) {
            (Some(_), true) => {
                return Err(crate::domain::DomainError::invalid(
                    "clearParent",
                    "give parentId or clearParent, not both",
                )
                .into());
            }
            (Some(parent), false) => Some(Some(parent)),
            (None, true) => Some(None),
            (None, false) => None,
        };
        let patch = AccountPatch {
            name: input.name,
            is_customer: input.is_customer,
            is_partner: input.is_partner,
            parent_id,
        };
        Ok(AccountPayload {
            model: service::update(domain(ctx), id, patch).await?,
        })
    }

    /// Deletes an account without contacts or child accounts.
    async fn delete_account(&self, ctx: &Context<'_>, id: ID) -> Result<DeletePayload> {
        let uuid = ids::decode(&id, ids::ORGANIZATION, "id")?;
        let model = service::delete(domain(ctx), uuid).await?;
        Ok(DeletePayload {
            deleted_id: ids::encode(
                if model.is_customer {
                    Kind::Account
                } else {
                    Kind::Partner
                },
                uuid,
            ),
        })
    }
}
