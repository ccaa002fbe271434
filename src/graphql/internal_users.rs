//! Internal users (staff) and stored role assignments.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::internal_user;

use super::{
    connection::{Connection, RelayArgs, cost, wants},
    consumers::NameFilter,
    deletions::DeletePayload,
    domain,
    ids::{self, Kind},
    loaders::RolesOf,
    state,
    timestamps::Timestamps,
};
use crate::access::principal::Role;
use crate::domain::{
    DomainError,
    internal_users::{self as service, InternalUserInput},
    roles::{self, Holder},
};

/// A member of staff.
pub struct InternalUser(pub internal_user::Model);

/// A member of staff.
#[Object]
impl InternalUser {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::InternalUser, self.0.id)
    }
    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Email address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// The identity-provider subject (`sub` claim) this user signs in as.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// Roles stored for this user.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<super::roles::Role>> {
        let rows = state(ctx)
            .loaders
            .load_one(RolesOf(Holder::InternalUser(self.0.id)))
            .await?
            .unwrap_or_default();
        Ok(super::roles::Role::list(
            rows.iter().map(|r| r.role.as_str()),
        ))
    }
    /// Account teams this user is on.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn account_teams(
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
            super::loaders::TeamSide::User(crate::domain::teams::TargetKind::Account),
            self.0.id,
            current_only,
            page,
        )
        .await
    }
    /// Consumer teams this user is on.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn consumer_teams(
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
            super::loaders::TeamSide::User(crate::domain::teams::TargetKind::Consumer),
            self.0.id,
            current_only,
            page,
        )
        .await
    }
    /// Household teams this user is on.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::connection::cost(first, last, child_complexity)")]
    async fn household_teams(
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
            super::loaders::TeamSide::User(crate::domain::teams::TargetKind::Household),
            self.0.id,
            current_only,
            page,
        )
        .await
    }
    #[graphql(flatten)]
    async fn timestamps(&self) -> Timestamps {
        Timestamps::new(self.0.created_at, self.0.updated_at)
    }
}

/// Internal user queries.
#[derive(Default)]
pub struct InternalUsersQuery;

/// Internal user queries.
#[Object]
impl InternalUsersQuery {
    /// Internal users (staff only), by name.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn internal_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every given condition.")] filter: Option<NameFilter>,
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
    ) -> Result<Connection<InternalUser>> {
        let name = filter.and_then(|f| f.name_contains);
        let args = RelayArgs::new(first, after, last, before).validate(ctx)?;
        let page = service::list(domain(ctx), name.as_deref(), &args, wants(ctx)).await?;
        Ok(Connection::from_page(page, InternalUser))
    }
}

/// Input of `createInternalUser`.
#[derive(InputObject)]
pub struct CreateInternalUserInput {
    /// Display name (not blank).
    pub name: String,
    /// Email address.
    pub email: Option<String>,
    /// Identity-provider subject the user signs in as (unique across all people).
    pub subject: Option<String>,
}

/// Input of `updateInternalUser`; absent fields stay, empty text clears.
#[derive(InputObject)]
pub struct UpdateInternalUserInput {
    /// Global ID of the record to change.
    pub id: ID,
    /// New display name; absent: unchanged.
    pub name: Option<String>,
    /// Email address; absent: unchanged.
    pub email: Option<String>,
    /// Sign-in subject (the token's `sub` claim) of this person; absent: unchanged.
    pub subject: Option<String>,
}

/// Input of `assignRole` and `revokeRole`.
#[derive(InputObject)]
pub struct RoleInput {
    /// A Contact or InternalUser ID.
    pub principal_id: ID,
    /// The role to assign or revoke.
    pub role: super::roles::Role,
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
}

/// Result of an internal user mutation.
#[derive(SimpleObject)]
pub struct InternalUserPayload {
    /// The user after the change.
    pub internal_user: InternalUser,
}

/// Result of a role mutation.
#[derive(SimpleObject)]
pub struct RolePayload {
    /// The contact or internal user whose roles changed.
    pub principal_id: ID,
    /// The role assigned or revoked.
    pub role: super::roles::Role,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Principals whose readable cases change, with how many they gain or lose.
    pub access_changes: Vec<super::access_changes::AccessChange>,
}

fn role_input(input: &RoleInput) -> Result<(Holder, Role)> {
    let (kind, id) = ids::decode_any(&input.principal_id, "principalId")?;
    let holder = match kind {
        Kind::Contact => Holder::Contact(id),
        Kind::InternalUser => Holder::InternalUser(id),
        _ => {
            return Err(DomainError::invalid(
                "principalId",
                "expected the ID of a Contact or InternalUser",
            )
            .into());
        }
    };
    Ok((holder, input.role.into()))
}

/// Internal user and role mutations (admin only).
#[derive(Default)]
pub struct InternalUsersMutation;

/// Internal user and role mutations (admin only).
#[Object]
impl InternalUsersMutation {
    /// Creates an internal user.
    async fn create_internal_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: CreateInternalUserInput,
    ) -> Result<InternalUserPayload> {
        let input = InternalUserInput {
            name: Some(input.name),
            email: input.email,
            subject: input.subject,
        };
        Ok(InternalUserPayload {
            internal_user: InternalUser(service::create(domain(ctx), input).await?),
        })
    }

    /// Changes an internal user.
    async fn update_internal_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: UpdateInternalUserInput,
    ) -> Result<InternalUserPayload> {
        let id = ids::decode(&input.id, &[Kind::InternalUser], "id")?;
        let patch = InternalUserInput {
            name: input.name,
            email: input.email,
            subject: input.subject,
        };
        Ok(InternalUserPayload {
            internal_user: InternalUser(service::update(domain(ctx), id, patch).await?),
        })
    }

    /// Deletes an internal user and its stored roles.
    async fn delete_internal_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
    ) -> Result<DeletePayload> {
        let uuid = ids::decode(&id, &[Kind::InternalUser], "id")?;
        service::delete(domain(ctx), uuid).await?;
        Ok(DeletePayload {
            deleted_id: ids::encode(Kind::InternalUser, uuid),
        })
    }

    /// Stores a role for a contact (portal roles) or internal user (staff roles).
    async fn assign_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who and which role.")] input: RoleInput,
    ) -> Result<RolePayload> {
        let (holder, role) = role_input(&input)?;
        let (_, changes) = roles::assign(domain(ctx), holder, role, input.dry_run).await?;
        Ok(RolePayload {
            principal_id: input.principal_id,
            role: role.into(),
            dry_run: input.dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }

    /// Removes a stored role.
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who and which role.")] input: RoleInput,
    ) -> Result<RolePayload> {
        let (holder, role) = role_input(&input)?;
        let (_, changes) = roles::revoke(domain(ctx), holder, role, input.dry_run).await?;
        Ok(RolePayload {
            principal_id: input.principal_id,
            role: role.into(),
            dry_run: input.dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }
}
