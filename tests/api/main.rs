//! Liaison's integration tests: one binary, every test on its own database and server,
//! run on SQLite by default and on PostgreSQL when `LIAISON_TEST_DATABASE_URL` is set.

mod auth;
mod fixtures;
mod harness;
mod http;
mod ids;
mod mutations;
mod pagination;
mod quickstart;
mod roles;
mod schema_drift;
mod smoke;
mod statements;
mod visibility;
