//! Reading the audit log: the filtered, paged trail for admins and managers, and each record's
//! history for whoever may see the record.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use super::{Ctx, DomainResult};
use crate::access::{self, Permission};
use crate::pagination::{self as page, Page, PageArgs, Sort, SortValue, Wants};

page::pageable!(audit_log, Id, id, |model| {
    SortValue::Int(model.feed_position.unwrap_or_default())
});

/// The audit kinds of relationship records: the part of the trail managers, who maintain
/// relationships, may read.
pub const RELATIONSHIP_KINDS: [&str; 5] = [
    "account_relationship",
    "contact_relationship",
    "consumer_relationship",
    "household_membership",
    "team_member",
];

/// A record's history is listed newest first.
pub const HISTORY_SORT: Sort<audit_log::Column> = Sort::creation(true);

/// What part of the trail a caller asks for; every given criterion must hold.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Entries written by this token subject.
    pub actor: Option<String>,
    /// Entries about this record.
    pub record: Option<Uuid>,
    /// Entries of one of these actions (`create`, `update`, `delete`, ...).
    pub actions: Option<Vec<String>>,
    /// Entries written at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Entries written before this instant.
    pub to: Option<DateTime<Utc>>,
}

impl AuditFilter {
    fn apply(&self, mut select: Select<audit_log::Entity>) -> Select<audit_log::Entity> {
        if let Some(actor) = &self.actor {
            select = select.filter(audit_log::Column::Actor.eq(actor.as_str()));
        }
        if let Some(record) = self.record {
            select = select.filter(audit_log::Column::EntityId.eq(record));
        }
        if let Some(actions) = &self.actions {
            select = select.filter(audit_log::Column::Action.is_in(actions.iter().cloned()));
        }
        if let Some(from) = self.from {
            select = select.filter(audit_log::Column::At.gte(from));
        }
        if let Some(to) = self.to {
            select = select.filter(audit_log::Column::At.lt(to));
        }
        select
    }
}

/// One page of the trail: admins read every entry, managers the entries of relationship records,
/// anybody else is refused. Entries are in write order, newest first when `newest_first`.
pub async fn list(
    ctx: &Ctx,
    filter: &AuditFilter,
    newest_first: bool,
    args: &PageArgs,
    wants: Wants,
) -> DomainResult<Page<audit_log::Model>> {
    let mut select = filter.apply(audit_log::Entity::find());
    if access::require(&ctx.principal, Permission::Administer).is_err() {
        access::require(&ctx.principal, Permission::ManageRelationships)?;
        select = select.filter(audit_log::Column::EntityKind.is_in(RELATIONSHIP_KINDS));
    }
    let sort = Sort::creation(newest_first);
    Ok(page::fetch_page(&ctx.db, select, &sort, args, wants).await?)
}

/// Each record's page of history, for records the caller has already been shown (the GraphQL
/// layer only asks for nodes it resolved through the access engine), in one statement.
pub async fn history_pages(
    ctx: &Ctx,
    records: &[Uuid],
    args: &PageArgs,
) -> DomainResult<HashMap<Uuid, Page<audit_log::Model>>> {
    let select = audit_log::Entity::find()
        .filter(audit_log::Column::EntityId.is_in(records.iter().copied()));
    Ok(page::fetch_pages_by_parent(
        &ctx.db,
        select,
        audit_log::Column::EntityId,
        |m| m.entity_id,
        &HISTORY_SORT,
        args,
    )
    .await?)
}
