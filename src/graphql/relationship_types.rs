//! Account relationship types (admin): the kinds of link between accounts, with their labels.

use crate::graphql::scalars::DateTime;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::account_relationship_type as rel_type;

use super::{
    access_changes::{AccessChange, access_changes},
    account_relationships::AccountRelationship,
    connection::{Connection, RelayArgs, cost, wants},
    deletions::CascadeDeletePayload,
    domain,
    ids::{self, Kind},
    loaders::TypeRecordsParams,
};
use crate::domain::relationship_types::{
    self as types, AccountKind as Kind_, NewType, PartnerPolicy, TypePatch,
};

/// Which account flag a side of a relationship type requires.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountKind {
    /// A customer account (customer flag).
    Account,
    /// A partner account (partner flag).
    Partner,
}

impl AccountKind {
    fn domain(self) -> Kind_ {
        match self {
            AccountKind::Account => Kind_::Account,
            AccountKind::Partner => Kind_::Partner,
        }
    }
    fn from_stored(text: &str) -> Self {
        match Kind_::parse(text) {
            Kind_::Account => AccountKind::Account,
            Kind_::Partner => AccountKind::Partner,
        }
    }
}

/// Which of a customer's cases a partner sees through a partner-granting relationship.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PartnerAccessPolicy {
    /// All of the customer's cases, older ones too.
    #[default]
    Derived,
    /// Only cases whose partner field names the partner account.
    Stamped,
}

impl PartnerAccessPolicy {
    fn domain(self) -> PartnerPolicy {
        match self {
            PartnerAccessPolicy::Derived => PartnerPolicy::Derived,
            PartnerAccessPolicy::Stamped => PartnerPolicy::Stamped,
        }
    }
}

/// A kind of link between accounts with its labels as seen from each side.
pub struct AccountRelationshipType(pub rel_type::Model);

/// A kind of link between accounts with its labels as seen from each side.
#[Object]
impl AccountRelationshipType {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AccountRelationshipType, self.0.id)
    }
    /// Unique name, e.g. "Partner Account".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the source account (Account From) must be.
    async fn source_kind(&self) -> AccountKind {
        AccountKind::from_stored(&self.0.source_kind)
    }
    /// What the target account (Account To) must be.
    async fn target_kind(&self) -> AccountKind {
        AccountKind::from_stored(&self.0.target_kind)
    }
    /// Label read on the source account, e.g. "Partner of".
    async fn forward_label(&self) -> &str {
        &self.0.forward_label
    }
    /// Label read on the target account, e.g. "Customer of".
    async fn reverse_label(&self) -> &str {
        &self.0.reverse_label
    }
    /// Inactive types keep their records but cannot be used for new ones.
    async fn is_active(&self) -> bool {
        self.0.active
    }
    /// Whether partner contacts of the source get access to the target's cases.
    async fn grants_partner_case_access(&self) -> bool {
        self.0.grants_partner_access
    }
    /// Which cases a partner-granting relationship opens.
    async fn partner_access_policy(&self) -> PartnerAccessPolicy {
        match PartnerPolicy::parse(&self.0.partner_access_policy) {
            PartnerPolicy::Derived => PartnerAccessPolicy::Derived,
            PartnerPolicy::Stamped => PartnerAccessPolicy::Stamped,
        }
    }
    /// Same kinds and labels on both sides: the mirror of a record is the same relationship.
    async fn is_symmetric(&self) -> bool {
        types::is_symmetric(&self.0)
    }
    /// Every record of this type (Account From, Account To).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn relationships(
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
    ) -> Result<Connection<AccountRelationship>> {
        let params = TypeRecordsParams {
            args: RelayArgs::new(first, after, last, before).validate(ctx)?,
        };
        Connection::of_edge(ctx, self.0.id, params, AccountRelationship).await
    }
    /// When the type was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// Account relationship type queries.
#[derive(Default)]
pub struct RelationshipTypesQuery;

/// Account relationship type queries.
#[Object]
impl RelationshipTypesQuery {
    /// Account relationship types, by name.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn account_relationship_types(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only active types (true) or only inactive ones (false); absent: both.")]
        active: Option<bool>,
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
    ) -> Result<Connection<AccountRelationshipType>> {
        let args = RelayArgs::new(first, after, last, before).validate(ctx)?;
        let page = types::list(domain(ctx), active, &args, wants(ctx)).await?;
        Ok(Connection::from_page(page, AccountRelationshipType))
    }
}

