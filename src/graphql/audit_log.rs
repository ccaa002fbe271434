//! The audit trail in the API: `auditLog` (admins; managers for relationship records), the
//! `history` edge of relationship nodes and cases, and the durable `changes` feed (admins).

use async_graphql::{
    Context, Enum, ID, InputObject, InputValueResult, Object, Result, Scalar, ScalarType, Value,
};
use entity::audit_log;
use uuid::Uuid;

use crate::domain::{
    Ctx,
    audit_trail::{self, AuditFilter},
    change_feed,
};
use crate::graphql::{
    connection::{Connection, RelayArgs, cost, wants},
    domain,
    ids::{self, Kind},
    loaders::Edge,
    scalars::DateTime,
};
use crate::pagination::{Page, PageArgs};

/// Any JSON value (object, array, string, number, boolean or null), as the record's fields were
/// stored with the audit entry. TypeScript: `unknown`.
pub struct Json(pub serde_json::Value);

/// Any JSON value, as a record's fields were stored with an audit entry.
#[Scalar(name = "JSON")]
impl ScalarType for Json {
    fn parse(value: Value) -> InputValueResult<Self> {
        Ok(Json(value.into_json()?))
    }

    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}

/// What kind of change an audit entry records.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditOperation {
    /// The record was created.
    Create,
    /// Fields of the record changed (a cascade clearing a reference included).
    Update,
    /// The record was deleted (directly or by a cascade).
    Delete,
    /// A case moved to another state.
    ChangeState,
    /// A comment was added to a case.
    Comment,
    /// A household membership was ended.
    End,
    /// A consumer's primary household was set.
    SetPrimaryHousehold,
    /// A stored role was assigned.
    AssignRole,
    /// A stored role was revoked.
    RevokeRole,
}

const OPERATIONS: [(AuditOperation, &str); 9] = [
    (AuditOperation::Create, "create"),
    (AuditOperation::Update, "update"),
    (AuditOperation::Delete, "delete"),
    (AuditOperation::ChangeState, "change_state"),
    (AuditOperation::Comment, "comment"),
    (AuditOperation::End, "end"),
    (AuditOperation::SetPrimaryHousehold, "set_primary_household"),
    (AuditOperation::AssignRole, "assign_role"),
    (AuditOperation::RevokeRole, "revoke_role"),
];

impl AuditOperation {
    fn action(self) -> &'static str {
        OPERATIONS
            .iter()
            .find(|(op, _)| *op == self)
            .map_or("", |(_, a)| a)
    }

    fn of(action: &str) -> Self {
        OPERATIONS
            .iter()
            .find(|(_, a)| *a == action)
            .map_or(AuditOperation::Update, |(op, _)| *op)
    }
}

/// The audit kinds and the GraphQL types (and global-ID kinds) of the records they name.
const RECORD_KINDS: [(&str, &str, Option<Kind>); 14] = [
    ("account", "Account", Some(Kind::Account)),
    ("contact", "Contact", Some(Kind::Contact)),
    ("consumer", "Consumer", Some(Kind::Consumer)),
    ("household", "Household", Some(Kind::Household)),
    (
        "household_membership",
        "HouseholdMembership",
        Some(Kind::HouseholdMembership),
    ),
    ("internal_user", "InternalUser", Some(Kind::InternalUser)),
    (
        "account_relationship_type",
        "AccountRelationshipType",
        Some(Kind::AccountRelationshipType),
    ),
    (
        "account_relationship",
        "AccountRelationship",
        Some(Kind::AccountRelationship),
    ),
    (
        "responsibility_definition",
        "ResponsibilityDefinition",
        Some(Kind::ResponsibilityDefinition),
    ),
    (
        "contact_relationship",
        "ContactRelationship",
        Some(Kind::ContactRelationship),
    ),
    ("team_member", "TeamMember", Some(Kind::TeamMember)),
    (
        "consumer_relationship",
        "ConsumerRelationship",
        Some(Kind::ConsumerRelationship),
    ),
    ("case", "Case", Some(Kind::Case)),
    ("role_assignment", "RoleAssignment", None),
];

/// One audit entry: who changed which record how, when, and its fields before and after.
pub struct AuditEntry(pub audit_log::Model);

fn json(text: &Option<String>) -> Option<Json> {
    text.as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .map(Json)
}

