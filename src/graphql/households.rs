//! Households and memberships: which consumers live together, since when and until when.

use crate::graphql::scalars::Date;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::{household, household_membership};

use super::{
    NameOrder,
    access_changes::{AccessChange, access_changes},
    connection::{Connection, RelayArgs, cost, wants},
    consumers::{Consumer, NameFilter, filter_visible},
    deletions::{
        CascadeDeletePayload, ClearedField, RemovedRecords, cleared_fields, removed_records,
    },
    domain,
    ids::{self, Kind},
    loaders::{ConsumerId, HouseholdId, MembershipParams, edge_page},
    state,
    timestamps::Timestamps,
    validity::{InForce, Period},
};
use crate::domain::households::{self as service, MembershipSide};
use crate::graphql::loaders::load_node;

/// A group of consumers, such as a family.
pub struct Household(pub household::Model);

/// A group of consumers, such as a family.
#[Object]
impl Household {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Household, self.0.id)
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The head of household, always a current member.
    async fn head(&self, ctx: &Context<'_>) -> Result<Option<Consumer>> {
        let Some(id) = self.0.head_id else {
            return Ok(None);
        };
        let current = super::loaders::CurrentMember(self.0.id, id);
        if state(ctx).loaders.load_one(current).await? != Some(true) {
            return Ok(None);
        }
        load_node(ctx, ConsumerId(id), Consumer).await
    }
    /// Member consumers: current members unless `currentOnly: false`.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn members(
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
    ) -> Result<Connection<Consumer>> {
        let params = MembershipParams {
            side: MembershipSide::Household,
            current_only,
            args: RelayArgs::new(first, after, last, before).validate(ctx)?,
        };
        let page = edge_page(ctx, self.0.id, params).await?;
        let ids: Vec<ConsumerId> = page
            .items
            .iter()
            .map(|(_, m)| ConsumerId(m.consumer_id))
            .collect();
        let found = state(ctx).loaders.load_many(ids).await?;
        let page = page.map(|m| found.get(&ConsumerId(m.consumer_id)).cloned());
        Ok(Connection::from_page(filter_visible(page), Consumer))
    }
    /// Membership records with their dates: current ones unless `currentOnly: false`.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = false,
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
    ) -> Result<Connection<HouseholdMembership>> {
        let params = MembershipParams {
            side: MembershipSide::Household,
            current_only,
            args: RelayArgs::new(first, after, last, before).validate(ctx)?,
        };
        Ok(Connection::from_page(
            edge_page(ctx, self.0.id, params).await?,
            HouseholdMembership,
        ))
    }
    /// Internal users on this household's team (Household Team Members).
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
            super::loaders::TeamSide::Target(crate::domain::teams::TargetKind::Household),
            self.0.id,
            current_only,
            page,
        )
        .await
    }
    /// Relationships between members of this household.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn member_relationships(
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
    ) -> Result<Connection<super::consumer_relationships::ConsumerRelationship>> {
        super::consumer_relationships::member_links_of(
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
            crate::domain::cases::CaseParent::Household,
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

/// One period of a consumer's membership in a household.
pub struct HouseholdMembership(pub household_membership::Model);

/// One period of a consumer's membership in a household.
#[Object]
impl HouseholdMembership {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::HouseholdMembership, self.0.id)
    }
    /// The membership's audit entries, newest first.
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
    /// The household.
    async fn household(&self, ctx: &Context<'_>) -> Result<Option<Household>> {
        load_node(ctx, HouseholdId(self.0.household_id), Household).await
    }
    /// The member.
    async fn consumer(&self, ctx: &Context<'_>) -> Result<Option<Consumer>> {
        load_node(ctx, ConsumerId(self.0.consumer_id), Consumer).await
    }
    /// First day of membership; absent means "since always".
    async fn start_date(&self) -> Option<Date> {
        self.0.start_date.map(Into::into)
    }
    /// Last day of membership; absent means "open-ended".
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Into::into)
    }
    #[graphql(flatten)]
    async fn validity(&self) -> Period {
        self.period()
    }
}

