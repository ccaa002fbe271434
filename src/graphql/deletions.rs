//! What a delete reports: the ID that no longer exists, and the records a cascade removed with it.

use async_graphql::{ID, SimpleObject};
use uuid::Uuid;

use super::ids::{self, Kind};
use crate::domain::validity::Removal;

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

/// The GraphQL form of a cascade report.
pub fn removed_records(removal: Removal) -> Vec<RemovedRecords> {
    removal
        .kinds
        .into_iter()
        .map(|(name, rows)| RemovedRecords {
            kind: name.to_owned(),
            count: rows.len() as i32,
            ids: rows
                .into_iter()
                .map(|row| {
                    Kind::from_name(name)
                        .map(|k| ids::encode(k, row))
                        .unwrap_or_else(|| ID(row.to_string()))
                })
                .collect(),
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
}

impl CascadeDeletePayload {
    /// Builds the payload of a cascade.
    pub fn new(kind: Kind, id: Uuid, dry_run: bool, removal: Removal) -> Self {
        Self {
            dry_run,
            deleted_id: (!dry_run).then(|| ids::encode(kind, id)),
            removed: removed_records(removal),
        }
    }
}
