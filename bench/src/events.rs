//! `liaison-bench events`: event delivery latency, from a mutation's commit to the subscriber's
//! receipt over a real WebSocket, with the server in process.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use liaison::{
    access::{identity, principal::Role},
    auth::{self, Authenticator},
    config::{DatabaseConfig, JwtConfig, Limits, Mode},
    db,
    domain::{Ctx, accounts, cases, clock::Clock, events},
    http::{self, AppState},
};
use serde_json::json;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

/// What `events` measures.
#[derive(Clone, Debug, clap::Args)]
pub struct EventsConfig {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Events to measure (each one comment committed, then received).
    #[arg(long, default_value_t = 500)]
    pub events: usize,
}

fn jwt() -> JwtConfig {
    JwtConfig {
        algorithm: liaison::config::JwtAlgorithm::Hs256,
        secret: Some("liaison-bench-events-secret-0123456789".into()),
        public_keys: None,
        issuer: None,
        audience: None,
        leeway_seconds: 0,
        max_token_bytes: JwtConfig::DEFAULT_MAX_TOKEN_BYTES,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// Runs the measurement and prints p50/p99/max.
pub async fn run(config: EventsConfig) -> Result<(), String> {
    let conn = db::open(&config.database).await?;
    let auth = Authenticator::new(&jwt(), Mode::Production).map_err(|e| e.to_string())?;
    let state = AppState::new(conn.clone(), auth, Limits::default(), Clock::default());
    let outbox = state.events.outbox();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(http::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let roles = [Role::Admin].into_iter().collect();
    let principal = identity::resolve(&conn, "bench.events".into(), roles)
        .await
        .map_err(|e| e.to_string())?;
    let ctx = Ctx::new(conn.clone(), principal, Clock::default()).with_events(outbox);
    let account = accounts::create(
        &ctx,
        accounts::NewAccount {
            name: format!("events bench {}", uuid::Uuid::new_v4().simple()),
            number: None,
            is_customer: true,
            is_partner: false,
            parent_id: None,
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let case = cases::create(
        &ctx,
        cases::NewCase {
            short_description: "event delivery".into(),
            description: None,
            priority: None,
            account_id: Some(account.id),
            contact_id: None,
            consumer_id: None,
            household_id: None,
            partner_id: None,
            partner_contact_id: None,
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    events::flush(&ctx).await.map_err(|e| e.to_string())?;

    let token = auth::mint(&jwt(), None, None, "bench.events", &["admin".into()], 3600)
        .map_err(|e| e.to_string())?;
    let mut request = format!("ws://{address}/graphql/ws")
        .into_client_request()
        .map_err(|e| e.to_string())?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| e.to_string())?;
    let send = |value: serde_json::Value| Message::text(value.to_string());
    socket
        .send(send(
            json!({"type": "connection_init", "payload": {"token": token}}),
        ))
        .await
        .map_err(|e| e.to_string())?;
    let query = "subscription { caseEvents { kind at case { id number } } }";
    socket
        .send(send(
            json!({"id": "1", "type": "subscribe", "payload": {"query": query}}),
        ))
        .await
        .map_err(|e| e.to_string())?;
    let mut next = async || -> Result<serde_json::Value, String> {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(30), socket.next())
                .await
                .map_err(|_| "no event within 30 s".to_owned())?
                .ok_or("the server closed the connection")?
                .map_err(|e| e.to_string())?;
            if let Message::Text(text) = message {
                let value: serde_json::Value =
                    serde_json::from_str(text.as_str()).map_err(|e| e.to_string())?;
                if value["type"] == "next" {
                    return Ok(value);
                }
            }
        }
    };
    // The subscription is live once a warm-up event comes through.
    loop {
        cases::comment(&ctx, case.id, "warm-up")
            .await
            .map_err(|e| e.to_string())?;
        events::flush(&ctx).await.map_err(|e| e.to_string())?;
        if tokio::time::timeout(Duration::from_millis(200), next())
            .await
            .is_ok()
        {
            break;
        }
    }
    let mut latencies = Vec::with_capacity(config.events);
    for i in 0..config.events {
        cases::comment(&ctx, case.id, &format!("event {i}"))
            .await
            .map_err(|e| e.to_string())?;
        let committed = Instant::now();
        events::flush(&ctx).await.map_err(|e| e.to_string())?;
        let event = next().await?;
        latencies.push(committed.elapsed());
        if event["payload"]["data"]["caseEvents"]["kind"] != "COMMENTED" {
            return Err(format!("unexpected event {event}"));
        }
    }
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "event delivery on {}: {} events, commit -> receipt p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        conn.get_database_backend().as_str(),
        latencies.len(),
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().expect("events"))
    );
    let _ = stop.send(());
    Ok(())
}
