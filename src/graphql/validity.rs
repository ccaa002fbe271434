//! The `Validity` interface: the dates a relationship or membership is in force. Its fields, and
//! the display order and creation time every relationship shows, are written once here and
//! flattened into each type.

use async_graphql::{Context, Interface, Object, Result, SimpleObject};
use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    account_relationships::{AccountRelationship, AccountRelationshipSide},
    consumer_relationships::{ConsumerRelationship, ConsumerRelationshipSide},
    contact_relationships::ContactRelationship,
    domain,
    households::HouseholdMembership,
    loaders::CurrentMember,
    scalars::{Date, DateTime},
    state,
    team_members::TeamMember,
};
use crate::domain::validity::Validity as Dates;

/// A record in force between two optional dates (inclusive calendar days in UTC).
#[allow(clippy::duplicated_attributes)]
#[derive(Interface)]
#[graphql(
    field(
        name = "valid_from",
        ty = "Option<Date>",
        desc = "First day in force; absent means \"since always\"."
    ),
    field(
        name = "valid_to",
        ty = "Option<Date>",
        desc = "Last day in force; absent means \"open-ended\"."
    ),
    field(
        name = "is_current",
        ty = "bool",
        desc = "Whether it is in force today."
    )
)]
pub enum Validity {
    AccountRelationship(AccountRelationship),
    AccountRelationshipSide(AccountRelationshipSide),
    ContactRelationship(ContactRelationship),
    TeamMember(TeamMember),
    ConsumerRelationship(ConsumerRelationship),
    ConsumerRelationshipSide(ConsumerRelationshipSide),
    HouseholdMembership(HouseholdMembership),
}

/// A type that implements `Validity` by flattening its `Period`.
pub trait InForce {
    /// The record's period, as its flattened fields show it.
    fn period(&self) -> Period;
}

/// The interface's resolvers on every implementing type, through its `Period`.
trait PeriodResolvers: InForce {
    async fn valid_from(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        self.period().valid_from(ctx).await
    }
    async fn valid_to(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        self.period().valid_to(ctx).await
    }
    async fn is_current(&self, ctx: &Context<'_>) -> Result<bool> {
        self.period().is_current(ctx).await
    }
}

impl<T: InForce> PeriodResolvers for T {}

/// Validity dates, and for a household member relationship the household and the two consumers
/// who must both stay its current members.
#[derive(Clone, Copy, Debug)]
pub struct Period {
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    household: Option<(Uuid, [Uuid; 2])>,
}

impl Period {
    /// In force from `valid_from` to `valid_to`, both inclusive and optional.
    pub fn new(valid_from: Option<NaiveDate>, valid_to: Option<NaiveDate>) -> Self {
        Self {
            valid_from,
            valid_to,
            household: None,
        }
    }

    /// Also in force only while `consumers` are current members of `household`, when there is one.
    pub fn within_household(self, household: Option<Uuid>, consumers: [Uuid; 2]) -> Self {
        Self {
            household: household.map(|id| (id, consumers)),
            ..self
        }
    }
}

/// Validity dates, and for a household member relationship the household and the two consumers
/// who must both stay its current members.
#[Object]
impl Period {
    /// First day in force; absent means "since always".
    async fn valid_from(&self) -> Option<Date> {
        self.valid_from.map(Date)
    }
    /// Last day in force; absent means "open-ended".
    async fn valid_to(&self) -> Option<Date> {
        self.valid_to.map(Date)
    }
    /// Whether it is in force today; a household member relationship also needs both consumers to be current members.
    async fn is_current(&self, ctx: &Context<'_>) -> Result<bool> {
        let dated = Dates {
            sort_order: None,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
        }
        .covers(domain(ctx).clock.today());
        let Some((household, consumers)) = self.household.filter(|_| dated) else {
            return Ok(dated);
        };
        let keys = consumers.map(|consumer| CurrentMember(household, consumer));
        let found = state(ctx).loaders.load_many(keys).await?;
        Ok(keys
            .iter()
            .all(|key| found.get(key).copied().unwrap_or(false)))
    }
}

/// What every relationship record and side shows besides its ends: display order, period and
/// creation time.
#[derive(SimpleObject)]
pub struct RelationshipFields {
    /// Optional display order.
    pub order: Option<i32>,
    #[graphql(flatten)]
    pub period: Period,
    /// When it was created.
    pub created_at: DateTime,
}

impl RelationshipFields {
    /// The fields of `record`, with its display order and creation time.
    pub fn of(
        record: &impl InForce,
        order: Option<i32>,
        created_at: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        Self {
            order,
            period: record.period(),
            created_at: created_at.into(),
        }
    }
}