impl InForce for HouseholdMembership {
    fn period(&self) -> Period {
        Period::new(self.0.start_date, self.0.end_date)
    }
}

/// Household queries.
#[derive(Default)]
pub struct HouseholdsQuery;

/// Household queries.
#[Object]
impl HouseholdsQuery {
    /// Households the viewer may see.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn households(
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
    ) -> Result<Connection<Household>> {
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
        Ok(Connection::from_page(page, Household))
    }
}

/// Input of `createHousehold`.
#[derive(InputObject)]
pub struct CreateHouseholdInput {
    /// Display name (not blank).
    pub name: String,
    /// Head of household; added as a current member.
    pub head_id: Option<ID>,
}

/// Input of `updateHousehold`; absent fields stay.
#[derive(InputObject)]
pub struct UpdateHouseholdInput {
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
    /// Global ID of the record to change.
    pub id: ID,
    /// New display name; absent: unchanged.
    pub name: Option<String>,
    /// New head of household; added as a current member if not one already.
    pub head_id: Option<ID>,
    /// Remove the head of household.
    #[graphql(default)]
    pub clear_head: bool,
}

/// Input of `addHouseholdMember`.
#[derive(InputObject)]
pub struct AddHouseholdMemberInput {
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
    /// Global ID of the household to join.
    pub household_id: ID,
    /// Global ID of the consumer who joins.
    pub consumer_id: ID,
    /// First day of membership; absent means "since always".
    pub start_date: Option<Date>,
    /// Last day of membership; absent means "open-ended".
    pub end_date: Option<Date>,
}

/// Input of `endHouseholdMembership`.
#[derive(InputObject)]
pub struct EndHouseholdMembershipInput {
    /// Global ID of the household membership.
    pub membership_id: ID,
    /// Last day of membership; today when absent.
    pub end_date: Option<Date>,
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
}

/// Result of a household mutation.
#[derive(SimpleObject)]
pub struct HouseholdPayload {
    /// The household after the change (as it would be, on a dry run).
    pub household: Household,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Principals whose readable cases change, with how many they gain or lose.
    pub access_changes: Vec<AccessChange>,
}

/// Result of a membership mutation.
#[derive(SimpleObject)]
pub struct MembershipPayload {
    /// The membership after the change (as it would be, on a dry run).
    pub membership: HouseholdMembership,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Principals whose readable cases change, with how many they gain or lose.
    pub access_changes: Vec<AccessChange>,
}

/// Result of ending a membership: the membership and the member relationships that went with it.
#[derive(SimpleObject)]
pub struct EndMembershipPayload {
    /// The membership after the change (as it would be, on a dry run).
    pub membership: HouseholdMembership,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Member relationships removed because the consumer is no longer a current member.
    pub removed: Vec<RemovedRecords>,
    /// Heads and primary households cleared because the consumer is no longer a current member.
    pub cleared: Vec<ClearedField>,
    /// Principals whose readable cases change, with how many they gain or lose.
    pub access_changes: Vec<AccessChange>,
}

/// Result of a sweep.
#[derive(SimpleObject)]
pub struct SweepPayload {
    /// What the sweep removed, by kind.
    pub removed: Vec<RemovedRecords>,
    /// Heads and primary households it cleared.
    pub cleared: Vec<ClearedField>,
}

/// Household mutations (admin or manager).
#[derive(Default)]
pub struct HouseholdsMutation;

/// Household mutations (admin or manager).
#[Object]
impl HouseholdsMutation {
    /// Creates a household.
    async fn create_household(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: CreateHouseholdInput,
    ) -> Result<HouseholdPayload> {
        let head = input
            .head_id
            .as_ref()
            .map(|id| ids::decode(id, &[Kind::Consumer], "headId"))
            .transpose()?;
        Ok(HouseholdPayload {
            household: Household(service::create(domain(ctx), &input.name, head).await?),
            dry_run: false,
            access_changes: Vec::new(),
        })
    }

