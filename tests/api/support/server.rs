//! The per-test server: each test gets its own database (SQLite file, or a fresh PostgreSQL database when
//! `LIAISON_TEST_DATABASE_URL` is set) and its own server on a random loopback port.

use std::{
    path::PathBuf,
    sync::atomic::{AtomicU64, Ordering},
};

use super::roles::ADMIN;
use liaison::{
    auth::{self, Authenticator},
    config::{DatabaseConfig, JwtAlgorithm, JwtConfig, Limits, Mode, SubscriptionLimits},
    db,
    domain::clock::Clock,
    http::{self, AppState, cors::CorsPolicy, persisted::PersistedQueries},
};

/// The HS256 secret test servers use.
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";
/// The issuer test tokens carry.
pub const ISSUER: &str = "https://idp.test";
/// The audience test tokens carry.
pub const AUDIENCE: &str = "liaison-test";
/// Whether the suite runs on PostgreSQL (`LIAISON_TEST_DATABASE_URL` set), where several servers
/// can share one database and hear each other's commits.
pub fn postgres() -> bool {
    std::env::var("LIAISON_TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty())
}

/// The subject of `TestApp::admin`'s token, as audit entries name it.
pub const ADMIN_SUBJECT: &str = "test.admin";

/// The JWT settings of test servers.
pub fn jwt_config() -> JwtConfig {
    JwtConfig {
        algorithm: JwtAlgorithm::Hs256,
        secret: Some(SECRET.into()),
        public_keys: None,
        issuer: Some(ISSUER.into()),
        audience: Some(AUDIENCE.into()),
        leeway_seconds: 0,
        max_token_bytes: JwtConfig::DEFAULT_MAX_TOKEN_BYTES,
    }
}

enum Store {
    Sqlite(PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another app's database: dropped by that app.
    Shared,
}

/// A running server on its own database.
pub struct TestApp {
    pub url: String,
    /// The URL of this app's own database, for running the CLI against it.
    pub database_url: String,
    pub clock: Clock,
    pub db: sea_orm::DatabaseConnection,
    client: reqwest::Client,
    store: Store,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// The server's WebSocket quotas, to see its subscriptions and connections.
    pub quotas: Option<std::sync::Arc<liaison::http::ws::Quotas>>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    format!(
        "liaison_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        uuid::Uuid::new_v4().simple()
    )
}

impl TestApp {
    /// Starts a server with default limits.
    pub async fn spawn() -> Self {
        Self::spawn_with(Limits::default()).await
    }

    /// Starts a server with `limits`.
    pub async fn spawn_with(limits: Limits) -> Self {
        Self::start(limits, jwt_config(), CorsPolicy::default()).await
    }

    /// Starts a server with default limits whose tokens are verified with `jwt` (production mode).
    pub async fn spawn_with_auth(jwt: JwtConfig) -> Self {
        Self::start(Limits::default(), jwt, CorsPolicy::default()).await
    }

    /// Starts a server with default limits that answers browsers by the CORS `policy`.
    pub async fn spawn_with_cors(policy: CorsPolicy) -> Self {
        Self::start(Limits::default(), jwt_config(), policy).await
    }

    /// Starts a server with `limits` whose persisted queries are `store`'s.
    pub async fn spawn_with_persisted(limits: Limits, store: PersistedQueries) -> Self {
        Self::start_edited(limits, jwt_config(), CorsPolicy::default(), |state| {
            state.with_persisted(store)
        })
        .await
    }

    /// Starts a server with default limits and the WebSocket `limits`.
    pub async fn spawn_with_subscriptions(limits: SubscriptionLimits) -> Self {
        Self::start_edited(
            Limits::default(),
            jwt_config(),
            CorsPolicy::default(),
            |state| state.with_subscriptions(&limits),
        )
        .await
    }

    /// Starts a second server on `other`'s database (which `other` drops).
    pub async fn spawn_sharing(other: &TestApp) -> Self {
        Self::serve_on(
            other.database_url.clone(),
            Store::Shared,
            Limits::default(),
            jwt_config(),
            |state| state,
        )
        .await
    }

    async fn start(limits: Limits, jwt: JwtConfig, cors: CorsPolicy) -> Self {
        Self::start_edited(limits, jwt, cors, |state| state).await
    }

    async fn start_edited(
        limits: Limits,
        jwt: JwtConfig,
        cors: CorsPolicy,
        edit: impl FnOnce(AppState) -> AppState,
    ) -> Self {
        let name = unique_name();
        let (url, store) = match std::env::var("LIAISON_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let admin = sea_orm::Database::connect(&admin_url)
                    .await
                    .expect("connect to PostgreSQL");
                use sea_orm::ConnectionTrait;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_owned())
                    .expect("database URL has a path");
                (
                    format!("{base}/{name}"),
                    Store::Postgres { admin_url, name },
                )
            }
            _ => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    Store::Sqlite(path),
                )
            }
        };
        Self::serve_on(url, store, limits, jwt, |state| edit(state.with_cors(cors))).await
    }

    async fn serve_on(
        url: String,
        store: Store,
        limits: Limits,
        jwt: JwtConfig,
        edit: impl FnOnce(AppState) -> AppState,
    ) -> Self {
        let conn = db::connect(&DatabaseConfig {
            url: url.clone(),
            max_connections: 4,
        })
        .await
        .expect("connect");
        db::migrate(&conn).await.expect("migrate");
        let clock = Clock::default();
        let auth = Authenticator::new(&jwt, Mode::Production).expect("auth config");
        let state = edit(AppState::new(conn.clone(), auth, limits, clock.clone()));
        let quotas = Some(state.quotas.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(http::serve(listener, state, async move {
            let _ = rx.await;
        }));
        Self {
            url: format!("http://{address}"),
            database_url: url,
            clock,
            db: conn,
            client: reqwest::Client::new(),
            store,
            shutdown: Some(tx),
            quotas,
        }
    }

    /// A valid token for `sub` with `roles`.
    pub fn token(&self, sub: &str, roles: &[&str]) -> String {
        let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        auth::mint(&jwt_config(), None, None, sub, &roles, 3600).expect("mint")
    }

    /// A token for an admin who has no stored user record.
    pub fn admin(&self) -> String {
        self.token(ADMIN_SUBJECT, &[ADMIN])
    }

    /// The shared HTTP client, for raw requests.
    pub fn http(&self) -> &reqwest::Client {
        &self.client
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match &self.store {
            Store::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Store::Shared => {}
            Store::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let db = self.db.clone();
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    runtime.block_on(async move {
                        let _ = db.close_by_ref().await;
                        if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                            use sea_orm::ConnectionTrait;
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}
