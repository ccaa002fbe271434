//! Record timestamps, written once and flattened into every type that shows them.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

/// `createdAt` and `updatedAt` of a record, flattened into every type that shows both.
#[derive(SimpleObject)]
pub struct Timestamps {
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
}

impl Timestamps {
    /// The timestamps of a record.
    pub fn new(created_at: DateTime<Utc>, updated_at: DateTime<Utc>) -> Self {
        Self {
            created_at,
            updated_at,
        }
    }
}
