//! A `graphql-transport-ws` client over a real WebSocket, for the subscription tests.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest},
};

use super::server::TestApp;

/// Longest a test waits for a message before failing (a guard against hanging, not a timing
/// assertion).
const PATIENCE: Duration = Duration::from_secs(60);

/// What the server sent.
#[derive(Debug)]
pub enum Received {
    /// A `next` message's payload.
    Next(Value),
    /// An `error` or `complete` message, with its raw JSON.
    Other(Value),
    /// The server closed the connection, with its close code and reason.
    Closed(u16, String),
}

/// One client connection.
pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

fn request(app: &TestApp) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let url = format!("{}/graphql/ws", app.url.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    request
}

impl WsClient {
    /// Opens a connection and sends `connection_init` with `payload`, without waiting.
    pub async fn open(app: &TestApp, payload: Value) -> Self {
        let (socket, _) = tokio_tungstenite::connect_async(request(app))
            .await
            .expect("WebSocket connect");
        let mut client = Self { socket };
        client
            .send(json!({"type": "connection_init", "payload": payload}))
            .await;
        client
    }

    /// Like [`WsClient::open`], over a socket with a tiny receive buffer (a slow reader).
    pub async fn open_slow(app: &TestApp, payload: Value) -> Self {
        let address: std::net::SocketAddr = app
            .url
            .trim_start_matches("http://")
            .parse()
            .expect("address");
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(2048).expect("buffer size");
        let stream = socket.connect(address).await.expect("connect");
        let (socket, _) =
            tokio_tungstenite::client_async(request(app), MaybeTlsStream::Plain(stream))
                .await
                .expect("WebSocket handshake");
        let mut client = Self { socket };
        client
            .send(json!({"type": "connection_init", "payload": payload}))
            .await;
        client
    }

    /// Connects with `token` and waits for `connection_ack`.
    pub async fn connect(app: &TestApp, token: &str) -> Self {
        let mut client = Self::open(app, json!({"Authorization": format!("Bearer {token}")})).await;
        client.acked().await;
        client
    }

    /// Waits for `connection_ack`.
    pub async fn acked(&mut self) {
        match self.receive().await {
            Received::Other(message) if message["type"] == "connection_ack" => {}
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("send");
    }

    /// Starts subscription `id` running `query`.
    pub async fn subscribe(&mut self, id: &str, query: &str) {
        self.send(json!({"id": id, "type": "subscribe", "payload": {"query": query}}))
            .await;
    }

    /// The next message from the server (pings answered and skipped).
    pub async fn receive(&mut self) -> Received {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("a message within the test's patience");
            let message = match message {
                None | Some(Err(_)) => return Received::Closed(1006, String::new()),
                Some(Ok(message)) => message,
            };
            match message {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(text.as_str()).expect("JSON");
                    match value["type"].as_str() {
                        Some("next") => return Received::Next(value["payload"].clone()),
                        Some("ping") => self.send(json!({"type": "pong"})).await,
                        _ => return Received::Other(value),
                    }
                }
                Message::Close(frame) => {
                    return match frame {
                        Some(frame) => {
                            Received::Closed(frame.code.into(), frame.reason.to_string())
                        }
                        None => Received::Closed(1005, String::new()),
                    };
                }
                _ => {}
            }
        }
    }

    /// The payload of the next `next` message if one comes within `wait` (for retry loops).
    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        tokio::time::timeout(wait, self.next()).await.ok()
    }

    /// The payload of the next `next` message (panics on anything else).
    pub async fn next(&mut self) -> Value {
        match self.receive().await {
            Received::Next(payload) => payload,
            other => panic!("expected a next message, got {other:?}"),
        }
    }
}

impl TestApp {
    /// Waits until `subject` holds `count` active subscriptions on this server (so events
    /// committed from now on reach them).
    pub async fn await_subscriptions(&self, subject: &str, count: usize) {
        let quotas = self.quotas.clone().expect("quotas");
        tokio::time::timeout(PATIENCE, async {
            while quotas.subscriptions.held(subject) != count {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("subscriptions registered");
    }

    /// How many WebSocket connections `subject` holds on this server.
    pub fn ws_connections(&self, subject: &str) -> usize {
        self.quotas
            .as_ref()
            .expect("quotas")
            .connections_of(subject)
    }
}
