//! Liaison's tables as sea-orm entities: data shapes only, no behaviour and no GraphQL.

pub mod account;
pub mod audit_log;
pub mod consumer;
pub mod contact;
pub mod household;
pub mod household_membership;
pub mod internal_user;
pub mod role_assignment;
