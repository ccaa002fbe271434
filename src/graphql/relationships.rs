//! Account relationships: types (admin), records (managers), and each account's two-sided view.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    account_relationship as record, account_relationship_side as side,
    account_relationship_type as rel_type,
};
use uuid::Uuid;

use super::{
    accounts::{Account, Organization, Partner},
    connection::{Connection, cost, page_args, wants},
    consumers::filter_visible,
    domain,
    ids::{self, Kind},
    loaders::{AccountId, EdgeKey, RelationshipTypeId, SidesParams, TypeRecordsParams},
    state,
};
use crate::domain::{
    account_relationships::{self as records, Direction, NewRelationship, SideFilter},
    relationship_types::{self as types, AccountKind as Kind_, NewType, PartnerPolicy, TypePatch},
    validity::{Removal, Validity},
};
use crate::pagination::Page;

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

/// Which side of a relationship an account is on.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelationshipDirection {
    /// The account is the source (Account From) and reads the forward label.
    Forward,
    /// The account is the target (Account To) and reads the reverse label.
    Reverse,
}

impl RelationshipDirection {
    fn domain(self) -> Direction {
        match self {
            RelationshipDirection::Forward => Direction::Forward,
            RelationshipDirection::Reverse => Direction::Reverse,
        }
    }
}

/// A kind of link between accounts with its labels as seen from each side.
pub struct AccountRelationshipType(pub rel_type::Model);

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
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<AccountRelationship>> {
        let params = TypeRecordsParams {
            args: page_args(ctx, first, after, last, before)?,
        };
        let page = state(ctx)
            .loaders
            .load_one(EdgeKey {
                parent: self.0.id,
                params,
            })
            .await?
            .unwrap_or_else(Page::empty);
        Ok(Connection::from_page(page, AccountRelationship))
    }
    /// When the type was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

async fn load_type(ctx: &Context<'_>, id: Uuid) -> Result<Option<AccountRelationshipType>> {
    Ok(state(ctx)
        .loaders
        .load_one(RelationshipTypeId(id))
        .await?
        .map(AccountRelationshipType))
}

async fn load_org(ctx: &Context<'_>, id: Uuid) -> Result<Option<Organization>> {
    Ok(state(ctx)
        .loaders
        .load_one(AccountId(id))
        .await?
        .map(Organization::from_model))
}

/// One relationship between two accounts, stored once.
pub struct AccountRelationship(pub record::Model);

#[Object]
impl AccountRelationship {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AccountRelationship, self.0.id)
    }
    /// The relationship type.
    async fn r#type(&self, ctx: &Context<'_>) -> Result<Option<AccountRelationshipType>> {
        load_type(ctx, self.0.type_id).await
    }
    /// The source account (Account From).
    async fn account_from(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        load_org(ctx, self.0.from_id).await
    }
    /// The target account (Account To).
    async fn account_to(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        load_org(ctx, self.0.to_id).await
    }
    /// Optional display order.
    async fn order(&self) -> Option<i32> {
        self.0.sort_order
    }
    /// First day in force; absent means "since always".
    async fn valid_from(&self) -> Option<NaiveDate> {
        self.0.valid_from
    }
    /// Last day in force; absent means "open-ended".
    async fn valid_to(&self) -> Option<NaiveDate> {
        self.0.valid_to
    }
    /// Whether the relationship is in force today.
    async fn is_current(&self, ctx: &Context<'_>) -> bool {
        validity(&self.0).covers(domain(ctx).clock.today())
    }
    /// When the relationship was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

fn validity(model: &record::Model) -> Validity {
    Validity {
        sort_order: model.sort_order,
        valid_from: model.valid_from,
        valid_to: model.valid_to,
    }
}

/// A relationship as one of its accounts sees it: the label for that side and the other account.
pub struct AccountRelationshipSide(pub side::Model);

impl AccountRelationshipSide {
    fn side(&self) -> Direction {
        Direction::parse(&self.0.direction)
    }
}

