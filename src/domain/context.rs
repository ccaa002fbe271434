//! What every domain operation needs: the database, the caller, the clock and the limits.

use std::sync::Arc;

use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use super::{DomainResult, clock::Clock, principal::Principal};

/// Per-request context handed to domain operations.
#[derive(Clone)]
pub struct Ctx {
    pub db: DatabaseConnection,
    pub principal: Arc<Principal>,
    pub clock: Clock,
}

impl Ctx {
    /// A context for `principal`.
    pub fn new(db: DatabaseConnection, principal: Principal, clock: Clock) -> Self {
        Self {
            db,
            principal: Arc::new(principal),
            clock,
        }
    }

    /// Starts the single transaction a mutation runs in. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so concurrent writers queue instead of failing on lock upgrade.
    pub async fn write(&self) -> DomainResult<DatabaseTransaction> {
        let sqlite = crate::db::is_sqlite(&self.db);
        let options = TransactionOptions {
            isolation_level: None,
            access_mode: (!sqlite).then_some(AccessMode::ReadWrite),
            sqlite_transaction_mode: sqlite.then_some(SqliteTransactionMode::Immediate),
        };
        Ok(self.db.begin_with_options(options).await?)
    }

    /// The backend in use.
    pub fn backend(&self) -> sea_orm::DbBackend {
        self.db.get_database_backend()
    }
}
