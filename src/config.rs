//! Server settings: every one a command-line flag and an environment variable.

use std::{net::SocketAddr, time::Duration};

/// Whether the server may fall back to the built-in development signing key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Without a configured key, tokens are signed and checked with a public development secret.
    #[default]
    Development,
    /// A signing key must be configured; the development secret is never used.
    Production,
}

/// The JWT signature algorithms the server can be pinned to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum JwtAlgorithm {
    #[value(name = "HS256")]
    Hs256,
    #[value(name = "RS256")]
    Rs256,
    #[value(name = "ES256")]
    Es256,
    #[value(name = "EdDSA")]
    EdDsa,
}

/// How incoming bearer tokens are verified.
#[derive(Clone, Debug, clap::Args)]
pub struct JwtConfig {
    /// The only algorithm accepted in token headers.
    #[arg(
        long = "jwt-algorithm",
        env = "LIAISON_JWT_ALGORITHM",
        default_value = "HS256"
    )]
    pub algorithm: JwtAlgorithm,
    /// Shared secret for HS256.
    #[arg(
        long = "jwt-secret",
        env = "LIAISON_JWT_SECRET",
        hide_env_values = true
    )]
    pub secret: Option<String>,
    /// PEM public keys for RS256/ES256/EdDSA, as `kid=path` pairs separated by commas
    /// (a single bare path is accepted when tokens carry no `kid`).
    #[arg(long = "jwt-public-keys", env = "LIAISON_JWT_PUBLIC_KEYS")]
    pub public_keys: Option<String>,
    /// Required `iss` claim, when set.
    #[arg(long = "jwt-issuer", env = "LIAISON_JWT_ISSUER")]
    pub issuer: Option<String>,
    /// Required `aud` claim, when set.
    #[arg(long = "jwt-audience", env = "LIAISON_JWT_AUDIENCE")]
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    #[arg(
        long = "jwt-leeway-seconds",
        env = "LIAISON_JWT_LEEWAY_SECONDS",
        default_value_t = 30
    )]
    pub leeway_seconds: u64,
    /// Longest accepted bearer token, in bytes; longer ones are refused before any decoding.
    #[arg(
        long = "jwt-max-token-bytes",
        env = "LIAISON_JWT_MAX_TOKEN_BYTES",
        default_value_t = JwtConfig::DEFAULT_MAX_TOKEN_BYTES
    )]
    pub max_token_bytes: usize,
}

impl JwtConfig {
    /// Default of `max_token_bytes`: far above any real access token, far below a header flood.
    pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

    /// True when no key material is configured, so only development mode can serve.
    pub fn has_no_key(&self) -> bool {
        self.secret.is_none() && self.public_keys.is_none()
    }
}

/// Where the data lives and how many connections reach it.
#[derive(Clone, Debug, clap::Args)]
pub struct DatabaseConfig {
    /// `sqlite://file.db?mode=rwc` or `postgres://user@host/db`.
    #[arg(
        long = "database-url",
        env = "LIAISON_DATABASE_URL",
        default_value = "sqlite://liaison.db?mode=rwc"
    )]
    pub url: String,
    /// Upper bound of the connection pool.
    #[arg(
        long = "db-max-connections",
        env = "LIAISON_DB_MAX_CONNECTIONS",
        default_value_t = 10
    )]
    pub max_connections: u32,
}