#[Object]
impl AccountRelationshipSide {
    /// The stored relationship.
    async fn relationship(&self) -> AccountRelationship {
        let (from_id, to_id) = match self.side() {
            Direction::Forward => (self.0.account_id, self.0.other_account_id),
            Direction::Reverse => (self.0.other_account_id, self.0.account_id),
        };
        AccountRelationship(record::Model {
            id: self.0.relationship_id,
            type_id: self.0.type_id,
            from_id,
            to_id,
            sort_order: self.0.sort_order,
            valid_from: self.0.valid_from,
            valid_to: self.0.valid_to,
            created_at: self.0.created_at,
            updated_at: self.0.created_at,
        })
    }
    /// FORWARD when this account is the source, REVERSE when it is the target.
    async fn direction(&self) -> RelationshipDirection {
        match self.side() {
            Direction::Forward => RelationshipDirection::Forward,
            Direction::Reverse => RelationshipDirection::Reverse,
        }
    }
    /// The label this account reads: the type's forward label on the source, reverse on the target.
    async fn label(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let kind = state(ctx)
            .loaders
            .load_one(RelationshipTypeId(self.0.type_id))
            .await?;
        Ok(kind.map(|t| match self.side() {
            Direction::Forward => t.forward_label,
            Direction::Reverse => t.reverse_label,
        }))
    }
    /// The account on the other end.
    async fn other_account(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        load_org(ctx, self.0.other_account_id).await
    }
    /// The relationship type.
    async fn r#type(&self, ctx: &Context<'_>) -> Result<Option<AccountRelationshipType>> {
        load_type(ctx, self.0.type_id).await
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
    /// Whether the relationship is in force today.
    async fn is_current(&self, ctx: &Context<'_>) -> bool {
        let v = Validity {
            sort_order: None,
            valid_from: self.0.valid_from,
            valid_to: self.0.valid_to,
        };
        v.covers(domain(ctx).clock.today())
    }
}

/// Filters of an account's relationship list.
#[derive(InputObject, Default)]
pub struct AccountRelationshipFilter {
    /// Only relationships of this type.
    pub type_id: Option<ID>,
    /// Only relationships where the account is on this side.
    pub direction: Option<RelationshipDirection>,
    /// Only relationships in force today.
    #[graphql(default)]
    pub current_only: bool,
}

/// The page of an account's relationship sides, through the dataloader.
pub async fn sides(
    ctx: &Context<'_>,
    account: Uuid,
    filter: SideFilter,
    page: (Option<i32>, Option<String>, Option<i32>, Option<String>),
) -> Result<Page<side::Model>> {
    let params = SidesParams {
        filter,
        args: page_args(ctx, page.0, page.1, page.2, page.3)?,
    };
    Ok(state(ctx)
        .loaders
        .load_one(EdgeKey {
            parent: account,
            params,
        })
        .await?
        .unwrap_or_else(Page::empty))
}

/// An account's relationships as a connection.
pub async fn relationships_of(
    ctx: &Context<'_>,
    account: Uuid,
    filter: Option<AccountRelationshipFilter>,
    page: (Option<i32>, Option<String>, Option<i32>, Option<String>),
) -> Result<Connection<AccountRelationshipSide>> {
    let filter = filter.unwrap_or_default();
    let filter = SideFilter {
        type_id: filter
            .type_id
            .as_ref()
            .map(|id| ids::decode(id, &[Kind::AccountRelationshipType], "typeId"))
            .transpose()?,
        direction: filter.direction.map(RelationshipDirection::domain),
        current_only: filter.current_only,
        partner_types_only: false,
    };
    Ok(Connection::from_page(
        sides(ctx, account, filter, page).await?,
        AccountRelationshipSide,
    ))
}

/// The other accounts of an account's PARTNER-to-ACCOUNT relationships, seen from `direction`.
pub async fn partner_links<N>(
    ctx: &Context<'_>,
    account: Uuid,
    direction: Direction,
    current_only: bool,
    page: (Option<i32>, Option<String>, Option<i32>, Option<String>),
    face: impl Fn(entity::account::Model) -> Option<N>,
) -> Result<Connection<N>> {
    let filter = SideFilter {
        type_id: None,
        direction: Some(direction),
        current_only,
        partner_types_only: true,
    };
    let page = sides(ctx, account, filter, page).await?;
    let keys: Vec<AccountId> = page
        .items
        .iter()
        .map(|(_, s)| AccountId(s.other_account_id))
        .collect();
    let found = state(ctx).loaders.load_many(keys).await?;
    let page = page.map(|s| {
        found
            .get(&AccountId(s.other_account_id))
            .cloned()
            .and_then(&face)
    });
    Ok(Connection::from_page(filter_visible(page), |n| n))
}

