//! The one source of "now" and "today", so tests can move time.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Wall clock, optionally shifted (tests and demos move it forward to see dates pass).
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset: Arc<RwLock<Duration>>,
}

impl Clock {
    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.read().expect("clock lock")
    }

    /// The current date (UTC), which decides whether memberships and relationships are in force.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Moves the clock by `by` (used by tests to let dates pass).
    pub fn advance(&self, by: Duration) {
        *self.offset.write().expect("clock lock") += by;
    }
}
