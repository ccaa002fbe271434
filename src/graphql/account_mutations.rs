//! Account mutations (admin or manager): create, change and delete organisations.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::account;

use super::{
    access_changes::{AccessChange, access_changes},
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
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
    /// The account to change.
    pub id: ID,
    /// New display name; absent: unchanged.
    pub name: Option<String>,
    /// Whether it is a customer account; absent: unchanged.
    pub is_customer: Option<bool>,
    /// Whether it is a partner account; absent: unchanged.
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
    dry_run: bool,
    changes: Vec<crate::access::impact::AccessChange>,
}

/// Result of a mutation that returns an organisation.
#[Object]
impl AccountPayload {
    /// The organisation after the change (as it would be, on a dry run).
    async fn account(&self) -> Organization {
        Organization::from_model(self.model.clone())
    }
    /// Whether this was only a preview.
    async fn dry_run(&self) -> bool {
        self.dry_run
    }
    /// Principals whose readable cases change, with how many they gain or lose.
    async fn access_changes(&self) -> Vec<AccessChange> {
        access_changes(self.changes.clone())
    }
}

/// Account mutations (admin or manager).
#[derive(Default)]
pub struct AccountsMutation;

/// Account mutations (admin or manager).
#[Object]
impl AccountsMutation {
    /// Creates a customer and/or partner account.
    async fn create_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: CreateAccountInput,
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
        Ok(AccountPayload {
            model,
            dry_run: false,
            changes: Vec::new(),
        })
    }

    /// Changes an account's name, flags or place in the hierarchy (cycles are refused).
    async fn update_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: UpdateAccountInput,
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
        let (model, changes) = service::update(domain(ctx), id, patch, input.dry_run).await?;
        Ok(AccountPayload {
            model,
            dry_run: input.dry_run,
            changes,
        })
    }

    /// Deletes an account without contacts or child accounts.
    async fn delete_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
    ) -> Result<DeletePayload> {
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