/// Account relationship queries.
#[derive(Default)]
pub struct RelationshipsQuery;

#[Object]
impl RelationshipsQuery {
    /// Account relationship types, by name.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn account_relationship_types(
        &self,
        ctx: &Context<'_>,
        active: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<AccountRelationshipType>> {
        let args = page_args(ctx, first, after, last, before)?;
        let page = types::list(domain(ctx), active, &args, wants(ctx)).await?;
        Ok(Connection::from_page(page, AccountRelationshipType))
    }
}

/// Input of `createAccountRelationshipType`.
#[derive(InputObject)]
pub struct CreateAccountRelationshipTypeInput {
    pub name: String,
    /// What Account From must be; fixed after creation.
    pub source_kind: AccountKind,
    /// What Account To must be; fixed after creation.
    pub target_kind: AccountKind,
    pub forward_label: String,
    pub reverse_label: String,
    #[graphql(default = true)]
    pub is_active: bool,
    #[graphql(default)]
    pub grants_partner_case_access: bool,
    #[graphql(default)]
    pub partner_access_policy: PartnerAccessPolicy,
}

/// Input of `updateAccountRelationshipType`; kinds cannot change.
#[derive(InputObject)]
pub struct UpdateAccountRelationshipTypeInput {
    pub id: ID,
    pub name: Option<String>,
    pub forward_label: Option<String>,
    pub reverse_label: Option<String>,
    pub is_active: Option<bool>,
    pub grants_partner_case_access: Option<bool>,
    pub partner_access_policy: Option<PartnerAccessPolicy>,
}

/// Input of `createAccountRelationship`.
#[derive(InputObject)]
pub struct CreateAccountRelationshipInput {
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
    pub type_id: ID,
    /// The source account (Account From).
    pub from_id: ID,
    /// The target account (Account To).
    pub to_id: ID,
    pub order: Option<i32>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// Input of `updateAccountRelationship`: the new order and validity (absent clears).
#[derive(InputObject)]
pub struct UpdateAccountRelationshipInput {
    pub id: ID,
    pub order: Option<i32>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// Result of a relationship type mutation.
#[derive(SimpleObject)]
pub struct AccountRelationshipTypePayload {
    /// The type after the change.
    pub account_relationship_type: AccountRelationshipType,
}

/// Result of a relationship mutation.
#[derive(SimpleObject)]
pub struct AccountRelationshipPayload {
    /// The relationship after the change.
    pub account_relationship: AccountRelationship,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Principals whose readable cases change (reported on create), with how many they gain or lose.
    pub access_changes: Vec<super::access_changes::AccessChange>,
}

/// Records of one kind removed (or, on a dry run, to be removed) by a cascade.
#[derive(SimpleObject)]
pub struct RemovedRecords {
    /// GraphQL type name of the records.
    pub kind: String,
    /// How many.
    pub count: i32,
    /// Their global IDs.
    pub ids: Vec<ID>,
}

/// The GraphQL form of a cascade report.
pub fn removed_records(removal: Removal) -> Vec<RemovedRecords> {
    removal
        .kinds
        .into_iter()
        .map(|(name, rows)| RemovedRecords {
            kind: name.to_owned(),
            count: rows.len() as i32,
            ids: rows
                .into_iter()
                .map(|row| {
                    Kind::from_name(name)
                        .map(|k| ids::encode(k, row))
                        .unwrap_or_else(|| ID(row.to_string()))
                })
                .collect(),
        })
        .collect()
}

/// Result of a delete that cascades: what went, or with `dryRun` what would go.
#[derive(SimpleObject)]
pub struct CascadeDeletePayload {
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Global ID of the deleted record (null on a dry run).
    pub deleted_id: Option<ID>,
    /// Records removed along with it, by kind.
    pub removed: Vec<RemovedRecords>,
}

impl CascadeDeletePayload {
    /// Builds the payload of a cascade.
    pub fn new(kind: Kind, id: Uuid, dry_run: bool, removal: Removal) -> Self {
        Self {
            dry_run,
            deleted_id: (!dry_run).then(|| ids::encode(kind, id)),
            removed: removed_records(removal),
        }
    }
}

/// Account relationship mutations: types by admins, records by managers and admins.
#[derive(Default)]
pub struct RelationshipsMutation;

#[Object]
impl RelationshipsMutation {
    /// Defines a relationship type (admin).
    async fn create_account_relationship_type(
        &self,
        ctx: &Context<'_>,
        input: CreateAccountRelationshipTypeInput,
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
        })
    }

