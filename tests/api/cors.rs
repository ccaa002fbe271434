//! CORS: preflights from allowed origins are answered with the allowed methods and headers, other origins
//! get no allowance, actual responses (errors included) carry the headers, and production allows no
//! origin until one is configured.

use liaison::{
    config::{CorsConfig, Mode},
    http::cors::CorsPolicy,
};
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::support::TestApp;

/// The policy the server runs with `origins` configured (None: unset) in `mode`.
fn policy(origins: Option<&[&str]>, mode: Mode) -> CorsPolicy {
    let config = CorsConfig {
        origins: origins.map(|o| o.iter().map(|s| s.to_string()).collect()),
        ..CorsConfig::default()
    };
    CorsPolicy::from_config(&config, mode).expect("a valid policy")
}

/// What a browser sends before a cross-origin POST with a bearer token and a JSON body.
async fn preflight(app: &TestApp, origin: &str) -> Response {
    app.http()
        .request(Method::OPTIONS, format!("{}/graphql", app.url))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .expect("preflight")
}

/// A cross-origin POST of `query` from `origin`.
async fn post_from(app: &TestApp, origin: &str, token: &str, query: &str) -> Response {
    app.http()
        .post(format!("{}/graphql", app.url))
        .header("origin", origin)
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("request")
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().expect("ASCII header").to_owned())
        .reduce(|a, b| format!("{a}, {b}"))
}

fn listed(response: &Response, name: &str) -> Vec<String> {
    header(response, name)
        .unwrap_or_default()
        .split(',')
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_answers_a_localhost_preflight_with_the_allowed_methods_and_headers() {
    let app = TestApp::spawn_with_cors(policy(None, Mode::Development)).await;
    for origin in ["http://localhost:5173", "http://127.0.0.1:3000"] {
        let response = preflight(&app, origin).await;
        assert!(
            matches!(response.status().as_u16(), 200 | 204),
            "{origin}: {}",
            response.status()
        );
        assert_eq!(
            header(&response, "access-control-allow-origin").as_deref(),
            Some(origin)
        );
        let methods = listed(&response, "access-control-allow-methods");
        assert!(methods.contains(&"post".into()), "{methods:?}");
        let headers = listed(&response, "access-control-allow-headers");
        for needed in ["authorization", "content-type"] {
            assert!(headers.contains(&needed.into()), "{needed} in {headers:?}");
        }
        assert_eq!(
            header(&response, "access-control-max-age").as_deref(),
            Some("600")
        );
        assert!(
            listed(&response, "vary").contains(&"origin".into()),
            "caches must key on the origin"
        );
        // Bearer tokens, never cookies: credentials are not allowed.
        assert_eq!(header(&response, "access-control-allow-credentials"), None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preflight_from_an_origin_not_allowed_gets_no_allowance() {
    let app = TestApp::spawn_with_cors(policy(None, Mode::Development)).await;
    for origin in [
        "https://portal.example.com",
        "http://localhost.example.com:5173",
        "https://localhost:5173",
        "null",
    ] {
        let response = preflight(&app, origin).await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{origin} must not be allowed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_responses_carry_the_headers_errors_included() {
    let app = TestApp::spawn_with_cors(policy(
        Some(&["https://portal.example.com"]),
        Mode::Production,
    ))
    .await;
    let origin = "https://portal.example.com";
    let response = post_from(&app, origin, &app.admin(), "{ viewer { subject } }").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(origin)
    );
    let exposed = listed(&response, "access-control-expose-headers");
    assert!(exposed.contains(&"x-sql-statements".into()), "{exposed:?}");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["viewer"]["subject"], "test.admin");

    // A refused token still lets the portal read why (the browser would hide a bare 401).
    let refused = post_from(&app, origin, "not-a-token", "{ viewer { subject } }").await;
    assert_eq!(refused.status().as_u16(), 401);
    assert_eq!(
        header(&refused, "access-control-allow-origin").as_deref(),
        Some(origin)
    );

    // So does an oversized body's 413.
    let oversized = app
        .http()
        .post(format!("{}/graphql", app.url))
        .header("origin", origin)
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"query": "{{ viewer {{ subject }} }}", "pad": "{}"}}"#,
            "x".repeat(300 * 1024)
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(oversized.status().as_u16(), 413);
    assert_eq!(
        header(&oversized, "access-control-allow-origin").as_deref(),
        Some(origin)
    );

    // Another origin's request is answered (the server cannot stop it) without an allowance, so the
    // browser keeps the answer from the page.
    let other = post_from(
        &app,
        "https://elsewhere.example.com",
        &app.admin(),
        "{ viewer { subject } }",
    )
    .await;
    assert_eq!(header(&other, "access-control-allow-origin"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_allows_no_origin_until_configured() {
    let app = TestApp::spawn_with_cors(policy(None, Mode::Production)).await;
    for origin in ["http://localhost:5173", "https://portal.example.com"] {
        let response = preflight(&app, origin).await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{origin}"
        );
        let actual = post_from(&app, origin, &app.admin(), "{ viewer { subject } }").await;
        assert_eq!(actual.status().as_u16(), 200);
        assert_eq!(header(&actual, "access-control-allow-origin"), None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explicit_wildcard_allows_any_origin_and_mirrors_the_asked_headers() {
    let config = CorsConfig {
        origins: Some(vec!["*".into()]),
        headers: vec!["*".into()],
        methods: vec!["POST".into()],
        max_age_seconds: 60,
    };
    let app =
        TestApp::spawn_with_cors(CorsPolicy::from_config(&config, Mode::Production).unwrap()).await;
    let response = preflight(&app, "https://anything.example.org").await;
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    // `Access-Control-Allow-Headers: *` would not cover Authorization, so the asked headers are echoed.
    assert_eq!(
        listed(&response, "access-control-allow-headers"),
        ["authorization", "content-type"]
    );
    assert_eq!(listed(&response, "access-control-allow-methods"), ["post"]);
    assert_eq!(
        header(&response, "access-control-max-age").as_deref(),
        Some("60")
    );
}
