//! Connecting to SQLite or PostgreSQL, migrating, and counting SQL statements per request.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

use crate::config::DatabaseConfig;

tokio::task_local! {
    /// The statement counter of the request whose work runs in this task.
    static STATEMENTS: StatementCounter;
}

/// Counts the SQL statements one request sends, including those sent by dataloader tasks.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements counted so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Runs `fut` with this counter attached, so every statement it sends is counted here.
    pub async fn scope<F: Future>(&self, fut: F) -> F::Output {
        STATEMENTS.scope(self.clone(), fut).await
    }
}

/// Opens the pool for `config.url`, tuned for the backend, with statement counting attached.
pub async fn connect(config: &DatabaseConfig) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(config.url.clone());
    options
        .max_connections(config.max_connections.max(1))
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    let mut db = Database::connect(options).await?;
    db.set_metric_callback(|_info| {
        let _ = STATEMENTS.try_with(|counter| counter.0.fetch_add(1, Ordering::Relaxed));
    });
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Connects and applies pending migrations, as every command that works on the data starts,
/// with the error worded for the command line.
pub async fn open(config: &DatabaseConfig) -> Result<DatabaseConnection, String> {
    let db = connect(config)
        .await
        .map_err(|e| format!("cannot open {}: {e}", config.url))?;
    migrate(&db)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    Ok(db)
}

/// True when the pool talks to SQLite (which needs serialized writers).
pub fn is_sqlite(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Sqlite
}
