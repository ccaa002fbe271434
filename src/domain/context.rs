//! What every domain operation needs: the database, the caller, the clock and the limits.

use std::sync::Arc;

use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use super::{DomainResult, clock::Clock};
use crate::access::principal::Principal;

/// Deployment choices that change domain rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// Contact relationships may name a contact of any account, not only related or hierarchy ones.
    pub contact_candidates_any_account: bool,
}

/// Per-request context handed to domain operations.
#[derive(Clone)]
pub struct Ctx {
    pub db: DatabaseConnection,
    pub principal: Arc<Principal>,
    pub clock: Clock,
    pub settings: Settings,
    /// Where this request's change events wait for their commit.
    pub events: super::events::Outbox,
}

impl Ctx {
    /// A context for `principal` with default settings.
    pub fn new(db: DatabaseConnection, principal: Principal, clock: Clock) -> Self {
        Self {
            db,
            principal: Arc::new(principal),
            clock,
            settings: Settings::default(),
            events: Default::default(),
        }
    }

    /// The same context with `settings`.
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The same context publishing its change events through `outbox`.
    pub fn with_events(mut self, outbox: super::events::Outbox) -> Self {
        self.events = outbox;
        self
    }

    /// Starts the single transaction a mutation runs in. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so concurrent writers queue instead of failing on lock upgrade. The
    /// transaction is stamped with the clock's instant, which the history triggers record.
    pub async fn write(&self) -> DomainResult<DatabaseTransaction> {
        let sqlite = crate::db::is_sqlite(&self.db);
        let options = TransactionOptions {
            isolation_level: None,
            access_mode: (!sqlite).then_some(AccessMode::ReadWrite),
            sqlite_transaction_mode: sqlite.then_some(SqliteTransactionMode::Immediate),
        };
        let txn = self.db.begin_with_options(options).await?;
        crate::access::as_of::record_instant(&txn, self.clock.now()).await?;
        Ok(txn)
    }

    /// The backend in use.
    pub fn backend(&self) -> sea_orm::DbBackend {
        self.db.get_database_backend()
    }
}