    /// Renames a household or changes its head.
    async fn update_household(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: UpdateHouseholdInput,
    ) -> Result<HouseholdPayload> {
        let id = ids::decode(&input.id, &[Kind::Household], "id")?;
        let head = input
            .head_id
            .as_ref()
            .map(|id| ids::decode(id, &[Kind::Consumer], "headId"))
            .transpose()?;
        let head = match (head, input.clear_head) {
            (Some(_), true) => {
                return Err(crate::domain::DomainError::invalid(
                    "clearHead",
                    "give headId or clearHead, not both",
                )
                .into());
            }
            (Some(head), false) => Some(Some(head)),
            (None, true) => Some(None),
            (None, false) => None,
        };
        let (model, changes) =
            service::update(domain(ctx), id, input.name.as_deref(), head, input.dry_run).await?;
        Ok(HouseholdPayload {
            household: Household(model),
            dry_run: input.dry_run,
            access_changes: access_changes(changes),
        })
    }

    /// Deletes a household with its memberships.
    async fn delete_household(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
        #[graphql(default, desc = "Only report what would change; nothing is written.")]
        dry_run: bool,
    ) -> Result<CascadeDeletePayload> {
        let uuid = ids::decode(&id, &[Kind::Household], "id")?;
        let (_, removal, changes) = service::delete(domain(ctx), uuid, dry_run).await?;
        Ok(CascadeDeletePayload::new(
            Kind::Household,
            uuid,
            dry_run,
            removal,
            changes,
        ))
    }

    /// Removes member relationships whose consumers' memberships have run out, and clears heads and
    /// primary households no longer backed by a current membership (also run periodically by the server).
    async fn sweep(&self, ctx: &Context<'_>) -> Result<SweepPayload> {
        let removal = crate::domain::sweep::run(domain(ctx)).await?;
        Ok(SweepPayload {
            cleared: cleared_fields(&removal.cleared),
            removed: removed_records(removal),
        })
    }

    /// Adds a consumer to a household for a period.
    async fn add_household_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: AddHouseholdMemberInput,
    ) -> Result<MembershipPayload> {
        let household = ids::decode(&input.household_id, &[Kind::Household], "householdId")?;
        let consumer = ids::decode(&input.consumer_id, &[Kind::Consumer], "consumerId")?;
        let (model, changes) = service::add_member(
            domain(ctx),
            household,
            consumer,
            input.start_date.map(Into::into),
            input.end_date.map(Into::into),
            input.dry_run,
        )
        .await?;
        Ok(MembershipPayload {
            membership: HouseholdMembership(model),
            dry_run: input.dry_run,
            access_changes: access_changes(changes),
        })
    }

    /// Ends a membership; the record stays as history.
    async fn end_household_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: EndHouseholdMembershipInput,
    ) -> Result<EndMembershipPayload> {
        let id = ids::decode(
            &input.membership_id,
            &[Kind::HouseholdMembership],
            "membershipId",
        )?;
        let (model, removal, changes) = service::end_membership(
            domain(ctx),
            id,
            input.end_date.map(Into::into),
            input.dry_run,
        )
        .await?;
        Ok(EndMembershipPayload {
            dry_run: input.dry_run,
            cleared: cleared_fields(&removal.cleared),
            removed: removed_records(removal),
            access_changes: access_changes(changes),
            membership: HouseholdMembership(model),
        })
    }

    /// Removes a membership record altogether.
    async fn remove_household_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
        #[graphql(default, desc = "Only report what would change; nothing is written.")]
        dry_run: bool,
    ) -> Result<CascadeDeletePayload> {
        let uuid = ids::decode(&id, &[Kind::HouseholdMembership], "id")?;
        let (_, removal, changes) = service::remove_membership(domain(ctx), uuid, dry_run).await?;
        Ok(CascadeDeletePayload::new(
            Kind::HouseholdMembership,
            uuid,
            dry_run,
            removal,
            changes,
        ))
    }
}
