//! Operations: Prometheus metrics on /metrics, the request id on responses and log lines
//! (incoming `x-request-id`, `traceparent`, or generated), and the TOML settings file with its
//! precedence (flag > environment > file > default).

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use liaison::config::Limits;
use serde_json::{Value, json};

use crate::support::{ADMIN, AUDIENCE, SECRET, TestApp, admin_ok, missing_id, server::jwt_config};

/// The value of the sample of `name` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
            let all = labels
                .iter()
                .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")));
            (metric == name && all).then(|| value.parse().ok())?
        })
}

async fn metrics_text(app: &TestApp) -> String {
    let response = app
        .http()
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.expect("text")
}

async fn post(app: &TestApp, token: Option<&str>, body: Value) -> reqwest::Response {
    let mut request = app.http().post(format!("{}/graphql", app.url)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_latency_statements_pool_and_access_checks() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for _ in 0..2 {
        let query = json!({
            "query": "query CountAccounts { accounts { totalCount } }",
            "operationName": "CountAccounts",
        });
        assert_eq!(post(&app, Some(&admin), query).await.status().as_u16(), 200);
    }
    let refused = post(
        &app,
        Some("not-a-token"),
        json!({ "query": "query Who { viewer { subject } }", "operationName": "Who" }),
    )
    .await;
    assert_eq!(refused.status().as_u16(), 401);
    let check = "query Check($id: ID!) { accessCheck(action: READ, caseId: $id) { allowed } }";
    admin_ok(&app, check, json!({ "id": missing_id("Case") })).await;

    let text = metrics_text(&app).await;
    let count = |labels: &[(&str, &str)]| sample(&text, "liaison_http_requests_total", labels);
    assert_eq!(
        count(&[
            ("path", "/graphql"),
            ("operation", "CountAccounts"),
            ("status", "200")
        ]),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        count(&[
            ("path", "/graphql"),
            ("operation", "Who"),
            ("status", "401")
        ]),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            "liaison_http_request_duration_seconds_count",
            &[("path", "/graphql"), ("operation", "CountAccounts")]
        ),
        Some(2.0)
    );
    assert!(
        sample(
            &text,
            "liaison_http_request_duration_seconds_bucket",
            &[("operation", "CountAccounts"), ("le", "+Inf")]
        ) == Some(2.0)
    );
    let statements = sample(
        &text,
        "liaison_sql_statements_total",
        &[("operation", "CountAccounts")],
    )
    .expect("statements counted");
    assert!(statements >= 2.0, "{statements}");
    assert!(
        sample(&text, "liaison_access_check_duration_seconds_count", &[]).unwrap() >= 1.0,
        "{text}"
    );
    assert!(
        sample(&text, "liaison_db_pool_max_connections", &[]) == Some(4.0),
        "{text}"
    );
    let idle = sample(&text, "liaison_db_pool_connections", &[("state", "idle")]).unwrap();
    let in_use = sample(&text, "liaison_db_pool_connections", &[("state", "in_use")]).unwrap();
    assert!(
        idle + in_use >= 1.0 && idle + in_use <= 4.0,
        "{idle} {in_use}"
    );

    // The scrape itself is counted too, under its route.
    let again = metrics_text(&app).await;
    assert_eq!(
        sample(
            &again,
            "liaison_http_requests_total",
            &[("path", "/metrics"), ("status", "200")]
        ),
        Some(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_be_switched_off() {
    let app = TestApp::spawn_with(Limits {
        metrics: false,
        ..Limits::default()
    })
    .await;
    let response = app
        .http()
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 404);
}

fn request_id(response: &reqwest::Response) -> String {
    response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_a_request_id_echoed_derived_or_generated() {
    let app = TestApp::spawn().await;
    let query = json!({ "query": "{ accounts { totalCount } }" });
    let send = |headers: Vec<(&'static str, String)>| {
        let mut request = app
            .http()
            .post(format!("{}/graphql", app.url))
            .bearer_auth(app.admin())
            .json(&query);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };

    // Generated: a UUID v4, a different one each time, on GraphQL answers and on the probes too.
    let first = request_id(&send(vec![]).await.unwrap());
    let second = request_id(&send(vec![]).await.unwrap());
    assert_ne!(first, second);
    assert_eq!(uuid::Uuid::parse_str(&first).unwrap().get_version_num(), 4);
    let probe = app
        .http()
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    assert!(uuid::Uuid::parse_str(&request_id(&probe)).is_ok());
    let unknown = app
        .http()
        .get(format!("{}/nowhere", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    assert!(uuid::Uuid::parse_str(&request_id(&unknown)).is_ok());

    // Echoed when sane.
    let echoed = send(vec![("x-request-id", "portal-7f3a:retry=1".into())])
        .await
        .unwrap();
    assert_eq!(request_id(&echoed), "portal-7f3a:retry=1");
    // Replaced when too long or not printable ASCII.
    for bad in ["x".repeat(129), "two words".into(), "caf\u{e9}".into()] {
        let response = send(vec![("x-request-id", bad.clone())]).await.unwrap();
        let id = request_id(&response);
        assert_ne!(id, bad);
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{bad:?} gave {id}");
    }
    let longest = "y".repeat(128);
    assert_eq!(
        request_id(&send(vec![("x-request-id", longest.clone())]).await.unwrap()),
        longest
    );

    // Derived from traceparent's trace id; x-request-id wins over it; a malformed one is ignored.
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let traced = send(vec![("traceparent", traceparent.into())])
        .await
        .unwrap();
    assert_eq!(request_id(&traced), "4bf92f3577b34da6a3ce929d0e0e4736");
    let both = send(vec![
        ("traceparent", traceparent.into()),
        ("x-request-id", "explicit".into()),
    ])
    .await
    .unwrap();
    assert_eq!(request_id(&both), "explicit");
    let zeros = "00-00000000000000000000000000000000-00f067aa0ba902b7-01";
    let malformed = send(vec![("traceparent", zeros.into())]).await.unwrap();
    assert!(uuid::Uuid::parse_str(&request_id(&malformed)).is_ok());

    // Refusals carry it too.
    let refused = app
        .http()
        .post(format!("{}/graphql", app.url))
        .header("x-request-id", "refused-1")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 415);
    assert_eq!(request_id(&refused), "refused-1");
}

/// Kills the server and removes its database when the test ends.
struct Server {
    child: std::process::Child,
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

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "liaison_ops_{}_{}_{name}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ))
}

/// The serving address the binary printed on stdout.
fn serving_address(lines: &mpsc::Receiver<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .expect("the server started in time");
        if let Some(rest) = line.split("http://").nth(1) {
            return rest.split('/').next().unwrap().to_owned();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_log_line_of_a_request_carries_its_id() {
    let database = temp_path("log.db");
    let child = liaison()
        .args(["serve", "--listen", "127.0.0.1:0", "--log-json"])
        .env(
            "LIAISON_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", database.display()),
        )
        .env("LIAISON_SWEEP_INTERVAL_SECONDS", "0")
        .env("LIAISON_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start liaison serve");
    let mut server = Server { child, database };
    let (out_tx, out_rx) = mpsc::channel();
    let stdout = server.child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = out_tx.send(line);
        }
    });
    let (err_tx, err_rx) = mpsc::channel::<String>();
    let stderr = server.child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = err_tx.send(line);
        }
    });
    let address = serving_address(&out_rx);
    let client = reqwest::Client::new();
    // A refused token logs a line of its own ("token refused") before the request line.
    let response = client
        .post(format!("http://{address}/graphql"))
        .header("x-request-id", "log-check-42")
        .bearer_auth("not-a-token")
        .json(&json!({ "query": "query Who { viewer { subject } }", "operationName": "Who" }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(request_id(&response), "log-check-42");

    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ours = Vec::new();
    while !ours
        .iter()
        .any(|l: &Value| l["fields"]["message"] == "request")
    {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = err_rx
            .recv_timeout(left)
            .expect("the request was logged in time");
        let Ok(entry) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if entry["span"]["request_id"] == "log-check-42" {
            ours.push(entry);
        }
    }
    let messages: Vec<&str> = ours
        .iter()
        .filter_map(|l| l["fields"]["message"].as_str())
        .collect();
    assert!(messages.contains(&"token refused"), "{ours:#?}");
    let request_line = ours
        .iter()
        .find(|l| l["fields"]["message"] == "request")
        .unwrap();
    assert_eq!(request_line["fields"]["status"], 401);
    assert_eq!(request_line["fields"]["operation"], "Who");
}

/// The claims of a token, unverified.
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("json")
}

