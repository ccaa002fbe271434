//! Consumer relationships: consumer to consumer, and household member relationships.

use crate::graphql::scalars::Date;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::{consumer_relationship as link, consumer_relationship_side as side};
use uuid::Uuid;

use super::{
    account_relationships::RelationshipDirection,
    connection::{Connection, RelayArgs},
    consumers::Consumer,
    domain,
    households::Household,
    ids::{self, Kind},
    loaders::{ConsumerId, ConsumerSidesParams, HouseholdId, MemberLinksParams, ResponsibilityId},
    responsibility_definitions::ResponsibilityDefinition,
    state,
    validity::{InForce, Period, RelationshipFields},
};
use crate::domain::{
    consumer_relationships::{self as service, NewConsumerRelationship},
    validity::Validity,
};
use crate::graphql::loaders::load_node;

async fn consumer(ctx: &Context<'_>, id: Uuid) -> Result<Option<Consumer>> {
    load_node(ctx, ConsumerId(id), Consumer).await
}

async fn household(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<Household>> {
    let Some(id) = id else { return Ok(None) };
    load_node(ctx, HouseholdId(id), Household).await
}

async fn responsibility(ctx: &Context<'_>, id: Uuid) -> Result<Option<ResponsibilityDefinition>> {
    load_node(ctx, ResponsibilityId(id), ResponsibilityDefinition).await
}

/// A consumer acting for another consumer; a household member relationship when it names a household.
pub struct ConsumerRelationship(pub link::Model);

/// A consumer acting for another consumer; a household member relationship when it names a household.
#[Object]
impl ConsumerRelationship {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ConsumerRelationship, self.0.id)
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
    /// The representative, who carries the responsibility.
    async fn consumer(&self, ctx: &Context<'_>) -> Result<Option<Consumer>> {
        consumer(ctx, self.0.consumer_id).await
    }
    /// The consumer represented.
    async fn related_consumer(&self, ctx: &Context<'_>) -> Result<Option<Consumer>> {
        consumer(ctx, self.0.related_consumer_id).await
    }
    /// The household, for a household member relationship.
    async fn household(&self, ctx: &Context<'_>) -> Result<Option<Household>> {
        household(ctx, self.0.household_id).await
    }
    /// The responsibility carried (Authorized Representative by default).
    async fn responsibility(&self, ctx: &Context<'_>) -> Result<Option<ResponsibilityDefinition>> {
        responsibility(ctx, self.0.responsibility_id).await
    }
    #[graphql(flatten)]
    async fn dated(&self) -> RelationshipFields {
        RelationshipFields::of(self, self.0.sort_order, self.0.created_at)
    }
}

/// A consumer relationship as one of its consumers sees it.
pub struct ConsumerRelationshipSide(pub side::Model);

/// A consumer relationship as one of its consumers sees it.
#[Object]
impl ConsumerRelationshipSide {
    /// The stored relationship.
    async fn relationship(&self) -> ConsumerRelationship {
        let (consumer_id, related_consumer_id) = if self.0.direction == "REVERSE" {
            (self.0.other_consumer_id, self.0.consumer_id)
        } else {
            (self.0.consumer_id, self.0.other_consumer_id)
        };
        ConsumerRelationship(link::Model {
            id: self.0.relationship_id,
            consumer_id,
            related_consumer_id,
            household_id: self.0.household_id,
            responsibility_id: self.0.responsibility_id,
            sort_order: self.0.sort_order,
            valid_from: self.0.valid_from,
            valid_to: self.0.valid_to,
            created_at: self.0.created_at,
            updated_at: self.0.created_at,
        })
    }
    /// FORWARD when this consumer is the representative, REVERSE when it is represented.
    async fn direction(&self) -> RelationshipDirection {
        if self.0.direction == "REVERSE" {
            RelationshipDirection::Reverse
        } else {
            RelationshipDirection::Forward
        }
    }
    /// The relationship as this consumer reads it, e.g. "Authorized Representative of" or
    /// "Has Authorized Representative".
    async fn label(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let duty = state(ctx)
            .loaders
            .load_one(ResponsibilityId(self.0.responsibility_id))
            .await?;
        Ok(duty.map(|d| {
            if self.0.direction == "REVERSE" {
                format!("Has {}", d.name)
            } else {
                format!("{} of", d.name)
            }
        }))
    }
    /// The consumer on the other end.
    async fn other_consumer(&self, ctx: &Context<'_>) -> Result<Option<Consumer>> {
        consumer(ctx, self.0.other_consumer_id).await
    }
    /// The household, for a household member relationship.
    async fn household(&self, ctx: &Context<'_>) -> Result<Option<Household>> {
        household(ctx, self.0.household_id).await
    }
    /// The responsibility carried.
    async fn responsibility(&self, ctx: &Context<'_>) -> Result<Option<ResponsibilityDefinition>> {
        responsibility(ctx, self.0.responsibility_id).await
    }
    #[graphql(flatten)]
    async fn dated(&self) -> RelationshipFields {
        RelationshipFields::of(self, self.0.sort_order, self.0.created_at)
    }
}

impl InForce for ConsumerRelationship {
    fn period(&self) -> Period {
        Period::new(self.0.valid_from, self.0.valid_to).within_household(
            self.0.household_id,
            [self.0.consumer_id, self.0.related_consumer_id],
        )
    }
}

