//! Liaison's integration tests: one binary, every test on its own database and server,
//! run on SQLite by default and on PostgreSQL when `LIAISON_TEST_DATABASE_URL` is set.

mod account_relationships;
mod account_visibility;
mod contact_relationships;
mod fixtures3;
mod harness;
mod hierarchy;
mod partner_scenario;
mod relationship_types;
mod responsibilities;
mod smoke;
