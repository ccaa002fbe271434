//! Responsibility definitions (admin): the duties a party can carry for another.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use entity::responsibility_definition as definition;

use super::{
    connection::{Connection, RelayArgs, cost, wants},
    deletions::CascadeDeletePayload,
    domain,
    ids::{self, Kind},
};
use crate::domain::responsibilities::{
    self as service, DefinitionInput, ResponsibilityKind as Kind_,
};

/// Who can carry a responsibility.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponsibilityKind {
    /// An internal user (team members).
    User,
    /// A contact (contact relationships).
    Contact,
    /// A consumer.
    Consumer,
    /// An account.
    Account,
    /// Anyone (e.g. Authorized Representative between consumers).
    None,
}

impl ResponsibilityKind {
    fn domain(self) -> Kind_ {
        match self {
            ResponsibilityKind::User => Kind_::User,
            ResponsibilityKind::Contact => Kind_::Contact,
            ResponsibilityKind::Consumer => Kind_::Consumer,
            ResponsibilityKind::Account => Kind_::Account,
            ResponsibilityKind::None => Kind_::None,
        }
    }
    fn from_stored(text: &str) -> Self {
        match Kind_::parse(text) {
            Kind_::User => ResponsibilityKind::User,
            Kind_::Contact => ResponsibilityKind::Contact,
            Kind_::Consumer => ResponsibilityKind::Consumer,
            Kind_::Account => ResponsibilityKind::Account,
            Kind_::None => ResponsibilityKind::None,
        }
    }
}

/// A responsibility one party carries for another.
pub struct ResponsibilityDefinition(pub definition::Model);

/// A responsibility one party carries for another.
#[Object]
impl ResponsibilityDefinition {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ResponsibilityDefinition, self.0.id)
    }
    /// Unique name, e.g. "Account Manager".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Who can carry it.
    async fn kind(&self) -> ResponsibilityKind {
        ResponsibilityKind::from_stored(&self.0.kind)
    }
    /// At most one holder per account, consumer or household.
    async fn is_unique(&self) -> bool {
        self.0.is_unique
    }
    /// The stored role a holder must have (null: none is required).
    async fn required_role(&self) -> Option<super::roles::Role> {
        self.0
            .required_role
            .as_deref()
            .and_then(super::roles::Role::from_stored)
    }
    /// What the responsibility means.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
}

/// Responsibility definition queries.
#[derive(Default)]
pub struct ResponsibilityDefinitionsQuery;

/// Responsibility definition queries.
#[Object]
impl ResponsibilityDefinitionsQuery {
    /// Responsibility definitions, by name.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn responsibility_definitions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only definitions of this kind; absent: every kind.")] kind: Option<
            ResponsibilityKind,
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
    ) -> Result<Connection<ResponsibilityDefinition>> {
        let args = RelayArgs::new(first, after, last, before).validate(ctx)?;
        let page = service::list(
            domain(ctx),
            kind.map(ResponsibilityKind::domain),
            &args,
            wants(ctx),
        )
        .await?;
        Ok(Connection::from_page(page, ResponsibilityDefinition))
    }
}

/// Input of `createResponsibilityDefinition`.
#[derive(InputObject)]
pub struct CreateResponsibilityDefinitionInput {
    /// Unique name of the responsibility (letter case ignored), e.g. "Account Manager".
    pub name: String,
    /// Who can carry the responsibility.
    pub kind: ResponsibilityKind,
    /// At most one holder per account, consumer or household.
    #[graphql(default)]
    pub is_unique: bool,
    /// The stored role a holder must have (for example `RELATIONSHIP_AGENT`); absent or null: none.
    pub required_role: Option<super::roles::Role>,
    /// Longer text (newlines allowed).
    pub description: Option<String>,
}

/// Input of `updateResponsibilityDefinition`; absent fields stay, empty text clears.
#[derive(InputObject)]
pub struct UpdateResponsibilityDefinitionInput {
    /// Only report what would change.
    #[graphql(default)]
    pub dry_run: bool,
    /// Global ID of the record to change.
    pub id: ID,
    /// New unique name; absent: unchanged.
    pub name: Option<String>,
    /// Who can carry the responsibility; absent: unchanged.
    pub kind: Option<ResponsibilityKind>,
    /// At most one holder per account, consumer or household; absent: unchanged.
    pub is_unique: Option<bool>,
    /// The stored role a holder must have; null removes the requirement, absent keeps it.
    pub required_role: MaybeUndefined<super::roles::Role>,
    /// Longer text (newlines allowed); absent: unchanged.
    pub description: Option<String>,
}

/// Result of a responsibility definition mutation.
#[derive(SimpleObject)]
pub struct ResponsibilityDefinitionPayload {
    /// The definition after the change (as it would be, on a dry run).
    pub responsibility_definition: ResponsibilityDefinition,
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Principals whose readable cases change, with how many they gain or lose.
    pub access_changes: Vec<super::access_changes::AccessChange>,
}

/// Responsibility definition mutations (admin).
#[derive(Default)]
pub struct ResponsibilityDefinitionsMutation;

/// Responsibility definition mutations (admin).
#[Object]
impl ResponsibilityDefinitionsMutation {
    /// Defines a responsibility (admin).
    async fn create_responsibility_definition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: CreateResponsibilityDefinitionInput,
    ) -> Result<ResponsibilityDefinitionPayload> {
        let input = DefinitionInput {
            name: Some(input.name),
            kind: Some(input.kind.domain()),
            is_unique: Some(input.is_unique),
            required_role: input.required_role.map(|role| role.stored().to_owned()),
            description: input.description,
        };
        Ok(ResponsibilityDefinitionPayload {
            responsibility_definition: ResponsibilityDefinition(
                service::create(domain(ctx), input).await?,
            ),
            dry_run: false,
            access_changes: Vec::new(),
        })
    }

    /// Changes a responsibility definition (admin).
    async fn update_responsibility_definition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields of the change.")] input: UpdateResponsibilityDefinitionInput,
    ) -> Result<ResponsibilityDefinitionPayload> {
        let id = ids::decode(&input.id, &[Kind::ResponsibilityDefinition], "id")?;
        let patch = DefinitionInput {
            name: input.name,
            kind: input.kind.map(ResponsibilityKind::domain),
            is_unique: input.is_unique,
            required_role: match input.required_role {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(String::new()),
                MaybeUndefined::Value(role) => Some(role.stored().to_owned()),
            },
            description: input.description,
        };
        let (model, changes) = service::update(domain(ctx), id, patch, input.dry_run).await?;
        Ok(ResponsibilityDefinitionPayload {
            responsibility_definition: ResponsibilityDefinition(model),
            dry_run: input.dry_run,
            access_changes: super::access_changes::access_changes(changes),
        })
    }

    /// Deletes a definition and every relationship using it in one transaction (admin); `dryRun` only reports.
    async fn delete_responsibility_definition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the record.")] id: ID,
        #[graphql(default, desc = "Only report what would change; nothing is written.")]
        dry_run: bool,
    ) -> Result<CascadeDeletePayload> {
        let uuid = ids::decode(&id, &[Kind::ResponsibilityDefinition], "id")?;
        let (_, removal, changes) = service::delete(domain(ctx), uuid, dry_run).await?;
        Ok(CascadeDeletePayload::new(
            Kind::ResponsibilityDefinition,
            uuid,
            dry_run,
            removal,
            changes,
        ))
    }
}
