//! Liaison: a GraphQL API over the relationship model of a customer-service platform.
//!
//! Layers, each depending only on the ones below it:
//! `http` (axum server) -> `graphql` (schema, loaders) -> `domain` (rules, access engine) -> `entity`;
//! `seed` loads the demo data set through `domain`.

pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod graphql;
pub mod http;
pub mod seed;
