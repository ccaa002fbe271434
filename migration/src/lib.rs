//! Liaison's schema history: every change to the tables, in order, for SQLite and PostgreSQL alike.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_directory;
pub mod m20261122_000002_relationships;
mod m20261122_000003_service_model;
mod m20261122_000004_cases;
mod m20261202_000005_concurrent_writers;
mod m20261203_000001_change_feed;
pub mod m20261203_000002_history;
mod shared;

/// The ordered list of migrations the server applies on start.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_directory::Migration),
            Box::new(m20261122_000002_relationships::Migration),
            Box::new(m20261122_000003_service_model::Migration),
            Box::new(m20261122_000004_cases::Migration),
            Box::new(m20261202_000005_concurrent_writers::Migration),
            Box::new(m20261203_000001_change_feed::Migration),
            Box::new(m20261203_000002_history::Migration),
        ]
    }
}
