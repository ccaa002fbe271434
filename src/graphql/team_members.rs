//! Team members: internal users on the team of an account, a consumer or a household.

use crate::graphql::scalars::Date;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::team_member;
use uuid::Uuid;

use super::{
    accounts::Organization,
    connection::{Connection, RelayArgs},
    consumers::Consumer,
    domain,
    households::Household,
    ids::{self, Kind},
    internal_users::InternalUser,
    loaders::{
        AccountId, ConsumerId, HouseholdId, InternalUserId, ResponsibilityId, TeamParams, TeamSide,
    },
    responsibility_definitions::ResponsibilityDefinition,
    validity::{InForce, Period, RelationshipFields},
};
use crate::domain::{
    DomainError,
    teams::{self as service, NewTeamMember, TargetKind},
    validity::Validity,
};
use crate::graphql::loaders::load_node;

/// What a team serves.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TeamTarget {
    /// An account's team.
    Account,
    /// A consumer's team.
    Consumer,
    /// A household's team.
    Household,
}

/// An internal user on a team, with the responsibility it carries there.
pub struct TeamMember(pub team_member::Model);

/// An internal user on a team, with the responsibility it carries there.
#[Object]
impl TeamMember {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::TeamMember, self.0.id)
    }
    /// The assignment's audit entries, newest first.
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
    /// The staff member.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<InternalUser>> {
        load_node(ctx, InternalUserId(self.0.user_id), InternalUser).await
    }
    /// What the team serves.
    async fn target(&self) -> TeamTarget {
        match self.0.target_kind.as_str() {
            "CONSUMER" => TeamTarget::Consumer,
            "HOUSEHOLD" => TeamTarget::Household,
            _ => TeamTarget::Account,
        }
    }
    /// The account, for an Account Team Member.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let Some(id) = self.0.account_id else {
            return Ok(None);
        };
        load_node(ctx, AccountId(id), Organization::from_model).await
    }
    /// The consumer, for a Consumer Team Member.
    async fn consumer(&self, ctx: &Context<'_>) -> Result<Option<Consumer>> {
        let Some(id) = self.0.consumer_id else {
            return Ok(None);
        };
        load_node(ctx, ConsumerId(id), Consumer).await
    }
    /// The household, for a Household Team Member.
    async fn household(&self, ctx: &Context<'_>) -> Result<Option<Household>> {
        let Some(id) = self.0.household_id else {
            return Ok(None);
        };
        load_node(ctx, HouseholdId(id), Household).await
    }
    /// The USER responsibility carried (Account Manager, Relationship Manager, ...).
    async fn responsibility(&self, ctx: &Context<'_>) -> Result<Option<ResponsibilityDefinition>> {
        load_node(
            ctx,
            ResponsibilityId(self.0.responsibility_id),
            ResponsibilityDefinition,
        )
        .await
    }
    #[graphql(flatten)]
    async fn dated(&self) -> RelationshipFields {
        RelationshipFields::of(self, self.0.sort_order, self.0.created_at)
    }
}

impl InForce for TeamMember {
    fn period(&self) -> Period {
        Period::new(self.0.valid_from, self.0.valid_to)
    }
}

/// A team edge (a target's team, or a user's memberships of one kind) as a connection.
pub async fn team_edge(
    ctx: &Context<'_>,
    side: TeamSide,
    key: Uuid,
    current_only: bool,
    page: RelayArgs,
) -> Result<Connection<TeamMember>> {
    let params = TeamParams {
        side,
        current_only,
        args: page.validate(ctx)?,
    };
    Connection::of_edge(ctx, key, params, TeamMember).await
}

/// Input of `addTeamMember`.
#[derive(InputObject)]
pub struct AddTeamMemberInput {
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
    /// The internal user (must hold the responsibility's required role).
    pub user_id: ID,
    /// An Account, Partner, Consumer or Household ID.
    pub target_id: ID,
    /// A USER responsibility; Account Manager for accounts, Relationship Manager otherwise.
    pub responsibility_id: Option<ID>,
    /// Position among the record's siblings, for display (lower first).
    pub order: Option<i32>,
    /// First day in force (`YYYY-MM-DD`); absent: since always.
    pub valid_from: Option<Date>,
    /// Last day in force (`YYYY-MM-DD`); absent: open-ended.
    pub valid_to: Option<Date>,
}

/// Input of `updateTeamMember`: the new order and validity (absent clears).
#[derive(InputObject)]
pub struct UpdateTeamMemberInput {
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

/// Result of a team mutation.
#[derive(SimpleObject)]
pub struct TeamMemberPayload {
    /// The team member after the change.
    pub team_member: TeamMember,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Principals whose readable cases change with how many they gain or lose.
    pub access_changes: Vec<super::access_changes::AccessChange>,
}

/// Team mutations (manager or admin).
#[derive(Default)]
pub struct TeamMembersMutation;

/// Team mutations (manager or admin).
#[Object]
impl TeamMembersMutation {
    /// Puts an internal user on the team of an account, consumer or household.
    async fn add_team_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: AddTeamMemberInput,
    ) -> Result<TeamMemberPayload> {
        let (kind, target_id) = ids::decode_any(&input.target_id, "targetId")?;
        let kind = match kind {
            Kind::Account | Kind::Partner => TargetKind::Account,
            Kind::Consumer => TargetKind::Consumer,
            Kind::Household => TargetKind::Household,
            _ => {
                return Err(DomainError::invalid(
                    "targetId",
                    "expected an Account, Partner, Consumer or Household ID",
                )
                .into());
            }
        };
        let dry_run = input.dry_run;
        let new = NewTeamMember {
            user_id: ids::decode(&input.user_id, &[Kind::InternalUser], "userId")?,
            kind,
            target_id,
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
        Ok(TeamMemberPayload {
            team_member: TeamMember(model),
            dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }

    /// Sets a team member's order and validity dates.
    async fn update_team_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: UpdateTeamMemberInput,
    ) -> Result<TeamMemberPayload> {
        let id = ids::decode(&input.id, &[Kind::TeamMember], "id")?;
        let validity = Validity {
            sort_order: input.order,
            valid_from: input.valid_from.map(Into::into),
            valid_to: input.valid_to.map(Into::into),
        };
        let (model, changes) = service::update(domain(ctx), id, validity, input.dry_run).await?;
        Ok(TeamMemberPayload {
            team_member: TeamMember(model),
            dry_run: input.dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }

    /// Takes an internal user off a team.
    async fn remove_team_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
        #[graphql(default, desc = "Only report what would change; nothing is written.")]
        dry_run: bool,
    ) -> Result<super::access_changes::AccessDeletePayload> {
        let uuid = ids::decode(&id, &[Kind::TeamMember], "id")?;
        let (_, changes) = service::delete(domain(ctx), uuid, dry_run).await?;
        Ok(super::access_changes::AccessDeletePayload {
            deleted_id: (!dry_run).then(|| ids::encode(Kind::TeamMember, uuid)),
            dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }
}
