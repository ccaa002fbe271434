//! Record timestamps, written once and flattened into every type that shows them.

use async_graphql::SimpleObject;
use chrono::Utc;

use super::scalars::DateTime;

/// `createdAt` and `updatedAt` of a record, flattened into every type that shows both.
#[derive(SimpleObject)]
pub struct Timestamps {
    /// When the record was created.
    pub created_at: DateTime,
    /// When the record last changed.
    pub updated_at: DateTime,
}

impl Timestamps {
    /// The timestamps of a record.
    pub fn new(created_at: chrono::DateTime<Utc>, updated_at: chrono::DateTime<Utc>) -> Self {
        Self {
            created_at: created_at.into(),
            updated_at: updated_at.into(),
        }
    }
}