/// The default of every limit, stated once for the command line, `Limits::default()` and the
/// GraphQL cost estimate.
pub mod limit_defaults {
    /// Largest accepted request body, in bytes.
    pub const MAX_BODY_BYTES: usize = 256 * 1024;
    /// Seconds before a request is cancelled.
    pub const REQUEST_TIMEOUT_SECONDS: u64 = 30;
    /// Deepest accepted selection set.
    pub const MAX_DEPTH: usize = 15;
    /// Highest accepted query cost.
    pub const MAX_COMPLEXITY: usize = 50_000;
    /// Most aliased fields in one document.
    pub const MAX_ALIASES: usize = 30;
    /// Most operations in one batched request.
    pub const MAX_BATCH: usize = 10;
    /// Largest `first`/`last` a connection accepts.
    pub const MAX_PAGE_SIZE: u64 = 100;
    /// Page size when neither `first` nor `last` is given.
    pub const DEFAULT_PAGE_SIZE: u64 = 20;
    /// Most fields in one document once fragments are expanded (all operations together).
    pub const MAX_FIELDS: usize = 2_000;
    /// Most selections listed in one selection set, before fields are merged.
    pub const MAX_SELECTIONS: usize = 100;
    /// Most directives on one field, fragment or operation.
    pub const MAX_DIRECTIVES_PER_FIELD: usize = 4;
    /// Most directives in one document.
    pub const MAX_DIRECTIVES: usize = 50;
}

/// Limits that protect the server from expensive or abusive requests.
#[derive(Clone, Debug, clap::Args)]
pub struct Limits {
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "LIAISON_MAX_BODY_BYTES", default_value_t = limit_defaults::MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// Requests running longer are cancelled, in seconds.
    #[arg(long, env = "LIAISON_REQUEST_TIMEOUT_SECONDS", default_value_t = limit_defaults::REQUEST_TIMEOUT_SECONDS)]
    pub request_timeout_seconds: u64,
    /// Deepest accepted selection set.
    #[arg(long, env = "LIAISON_MAX_DEPTH", default_value_t = limit_defaults::MAX_DEPTH)]
    pub max_depth: usize,
    /// Highest accepted query cost; list fields cost their page size times their children.
    #[arg(long, env = "LIAISON_MAX_COMPLEXITY", default_value_t = limit_defaults::MAX_COMPLEXITY)]
    pub max_complexity: usize,
    /// Most aliased fields accepted in one document.
    #[arg(long, env = "LIAISON_MAX_ALIASES", default_value_t = limit_defaults::MAX_ALIASES)]
    pub max_aliases: usize,
    /// Most operations accepted in one batched request.
    #[arg(long, env = "LIAISON_MAX_BATCH", default_value_t = limit_defaults::MAX_BATCH)]
    pub max_batch: usize,
    /// Largest `first`/`last` a connection accepts.
    #[arg(long, env = "LIAISON_MAX_PAGE_SIZE", default_value_t = limit_defaults::MAX_PAGE_SIZE)]
    pub max_page_size: u64,
    /// Page size when neither `first` nor `last` is given.
    #[arg(long, env = "LIAISON_DEFAULT_PAGE_SIZE", default_value_t = limit_defaults::DEFAULT_PAGE_SIZE)]
    pub default_page_size: u64,
    /// Whether the schema may be introspected (default: on in development, off in production).
    #[arg(long, env = "LIAISON_INTROSPECTION", action = clap::ArgAction::Set)]
    pub introspection: Option<bool>,
    /// Whether /graphql responses carry an `x-sql-statements` header (default: on in development, off in production).
    #[arg(long, env = "LIAISON_STATEMENT_HEADER", action = clap::ArgAction::Set)]
    pub statement_header: Option<bool>,
    /// Most fields in one document once fragments are expanded, all operations (and a batch's) together.
    #[arg(long, env = "LIAISON_MAX_FIELDS", default_value_t = limit_defaults::MAX_FIELDS)]
    pub max_fields: usize,
    /// Most selections listed in one selection set, before fields are merged.
    #[arg(long, env = "LIAISON_MAX_SELECTIONS", default_value_t = limit_defaults::MAX_SELECTIONS)]
    pub max_selections: usize,
    /// Most directives on one field, fragment or operation.
    #[arg(long, env = "LIAISON_MAX_DIRECTIVES_PER_FIELD", default_value_t = limit_defaults::MAX_DIRECTIVES_PER_FIELD)]
    pub max_directives_per_field: usize,
    /// Most directives in one document.
    #[arg(long, env = "LIAISON_MAX_DIRECTIVES", default_value_t = limit_defaults::MAX_DIRECTIVES)]
    pub max_directives: usize,
    /// Whether GET /graphql serves GraphiQL (default: on in development, off in production).
    #[arg(long, env = "LIAISON_GRAPHIQL", action = clap::ArgAction::Set)]
    pub graphiql: Option<bool>,
    /// Whether validation errors suggest similar names, "Did you mean ..." (default: on in development, off in production).
    #[arg(long, env = "LIAISON_SUGGESTIONS", action = clap::ArgAction::Set)]
    pub suggestions: Option<bool>,
    /// Whether a JSON array of operations is accepted as one request (default: on in development, off in production).
    #[arg(long, env = "LIAISON_BATCHING", action = clap::ArgAction::Set)]
    pub batching: Option<bool>,
    /// Whether GET /metrics serves Prometheus metrics (on in both modes).
    #[arg(long, env = "LIAISON_METRICS", action = clap::ArgAction::Set, default_value_t = true)]
    pub metrics: bool,
    /// The mode the switches above default by; `serve` copies `--mode` in.
    #[arg(skip)]
    pub mode: Mode,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: limit_defaults::MAX_BODY_BYTES,
            request_timeout_seconds: limit_defaults::REQUEST_TIMEOUT_SECONDS,
            max_depth: limit_defaults::MAX_DEPTH,
            max_complexity: limit_defaults::MAX_COMPLEXITY,
            max_aliases: limit_defaults::MAX_ALIASES,
            max_batch: limit_defaults::MAX_BATCH,
            max_page_size: limit_defaults::MAX_PAGE_SIZE,
            default_page_size: limit_defaults::DEFAULT_PAGE_SIZE,
            introspection: None,
            statement_header: None,
            max_fields: limit_defaults::MAX_FIELDS,
            max_selections: limit_defaults::MAX_SELECTIONS,
            max_directives_per_field: limit_defaults::MAX_DIRECTIVES_PER_FIELD,
            max_directives: limit_defaults::MAX_DIRECTIVES,
            graphiql: None,
            suggestions: None,
            batching: None,
            metrics: true,
            mode: Mode::Development,
        }
    }
}