impl InForce for ConsumerRelationshipSide {
    fn period(&self) -> Period {
        Period::new(self.0.valid_from, self.0.valid_to).within_household(
            self.0.household_id,
            [self.0.consumer_id, self.0.other_consumer_id],
        )
    }
}

/// A consumer's relationships (both directions) as a connection.
pub async fn sides_of(
    ctx: &Context<'_>,
    consumer: Uuid,
    current_only: bool,
    page: RelayArgs,
) -> Result<Connection<ConsumerRelationshipSide>> {
    let params = ConsumerSidesParams {
        current_only,
        args: page.validate(ctx)?,
    };
    Connection::of_edge(ctx, consumer, params, ConsumerRelationshipSide).await
}

/// A household's member relationships as a connection.
pub async fn member_links_of(
    ctx: &Context<'_>,
    household: Uuid,
    current_only: bool,
    page: RelayArgs,
) -> Result<Connection<ConsumerRelationship>> {
    let params = MemberLinksParams {
        current_only,
        args: page.validate(ctx)?,
    };
    Connection::of_edge(ctx, household, params, ConsumerRelationship).await
}

/// Input of `createConsumerRelationship`.
#[derive(InputObject)]
pub struct CreateConsumerRelationshipInput {
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
    /// The representative.
    pub consumer_id: ID,
    /// The consumer represented.
    pub related_consumer_id: ID,
    /// For a household member relationship: both consumers must be current members.
    pub household_id: Option<ID>,
    /// Authorized Representative when absent.
    pub responsibility_id: Option<ID>,
    /// Position among the record's siblings, for display (lower first).
    pub order: Option<i32>,
    /// First day in force (`YYYY-MM-DD`); absent: since always.
    pub valid_from: Option<Date>,
    /// Last day in force (`YYYY-MM-DD`); absent: open-ended.
    pub valid_to: Option<Date>,
}

/// Input of `updateConsumerRelationship`: the new order and validity (absent clears).
#[derive(InputObject)]
pub struct UpdateConsumerRelationshipInput {
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

/// Result of a consumer relationship mutation.
#[derive(SimpleObject)]
pub struct ConsumerRelationshipPayload {
    /// The relationship after the change.
    pub consumer_relationship: ConsumerRelationship,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Principals whose readable cases change with how many they gain or lose.
    pub access_changes: Vec<super::access_changes::AccessChange>,
}

/// Consumer relationship mutations (manager or admin).
#[derive(Default)]
pub struct ConsumerRelationshipsMutation;

/// Consumer relationship mutations (manager or admin).
#[Object]
impl ConsumerRelationshipsMutation {
    /// Relates two consumers, optionally within a household.
    async fn create_consumer_relationship(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: CreateConsumerRelationshipInput,
    ) -> Result<ConsumerRelationshipPayload> {
        let dry_run = input.dry_run;
        let new = NewConsumerRelationship {
            consumer_id: ids::decode(&input.consumer_id, &[Kind::Consumer], "consumerId")?,
            related_consumer_id: ids::decode(
                &input.related_consumer_id,
                &[Kind::Consumer],
                "relatedConsumerId",
            )?,
            household_id: input
                .household_id
                .as_ref()
                .map(|id| ids::decode(id, &[Kind::Household], "householdId"))
                .transpose()?,
            responsibility_id: input
                .responsibility_id
                .as_ref()
                .map(|id| ids::decode(id, &[Kind::ResponsibilityDefinition], "responsibilityId"))
                .transpose()?,
            validity: Validity {
                sort_order: input.order,
                valid_from: input.valid_from.map(Into::into),
                valid_to: input.valid_to.map(Into::into),
            },
        };
        let (model, changes) = service::create(domain(ctx), new, dry_run).await?;
        Ok(ConsumerRelationshipPayload {
            consumer_relationship: ConsumerRelationship(model),
            dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }

    /// Sets a consumer relationship's order and validity dates.
    async fn update_consumer_relationship(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: UpdateConsumerRelationshipInput,
    ) -> Result<ConsumerRelationshipPayload> {
        let id = ids::decode(&input.id, &[Kind::ConsumerRelationship], "id")?;
        let validity = Validity {
            sort_order: input.order,
            valid_from: input.valid_from.map(Into::into),
            valid_to: input.valid_to.map(Into::into),
        };
        let (model, changes) = service::update(domain(ctx), id, validity, input.dry_run).await?;
        Ok(ConsumerRelationshipPayload {
            consumer_relationship: ConsumerRelationship(model),
            dry_run: input.dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }

    /// Removes a consumer relationship.
    async fn delete_consumer_relationship(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
        #[graphql(default, desc = "Only report what would change; nothing is written.")]
        dry_run: bool,
    ) -> Result<super::access_changes::AccessDeletePayload> {
        let uuid = ids::decode(&id, &[Kind::ConsumerRelationship], "id")?;
        let (_, changes) = service::delete(domain(ctx), uuid, dry_run).await?;
        Ok(super::access_changes::AccessDeletePayload {
            deleted_id: (!dry_run).then(|| ids::encode(Kind::ConsumerRelationship, uuid)),
            dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }
}
