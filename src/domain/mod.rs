//! Domain rules of the records, free of GraphQL: what may be stored and how it changes. Who may
//! see and change what is the access engine's (`crate::access`), which every operation here asks.

pub mod account_relationships;
pub mod accounts;
pub mod audit;
pub mod audit_trail;
pub mod cascade;
pub mod cases;
pub mod change_feed;
pub mod clock;
pub mod consumer_relationships;
pub mod consumers;
pub mod contact_relationships;
pub mod contacts;
pub mod context;
pub mod error;
pub mod events;
pub mod hierarchy;
pub mod households;
pub mod input;
pub mod internal_users;
pub mod locks;
pub mod relationship_types;
pub mod responsibilities;
pub mod roles;
pub mod rows;
pub mod sequences;
pub mod set_validity;
pub mod side_rows;
pub mod sweep;
pub mod teams;
pub mod validity;
pub mod versions;

pub use context::Ctx;
pub use error::{DomainError, DomainResult};