impl Limits {
    /// The request timeout as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_seconds)
    }

    /// A switch as set, else its mode's default: on in development, off in production.
    fn switch(&self, set: Option<bool>) -> bool {
        set.unwrap_or(self.mode == Mode::Development)
    }

    /// Whether the schema may be introspected.
    pub fn introspection_on(&self) -> bool {
        self.switch(self.introspection)
    }

    /// Whether responses carry the `x-sql-statements` header.
    pub fn statement_header_on(&self) -> bool {
        self.switch(self.statement_header)
    }

    /// Whether GET /graphql serves GraphiQL.
    pub fn graphiql_on(&self) -> bool {
        self.switch(self.graphiql)
    }

    /// Whether validation errors suggest similar names.
    pub fn suggestions_on(&self) -> bool {
        self.switch(self.suggestions)
    }

    /// Whether array batching is accepted.
    pub fn batching_on(&self) -> bool {
        self.switch(self.batching)
    }
}

/// Everything `liaison serve` needs.
#[derive(Clone, Debug, clap::Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "LIAISON_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Development mode allows the public development key; production refuses to start without a key.
    #[arg(long, env = "LIAISON_MODE", value_enum, default_value = "development")]
    pub mode: Mode,
    /// Skip applying pending migrations on start.
    #[arg(long, env = "LIAISON_NO_MIGRATE")]
    pub no_migrate: bool,
    /// Load the demo data set (idempotent) before serving.
    #[arg(long, env = "LIAISON_DEMO")]
    pub demo: bool,
    #[command(flatten)]
    pub database: DatabaseConfig,
    #[command(flatten)]
    pub jwt: JwtConfig,
    #[command(flatten)]
    pub limits: Limits,
    /// Contact relationships may name a contact of any account, not only of related or hierarchy accounts.
    #[arg(long, env = "LIAISON_CONTACT_CANDIDATES_ANY_ACCOUNT")]
    pub contact_candidates_any_account: bool,
    /// Seconds between sweeps of memberships that have run out (0 disables the periodic sweep).
    #[arg(long, env = "LIAISON_SWEEP_INTERVAL_SECONDS", default_value_t = 3600)]
    pub sweep_interval_seconds: u64,
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, env = "LIAISON_LOG_JSON")]
    pub log_json: bool,
    #[command(flatten)]
    pub cors: CorsConfig,
    #[command(flatten)]
    pub persisted: PersistedQueriesConfig,
    #[command(flatten)]
    pub subscriptions: SubscriptionLimits,
}

