//! Committed changes as live events: every audit entry is announced inside its transaction and
//! reaches each server's in-process bus only if that transaction commits.
//!
//! On PostgreSQL the announcement is `pg_notify('liaison_events', ..)`, which PostgreSQL delivers
//! at commit to every listening server (this one included); each server keeps one LISTEN
//! connection that feeds its bus. On SQLite (one process) the announcement waits in the request's
//! outbox and is published after the request, for the entries whose audit row was committed.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    Statement,
};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::{Ctx, DomainResult};

/// The PostgreSQL channel events travel on.
pub const CHANNEL: &str = "liaison_events";

/// One committed change: what was done to which record, by whom and when (the NOTIFY payload).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The audit entry's id.
    pub entry: Uuid,
    /// The audit action: create, update, delete, comment, change_state, ...
    pub action: String,
    /// The kind of record changed (case, account_relationship, ...).
    pub kind: String,
    /// The record's id.
    pub id: Uuid,
    /// The subject of the token that made the change.
    pub actor: Option<String>,
    pub at: DateTime<Utc>,
}

impl Event {
    /// Whether this change can alter who may read which case: everything but a case's comments
    /// and state changes (a case's update may move it to another account or contact).
    pub fn may_change_access(&self) -> bool {
        !(self.kind == "case" && matches!(self.action.as_str(), "comment" | "change_state"))
    }
}

/// Where a request's announcements wait until they can be published (SQLite only).
#[derive(Clone, Default)]
pub struct Outbox {
    bus: Option<broadcast::Sender<Arc<Event>>>,
    pending: Arc<Mutex<Vec<Event>>>,
    /// The audit entries this request announced, committed or not (see [`Outbox::announced`]).
    announced: Arc<Mutex<Vec<Uuid>>>,
}

impl Outbox {
    /// An outbox publishing to `bus`.
    pub fn to(bus: broadcast::Sender<Arc<Event>>) -> Self {
        Self {
            bus: Some(bus),
            pending: Arc::default(),
            announced: Arc::default(),
        }
    }

    /// Takes the ids of the audit entries announced through this outbox so far: the server
    /// that ran the request knows these changes itself when their events come back on the bus.
    pub fn announced(&self) -> Vec<Uuid> {
        std::mem::take(&mut *self.announced.lock().expect("outbox"))
    }
}

/// Announces a change inside its transaction and returns the id its audit entry gets.
pub async fn announce(
    ctx: &Ctx,
    txn: &impl ConnectionTrait,
    action: &str,
    kind: &str,
    id: Uuid,
) -> DomainResult<Uuid> {
    let event = Event {
        entry: Uuid::now_v7(),
        action: action.to_owned(),
        kind: kind.to_owned(),
        id,
        actor: ctx.principal.subject.clone(),
        at: ctx.clock.now(),
    };
    let entry = event.entry;
    ctx.events.announced.lock().expect("outbox").push(entry);
    if crate::db::is_sqlite(txn) {
        if ctx.events.bus.is_some() {
            ctx.events.pending.lock().expect("outbox").push(event);
        }
    } else {
        let payload = serde_json::to_string(&event).unwrap_or_default();
        txn.execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), payload.into()],
        ))
        .await?;
    }
    Ok(entry)
}

/// Publishes the request's waiting announcements whose audit entries were committed, in order.
pub async fn flush(ctx: &Ctx) -> DomainResult<()> {
    let Some(bus) = &ctx.events.bus else {
        return Ok(());
    };
    let waiting = std::mem::take(&mut *ctx.events.pending.lock().expect("outbox"));
    if waiting.is_empty() {
        return Ok(());
    }
    let mut committed = Vec::new();
    for chunk in waiting.chunks(500) {
        let ids: Vec<Uuid> = audit_log::Entity::find()
            .select_only()
            .column(audit_log::Column::Id)
            .filter(audit_log::Column::Id.is_in(chunk.iter().map(|e| e.entry)))
            .into_tuple()
            .all(&ctx.db)
            .await?;
        committed.extend(ids);
    }
    for event in waiting {
        if committed.contains(&event.entry) {
            let _ = bus.send(Arc::new(event));
        }
    }
    Ok(())
}

/// A server's event bus, with the LISTEN task that feeds it on PostgreSQL.
pub struct Hub {
    bus: broadcast::Sender<Arc<Event>>,
    listener: Option<tokio::task::JoinHandle<()>>,
    /// Whether the bus hears every commit (on PostgreSQL: while LISTEN is in place).
    listening: tokio::sync::watch::Receiver<bool>,
}

impl Hub {
    /// Events a lagging bus receiver may fall behind by before it misses some.
    pub const CAPACITY: usize = 4096;

    /// The bus of a server on `db`; on PostgreSQL it starts listening (inside a tokio runtime).
    pub fn new(db: &DatabaseConnection) -> Self {
        let (bus, _) = broadcast::channel(Self::CAPACITY);
        let sqlite = crate::db::is_sqlite(db);
        let (heard, listening) = tokio::sync::watch::channel(sqlite);
        let listener = (!sqlite)
            .then(|| tokio::runtime::Handle::try_current().ok())
            .flatten()
            .map(|runtime| runtime.spawn(listen(db.clone(), bus.clone(), heard)));
        Self {
            bus,
            listener,
            listening,
        }
    }

    /// Waits until the bus hears commits (a new server's LISTEN connection is in place).
    pub async fn listening(&self) {
        let mut listening = self.listening.clone();
        let _ = listening.wait_for(|on| *on).await;
    }

    /// Whether the bus hears every commit, as it changes (see [`Self::listening`]).
    pub fn hearing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.listening.clone()
    }

    /// A new receiver of every event committed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.bus.subscribe()
    }

    /// The outbox of one request.
    pub fn outbox(&self) -> Outbox {
        Outbox::to(self.bus.clone())
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        if let Some(listener) = &self.listener {
            listener.abort();
        }
    }
}

/// Keeps one LISTEN connection open and forwards each notification to `bus`, reconnecting after
/// a loss (events committed while disconnected are missed: delivery is at most once).
async fn listen(
    db: DatabaseConnection,
    bus: broadcast::Sender<Arc<Event>>,
    heard: tokio::sync::watch::Sender<bool>,
) {
    // Its own one-connection pool, so that listening never takes a connection from requests.
    let options = (*db.get_postgres_connection_pool().connect_options()).clone();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options);
    let mut pause = std::time::Duration::from_millis(100);
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, "event listener cannot connect; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(std::time::Duration::from_secs(5));
                continue;
            }
        };
        if let Err(err) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %err, "LISTEN failed; retrying");
            tokio::time::sleep(pause).await;
            continue;
        }
        pause = std::time::Duration::from_millis(100);
        heard.send_replace(true);
        loop {
            match listener.try_recv().await {
                Ok(Some(note)) => match serde_json::from_str::<Event>(note.payload()) {
                    Ok(event) => {
                        let _ = bus.send(Arc::new(event));
                    }
                    Err(err) => tracing::warn!(error = %err, "unreadable event notification"),
                },
                Ok(None) => {
                    tracing::warn!("event listener lost its connection; reconnecting");
                    heard.send_replace(false);
                    break;
                }
                Err(err) => {
                    tracing::warn!(error = %err, "event listener failed; reconnecting");
                    heard.send_replace(false);
                    break;
                }
            }
        }
    }
}
