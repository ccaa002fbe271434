//! Consumers: individual (B2C) customers.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::consumer;

use super::{
    NameOrder,
    connection::{Connection, RelayArgs, cost, wants},
    deletions::CascadeDeletePayload,
    domain,
    households::{Household, HouseholdMembership},
    ids::{self, Kind},
    loaders::{HouseholdId, MembershipParams, edge_page},
    state,
    timestamps::Timestamps,
};
use crate::domain::{
    consumers::{self as service, ConsumerInput},
    households::MembershipSide,
};
use crate::graphql::loaders::load_node;

/// An individual customer.
pub struct Consumer(pub consumer::Model);

/// An individual customer.
#[Object]
impl Consumer {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Consumer, self.0.id)
    }
    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Email address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// The identity-provider subject (`sub` claim) this consumer signs in as.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// The household the consumer names as primary.
    async fn primary_household(&self, ctx: &Context<'_>) -> Result<Option<Household>> {
        let Some(id) = self.0.primary_household_id else {
            return Ok(None);
        };
        let current = super::loaders::CurrentMember(id, self.0.id);
        if state(ctx).loaders.load_one(current).await? != Some(true) {
            return Ok(None);
        }
        load_node(ctx, HouseholdId(id), Household).await
    }
    /// Households the consumer belongs to (current memberships only unless `currentOnly: false`).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn households(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = true,
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
    ) -> Result<Connection<Household>> {
        let params = MembershipParams {
            side: MembershipSide::Consumer,
            current_only,
            args: RelayArgs::new(first, after, last, before).validate(ctx)?,
        };
        let page = edge_page(ctx, self.0.id, params).await?;
        let ids: Vec<HouseholdId> = page
            .items
            .iter()
            .map(|(_, m)| HouseholdId(m.household_id))
            .collect();
        let mut found = state(ctx).loaders.load_many(ids).await?;
        let page = page.map(|m| found.remove(&HouseholdId(m.household_id)));
        Ok(Connection::from_page(filter_visible(page), Household))
    }
    /// The consumer's membership records, past and present.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn memberships(
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
    ) -> Result<Connection<HouseholdMembership>> {
        let params = MembershipParams {
            side: MembershipSide::Consumer,
            current_only: false,
            args: RelayArgs::new(first, after, last, before).validate(ctx)?,
        };
        Ok(Connection::from_page(
            edge_page(ctx, self.0.id, params).await?,
            HouseholdMembership,
        ))
    }
    /// Internal users on this consumer's team (Consumer Team Members).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn team(
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
    ) -> Result<Connection<super::team_members::TeamMember>> {
        let page = RelayArgs::new(first, after, last, before);
        super::team_members::team_edge(
            ctx,
            super::loaders::TeamSide::Target(crate::domain::teams::TargetKind::Consumer),
            self.0.id,
            current_only,
            page,
        )
        .await
    }
    /// Relationships with other consumers, both directions, labelled from this consumer's side.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn relationships(
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
    ) -> Result<Connection<super::consumer_relationships::ConsumerRelationshipSide>> {
        super::consumer_relationships::sides_of(
            ctx,
            self.0.id,
            current_only,
            RelayArgs::new(first, after, last, before),
        )
        .await
    }
    /// Cases here the viewer may read, filtered and sorted like `viewer.cases`.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every given condition.")] filter: Option<
            super::cases::CaseFilter,
        >,
        #[graphql(desc = "Sort order; absent: the list's default order.")] order_by: Option<
            super::cases::CaseOrderBy,
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
    ) -> Result<Connection<super::cases::Case>> {
        let page = RelayArgs::new(first, after, last, before);
        super::cases::cases_of(
            ctx,
            crate::domain::cases::CaseParent::Consumer,
            self.0.id,
            filter,
            order_by,
            page,
        )
        .await
    }
    #[graphql(flatten)]
    async fn timestamps(&self) -> Timestamps {
        Timestamps::new(self.0.created_at, self.0.updated_at)
    }
}

/// Drops rows the viewer may not see from a page built by a second lookup.
pub fn filter_visible<T>(page: crate::pagination::Page<Option<T>>) -> crate::pagination::Page<T> {
    crate::pagination::Page {
        items: page
            .items
            .into_iter()
            .filter_map(|(cursor, row)| row.map(|row| (cursor, row)))
            .collect(),
        has_next: page.has_next,
        has_previous: page.has_previous,
        total: page.total,
    }
}

