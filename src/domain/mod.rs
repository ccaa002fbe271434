//! Domain rules and the access engine, free of GraphQL: what may be stored, who may see it, who may change it.

pub mod access;
pub mod account_relationships;
pub mod accounts;
pub mod audit;
pub mod cascade;
pub mod case_access;
pub mod case_explain;
pub mod cases;
pub mod clock;
pub mod consumer_relationships;
pub mod consumers;
pub mod contact_relationships;
pub mod contacts;
pub mod context;
pub mod error;
pub mod hierarchy;
pub mod households;
pub mod identity;
pub mod impact;
pub mod internal_users;
pub mod page;
pub mod principal;
pub mod relationship_types;
pub mod responsibilities;
pub mod roles;
pub mod rows;
pub mod sequences;
pub mod sweep;
pub mod teams;
pub mod validity;

pub use context::Ctx;
pub use error::{DomainError, DomainResult};
