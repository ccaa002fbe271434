//! Validity periods shared by every relationship kind: optional first and last day, both inclusive.

use chrono::NaiveDate;

use super::{DomainError, DomainResult};
use crate::access::period::Period;

/// The optional order and validity dates every relationship carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Validity {
    pub sort_order: Option<i32>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl Validity {
    /// Refuses a period that ends before it starts.
    pub fn check(&self) -> DomainResult<()> {
        if let (Some(from), Some(to)) = (self.valid_from, self.valid_to)
            && to < from
        {
            return Err(DomainError::invalid(
                "validTo",
                "validTo is before validFrom",
            ));
        }
        Ok(())
    }

    /// Whether the period covers `day`.
    pub fn covers(&self, day: NaiveDate) -> bool {
        Period::new(self.valid_from, self.valid_to).covers(day)
    }
}

/// What a cascade removed (or, on a dry run, would remove): row ids by kind, and the rows it
/// kept but whose reference it cleared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removal {
    pub kinds: Vec<(&'static str, Vec<uuid::Uuid>)>,
    pub cleared: Vec<Cleared>,
}

/// One row a cascade kept but changed: the reference `field` of the `kind` row `id` is now empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cleared {
    pub kind: &'static str,
    pub id: uuid::Uuid,
    pub field: &'static str,
}

impl Removal {
    /// Records `ids` of `kind`, skipping empty groups.
    pub fn add(&mut self, kind: &'static str, ids: Vec<uuid::Uuid>) {
        if !ids.is_empty() {
            self.kinds.push((kind, ids));
        }
    }
}
