//! Liaison's integration tests: one binary, every test on its own database and server,
//! run on SQLite by default and on PostgreSQL when `LIAISON_TEST_DATABASE_URL` is set.

mod cascades;
mod consumer_relationships;
mod fixtures4;
mod harness;
mod households4;
mod service_model_roles;
mod service_model_statements;
mod smoke;
mod sweep;
mod teams;