/// Runs `liaison token` with `args` and `env`; the token, or the error it printed.
fn token(args: &[&str], env: &[(&str, &str)]) -> Result<String, String> {
    let mut command = liaison();
    command
        .args(["token", "--sub", "file.user", "--role", ADMIN])
        .args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run liaison token");
    if output.status.success() {
        Ok(String::from_utf8(output.stdout).unwrap().trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn a_config_file_sets_settings_below_the_environment_and_flags() {
    let path = temp_path("settings.toml");
    std::fs::write(
        &path,
        format!(
            "# keys are the LIAISON_ variables without the prefix\njwt_secret = \"{SECRET}\"\njwt_audience = \"{AUDIENCE}\"\njwt-issuer = \"https://file.example\"\nJWT_LEEWAY_SECONDS = 5\n"
        ),
    )
    .unwrap();
    let file = path.to_str().unwrap();

    let auth = liaison::auth::Authenticator::new(
        &liaison::config::JwtConfig {
            issuer: Some("https://file.example".into()),
            ..jwt_config()
        },
        liaison::config::Mode::Production,
    )
    .unwrap();

    // Without the file, the defaults: no issuer claim, the development secret.
    let plain = token(&[], &[]).unwrap();
    assert!(claims(&plain).get("iss").is_none(), "{}", claims(&plain));
    assert!(auth.verify(&plain).is_err());

    // The file sets the issuer and the secret, named by the flag or by LIAISON_CONFIG.
    for (args, env) in [
        (vec!["--config", file], vec![]),
        (vec![], vec![("LIAISON_CONFIG", file)]),
    ] {
        let from_file = token(&args, &env).unwrap();
        assert_eq!(claims(&from_file)["iss"], "https://file.example");
        // Signed with the file's secret, for the file's audience.
        assert!(auth.verify(&from_file).is_ok(), "{}", claims(&from_file));
    }

    // The environment beats the file, and a flag beats both.
    let env = [("LIAISON_JWT_ISSUER", "https://env.example")];
    let from_env = token(&["--config", file], &env).unwrap();
    assert_eq!(claims(&from_env)["iss"], "https://env.example");
    let from_flag = token(
        &["--config", file, "--jwt-issuer", "https://flag.example"],
        &env,
    )
    .unwrap();
    assert_eq!(claims(&from_flag)["iss"], "https://flag.example");

    // A key that is no setting, and a missing file, refuse to start.
    std::fs::write(&path, "jwt_isuer = \"typo\"\n").unwrap();
    let error = token(&["--config", file], &[]).unwrap_err();
    assert!(error.contains("`jwt_isuer` is not a setting"), "{error}");
    std::fs::remove_file(&path).unwrap();
    let error = token(&["--config", file], &[]).unwrap_err();
    assert!(error.contains("cannot read the config file"), "{error}");
}