/// The defaults of the CORS settings, stated once for the command line and `CorsConfig::default()`.
pub mod cors_defaults {
    /// Methods a cross-origin request may use.
    pub const METHODS: &str = "GET,POST";
    /// Request headers a cross-origin request may send.
    pub const HEADERS: &str = "authorization,content-type,accept,x-request-id,traceparent";
    /// Seconds a browser may cache a preflight answer.
    pub const MAX_AGE_SECONDS: u64 = 600;
}

/// Which browser origins may call the API (CORS), and with which methods and headers.
#[derive(Clone, Debug, clap::Args)]
pub struct CorsConfig {
    /// Origins allowed to call the API from a browser, comma-separated: `https://portal.example.com`,
    /// `http://localhost:*` (any port), `*` (any origin) or `none`. Unset: development mode allows
    /// http://localhost:*, http://127.0.0.1:* and http://[::1]:*; production allows none.
    #[arg(
        long = "cors-origins",
        env = "LIAISON_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub origins: Option<Vec<String>>,
    /// Methods a cross-origin request may use, comma-separated (`*` allows any).
    #[arg(long = "cors-methods", env = "LIAISON_CORS_METHODS", value_delimiter = ',', default_value = cors_defaults::METHODS)]
    pub methods: Vec<String>,
    /// Request headers a cross-origin request may send, comma-separated (`*` allows any).
    #[arg(long = "cors-headers", env = "LIAISON_CORS_HEADERS", value_delimiter = ',', default_value = cors_defaults::HEADERS)]
    pub headers: Vec<String>,
    /// Seconds a browser may cache a preflight answer.
    #[arg(long = "cors-max-age-seconds", env = "LIAISON_CORS_MAX_AGE_SECONDS", default_value_t = cors_defaults::MAX_AGE_SECONDS)]
    pub max_age_seconds: u64,
}

impl Default for CorsConfig {
    fn default() -> Self {
        let list = |text: &str| text.split(',').map(str::to_owned).collect();
        Self {
            origins: None,
            methods: list(cors_defaults::METHODS),
            headers: list(cors_defaults::HEADERS),
            max_age_seconds: cors_defaults::MAX_AGE_SECONDS,
        }
    }
}

/// Which documents the server runs, by the persisted-queries setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PersistedQueriesMode {
    /// Any document runs; a hash without a document is answered `PERSISTED_QUERY_NOT_SUPPORTED`.
    Off,
    /// Any document runs, and Apollo's automatic persisted queries register documents by hash.
    Apq,
    /// Only the trusted-documents manifest's operations run; nothing is registered.
    Trusted,
}

/// The defaults of the persisted-query settings, stated once for the command line and `Default`.
pub mod persisted_defaults {
    /// Most documents the automatic-persisted-query cache holds.
    pub const APQ_CACHE_ENTRIES: usize = 1_000;
    /// Most bytes of document text the automatic-persisted-query cache holds.
    pub const APQ_CACHE_BYTES: usize = 16 * 1024 * 1024;
}

