//! Production defaults: introspection, GraphiQL, suggestions, the statement header and array batching
//! are off unless switched on, each by its own setting; and graphql-cop's thirteen checks, sent as it
//! sends them (anonymous, `operationName: "cop"`), report nothing against a production server with
//! default settings.

use liaison::config::{Limits, Mode};
use reqwest::Response;
use serde_json::{Value, json};

use crate::support::TestApp;

async fn production() -> TestApp {
    TestApp::spawn_with(Limits {
        mode: Mode::Production,
        ..Default::default()
    })
    .await
}

/// graphql-cop's `graph_query`: a JSON POST of `query` named `cop`.
async fn cop_query(app: &TestApp, query: &str) -> Response {
    app.http()
        .post(format!("{}/graphql", app.url))
        .json(&json!({ "query": query, "operationName": "cop" }))
        .send()
        .await
        .expect("request")
}

async fn cop_json(app: &TestApp, query: &str) -> Value {
    cop_query(app, query).await.json().await.expect("json")
}

async fn get(app: &TestApp, path: &str, query: Option<&str>) -> Response {
    let mut request = app.http().get(format!("{}{path}", app.url));
    if let Some(query) = query {
        request = request.query(&[("query", query)]);
    }
    request.send().await.expect("request")
}

/// graphql-cop's own first step: the endpoint is recognised as GraphQL, so the checks below run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_recognises_the_endpoint() {
    let app = production().await;
    let body = cop_json(&app, "query cop { __typename }").await;
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_alias_overloading() {
    let app = production().await;
    let aliases: String = (0..=100)
        .map(|i| format!("alias{i}:__typename \n"))
        .collect();
    let body = cop_json(&app, &format!("query cop {{ {aliases} }}")).await;
    assert!(body["data"]["alias100"].is_null(), "{body}");
    // 101 selections in one set: the width cap answers before the alias limit (30).
    assert_eq!(body["errors"][0]["extensions"]["code"], "FIELD_LIMIT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_array_batching() {
    let app = production().await;
    let batch: Vec<Value> = (0..10)
        .map(|_| json!({ "query": "query cop { __typename }" }))
        .collect();
    let response = app
        .http()
        .post(format!("{}/graphql", app.url))
        .json(&batch)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.expect("json");
    assert!(!body.is_array(), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BATCHING_DISABLED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_directive_overloading() {
    let app = production().await;
    let body = cop_json(
        &app,
        "query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }",
    )
    .await;
    let errors = body["errors"].as_array().expect("errors");
    assert_ne!(errors.len(), 10, "not one error per directive: {body}");
    assert_eq!(errors[0]["extensions"]["code"], "DIRECTIVE_LIMIT");
    assert!(body["data"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_field_duplication() {
    let app = production().await;
    let body = cop_json(
        &app,
        &format!("query cop {{ {}}} ", "__typename \n".repeat(500)),
    )
    .await;
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "FIELD_LIMIT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_field_suggestions() {
    let app = production().await;
    for query in [
        "query cop { __schema { directive } }",
        "query cop { acounts { totalCount } }",
        "query cop { viewer { isAuthenticatd } }",
    ] {
        let body = cop_json(&app, query).await;
        let message = body["errors"][0]["message"].as_str().expect("an error");
        assert!(!message.contains("Did you mean"), "{query}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_get_query() {
    let app = production().await;
    let response = get(&app, "/graphql", Some("{__typename}")).await;
    assert_eq!(response.status().as_u16(), 405);
    let body: Value = response.json().await.expect("json");
    assert!(body["data"].is_null(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_get_mutation() {
    let app = production().await;
    let response = get(&app, "/graphql", Some("mutation cop {__typename}")).await;
    assert_eq!(response.status().as_u16(), 405);
    let body: Value = response.json().await.expect("json");
    assert!(body["data"].is_null(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_post_without_json_is_refused() {
    let app = production().await;
    // graphql-cop's own probe: the query in the URL of a POST without a body.
    let response = app
        .http()
        .post(format!("{}/graphql", app.url))
        .query(&[("query", "query {__typename}")])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 415);
    let body: Value = response.json().await.expect("json");
    assert!(body["data"].is_null(), "{body}");
    // And what a cross-site form can send: urlencoded, multipart and text/plain bodies.
    for (content_type, payload) in [
        (
            "application/x-www-form-urlencoded",
            "query=query%20%7B__typename%7D",
        ),
        (
            "multipart/form-data; boundary=X",
            "--X\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"{__typename}\"}\r\n--X--\r\n",
        ),
        ("text/plain", "{\"query\":\"{__typename}\"}"),
    ] {
        let response = app
            .http()
            .post(format!("{}/graphql", app.url))
            .header("content-type", content_type)
            .body(payload)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 415, "{content_type}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNSUPPORTED_MEDIA_TYPE",
            "{content_type}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_graphiql_detection() {
    let app = production().await;
    for path in ["/graphiql", "/playground", "/console", "/graphql"] {
        let text = get(&app, path, None).await.text().await.expect("body");
        for word in [
            "graphiql.min.css",
            "GraphQL Playground",
            "GraphiQL",
            "graphql-playground",
        ] {
            assert!(!text.contains(word), "{path} shows {word}: {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_introspection() {
    let app = production().await;
    let body = cop_json(
        &app,
        "query cop { __schema { types { name fields { name } } } }",
    )
    .await;
    assert!(body["data"]["__schema"]["types"].is_null(), "{body}");
    assert!(!body.to_string().contains("\"Account\""), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_circular_introspection() {
    let app = production().await;
    let body = cop_json(
        &app,
        "query cop { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }",
    )
    .await;
    assert!(body["data"]["__schema"]["types"].is_null(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_trace_mode() {
    let app = production().await;
    let body = cop_json(&app, "query cop { __typename }").await;
    assert_eq!(body["data"]["__typename"], "Query");
    assert!(body["extensions"]["tracing"].is_null(), "{body}");
    let text = body.to_string().to_lowercase();
    assert!(
        !text.contains("tracing") && !text.contains("stacktrace"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_cop_unhandled_errors() {
    let app = production().await;
    // graphql-cop's broken document, a body that is not JSON and one that is not a GraphQL request.
    let body = cop_json(&app, "qwerty cop { abc }").await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
    assert!(
        body["errors"][0]["extensions"]["exception"].is_null(),
        "{body}"
    );
    for payload in ["{not json", "[1, 2]", "{\"query\": 1}"] {
        let response = app
            .http()
            .post(format!("{}/graphql", app.url))
            .header("content-type", "application/json")
            .body(payload)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 400, "{payload}");
        let text = response.text().await.expect("body");
        let lower = text.to_lowercase();
        for leak in [
            "exception",
            "stacktrace",
            "error(",
            "invalidrequest",
            "line ",
        ] {
            assert!(!lower.contains(leak), "{payload}: {text}");
        }
        let body: Value = serde_json::from_str(&text).expect("a JSON error");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_switches_off_the_statement_header_and_each_switch_turns_back_on() {
    let app = production().await;
    let response = cop_query(&app, "query cop { __typename }").await;
    assert!(response.headers().get("x-sql-statements").is_none());

    let app = TestApp::spawn_with(Limits {
        mode: Mode::Production,
        introspection: Some(true),
        graphiql: Some(true),
        suggestions: Some(true),
        statement_header: Some(true),
        batching: Some(true),
        ..Default::default()
    })
    .await;
    let response = cop_query(&app, "query cop { __schema { queryType { name } } }").await;
    assert!(response.headers().get("x-sql-statements").is_some());
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    let html = get(&app, "/graphql", None)
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("GraphiQL"), "{html}");
    let body = cop_json(&app, "query cop { viewer { isAuthenticatd } }").await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean"),
        "{body}"
    );
    let response = app
        .http()
        .post(format!("{}/graphql", app.url))
        .json(&json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]))
        .send()
        .await
        .expect("request");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body.as_array().map(Vec::len), Some(2), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_keeps_suggestions_and_batching() {
    let app = TestApp::spawn().await;
    let body = cop_json(&app, "query cop { viewer { isAuthenticatd } }").await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean"),
        "{body}"
    );
    // And the other switches can be turned off there too.
    let app = TestApp::spawn_with(Limits {
        suggestions: Some(false),
        batching: Some(false),
        graphiql: Some(false),
        ..Default::default()
    })
    .await;
    let body = cop_json(&app, "query cop { viewer { isAuthenticatd } }").await;
    assert!(!body.to_string().contains("Did you mean"), "{body}");
    let response = app
        .http()
        .post(format!("{}/graphql", app.url))
        .json(&json!([{ "query": "{ __typename }" }]))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(get(&app, "/graphql", None).await.status().as_u16(), 405);
}