/// Input of `createAccountRelationshipType`.
#[derive(InputObject)]
pub struct CreateAccountRelationshipTypeInput {
    /// Unique name of the type (letter case ignored), e.g. "Partner Account".
    pub name: String,
    /// What Account From must be; fixed after creation.
    pub source_kind: AccountKind,
    /// What Account To must be; fixed after creation.
    pub target_kind: AccountKind,
    /// How the source account reads the relationship, e.g. "Partner of".
    pub forward_label: String,
    /// How the target account reads the relationship, e.g. "Customer of".
    pub reverse_label: String,
    /// Whether new relationships may use the type.
    #[graphql(default = true)]
    pub is_active: bool,
    /// Whether the relationship gives the source (partner) account's contacts access to the target's cases.
    #[graphql(default)]
    pub grants_partner_case_access: bool,
    /// Which of the target's cases a partner sees: all of them (`DERIVED`) or those stamped with its account (`STAMPED`).
    #[graphql(default)]
    pub partner_access_policy: PartnerAccessPolicy,
}

/// Input of `updateAccountRelationshipType`; kinds cannot change.
#[derive(InputObject)]
pub struct UpdateAccountRelationshipTypeInput {
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
    /// Global ID of the record to change.
    pub id: ID,
    /// New unique name; absent: unchanged.
    pub name: Option<String>,
    /// How the source account reads the relationship, e.g. "Partner of"; absent: unchanged.
    pub forward_label: Option<String>,
    /// How the target account reads the relationship, e.g. "Customer of"; absent: unchanged.
    pub reverse_label: Option<String>,
    /// Whether new relationships may use the type; absent: unchanged.
    pub is_active: Option<bool>,
    /// Whether the relationship gives the source (partner) account's contacts access to the target's cases; absent: unchanged.
    pub grants_partner_case_access: Option<bool>,
    /// Which of the target's cases a partner sees: all of them (`DERIVED`) or those stamped with its account (`STAMPED`); absent: unchanged.
    pub partner_access_policy: Option<PartnerAccessPolicy>,
}

/// Result of a relationship type mutation.
#[derive(SimpleObject)]
pub struct AccountRelationshipTypePayload {
    /// The type after the change (as it would be, on a dry run).
    pub account_relationship_type: AccountRelationshipType,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Principals whose readable cases change, with how many they gain or lose.
    pub access_changes: Vec<AccessChange>,
}

/// Relationship type mutations (admin).
#[derive(Default)]
pub struct RelationshipTypesMutation;

/// Relationship type mutations (admin).
#[Object]
impl RelationshipTypesMutation {
    /// Defines a relationship type (admin).
    async fn create_account_relationship_type(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: CreateAccountRelationshipTypeInput,
    ) -> Result<AccountRelationshipTypePayload> {
        let new = NewType {
            name: input.name,
            source_kind: input.source_kind.domain(),
            target_kind: input.target_kind.domain(),
            forward_label: input.forward_label,
            reverse_label: input.reverse_label,
            active: input.is_active,
            grants_partner_access: input.grants_partner_case_access,
            policy: input.partner_access_policy.domain(),
        };
        let model = types::create(domain(ctx), new).await?;
        Ok(AccountRelationshipTypePayload {
            account_relationship_type: AccountRelationshipType(model),
            dry_run: false,
            access_changes: Vec::new(),
        })
    }

    /// Renames, relabels or (de)activates a type (admin); every record shows new labels at once, and
    /// `accessChanges` says whose case access the change alters (`dryRun` only reports).
    async fn update_account_relationship_type(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: UpdateAccountRelationshipTypeInput,
    ) -> Result<AccountRelationshipTypePayload> {
        let id = ids::decode(&input.id, &[Kind::AccountRelationshipType], "id")?;
        let patch = TypePatch {
            name: input.name,
            forward_label: input.forward_label,
            reverse_label: input.reverse_label,
            active: input.is_active,
            grants_partner_access: input.grants_partner_case_access,
            policy: input.partner_access_policy.map(PartnerAccessPolicy::domain),
        };
        let (model, changes) = types::update(domain(ctx), id, patch, input.dry_run).await?;
        Ok(AccountRelationshipTypePayload {
            account_relationship_type: AccountRelationshipType(model),
            dry_run: input.dry_run,
            access_changes: access_changes(changes),
        })
    }

    /// Deletes a type and all its records in one transaction (admin); `dryRun` only reports.
    async fn delete_account_relationship_type(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
        #[graphql(default, desc = "Only report what would change; nothing is written.")]
        dry_run: bool,
    ) -> Result<CascadeDeletePayload> {
        let uuid = ids::decode(&id, &[Kind::AccountRelationshipType], "id")?;
        let (_, removal, changes) = types::delete(domain(ctx), uuid, dry_run).await?;
        Ok(CascadeDeletePayload::new(
            Kind::AccountRelationshipType,
            uuid,
            dry_run,
            removal,
            changes,
        ))
    }
}
