//! Liaison: a GraphQL API over the relationship model of a customer-service platform.
//!
//! Layers, each depending only on the ones below it:
//! `http` (axum server) -> `graphql` (schema, loaders) -> `domain` (rules of the records) ->
//! `access` (the access engine) -> `entity`; `pagination` (keyset pages) and `sql` (bound marks)
//! are leaves used by the layers above them; `seed` loads the demo data set through `domain`.

pub mod access;
pub mod auth;
pub mod config;
pub mod config_file;
pub mod db;
pub mod domain;
pub mod graphql;
pub mod http;
pub mod pagination;
pub mod seed;
pub mod sql;
pub mod telemetry;
