//! Account relationships (managers): records stored once, and each account's two-sided view of them.

use crate::graphql::scalars::Date;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::account_relationship as record;
use uuid::Uuid;

use super::{
    access_changes::{AccessChange, AccessDeletePayload, access_changes},
    accounts::Organization,
    connection::{Connection, RelayArgs},
    consumers::filter_visible,
    domain,
    ids::{self, Kind},
    loaders::{AccountId, RelationshipTypeId, SidesParams, edge_page},
    relationship_types::AccountRelationshipType,
    validity::{InForce, Period, RelationshipFields},
};
use crate::domain::{
    account_relationships::{self as records, Direction, NewRelationship, SideFilter},
    side_rows::SideRow,
    validity::Validity,
};
use crate::graphql::loaders::load_node;
use crate::pagination::Page;

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

async fn load_type(ctx: &Context<'_>, id: Uuid) -> Result<Option<AccountRelationshipType>> {
    load_node(ctx, RelationshipTypeId(id), AccountRelationshipType).await
}

async fn load_org(ctx: &Context<'_>, id: Uuid) -> Result<Option<Organization>> {
    load_node(ctx, AccountId(id), Organization::from_model).await
}

/// One relationship between two accounts, stored once.
pub struct AccountRelationship(pub record::Model);

/// One relationship between two accounts, stored once.
#[Object]
impl AccountRelationship {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AccountRelationship, self.0.id)
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
    #[graphql(flatten)]
    async fn dated(&self) -> RelationshipFields {
        RelationshipFields::of(self, self.0.sort_order, self.0.created_at)
    }
}

impl InForce for AccountRelationship {
    fn period(&self) -> Period {
        Period::new(self.0.valid_from, self.0.valid_to)
    }
}

/// A relationship as one of its accounts sees it: the label for that side and the other account.
pub struct AccountRelationshipSide(pub SideRow);

impl AccountRelationshipSide {
    fn side(&self) -> Direction {
        Direction::parse(&self.0.side.direction)
    }
}

