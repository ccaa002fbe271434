//! The HTTP server: POST /graphql, GraphiQL on GET, health probes, limits and one log line per request.

pub mod body;
pub mod cors;
pub mod graphiql;
pub mod identities;
pub mod metrics;
pub mod negotiation;
pub mod persisted;
pub mod request_id;
pub mod ws;

use std::{sync::Arc, time::Instant};

use async_graphql::{
    BatchRequest, BatchResponse, ErrorExtensions,
    parser::types::{DocumentOperations, OperationType},
};
use axum::{
    Json, Router,
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use sea_orm::DatabaseConnection;
use serde_json::json;

use negotiation::MediaType;

use crate::{
    access::{
        identity,
        identity_cache::IdentityCache,
        principal::{Principal, Role},
    },
    auth::Authenticator,
    config::Limits,
    db::StatementCounter,
    domain::{Ctx, clock::Clock, context::Settings},
    graphql::{
        self, AppSchema, RequestState,
        error::code,
        loaders,
        query_limits::{self, Budget, Shape},
    },
};

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: AppSchema,
    /// What the executed-selection limits know of the schema.
    pub shape: Arc<Shape>,
    pub auth: Arc<Authenticator>,
    pub limits: Arc<Limits>,
    pub clock: Clock,
    pub settings: Settings,
    /// Which browser origins may call the API.
    pub cors: cors::CorsPolicy,
    /// The GraphiQL page's configuration (demo header presets in development).
    pub graphiql: Arc<graphiql::GraphiqlPage>,
    /// Persisted documents (APQ cache, trusted manifest) and which documents may run.
    pub persisted: Arc<persisted::PersistedQueries>,
    /// The bus committed changes reach subscribers through.
    pub events: Arc<crate::domain::events::Hub>,
    /// WebSocket connection and subscription quotas.
    pub quotas: Arc<ws::Quotas>,
    /// Recent token subjects' identity lookups, emptied on every committed change.
    pub identities: Arc<IdentityCache>,
}

impl AppState {
    /// Builds the shared state from its parts.
    pub fn new(db: DatabaseConnection, auth: Authenticator, limits: Limits, clock: Clock) -> Self {
        let schema = graphql::build_schema(&limits);
        let events = Arc::new(crate::domain::events::Hub::new(&db));
        Self {
            shape: Arc::new(Shape::from_sdl(&schema.sdl())),
            schema,
            auth: Arc::new(auth),
            limits: Arc::new(limits),
            clock,
            settings: Settings::default(),
            cors: cors::CorsPolicy::default(),
            graphiql: Arc::default(),
            persisted: Arc::default(),
            identities: identities::cache_for(&events),
            events,
            quotas: Arc::new(ws::Quotas::new(&Default::default())),
            db,
        }
    }

    /// The same state with domain `settings`.
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The same state with the CORS `policy`.
    pub fn with_cors(mut self, policy: cors::CorsPolicy) -> Self {
        self.cors = policy;
        self
    }

    /// The same state with the GraphiQL `page` configuration.
    pub fn with_graphiql(mut self, page: graphiql::GraphiqlPage) -> Self {
        self.graphiql = Arc::new(page);
        self
    }

    /// The same state with the WebSocket `limits`.
    pub fn with_subscriptions(mut self, limits: &crate::config::SubscriptionLimits) -> Self {
        self.quotas = Arc::new(ws::Quotas::new(limits));
        self
    }

    /// The same state with the persisted-query `store`.
    pub fn with_persisted(mut self, store: persisted::PersistedQueries) -> Self {
        self.persisted = Arc::new(store);
        self
    }
}

/// What the GraphQL handler tells the request log.
#[derive(Clone, Debug, Default)]
struct GraphqlLog {
    operations: String,
    statements: u64,
}

/// The application's routes with their limits.
pub fn router(state: AppState) -> Router {
    let mut routes = Router::new()
        .route("/graphql", get(graphiql).post(graphql_post))
        .route("/graphql/ws", get(ws::handler))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready));
    // Without GraphiQL its assets are not served either (graphql-cop looks for them).
    if state.limits.graphiql_on() {
        routes = routes.route("/graphiql/assets/{name}", get(graphiql::asset));
    }
    let metrics = state
        .limits
        .metrics
        .then(|| metrics::Metrics::new(state.db.clone()));
    if let Some(metrics) = &metrics {
        routes = routes.route(
            "/metrics",
            get(metrics::handler).with_state(metrics.clone()),
        );
    }
    routes
        .layer(state.cors.layer())
        .layer(middleware::from_fn_with_state(metrics, log_request))
        .layer(middleware::from_fn(request_id::middleware))
        .with_state(state)
}

fn error_body(message: &str, code: &'static str) -> serde_json::Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

async fn graphiql(State(state): State<AppState>, request: Request) -> Response {
    // A GET must never execute an operation (it could be a mutation sent by a link or an image tag),
    // and without GraphiQL there is nothing to GET.
    if !state.limits.graphiql_on()
        || request
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|pair| pair.starts_with("query=")))
    {
        let body = error_body(
            "GraphQL operations must be sent with POST",
            code::METHOD_NOT_ALLOWED,
        );
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            Json(body),
        )
            .into_response();
    }
    state.graphiql.response()
}

