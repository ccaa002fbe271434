//! The README quick start with the real binary: `liaison serve --demo` on a fresh SQLite file prints
//! working tokens for the demo principals; `liaison seed demo` is idempotent.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::support::{
    ADMIN, AGENT, CUSTOMER_ADMIN, MANAGER, PARTNER_ADMIN, RELATIONSHIP_AGENT, TestApp, admin_ok,
    api_role,
};

/// Kills the server and removes its database when the test ends, passing or failing.
struct Server {
    child: Child,
    database: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.database.display()));
        }
    }
}

/// A command for the built binary with no `LIAISON_*` settings inherited from the environment.
fn liaison() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_liaison"));
    for (key, _) in std::env::vars() {
        if key.starts_with("LIAISON_") {
            command.env_remove(key);
        }
    }
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

/// Reads the server's stdout until every demo principal's token is printed: label → token.
fn read_tokens(lines: &mpsc::Receiver<String>) -> (Vec<String>, HashMap<String, String>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    let mut tokens = HashMap::new();
    let mut label: Option<String> = None;
    while tokens.len() < 8 {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines.recv_timeout(left).unwrap_or_else(|_| {
            panic!("the server printed no tokens in time; it printed: {seen:#?}")
        });
        seen.push(line.clone());
        if let Some(token) = line.trim().strip_prefix("Authorization: Bearer ") {
            let label = label.take().expect("a principal label before its token");
            tokens.insert(label, token.trim().to_owned());
        } else if line.starts_with("  ") && !line.trim().is_empty() {
            label = Some(line.trim().to_owned());
        }
    }
    (seen, tokens)
}

async fn gql(client: &reqwest::Client, base: &str, token: &str, query: &str) -> Value {
    let response = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("json");
    assert!(body.get("errors").is_none(), "errors: {body}");
    body["data"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_prints_tokens_that_work() {
    let database = std::env::temp_dir().join(format!(
        "liaison_quickstart_{}_{}.db",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let port = free_port();
    let child = liaison()
        .args(["serve", "--demo"])
        .env(
            "LIAISON_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", database.display()),
        )
        .env("LIAISON_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start liaison serve --demo");
    let mut server = Server { child, database };

    let stdout = server.child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let (printed, tokens) = tokio::task::block_in_place(|| read_tokens(&lines));
    let base = format!("http://127.0.0.1:{port}");
    assert!(
        printed
            .iter()
            .any(|l| l.contains(&format!("{base}/graphql"))),
        "the GraphiQL address is printed: {printed:#?}"
    );

    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = client.get(format!("{base}/readyz")).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        assert!(Instant::now() < deadline, "the server never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let peter = &tokens["Peter Robinson (partner admin, GSI Tech)"];
    let data = gql(
        &client,
        &base,
        peter,
        "{ viewer { subject node { ... on Contact { name account { name } } } } }",
    )
    .await;
    assert_eq!(data["viewer"]["subject"], "peter.robinson");
    assert_eq!(
        data["viewer"]["node"],
        json!({"name": "Peter Robinson", "account": {"name": "GSI Tech"}})
    );

    let admin = &tokens["Ada Admin (internal user)"];
    let data = gql(
        &client,
        &base,
        admin,
        "{ accounts { nodes { name } } partners { nodes { name } } internalUsers { totalCount } }",
    )
    .await;
    assert_eq!(data["accounts"]["nodes"], json!([{"name": "ABC Corp"}]));
    assert_eq!(data["partners"]["nodes"], json!([{"name": "GSI Tech"}]));
    assert_eq!(data["internalUsers"]["totalCount"], 4);

    let john = &tokens["John Smith (consumer, head of the Smith household)"];
    let data = gql(
        &client,
        &base,
        john,
        "{ viewer { node { ... on Consumer { name primaryHousehold { name head { name } members { nodes { name } } } } } } }",
    )
    .await;
    assert_eq!(
        data["viewer"]["node"],
        json!({"name": "John Smith", "primaryHousehold": {"name": "Smith household",
            "head": {"name": "John Smith"},
            "members": {"nodes": [{"name": "John Smith"}, {"name": "Jane Smith"}]}}})
    );

    // A printed token is a development token: the server refuses a forged one.
    let forged = format!("{peter}x");
    let response = client
        .post(format!("{base}/graphql"))
        .bearer_auth(forged)
        .json(&json!({"query": "{ viewer { isAuthenticated } }"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 401);
    drop(server);
}

const COUNTS: &str = "{
  accounts { totalCount } partners { totalCount } contacts { totalCount nodes { name roles } }
  consumers { totalCount } households { totalCount nodes { members { totalCount } memberships { totalCount } } }
  internalUsers { totalCount nodes { roles } }
}";

fn seed_demo(database_url: &str) {
    let output = liaison()
        .args(["seed", "demo"])
        .env("LIAISON_DATABASE_URL", database_url)
        .output()
        .expect("run liaison seed demo");
    assert!(
        output.status.success(),
        "liaison seed demo failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_demo_twice_loads_the_data_once() {
    let app = TestApp::spawn().await;
    let url = app.database_url.clone();
    tokio::task::spawn_blocking(move || seed_demo(&url))
        .await
        .unwrap();
    let once = admin_ok(&app, COUNTS, json!({})).await;
    let audit_once = app.audit_count().await;
    assert_eq!(
        once,
        json!({
            "accounts": {"totalCount": 1},
            "partners": {"totalCount": 1},
            "contacts": {"totalCount": 2, "nodes": [
                {"name": "Alice Brown", "roles": [api_role(CUSTOMER_ADMIN)]},
                {"name": "Peter Robinson", "roles": [api_role(PARTNER_ADMIN)]},
            ]},
            "consumers": {"totalCount": 2},
            "households": {"totalCount": 1, "nodes": [{"members": {"totalCount": 2}, "memberships": {"totalCount": 2}}]},
            "internalUsers": {"totalCount": 4, "nodes": [
                {"roles": [api_role(ADMIN)]},
                {"roles": [api_role(AGENT)]},
                {"roles": [api_role(MANAGER)]},
                {"roles": [api_role(RELATIONSHIP_AGENT)]},
            ]},
        })
    );

    let url = app.database_url.clone();
    tokio::task::spawn_blocking(move || seed_demo(&url))
        .await
        .unwrap();
    assert_eq!(admin_ok(&app, COUNTS, json!({})).await, once);
    assert_eq!(
        app.audit_count().await,
        audit_once,
        "a second seed writes nothing"
    );
}
