//! The access engine: who a caller is, what it may see and what it may change. It depends on the
//! entities only; the domain layer calls it and turns its errors into domain errors.
//!
//! Where things live:
//! - `principal`, `identity` (with `identity_cache`), `stored_roles`: the caller (token roles and the stored person its
//!   subject names), and the principal a stored person acts as when others ask about it.
//! - `rules/`: the case rules by family (`staff`, `contact`, `partner`, `consumer`). Each rule is
//!   written once, as SQL arms on `cases` next to the path that explains it; partner stamping sits
//!   with the partner rules.
//! - The questions, one file each: `check` (one case), `list` (all cases), `may_create` (a case
//!   not yet there), `explain` (why), `who_can_access` (everyone who can), `impact` (what a
//!   change does).
//! - `visibility`: which rows of every other table a principal may see.
//! - `permission`: the rights to change data, one enum and one [`require`].
//! - `period`, `hierarchy`: the SQL pieces the rules share (dates in force, the account
//!   tree, placeholders for both backends).
//!
//! How one rule works: it counts for a principal holding one of its roles
//! ([`rules::Rule::roles`]) who is the kind of party it is about (a contact, a consumer, an
//! internal user). Its arms are conditions on `cases`; a check is their disjunction on one row, a
//! list is their union, may-create evaluates them on the prospective row, and an explanation
//! evaluates each rule alone and then follows the rule's path. Relationships outside their
//! validity dates or of an inactive type grant nothing; a team member's required role is read from
//! the stored role assignments; a principal's identities (internal user, contact, consumer) add up.

pub mod as_of;
pub mod check;
pub mod error;
pub mod explain;
pub mod hierarchy;
pub mod identity;
pub mod identity_cache;
pub mod impact;
pub mod list;
pub mod may_create;
pub mod period;
pub mod permission;
pub mod prepared;
pub mod principal;
pub mod rules;

pub mod stored_roles;
pub mod visibility;
pub mod who_can_access;

#[cfg(test)]
mod tests;

pub use check::{Action, check, check_statement};
pub use error::{AccessError, AccessResult};
pub use explain::explain;
pub use may_create::{Prospect, may_create};
pub use permission::{Permission, require};
pub use stored_roles::stored_principal;
pub use who_can_access::who_can_read;