/// One audit entry: who changed which record how, when, and its fields before and after.
#[Object]
impl AuditEntry {
    /// The entry's own id (entries are not nodes).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The token subject that made the change; null for system changes, and for portal viewers
    /// unless they made it themselves.
    async fn actor(&self, ctx: &Context<'_>) -> Option<&str> {
        let principal = &domain(ctx).principal;
        let actor = self.0.actor.as_deref()?;
        (principal.is_internal() || principal.subject.as_deref() == Some(actor)).then_some(actor)
    }
    /// When the change was made.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
    /// What kind of change it was.
    async fn operation(&self) -> AuditOperation {
        AuditOperation::of(&self.0.action)
    }
    /// The global ID of the changed record (null for records without one, e.g. role assignments).
    async fn record_id(&self) -> Option<ID> {
        record_kind(&self.0.entity_kind)
            .and_then(|(_, kind)| kind)
            .map(|kind| ids::encode(kind, self.0.entity_id))
    }
    /// The GraphQL type name of the changed record, e.g. `AccountRelationship`.
    async fn record_kind(&self) -> &str {
        record_kind(&self.0.entity_kind).map_or(self.0.entity_kind.as_str(), |(name, _)| name)
    }
    /// The record's fields before the change, as recorded (null for a creation).
    async fn before(&self) -> Option<Json> {
        json(&self.0.before_state)
    }
    /// The record's fields after the change, as recorded (null for a deletion).
    async fn after(&self) -> Option<Json> {
        json(&self.0.after_state)
    }
    /// The change-feed position of the entry's transaction: entries of one transaction share it,
    /// and positions follow commit order.
    async fn feed_position(&self) -> Option<i64> {
        self.0.feed_position
    }
}

fn record_kind(kind: &str) -> Option<(&'static str, Option<Kind>)> {
    RECORD_KINDS
        .iter()
        .find(|(k, ..)| *k == kind)
        .map(|(_, name, kind)| (*name, *kind))
}

/// Which part of the audit trail to list; every given condition must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct AuditLogFilter {
    /// Only changes made by this token subject.
    pub actor: Option<String>,
    /// Only changes of the record with this global ID (of any kind).
    pub record: Option<ID>,
    /// Only changes of these kinds.
    pub operations: Option<Vec<AuditOperation>>,
    /// Only changes made at or after this instant.
    pub from: Option<DateTime>,
    /// Only changes made before this instant.
    pub to: Option<DateTime>,
}

impl AuditLogFilter {
    fn domain(self) -> crate::domain::DomainResult<AuditFilter> {
        let record = self
            .record
            .map(|id| ids::decode_any(&id, "filter.record").map(|(_, uuid)| uuid))
            .transpose()?;
        Ok(AuditFilter {
            actor: self.actor,
            record,
            actions: self
                .operations
                .map(|ops| ops.into_iter().map(|op| op.action().to_owned()).collect()),
            from: self.from.map(|t| t.0),
            to: self.to.map(|t| t.0),
        })
    }
}

/// The order of an audit list.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuditOrder {
    /// The latest change first.
    #[default]
    NewestFirst,
    /// The earliest change first.
    OldestFirst,
}

/// The `history` edge of a record: its audit entries, batched over every parent of the level.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HistoryParams {
    pub args: PageArgs,
}

impl Edge for HistoryParams {
    type Row = audit_log::Model;

    async fn pages(
        &self,
        ctx: &Ctx,
        parents: &[Uuid],
    ) -> crate::domain::DomainResult<std::collections::HashMap<Uuid, Page<Self::Row>>> {
        audit_trail::history_pages(ctx, parents, &self.args).await
    }
}

/// The `history` of record `id`, which the caller may see (its node resolved), newest first.
pub async fn history(
    ctx: &Context<'_>,
    id: Uuid,
    args: RelayArgs,
) -> Result<Connection<AuditEntry>> {
    let params = HistoryParams {
        args: args.validate(ctx)?,
    };
    Connection::of_edge(ctx, id, params, AuditEntry).await
}

/// Audit trail and change feed queries.
#[derive(Default)]
pub struct AuditLogQuery;

/// Audit trail and change feed queries.
#[Object]
impl AuditLogQuery {
    /// Audit entries, newest first unless asked otherwise: every entry for admins, the entries of
    /// relationship records (account, contact and consumer relationships, household memberships,
    /// team members) for managers; anybody else is refused with FORBIDDEN.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows matching every given condition.")] filter: Option<
            AuditLogFilter,
        >,
        #[graphql(desc = "Newest first (default) or oldest first.")] order: Option<AuditOrder>,
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
    ) -> Result<Connection<AuditEntry>> {
        let filter = filter.unwrap_or_default().domain()?;
        let newest_first = order.unwrap_or_default() == AuditOrder::NewestFirst;
        let args = RelayArgs::new(first, after, last, before).validate(ctx)?;
        let page = audit_trail::list(domain(ctx), &filter, newest_first, &args, wants(ctx)).await?;
        Ok(Connection::from_page(page, AuditEntry))
    }

    /// Every committed change in commit order, from just after the stored cursor `after` (the
    /// `endCursor` of the last page read; absent: from the start). The cursor stays valid across
    /// restarts and servers; no committed change is skipped or repeated. Admins only (an
    /// integration reads it with an admin service principal).
    #[graphql(complexity = "cost(first, None, child_complexity)")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Resume after the change with this cursor (`endCursor` of the previous page)."
        )]
        after: Option<String>,
        #[graphql(desc = "Return at most this many changes.")] first: Option<i32>,
    ) -> Result<Connection<AuditEntry>> {
        let args = RelayArgs::new(first, after, None, None).validate(ctx)?;
        let page = change_feed::changes(domain(ctx), &args, wants(ctx)).await?;
        Ok(Connection::from_page(page, AuditEntry))
    }
}