/// Filters of a name-searchable list.
#[derive(InputObject, Default)]
pub struct NameFilter {
    /// Name contains this text.
    pub name_contains: Option<String>,
}

/// Consumer queries.
#[derive(Default)]
pub struct ConsumersQuery;

/// Consumer queries.
#[Object]
impl ConsumersQuery {
    /// Consumers the viewer may see.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn consumers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every given condition.")] filter: Option<NameFilter>,
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
    ) -> Result<Connection<Consumer>> {
        let name = filter.and_then(|f| f.name_contains);
        let (by_name, descending) = NameOrder::domain(order_by);
        let args = RelayArgs::new(first, after, last, before).validate(ctx)?;
        let page = service::list(
            domain(ctx),
            name.as_deref(),
            service::sort(by_name, descending),
            &args,
            wants(ctx),
        )
        .await?;
        Ok(Connection::from_page(page, Consumer))
    }
}

/// Input of `createConsumer`.
#[derive(InputObject)]
pub struct CreateConsumerInput {
    /// Display name (not blank).
    pub name: String,
    /// Email address.
    pub email: Option<String>,
    /// Identity-provider subject the consumer signs in as (unique across all people).
    pub subject: Option<String>,
}

/// Input of `updateConsumer`; absent fields stay, empty text clears.
#[derive(InputObject)]
pub struct UpdateConsumerInput {
    /// Global ID of the record to change.
    pub id: ID,
    /// New display name; absent: unchanged.
    pub name: Option<String>,
    /// Email address; absent: unchanged.
    pub email: Option<String>,
    /// Sign-in subject (the token's `sub` claim) of this person; absent: unchanged.
    pub subject: Option<String>,
}

/// Input of `setPrimaryHousehold`.
#[derive(InputObject)]
pub struct SetPrimaryHouseholdInput {
    /// Global ID of the consumer; the household must be one of its current ones.
    pub consumer_id: ID,
    /// One of the consumer's current households; absent clears the primary household.
    pub household_id: Option<ID>,
}

/// Result of a consumer mutation.
#[derive(SimpleObject)]
pub struct ConsumerPayload {
    /// The consumer after the change.
    pub consumer: Consumer,
}

/// Consumer mutations (admin or manager).
#[derive(Default)]
pub struct ConsumersMutation;

/// Consumer mutations (admin or manager).
#[Object]
impl ConsumersMutation {
    /// Creates a consumer.
    async fn create_consumer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: CreateConsumerInput,
    ) -> Result<ConsumerPayload> {
        let input = ConsumerInput {
            name: Some(input.name),
            email: input.email,
            subject: input.subject,
        };
        Ok(ConsumerPayload {
            consumer: Consumer(service::create(domain(ctx), input).await?),
        })
    }

    /// Changes a consumer.
    async fn update_consumer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: UpdateConsumerInput,
    ) -> Result<ConsumerPayload> {
        let id = ids::decode(&input.id, &[Kind::Consumer], "id")?;
        let patch = ConsumerInput {
            name: input.name,
            email: input.email,
            subject: input.subject,
        };
        Ok(ConsumerPayload {
            consumer: Consumer(service::update(domain(ctx), id, patch).await?),
        })
    }

    /// Names the consumer's primary household.
    async fn set_primary_household(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: SetPrimaryHouseholdInput,
    ) -> Result<ConsumerPayload> {
        let id = ids::decode(&input.consumer_id, &[Kind::Consumer], "consumerId")?;
        let household = input
            .household_id
            .as_ref()
            .map(|h| ids::decode(h, &[Kind::Household], "householdId"))
            .transpose()?;
        Ok(ConsumerPayload {
            consumer: Consumer(service::set_primary_household(domain(ctx), id, household).await?),
        })
    }

    /// Deletes a consumer with every membership, relationship and team membership it is part of; `dryRun` only reports.
    async fn delete_consumer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
        #[graphql(default, desc = "Only report what would change; nothing is written.")]
        dry_run: bool,
    ) -> Result<CascadeDeletePayload> {
        let uuid = ids::decode(&id, &[Kind::Consumer], "id")?;
        let (_, removal, changes) = service::delete(domain(ctx), uuid, dry_run).await?;
        Ok(CascadeDeletePayload::new(
            Kind::Consumer,
            uuid,
            dry_run,
            removal,
            changes,
        ))
    }
}