/// A relationship as one of its accounts sees it: the label for that side and the other account.
#[Object]
impl AccountRelationshipSide {
    /// The stored relationship.
    async fn relationship(&self) -> AccountRelationship {
        let (from_id, to_id) = match self.side() {
            Direction::Forward => (self.0.side.account_id, self.0.side.other_account_id),
            Direction::Reverse => (self.0.side.other_account_id, self.0.side.account_id),
        };
        AccountRelationship(record::Model {
            id: self.0.side.relationship_id,
            type_id: self.0.side.type_id,
            from_id,
            to_id,
            sort_order: self.0.side.sort_order,
            valid_from: self.0.side.valid_from,
            valid_to: self.0.side.valid_to,
            created_at: self.0.side.created_at,
            updated_at: self.0.side.created_at,
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
    async fn label(&self) -> Option<&str> {
        self.0.label.as_deref()
    }
    /// The account on the other end.
    async fn other_account(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        match &self.0.other {
            Some(other) => Ok(other.clone().map(Organization::from_model)),
            None => load_org(ctx, self.0.side.other_account_id).await,
        }
    }
    /// The relationship type.
    async fn r#type(&self, ctx: &Context<'_>) -> Result<Option<AccountRelationshipType>> {
        load_type(ctx, self.0.side.type_id).await
    }
    #[graphql(flatten)]
    async fn dated(&self) -> RelationshipFields {
        RelationshipFields::of(self, self.0.side.sort_order, self.0.side.created_at)
    }
}

impl InForce for AccountRelationshipSide {
    fn period(&self) -> Period {
        Period::new(self.0.side.valid_from, self.0.side.valid_to)
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
    page: RelayArgs,
    with_other: bool,
) -> Result<Page<SideRow>> {
    let params = SidesParams {
        filter,
        args: page.validate(ctx)?,
        with_other,
    };
    edge_page(ctx, account, params).await
}

/// An account's relationships as a connection.
pub async fn relationships_of(
    ctx: &Context<'_>,
    account: Uuid,
    filter: Option<AccountRelationshipFilter>,
    page: RelayArgs,
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
    let look = ctx.look_ahead();
    let with_other = look.field("nodes").field("otherAccount").exists()
        || look
            .field("edges")
            .field("node")
            .field("otherAccount")
            .exists();
    Ok(Connection::from_page(
        sides(ctx, account, filter, page, with_other).await?,
        AccountRelationshipSide,
    ))
}

/// The other accounts of an account's PARTNER-to-ACCOUNT relationships, seen from `direction`.
pub async fn partner_links<N>(
    ctx: &Context<'_>,
    account: Uuid,
    direction: Direction,
    current_only: bool,
    page: RelayArgs,
    face: impl Fn(entity::account::Model) -> Option<N>,
) -> Result<Connection<N>> {
    let filter = SideFilter {
        type_id: None,
        direction: Some(direction),
        current_only,
        partner_types_only: true,
    };
    let page = sides(ctx, account, filter, page, true).await?;
    let page = page.map(|s| s.other.flatten().and_then(&face));
    Ok(Connection::from_page(filter_visible(page), |n| n))
}

/// Input of `createAccountRelationship`.
#[derive(InputObject)]
pub struct CreateAccountRelationshipInput {
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
    /// Global ID of the account relationship type.
    pub type_id: ID,
    /// The source account (Account From).
    pub from_id: ID,
    /// The target account (Account To).
    pub to_id: ID,
    /// Position among the record's siblings, for display (lower first).
    pub order: Option<i32>,
    /// First day in force (`YYYY-MM-DD`); absent: since always.
    pub valid_from: Option<Date>,
    /// Last day in force (`YYYY-MM-DD`); absent: open-ended.
    pub valid_to: Option<Date>,
}

/// Input of `updateAccountRelationship`: the new order and validity (absent clears).
#[derive(InputObject)]
pub struct UpdateAccountRelationshipInput {
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
    /// Global ID of the record to change.
    pub id: ID,
    /// Position among the record's siblings, for display (lower first); absent: unchanged.
    pub order: Option<i32>,
    /// First day in force (`YYYY-MM-DD`); absent: since always; absent: unchanged.
    pub valid_from: Option<Date>,
    /// Last day in force (`YYYY-MM-DD`); absent: open-ended; absent: unchanged.
    pub valid_to: Option<Date>,
}

/// Result of a relationship mutation.
#[derive(SimpleObject)]
pub struct AccountRelationshipPayload {
    /// The relationship after the change.
    pub account_relationship: AccountRelationship,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Principals whose readable cases change with how many they gain or lose.
    pub access_changes: Vec<AccessChange>,
}

/// Account relationship mutations (managers and admins).
#[derive(Default)]
pub struct AccountRelationshipsMutation;

/// Account relationship mutations (managers and admins).
#[Object]
impl AccountRelationshipsMutation {
    /// Relates two accounts (manager or admin).
    async fn create_account_relationship(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: CreateAccountRelationshipInput,
    ) -> Result<AccountRelationshipPayload> {
        let dry_run = input.dry_run;
        let new = NewRelationship {
            type_id: ids::decode(&input.type_id, &[Kind::AccountRelationshipType], "typeId")?,
            from_id: ids::decode(&input.from_id, ids::ORGANIZATION, "fromId")?,
            to_id: ids::decode(&input.to_id, ids::ORGANIZATION, "toId")?,
            validity: Validity {
                sort_order: input.order,
                valid_from: input.valid_from.map(Into::into),
                valid_to: input.valid_to.map(Into::into),
            },
        };
        let (model, changes) = records::create(domain(ctx), new, dry_run).await?;
        Ok(AccountRelationshipPayload {
            account_relationship: AccountRelationship(model),
            dry_run,
            access_changes: access_changes(changes),
        })
    }

    /// Sets a relationship's order and validity dates (manager or admin).
    async fn update_account_relationship(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: UpdateAccountRelationshipInput,
    ) -> Result<AccountRelationshipPayload> {
        let id = ids::decode(&input.id, &[Kind::AccountRelationship], "id")?;
        let validity = Validity {
            sort_order: input.order,
            valid_from: input.valid_from.map(Into::into),
            valid_to: input.valid_to.map(Into::into),
        };
        let (model, changes) = records::update(domain(ctx), id, validity, input.dry_run).await?;
        Ok(AccountRelationshipPayload {
            account_relationship: AccountRelationship(model),
            dry_run: input.dry_run,
            access_changes: access_changes(changes),
        })
    }

    /// Deletes a relationship from both accounts at once (manager or admin); cases are untouched.
    async fn delete_account_relationship(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
        #[graphql(default, desc = "Only report what would change; nothing is written.")]
        dry_run: bool,
    ) -> Result<AccessDeletePayload> {
        let uuid = ids::decode(&id, &[Kind::AccountRelationship], "id")?;
        let (_, changes) = records::delete(domain(ctx), uuid, dry_run).await?;
        Ok(AccessDeletePayload {
            deleted_id: (!dry_run).then(|| ids::encode(Kind::AccountRelationship, uuid)),
            dry_run,
            access_changes: access_changes(changes),
        })
    }
}
