//! What a delete reports: the ID that no longer exists, the records a cascade removed or changed
//! with it, and whose case access that changes.

use async_graphql::{ID, SimpleObject};
use uuid::Uuid;

use super::{
    access_changes::{AccessChange, access_changes},
    ids::{self, Kind},
};
use crate::access::impact;
use crate::domain::validity::{Cleared, Removal};

/// Result of a delete: the ID that no longer exists.
#[derive(SimpleObject)]
pub struct DeletePayload {
    /// Global ID of the deleted record.
    pub deleted_id: ID,
}

/// Records of one kind removed (or, on a dry run, to be removed) by a cascade.
#[derive(SimpleObject)]
pub struct RemovedRecords {
    /// GraphQL type name of the records.
    pub kind: String,
    /// How many.
    pub count: i32,
    /// Their global IDs.
    pub ids: Vec<ID>,
}

/// A record a cascade kept but changed: one of its references is now empty.
#[derive(SimpleObject)]
pub struct ClearedField {
    /// GraphQL type name of the record.
    pub kind: String,
    /// Its global ID.
    pub id: ID,
    /// The field now empty (e.g. `household`, `primaryHousehold`, `head`).
    pub field: String,
}

/// The global ID of a `name` row, or its bare id when the kind has no global IDs.
fn global_id(name: &str, row: Uuid) -> ID {
    Kind::from_name(name)
        .map(|k| ids::encode(k, row))
        .unwrap_or_else(|| ID(row.to_string()))
}

/// The GraphQL form of a cascade's cleared references.
pub fn cleared_fields(cleared: &[Cleared]) -> Vec<ClearedField> {
    cleared
        .iter()
        .map(|c| ClearedField {
            kind: c.kind.to_owned(),
            id: global_id(c.kind, c.id),
            field: c.field.to_owned(),
        })
        .collect()
}

/// The GraphQL form of a cascade report.
pub fn removed_records(removal: Removal) -> Vec<RemovedRecords> {
    removal
        .kinds
        .into_iter()
        .map(|(name, rows)| RemovedRecords {
            kind: name.to_owned(),
            count: rows.len() as i32,
            ids: rows.into_iter().map(|row| global_id(name, row)).collect(),
        })
        .collect()
}

/// Result of a delete that cascades: what went, or with `dryRun` what would go.
#[derive(SimpleObject)]
pub struct CascadeDeletePayload {
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// Global ID of the deleted record (null on a dry run).
    pub deleted_id: Option<ID>,
    /// Records removed along with it, by kind.
    pub removed: Vec<RemovedRecords>,
    /// Records kept whose reference to a removed record was cleared.
    pub cleared: Vec<ClearedField>,
    /// Principals whose readable cases change, with how many they gain or lose.
    pub access_changes: Vec<AccessChange>,
}

impl CascadeDeletePayload {
    /// Builds the payload of a cascade.
    pub fn new(
        kind: Kind,
        id: Uuid,
        dry_run: bool,
        removal: Removal,
        changes: Vec<impact::AccessChange>,
    ) -> Self {
        Self {
            dry_run,
            deleted_id: (!dry_run).then(|| ids::encode(kind, id)),
            cleared: cleared_fields(&removal.cleared),
            removed: removed_records(removal),
            access_changes: access_changes(changes),
        }
    }
}