/// Persisted queries: automatic (APQ, registered by clients) and trusted documents (a manifest).
#[derive(Clone, Debug, clap::Args)]
pub struct PersistedQueriesConfig {
    /// `off`, `apq` or `trusted` (only the manifest's operations run). Unset: `apq`, except in
    /// production with a manifest configured, which is `trusted`.
    #[arg(
        long = "persisted-queries",
        env = "LIAISON_PERSISTED_QUERIES",
        value_enum
    )]
    pub persisted_mode: Option<PersistedQueriesMode>,
    /// A trusted-documents manifest (JSON): `{"<id>": "<document>", ...}` (Relay, Apollo's
    /// persisted query list as a map) or Apollo's `apollo-persisted-query-manifest`; read at start.
    #[arg(long = "trusted-documents", env = "LIAISON_TRUSTED_DOCUMENTS")]
    pub manifest: Option<std::path::PathBuf>,
    /// Most documents the automatic-persisted-query cache holds (least recently used go first).
    #[arg(long = "apq-cache-entries", env = "LIAISON_APQ_CACHE_ENTRIES", default_value_t = persisted_defaults::APQ_CACHE_ENTRIES)]
    pub apq_cache_entries: usize,
    /// Most bytes of document text the automatic-persisted-query cache holds.
    #[arg(long = "apq-cache-bytes", env = "LIAISON_APQ_CACHE_BYTES", default_value_t = persisted_defaults::APQ_CACHE_BYTES)]
    pub apq_cache_bytes: usize,
}

impl Default for PersistedQueriesConfig {
    fn default() -> Self {
        Self {
            persisted_mode: None,
            manifest: None,
            apq_cache_entries: persisted_defaults::APQ_CACHE_ENTRIES,
            apq_cache_bytes: persisted_defaults::APQ_CACHE_BYTES,
        }
    }
}

impl PersistedQueriesConfig {
    /// The mode as set, else `trusted` in production with a manifest, else `apq`.
    pub fn mode_in(&self, mode: Mode) -> PersistedQueriesMode {
        self.persisted_mode
            .unwrap_or(if mode == Mode::Production && self.manifest.is_some() {
                PersistedQueriesMode::Trusted
            } else {
                PersistedQueriesMode::Apq
            })
    }
}

/// Bounds of the WebSocket subscriptions endpoint, per connection and per principal.
#[derive(Clone, Debug, clap::Args)]
pub struct SubscriptionLimits {
    /// Messages a connection may have waiting to be written; a subscriber that falls further
    /// behind is disconnected.
    #[arg(long, env = "LIAISON_WS_BUFFER_MESSAGES", default_value_t = SubscriptionLimits::BUFFER)]
    pub ws_buffer_messages: usize,
    /// Open WebSocket connections one principal (token subject) may hold.
    #[arg(long, env = "LIAISON_WS_MAX_CONNECTIONS_PER_PRINCIPAL", default_value_t = SubscriptionLimits::CONNECTIONS)]
    pub ws_max_connections_per_principal: usize,
    /// Active subscriptions one principal may hold across its connections.
    #[arg(long, env = "LIAISON_WS_MAX_SUBSCRIPTIONS_PER_PRINCIPAL", default_value_t = SubscriptionLimits::SUBSCRIPTIONS)]
    pub ws_max_subscriptions_per_principal: usize,
    /// Open WebSocket connections the server accepts in all.
    #[arg(long, env = "LIAISON_WS_MAX_CONNECTIONS", default_value_t = SubscriptionLimits::TOTAL)]
    pub ws_max_connections: usize,
}

impl SubscriptionLimits {
    /// Default of `ws_buffer_messages`.
    pub const BUFFER: usize = 256;
    /// Default of `ws_max_connections_per_principal`.
    pub const CONNECTIONS: usize = 8;
    /// Default of `ws_max_subscriptions_per_principal`.
    pub const SUBSCRIPTIONS: usize = 32;
    /// Default of `ws_max_connections`.
    pub const TOTAL: usize = 10_000;
}

impl Default for SubscriptionLimits {
    fn default() -> Self {
        Self {
            ws_buffer_messages: Self::BUFFER,
            ws_max_connections_per_principal: Self::CONNECTIONS,
            ws_max_subscriptions_per_principal: Self::SUBSCRIPTIONS,
            ws_max_connections: Self::TOTAL,
        }
    }
}