    /// Renames, relabels or (de)activates a type (admin); every record shows new labels at once.
    async fn update_account_relationship_type(
        &self,
        ctx: &Context<'_>,
        input: UpdateAccountRelationshipTypeInput,
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
        let model = types::update(domain(ctx), id, patch).await?;
        Ok(AccountRelationshipTypePayload {
            account_relationship_type: AccountRelationshipType(model),
        })
    }

    /// Deletes a type and all its records in one transaction (admin); `dryRun` only reports.
    async fn delete_account_relationship_type(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] dry_run: bool,
    ) -> Result<CascadeDeletePayload> {
        let uuid = ids::decode(&id, &[Kind::AccountRelationshipType], "id")?;
        let (_, removal) = types::delete(domain(ctx), uuid, dry_run).await?;
        Ok(CascadeDeletePayload::new(
            Kind::AccountRelationshipType,
            uuid,
            dry_run,
            removal,
        ))
    }

    /// Relates two accounts (manager or admin).
    async fn create_account_relationship(
        &self,
        ctx: &Context<'_>,
        input: CreateAccountRelationshipInput,
    ) -> Result<AccountRelationshipPayload> {
        let dry_run = input.dry_run;
        let new = NewRelationship {
            type_id: ids::decode(&input.type_id, &[Kind::AccountRelationshipType], "typeId")?,
            from_id: ids::decode(&input.from_id, ids::ORGANIZATION, "fromId")?,
            to_id: ids::decode(&input.to_id, ids::ORGANIZATION, "toId")?,
            validity: Validity {
                sort_order: input.order,
                valid_from: input.valid_from,
                valid_to: input.valid_to,
            },
        };
        let (model, changes) = records::create(domain(ctx), new, dry_run).await?;
        Ok(AccountRelationshipPayload {
            account_relationship: AccountRelationship(model),
            dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }

    /// Sets a relationship's order and validity dates (manager or admin).
    async fn update_account_relationship(
        &self,
        ctx: &Context<'_>,
        input: UpdateAccountRelationshipInput,
    ) -> Result<AccountRelationshipPayload> {
        let id = ids::decode(&input.id, &[Kind::AccountRelationship], "id")?;
        let validity = Validity {
            sort_order: input.order,
            valid_from: input.valid_from,
            valid_to: input.valid_to,
        };
        Ok(AccountRelationshipPayload {
            account_relationship: AccountRelationship(
                records::update(domain(ctx), id, validity).await?,
            ),
            dry_run: false,
            access_changes: Vec::new(),
        })
    }

    /// Deletes a relationship from both accounts at once (manager or admin); cases are untouched.
    async fn delete_account_relationship(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] dry_run: bool,
    ) -> Result<super::access_changes::AccessDeletePayload> {
        let uuid = ids::decode(&id, &[Kind::AccountRelationship], "id")?;
        let (_, changes) = records::delete(domain(ctx), uuid, dry_run).await?;
        Ok(super::access_changes::AccessDeletePayload {
            deleted_id: (!dry_run).then(|| ids::encode(Kind::AccountRelationship, uuid)),
            dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }
}

/// Helpers for the partner shortcut fields on organisations.
pub fn as_account(model: entity::account::Model) -> Option<Account> {
    Account::new(model)
}

/// The partner face of an account, when it has one.
pub fn as_partner(model: entity::account::Model) -> Option<Partner> {
    Partner::new(model)
}
