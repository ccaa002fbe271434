//! Liaison's integration tests: one binary, every test on its own database and server,
//! run on SQLite by default and on PostgreSQL when `LIAISON_TEST_DATABASE_URL` is set.

mod access_rules;
mod account_relationships;
mod account_visibility;
mod auth;
mod cascades;
mod case_statements;
mod cases;
mod consumer_relationships;
mod contact_relationships;
mod explain;
mod hierarchy;
mod households4;
mod http;
mod ids;
mod mutations;
mod pagination;
mod partner_cases;
mod partner_scenario;
mod property;
mod quickstart;
mod relationship_types;
mod responsibilities;
mod roles;
mod schema_drift;
mod service_model_roles;
mod service_model_statements;
mod smoke;
mod statements;
mod support;
mod sweep;
mod teams;
mod validity;
mod visibility;
