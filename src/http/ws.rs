//! GET /graphql/ws: subscriptions over WebSocket (`graphql-transport-ws`), authenticated by the
//! bearer token in `connection_init`, with a bounded write buffer per connection and quotas per
//! principal.

use std::{
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context as TaskContext, Poll},
    time::Duration,
};

use async_graphql::{
    Data, ErrorExtensions, Executor,
    futures_util::stream::{self, BoxStream, StreamExt},
    http::ALL_WEBSOCKET_PROTOCOLS,
    parser::types::{DocumentOperations, OperationType},
};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    extract::{
        State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    http::StatusCode,
    response::{IntoResponse, Response},
};
use futures_util::{Sink, SinkExt};
use serde_json::Value;
use tokio::sync::mpsc;

use super::AppState;
use crate::{
    access::{
        identity,
        principal::{Principal, Role},
    },
    domain::Ctx,
    graphql::{
        RequestState,
        error::code,
        loaders,
        subscriptions::{Live, Permit, Quota, quota_key},
    },
};

/// Error code: the server or the principal already holds as many connections as allowed.
pub const CONNECTION_LIMIT: &str = "CONNECTION_LIMIT";
/// Close code for a refused token (the protocol's "Forbidden").
pub const CLOSE_FORBIDDEN: u16 = 4403;
/// Close code for a connection over the principal's quota.
pub const CLOSE_TOO_MANY: u16 = 4429;

/// The connection and subscription quotas of one server.
pub struct Quotas {
    /// Connections of the whole server, counted under one key.
    pub total: Arc<Quota>,
    pub connections: Arc<Quota>,
    pub subscriptions: Arc<Quota>,
    /// Messages one connection may have waiting to be written.
    pub buffer: usize,
}

impl Quotas {
    /// The quotas `limits` set.
    pub fn new(limits: &crate::config::SubscriptionLimits) -> Self {
        Self {
            total: Quota::new(limits.ws_max_connections),
            connections: Quota::new(limits.ws_max_connections_per_principal),
            subscriptions: Quota::new(limits.ws_max_subscriptions_per_principal),
            buffer: limits.ws_buffer_messages.max(1),
        }
    }

    /// How many connections `subject` holds (for tests and operators).
    pub fn connections_of(&self, subject: &str) -> usize {
        self.connections.held(subject)
    }
}

const TOTAL: &str = "*";

/// Upgrades to a WebSocket when the server has room for another connection.
pub async fn handler(
    State(state): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(slot) = state.quotas.total.acquire(TOTAL) else {
        let body = super::error_body("too many WebSocket connections", CONNECTION_LIMIT);
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    };
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(state, protocol, socket, slot))
}

/// How the connection is closed when `connection_init` is refused.
type CloseOverride = Arc<Mutex<Option<(u16, String)>>>;

/// Writes into a bounded queue; a full queue fails the write, which ends the connection.
struct Bounded {
    tx: mpsc::Sender<Message>,
    close: CloseOverride,
    overflowed: Arc<AtomicBool>,
}

impl Sink<Message> for Bounded {
    type Error = ();

    fn poll_ready(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<Result<(), ()>> {
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), ()> {
        let item = match (item, self.close.lock().expect("close").take()) {
            (Message::Close(_), Some((code, reason))) => Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })),
            (item, _) => item,
        };
        self.tx.try_send(item).map_err(|_| {
            self.overflowed.store(true, Ordering::Relaxed);
        })
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<Result<(), ()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<Result<(), ()>> {
        Poll::Ready(Ok(()))
    }
}

