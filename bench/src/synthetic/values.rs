//! Deterministic values of the synthetic rows: ids, names and fixed dates.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::prng::SplitMix64;

/// Table tags in generated ids, so every table's ids are distinct and ascending.
#[derive(Clone, Copy)]
pub(super) enum Tag {
    Account = 1,
    Contact,
    Role,
    User,
    Consumer,
    Household,
    Membership,
    AccountRel,
    ContactRel,
    ConsumerRel,
    Team,
    Case,
}

/// A version-7-shaped UUID with a fixed timestamp, the table tag and a counter: deterministic
/// and ascending, so primary-key indexes fill in order.
pub(super) fn id(tag: Tag, n: u64) -> Uuid {
    const TS: u128 = 0x019c_1000_0000;
    let value = (TS << 80)
        | (0x7 << 76)
        | ((tag as u128 & 0xfff) << 64)
        | (0b10 << 62)
        | (n as u128 & ((1 << 62) - 1));
    Uuid::from_u128(value)
}

pub(super) fn uuid(text: &str) -> Uuid {
    Uuid::parse_str(text).expect("constant uuid")
}

const ADJECTIVES: [&str; 24] = [
    "Blue", "Northern", "Global", "Bright", "Silver", "Rapid", "Prime", "United", "Green", "Urban",
    "Pacific", "Summit", "Iron", "Golden", "Clear", "Atlas", "Nova", "Coastal", "Central",
    "Alpine", "Metro", "Royal", "Swift", "True",
];
const NOUNS: [&str; 24] = [
    "Harbor",
    "Peak",
    "River",
    "Forge",
    "Field",
    "Bridge",
    "Stone",
    "Valley",
    "Cloud",
    "Signal",
    "Mill",
    "Crest",
    "Grove",
    "Point",
    "Works",
    "Labs",
    "Systems",
    "Logistics",
    "Foods",
    "Energy",
    "Health",
    "Media",
    "Retail",
    "Capital",
];
const SUFFIXES: [&str; 6] = ["Inc", "Ltd", "GmbH", "Corp", "LLC", "Group"];
const FIRST: [&str; 24] = [
    "Ada", "Ben", "Chloe", "Dan", "Eva", "Finn", "Grace", "Hugo", "Ines", "Jon", "Kara", "Liam",
    "Mia", "Noah", "Olga", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Vic", "Wen", "Yara",
];
const LAST: [&str; 24] = [
    "Smith", "Brown", "Garcia", "Meyer", "Rossi", "Kim", "Nowak", "Silva", "Dubois", "Jensen",
    "Novak", "Khan", "Lopez", "Sato", "Olsen", "Weber", "Costa", "Ivanov", "Moreau", "Berg",
    "Fischer", "Tanaka", "Murphy", "Patel",
];
pub(super) const SUBJECTS: [&str; 12] = [
    "Printer offline",
    "Invoice charged twice",
    "Cannot sign in to the portal",
    "Delivery delayed",
    "Internet drops every evening",
    "Refund not received",
    "Wrong item shipped",
    "Contract renewal question",
    "Password reset fails",
    "Service outage",
    "Update billing address",
    "Upgrade request",
];
pub(super) const STATES: [&str; 6] = [
    "NEW",
    "IN_PROGRESS",
    "AWAITING_INFO",
    "RESOLVED",
    "CLOSED",
    "CANCELED",
];

pub(super) fn company(rng: &mut SplitMix64) -> String {
    format!(
        "{} {} {}",
        rng.pick(&ADJECTIVES),
        rng.pick(&NOUNS),
        rng.pick(&SUFFIXES)
    )
}

pub(super) fn person(rng: &mut SplitMix64) -> String {
    format!("{} {}", rng.pick(&FIRST), rng.pick(&LAST))
}

/// Fixed points in time, so the data does not depend on when it was generated.
pub(super) struct Calendar {
    pub(super) base: DateTime<Utc>,
    /// A day well in the past: relationships and memberships ending here have lapsed.
    pub(super) lapsed: NaiveDate,
}

impl Calendar {
    pub(super) fn new() -> Self {
        let base = NaiveDate::from_ymd_opt(2025, 1, 1)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .expect("valid date")
            .and_utc();
        Self {
            base,
            lapsed: NaiveDate::from_ymd_opt(2025, 6, 30).expect("valid date"),
        }
    }

    pub(super) fn at(&self, seconds: u64) -> DateTime<Utc> {
        self.base + Duration::seconds(seconds as i64)
    }

    pub(super) fn day(&self, offset: usize) -> NaiveDate {
        self.base.date_naive() + Duration::days(offset as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_ascend_within_a_table() {
        assert!(id(Tag::Case, 1) < id(Tag::Case, 2));
        assert_eq!(id(Tag::Case, 5).get_version_num(), 7);
        assert_ne!(id(Tag::Case, 1), id(Tag::Account, 1));
    }
}
