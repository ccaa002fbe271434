//! The GraphQL layer: schema, types per domain area, the dataloader and error mapping.

pub mod access_changes;
pub mod account_mutations;
pub mod account_relationships;
pub mod accounts;
pub mod audit_log;
pub mod cases;
pub mod connection;
pub mod consumer_relationships;
pub mod consumers;
pub mod contact_relationships;
pub mod contacts;
pub mod deletions;
pub mod error;
pub mod error_codes;
pub mod field_order;
pub mod households;
pub mod ids;
pub mod internal_users;
pub mod loaders;
pub mod node;
pub mod organization;
pub mod query_limits;
pub mod relationship_types;
pub mod responsibility_definitions;
pub mod roles;
pub mod scalars;
pub mod shape;
pub mod strict_input;
pub mod subscriptions;
pub mod team_members;
pub mod timestamps;
pub mod validity;
pub mod viewer;

use std::sync::Arc;

use async_graphql::{Context, Enum, InputObject, MergedObject, Schema};

use crate::{config::Limits, domain::Ctx};

/// What every resolver of one request needs: the domain context, the loader and the limits.
pub struct RequestState {
    pub ctx: Ctx,
    pub loaders: loaders::Loaders,
    pub limits: Arc<Limits>,
}

/// The request's state, put into every request by the HTTP layer.
pub fn state<'a>(ctx: &Context<'a>) -> &'a RequestState {
    ctx.data_unchecked::<RequestState>()
}

/// The domain context of the request.
pub fn domain<'a>(ctx: &Context<'a>) -> &'a Ctx {
    &state(ctx).ctx
}

/// Sort direction of a list.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OrderDirection {
    /// Ascending (A to Z, oldest or lowest first).
    #[default]
    Asc,
    /// Descending (Z to A, newest or highest first).
    Desc,
}

/// Fields most lists can be sorted by.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NameOrderField {
    /// By name.
    #[default]
    Name,
    /// By creation time.
    CreatedAt,
}

/// Ordering of a list of people or households.
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct NameOrder {
    /// What to sort by.
    pub field: NameOrderField,
    /// Ascending (default) or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl NameOrder {
    /// (sort by name?, descending?) for the domain layer.
    pub fn domain(order: Option<Self>) -> (bool, bool) {
        let order = order.unwrap_or_default();
        (
            order.field == NameOrderField::Name,
            order.direction == OrderDirection::Desc,
        )
    }
}

/// All queries.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct Query(
    node::NodeQuery,
    viewer::ViewerQuery,
    accounts::AccountsQuery,
    contacts::ContactsQuery,
    consumers::ConsumersQuery,
    households::HouseholdsQuery,
    internal_users::InternalUsersQuery,
    relationship_types::RelationshipTypesQuery,
    responsibility_definitions::ResponsibilityDefinitionsQuery,
    cases::list::CasesQuery,
    cases::access::AccessCheckQuery,
    audit_log::AuditLogQuery,
);

/// All mutations; each runs in one transaction and writes its audit entry.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct Mutation(
    account_mutations::AccountsMutation,
    contacts::ContactsMutation,
    consumers::ConsumersMutation,
    households::HouseholdsMutation,
    internal_users::InternalUsersMutation,
    relationship_types::RelationshipTypesMutation,
    account_relationships::AccountRelationshipsMutation,
    responsibility_definitions::ResponsibilityDefinitionsMutation,
    contact_relationships::ContactRelationshipsMutation,
    team_members::TeamMembersMutation,
    consumer_relationships::ConsumerRelationshipsMutation,
    cases::mutations::CasesMutation,
);

/// The executable schema.
pub type AppSchema = Schema<Query, Mutation, subscriptions::Subscription>;

/// Builds the schema with the configured introspection and suggestions. It carries no async-graphql
/// extension (any one makes every field resolution go through the extension chain): the request's
/// checks (`query_limits`, `strict_input`, the alias limit in `error_codes`) run on the parsed
/// document before execution, and `error_codes` and `field_order` finish the response after it.
pub fn build_schema(limits: &Limits) -> AppSchema {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        subscriptions::Subscription,
    )
    .register_output_type::<validity::Validity>();
    if !limits.introspection_on() {
        builder = builder.disable_introspection();
    }
    if !limits.suggestions_on() {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// The schema in SDL, as checked in at `schema.graphql`.
pub fn sdl() -> String {
    build_schema(&Limits::default())
        .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}