async fn serve(state: AppState, protocol: GraphQLProtocol, socket: WebSocket, slot: Permit) {
    let (mut socket_tx, socket_rx) = socket.split();
    let (tx, mut rx) = mpsc::channel::<Message>(state.quotas.buffer);
    let mut writer = tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            let closing = matches!(message, Message::Close(_));
            if socket_tx.send(message).await.is_err() || closing {
                break;
            }
        }
    });
    let close = CloseOverride::default();
    let held: Arc<Mutex<Option<Permit>>> = Arc::default();
    let init = {
        let (state, close, held) = (state.clone(), close.clone(), held.clone());
        move |payload: Value| async move {
            let refuse = |code: u16, message: String, error: &'static str| {
                *close.lock().expect("close") = Some((code, format!("{error}: {message}")));
                async_graphql::Error::new(message).extend_with(|_, e| e.set("code", error))
            };
            let principal = authenticate(&state, &payload)
                .await
                .map_err(|message| refuse(CLOSE_FORBIDDEN, message.into(), code::FORBIDDEN))?;
            let key = quota_key(&principal);
            let permit = state.quotas.connections.acquire(&key).ok_or_else(|| {
                refuse(
                    CLOSE_TOO_MANY,
                    "too many WebSocket connections for this principal".into(),
                    CONNECTION_LIMIT,
                )
            })?;
            *held.lock().expect("permit") = Some(permit);
            let ctx = Ctx::new(state.db.clone(), principal, state.clock.clone())
                .with_settings(state.settings);
            let mut data = Data::default();
            data.insert(RequestState {
                loaders: loaders::for_connection(ctx.clone()),
                ctx,
                limits: state.limits.clone(),
            });
            data.insert(Live {
                hub: state.events.clone(),
                subscriptions: state.quotas.subscriptions.clone(),
                key,
            });
            Ok(data)
        }
    };
    let overflowed = Arc::new(AtomicBool::new(false));
    let sink = Bounded {
        tx,
        close,
        overflowed: overflowed.clone(),
    };
    GraphQLWebSocket::new_with_pair(sink, socket_rx, Guarded(state), protocol)
        .on_connection_init(init)
        .serve()
        .await;
    // A subscriber too slow to drain its buffer leaves the writer blocked: drop its socket at
    // once; otherwise let the writer send what is queued (the close frame) for a moment.
    if overflowed.load(Ordering::Relaxed) {
        tracing::info!("WebSocket subscriber fell behind its buffer; disconnected");
        writer.abort();
    } else if tokio::time::timeout(Duration::from_secs(5), &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
    drop(held);
    drop(slot);
}

/// The token of a `connection_init` payload: `{"Authorization": "Bearer .."}` or `{"token": ..}`.
fn token(payload: &Value) -> Result<Option<&str>, &'static str> {
    let header = ["Authorization", "authorization"]
        .iter()
        .find_map(|k| payload.get(*k));
    if let Some(value) = header {
        let value = value.as_str().ok_or("`Authorization` must be a string")?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or("`Authorization` must be `Bearer <token>`")?;
        return Ok(Some(token.trim()));
    }
    match payload.get("token") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(token)) => Ok(Some(token.trim())),
        Some(_) => Err("`token` must be a string"),
    }
}

/// The principal of a `connection_init` payload, verified as over HTTP (no token is anonymous).
async fn authenticate(state: &AppState, payload: &Value) -> Result<Principal, &'static str> {
    let Some(token) = token(payload)? else {
        return Ok(Principal::anonymous());
    };
    let claims = state.auth.verify(token).map_err(|err| {
        tracing::info!(error = %err, "WebSocket token refused");
        "the token is invalid or expired"
    })?;
    let roles = claims
        .roles
        .iter()
        .filter_map(|r| r.parse::<Role>().ok())
        .collect();
    identity::resolve_cached(&state.db, &state.identities, claims.sub, roles)
        .await
        .map_err(|err| {
            tracing::warn!(error = %err, "WebSocket principal not resolved");
            "the principal could not be resolved"
        })
}

/// Runs only subscriptions, under the same executed-selection limits as HTTP requests.
#[derive(Clone)]
struct Guarded(AppState);

impl Executor for Guarded {
    async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        self.0.schema.execute(request).await
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let mut requests = [request];
        let refused = match super::check_limits(&self.0, &mut requests, false) {
            Err(error) => Some(error),
            Ok(()) => subscription_only(&mut requests[0]).err(),
        };
        if let Some(error) = refused {
            let response = async_graphql::Response::from_errors(vec![error]);
            return stream::once(async move { response }).boxed();
        }
        let [request] = requests;
        Executor::execute_stream(&self.0.schema, request, session_data)
            .map(|mut response| {
                crate::graphql::error_codes::mark_validation_errors(&mut response);
                response
            })
            .boxed()
    }
}

/// Queries and mutations go over POST /graphql (where their events are published).
fn subscription_only(
    request: &mut async_graphql::Request,
) -> Result<(), async_graphql::ServerError> {
    let name = request.operation_name.clone();
    let document = request
        .parsed_query()
        .map_err(crate::graphql::error::syntax_error)?;
    let kind = match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => {
            ops.get(name.as_str()).map(|op| op.node.ty)
        }
        (DocumentOperations::Multiple(ops), None) => ops.values().next().map(|op| op.node.ty),
    };
    if kind == Some(OperationType::Subscription) {
        return Ok(());
    }
    let mut error = async_graphql::ServerError::new(
        "only subscriptions run over WebSocket; send queries and mutations with POST /graphql",
        None,
    );
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code::BAD_REQUEST);
    Err(error)
}
