//! Prometheus metrics on GET /metrics (text exposition format 0.0.4): requests by operation and
//! status, request latency, SQL statements, connection pool usage and access-check latency.
//! Each server has its own registry (tests run many servers in one process).

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use sea_orm::{DatabaseConnection, DbBackend};

/// Most distinct operation names given a series of their own; later names count as `other`
/// (operation names are chosen by clients, so they must not grow the registry without bound).
pub const MAX_OPERATION_LABELS: usize = 200;

/// Latency buckets in seconds, from a fast lookup to the request timeout.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The server's metrics and the registry they are exposed from.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    statements: IntCounterVec,
    access_checks: Histogram,
    pool: IntGaugeVec,
    pool_max: IntGauge,
    db: DatabaseConnection,
    operations: Mutex<HashSet<String>>,
}

fn registered<T: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    metric: T,
) -> T {
    registry
        .register(Box::new(metric.clone()))
        .expect("metric names are unique");
    metric
}

impl Metrics {
    /// A fresh registry with every series described; `db` is the pool whose usage is reported.
    pub fn new(db: DatabaseConnection) -> Arc<Self> {
        let registry = Registry::new();
        let latency_opts = |name: &str, help: &str| {
            HistogramOpts::new(name, help).buckets(LATENCY_BUCKETS.to_vec())
        };
        let requests = registered(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "liaison_http_requests_total",
                    "HTTP requests answered, by route, GraphQL operation name and HTTP status",
                ),
                &["path", "operation", "status"],
            )
            .expect("valid metric"),
        );
        let latency = registered(
            &registry,
            HistogramVec::new(
                latency_opts(
                    "liaison_http_request_duration_seconds",
                    "Time from receiving a request to its response, by route and GraphQL operation name",
                ),
                &["path", "operation"],
            )
            .expect("valid metric"),
        );
        let statements = registered(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "liaison_sql_statements_total",
                    "SQL statements sent while answering GraphQL requests, by operation name",
                ),
                &["operation"],
            )
            .expect("valid metric"),
        );
        let access_checks = registered(
            &registry,
            Histogram::with_opts(latency_opts(
                "liaison_access_check_duration_seconds",
                "Time of one access-engine check (accessCheck, Case.viewerCan)",
            ))
            .expect("valid metric"),
        );
        let pool = registered(
            &registry,
            IntGaugeVec::new(
                Opts::new(
                    "liaison_db_pool_connections",
                    "Database pool connections at scrape time, by state (in_use, idle)",
                ),
                &["state"],
            )
            .expect("valid metric"),
        );
        let pool_max = registered(
            &registry,
            IntGauge::new(
                "liaison_db_pool_max_connections",
                "Upper bound of the database pool",
            )
            .expect("valid metric"),
        );
        Arc::new(Self {
            registry,
            requests,
            latency,
            statements,
            access_checks,
            pool,
            pool_max,
            db,
            operations: Mutex::default(),
        })
    }

    /// The histogram access checks are timed into (see `telemetry::time_access_check`).
    pub fn access_checks(&self) -> Histogram {
        self.access_checks.clone()
    }

    /// The label of `operations` (comma-joined names of a request's operations, `-` for none),
    /// `other` once the set of distinct labels is full.
    fn operation_label(&self, operations: &str) -> String {
        if operations.is_empty() {
            return String::new();
        }
        let mut seen = self.operations.lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains(operations) {
            return operations.to_owned();
        }
        if seen.len() >= MAX_OPERATION_LABELS {
            return "other".to_owned();
        }
        seen.insert(operations.to_owned());
        operations.to_owned()
    }

    /// Records one answered request.
    pub fn observe_request(
        &self,
        path: &str,
        operations: &str,
        status: StatusCode,
        elapsed: Duration,
        statements: u64,
    ) {
        let path = route(path);
        let operation = self.operation_label(operations);
        self.requests
            .with_label_values(&[path, operation.as_str(), status.as_str()])
            .inc();
        self.latency
            .with_label_values(&[path, operation.as_str()])
            .observe(elapsed.as_secs_f64());
        if path == "/graphql" && !operation.is_empty() {
            self.statements
                .with_label_values(&[operation.as_str()])
                .inc_by(statements);
        }
    }

    /// Reads the pool's current usage into its gauges.
    fn sample_pool(&self) {
        let (size, idle, max) = match self.db.get_database_backend() {
            DbBackend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            _ => return,
        };
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        let size = i64::from(size);
        self.pool.with_label_values(&["idle"]).set(idle);
        self.pool
            .with_label_values(&["in_use"])
            .set((size - idle).max(0));
        self.pool_max.set(i64::from(max));
    }

    /// Every series in the text exposition format.
    pub fn render(&self) -> String {
        self.sample_pool();
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding into memory does not fail");
        String::from_utf8(out).expect("the text format is UTF-8")
    }
}

/// The route a path is counted under: the server's own routes, everything else `other` (so that
/// scanners probing random paths add no series).
fn route(path: &str) -> &'static str {
    match path {
        "/graphql" => "/graphql",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        p if p.starts_with("/graphiql/assets/") => "/graphiql/assets",
        _ => "other",
    }
}

/// GET /metrics.
pub async fn handler(State(metrics): State<Arc<Metrics>>) -> Response {
    (
        [(header::CONTENT_TYPE, TextEncoder::new().format_type())],
        metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn operation_labels_stop_growing_at_the_cap() {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let metrics = Metrics::new(db);
        for i in 0..MAX_OPERATION_LABELS + 5 {
            metrics.observe_request(
                "/graphql",
                &format!("Op{i}"),
                StatusCode::OK,
                Duration::from_millis(1),
                1,
            );
        }
        let text = metrics.render();
        assert!(text.contains(r#"operation="Op0""#));
        assert!(!text.contains(&format!(r#"operation="Op{MAX_OPERATION_LABELS}""#)));
        assert!(
            text.contains(r#"liaison_sql_statements_total{operation="other"} 5"#),
            "{text}"
        );
        assert!(text.contains("liaison_db_pool_max_connections "), "{text}");
        metrics.observe_request("/wp-admin", "", StatusCode::NOT_FOUND, Duration::ZERO, 0);
        assert!(metrics.render().contains(r#"path="other""#));
    }
}
