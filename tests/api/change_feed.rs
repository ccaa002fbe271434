//! The durable change feed: every committed change once, in commit order, resumable from a stored
//! cursor on another server process after a restart, while many writers commit concurrently
//! through two servers sharing the database.

use std::collections::HashSet;

use liaison::{
    auth::Authenticator,
    config::{DatabaseConfig, Limits, Mode},
    db,
    domain::clock::Clock,
    http::{self, AppState},
};
use serde_json::{Value, json};

use crate::support::{TestApp, audit_log, jwt_config, manager, nodes};

const CHANGES: &str = "query($a: String, $n: Int) { changes(after: $a, first: $n) { pageInfo { endCursor hasNextPage } nodes { id feedPosition operation recordId recordKind after } } }";

/// A second server process on the test app's database: its own pool, its own port.
struct Server {
    url: String,
    shutdown: tokio::sync::oneshot::Sender<()>,
    conn: sea_orm::DatabaseConnection,
}

async fn start_server(database_url: &str) -> Server {
    let conn = db::connect(&DatabaseConfig {
        url: database_url.to_owned(),
        max_connections: 4,
    })
    .await
    .expect("connect");
    let auth = Authenticator::new(&jwt_config(), Mode::Production).expect("auth");
    let state = AppState::new(conn.clone(), auth, Limits::default(), Clock::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(http::serve(listener, state, async move {
        let _ = rx.await;
    }));
    Server {
        url,
        shutdown: tx,
        conn,
    }
}

impl Server {
    async fn stop(self) {
        let _ = self.shutdown.send(());
        self.conn.close().await.ok();
    }
}

async fn post(client: &reqwest::Client, url: &str, token: &str, query: &str, vars: Value) -> Value {
    client
        .post(format!("{url}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": vars}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

/// Reads feed pages from `url` after `cursor` until the feed has nothing more, appending entries.
async fn drain(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    cursor: &mut Option<String>,
    read: &mut Vec<Value>,
) {
    loop {
        let body = post(client, url, token, CHANGES, json!({"a": cursor, "n": 37})).await;
        assert!(body.get("errors").is_none(), "{body}");
        let page = &body["data"]["changes"];
        read.extend(nodes(page));
        if let Some(end) = page["pageInfo"]["endCursor"].as_str() {
            *cursor = Some(end.to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_resumed_after_a_restart_under_concurrent_writers_has_no_gap_and_no_duplicate() {
    let app = TestApp::spawn().await;
    let token = app.admin();
    let client = reqwest::Client::new();
    let second = start_server(&app.database_url).await;
    let urls = [app.url.clone(), second.url.clone()];

    let writers: Vec<_> = (0..20)
        .map(|task| {
            let (client, token, urls) = (client.clone(), token.clone(), urls.clone());
            tokio::spawn(async move {
                for step in 0..10 {
                    let body = post(
                        &client,
                        &urls[(task + step) % 2],
                        &token,
                        "mutation($i: CreateConsumerInput!) { createConsumer(input: $i) { consumer { id } } }",
                        json!({"i": {"name": format!("W{task}-{step}")}}),
                    )
                    .await;
                    assert!(body.get("errors").is_none(), "{body}");
                }
            })
        })
        .collect();

    // Read while the writers commit, storing the cursor as a client would.
    let mut cursor: Option<String> = None;
    let mut read = Vec::new();
    while !writers.iter().all(|w| w.is_finished()) {
        drain(&client, &second.url, &token, &mut cursor, &mut read).await;
        tokio::task::yield_now().await;
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    let read_while_writing = read.len();
    second.stop().await;

    // A restarted server resumes from the stored cursor.
    let restarted = start_server(&app.database_url).await;
    drain(&client, &restarted.url, &token, &mut cursor, &mut read).await;
    restarted.stop().await;

    let logged = audit_log(&app).await;
    assert!(logged.len() >= 200, "{} entries", logged.len());
    let ids: Vec<String> = read
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an entry was read twice");
    let expected: HashSet<String> = logged.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(
        unique.into_iter().cloned().collect::<HashSet<_>>(),
        expected,
        "read {} of {} entries ({read_while_writing} while writing)",
        ids.len(),
        logged.len()
    );
    let positions: Vec<i64> = read
        .iter()
        .map(|e| e["feedPosition"].as_i64().unwrap())
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "positions are not strictly increasing: {positions:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_of_one_transaction_share_a_position_and_only_admins_read_the_feed() {
    let app = TestApp::spawn().await;
    let token = app.admin();
    let client = reqwest::Client::new();
    let head = post(
        &client,
        &app.url,
        &token,
        "mutation($i: CreateConsumerInput!) { createConsumer(input: $i) { consumer { id } } }",
        json!({"i": {"name": "Head"}}),
    )
    .await["data"]["createConsumer"]["consumer"]["id"]
        .clone();
    post(
        &client,
        &app.url,
        &token,
        "mutation($i: CreateHouseholdInput!) { createHousehold(input: $i) { household { id } } }",
        json!({"i": {"name": "Home", "headId": head}}),
    )
    .await;
    let mut cursor = None;
    let mut read = Vec::new();
    drain(&client, &app.url, &token, &mut cursor, &mut read).await;
    let kinds: Vec<&str> = read
        .iter()
        .map(|e| e["recordKind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["Consumer", "Household", "HouseholdMembership"]);
    assert!(read[0]["feedPosition"].as_i64() < read[1]["feedPosition"].as_i64());
    assert_eq!(read[1]["feedPosition"], read[2]["feedPosition"]);

    // Nothing new: the stored cursor yields an empty page and stays valid.
    let again = post(&client, &app.url, &token, CHANGES, json!({"a": cursor})).await;
    assert!(nodes(&again["data"]["changes"]).is_empty(), "{again}");

    let refused = app.gql(Some(&manager(&app)), CHANGES, json!({})).await;
    assert_eq!(refused.code(), "FORBIDDEN");
    let backwards = app
        .gql(Some(&token), CHANGES, json!({"a": "garbage"}))
        .await;
    assert_eq!(backwards.code(), "BAD_USER_INPUT");
}