async fn ready(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => "ready".into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// Reads the bearer token: none is anonymous, a bad one is refused (never downgraded to anonymous).
async fn principal(
    state: &AppState,
    headers: &HeaderMap,
    media: MediaType,
) -> Result<Principal, Response> {
    let unauthenticated = |message: &str| {
        let mut response = negotiation::error(
            media,
            StatusCode::UNAUTHORIZED,
            message,
            code::UNAUTHENTICATED,
        );
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, "Bearer".parse().expect("header"));
        response
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Principal::anonymous());
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(|| unauthenticated("the Authorization header must be `Bearer <token>`"))?;
    let claims = state.auth.verify(token).map_err(|err| {
        tracing::info!(error = %err, "token refused");
        unauthenticated("the token is invalid or expired")
    })?;
    let roles = claims
        .roles
        .iter()
        .filter_map(|r| r.parse::<Role>().ok())
        .collect();
    identity::resolve_cached(&state.db, &state.identities, claims.sub, roles)
        .await
        .map_err(|err| {
            let err: async_graphql::Error = err.into();
            let response = async_graphql::Response::from_errors(vec![
                err.into_server_error(Default::default()),
            ]);
            negotiation::graphql(
                media,
                BatchResponse::Single(response),
                Some(StatusCode::INTERNAL_SERVER_ERROR),
            )
        })
}

/// Only JSON bodies are GraphQL requests: a form (urlencoded, multipart, text/plain) is what a
/// cross-site page can POST without a preflight, so it is refused before the body is read.
fn non_json_refusal(headers: &HeaderMap, media: MediaType) -> Option<Response> {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        return None;
    }
    Some(negotiation::error(
        media,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "GraphQL requests must be sent as `Content-Type: application/json`",
        code::UNSUPPORTED_MEDIA_TYPE,
    ))
}

/// The same GraphQL error for every operation of the request, shaped as the request was.
fn refusal(
    error: async_graphql::ServerError,
    operations: usize,
    single: bool,
    media: MediaType,
) -> Response {
    let response = || async_graphql::Response::from_errors(vec![error.clone()]);
    let batch = if single {
        BatchResponse::Single(response())
    } else {
        BatchResponse::Batch((0..operations).map(|_| response()).collect())
    };
    negotiation::graphql(media, batch, None)
}

/// Parses every operation once and checks it against the executed-selection limits, all operations
/// of a batch charged to one budget; the parsed document is kept for execution. One operation that
/// does not parse or goes over a limit refuses the whole request.
fn check_limits(
    state: &AppState,
    requests: &mut [async_graphql::Request],
    batch: bool,
) -> Result<(), async_graphql::ServerError> {
    let mut budget = Budget {
        batch,
        ..Default::default()
    };
    for request in requests {
        let operation_name = request.operation_name.clone();
        let variables = request.variables.clone();
        // A syntax error is answered here, as async-graphql would, rather than parsed a second time.
        let document = request
            .parsed_query()
            .map_err(graphql::error::syntax_error)?;
        select_operation(&document.operations, operation_name.as_deref())?;
        query_limits::check(
            &state.shape,
            document,
            operation_name.as_deref(),
            &variables,
            &state.limits,
            &mut budget,
        )
        .map_err(refused)?;
        graphql::strict_input::check(document, &variables)?;
        graphql::error_codes::check_aliases(document, state.limits.max_aliases)?;
    }
    query_limits::check_cost(&budget, &state.limits).map_err(refused)
}

/// The operation `name` picks must exist, and without a name the document must hold one operation.
fn select_operation(
    operations: &DocumentOperations,
    name: Option<&str>,
) -> Result<(), async_graphql::ServerError> {
    let message = match (operations, name) {
        (DocumentOperations::Single(_), None) => return Ok(()),
        (DocumentOperations::Multiple(named), Some(name))
            if named.keys().any(|n| n.as_str() == name) =>
        {
            return Ok(());
        }
        (DocumentOperations::Multiple(named), None) if named.len() == 1 => return Ok(()),
        (DocumentOperations::Multiple(_), None) => {
            "the document holds several operations; `operationName` must name the one to run".into()
        }
        (_, Some(name)) => format!("the document has no operation named `{name}`"),
    };
    let mut error = async_graphql::ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code::OPERATION_RESOLUTION_FAILURE);
    Err(error)
}

fn refused(refused: query_limits::Refused) -> async_graphql::ServerError {
    tracing::info!(refused = %refused, "query refused before validation");
    refused.into_server_error()
}

