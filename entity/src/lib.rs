//! Liaison's tables as sea-orm entities: data shapes only, no behaviour and no GraphQL.

pub mod account;
pub mod account_relationship;
pub mod account_relationship_side;
pub mod account_relationship_type;
pub mod audit_log;
pub mod case;
pub mod case_comment;
pub mod change_feed_head;
pub mod consumer;
pub mod consumer_relationship;
pub mod consumer_relationship_side;
pub mod contact;
pub mod contact_relationship;
pub mod household;
pub mod household_membership;
pub mod internal_user;
pub mod responsibility_definition;
pub mod role_assignment;
pub mod team_member;