async fn graphql_post(State(state): State<AppState>, request: Request) -> Response {
    let headers = request.headers().clone();
    let Some(media) = negotiation::negotiate(&headers) else {
        return negotiation::not_acceptable();
    };
    if let Some(response) = non_json_refusal(&headers, media) {
        return response;
    }
    let limit = state.limits.max_body_bytes;
    let read = match body::check_declared_length(&headers, limit) {
        Ok(()) => body::read(request.into_body(), limit).await,
        Err(err) => Err(err),
    };
    let batch = match read {
        Ok(batch) => batch,
        Err(err) => return err.into_response(media),
    };
    let counter = StatementCounter::default();
    let mut log = GraphqlLog::default();
    let response = counter
        .scope(async {
            let (mut requests, single) = match batch {
                BatchRequest::Single(request) => (vec![request], true),
                BatchRequest::Batch(requests) => (requests, false),
            };
            if !single && !state.limits.batching_on() {
                return negotiation::error(
                    media,
                    StatusCode::BAD_REQUEST,
                    "batched requests (a JSON array of operations) are not accepted",
                    code::BATCHING_DISABLED,
                );
            }
            if requests.len() > state.limits.max_batch {
                let message = format!("at most {} operations per batch", state.limits.max_batch);
                return negotiation::error(
                    media,
                    StatusCode::BAD_REQUEST,
                    &message,
                    code::BATCH_TOO_LARGE,
                );
            }
            log.operations = requests
                .iter()
                .map(|r| r.operation_name.clone().unwrap_or_else(|| "-".into()))
                .collect::<Vec<_>>()
                .join(",");
            if let Err(error) = state.persisted.resolve(&mut requests) {
                return refusal(error, requests.len(), single, media);
            }
            if let Err(error) = check_limits(&state, &mut requests, !single) {
                return refusal(error, requests.len(), single, media);
            }
            let principal = match principal(&state, &headers, media).await {
                Ok(principal) => principal,
                Err(response) => return response,
            };
            let ctx = Ctx::new(state.db.clone(), principal, state.clock.clone())
                .with_settings(state.settings)
                .with_events(state.events.outbox());
            let queue = loaders::LoadQueue::default();
            let writes = requests.iter_mut().any(|request| {
                request.parsed_query().is_ok_and(|document| {
                    document
                        .operations
                        .iter()
                        .any(|(_, op)| op.node.ty == OperationType::Mutation)
                })
            });
            let plans: Vec<_> = requests
                .iter_mut()
                .map(|request| graphql::field_order::prepare(&state.shape, request))
                .collect();
            let prepared: Vec<async_graphql::Request> = requests
                .into_iter()
                .map(|request| {
                    let loaders =
                        loaders::for_request(ctx.clone(), &queue, std::time::Duration::ZERO);
                    request.data(RequestState {
                        ctx: ctx.clone(),
                        loaders,
                        limits: state.limits.clone(),
                    })
                })
                .collect();
            let batch = if single {
                BatchRequest::Single(prepared.into_iter().next().expect("one request"))
            } else {
                BatchRequest::Batch(prepared)
            };
            let executed = tokio::time::timeout(
                state.limits.request_timeout(),
                queue.run(state.schema.execute_batch(batch)),
            )
            .await;
            if let Err(err) = crate::domain::events::flush(&ctx).await {
                tracing::warn!(error = %err, "change events not published");
            }
            if writes {
                // Before answering: this client's next request must see its own change.
                state.identities.invalidate_own(ctx.events.announced());
            }
            match executed {
                Ok(mut response) => {
                    let responses = match &mut response {
                        BatchResponse::Single(one) => std::slice::from_mut(one),
                        BatchResponse::Batch(many) => many.as_mut_slice(),
                    };
                    for (response, plan) in responses.iter_mut().zip(&plans) {
                        graphql::error_codes::mark_validation_errors(response);
                        if let Some(plan) = plan {
                            graphql::field_order::finish(&state.shape, plan, response);
                        }
                    }
                    negotiation::graphql(media, response, None)
                }
                Err(_) => {
                    let err = async_graphql::Error::new("the request took too long")
                        .extend_with(|_, e| e.set("code", code::TIMEOUT));
                    let response = async_graphql::Response::from_errors(vec![
                        err.into_server_error(Default::default()),
                    ]);
                    negotiation::graphql(
                        media,
                        BatchResponse::Single(response),
                        Some(StatusCode::SERVICE_UNAVAILABLE),
                    )
                }
            }
        })
        .await;
    log.statements = counter.get();
    let mut response = response;
    if state.limits.statement_header_on() {
        response
            .headers_mut()
            .insert("x-sql-statements", log.statements.into());
    }
    response.extensions_mut().insert(log);
    response
}

/// Logs one line per request (inside its request-id span) and records it in the metrics.
async fn log_request(
    State(metrics): State<Option<Arc<metrics::Metrics>>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = match &metrics {
        Some(metrics) => {
            crate::telemetry::scope_access_checks(metrics.access_checks(), next.run(request)).await
        }
        None => next.run(request).await,
    };
    let log = response
        .extensions()
        .get::<GraphqlLog>()
        .cloned()
        .unwrap_or_default();
    tracing::info!(
        target: "liaison::request",
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        operation = %log.operations,
        sql_statements = log.statements,
        "request"
    );
    if let Some(metrics) = &metrics {
        metrics.observe_request(
            &path,
            &log.operations,
            response.status(),
            started.elapsed(),
            log.statements,
        );
    }
    response
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
