//! The HTTP surface: GET never executes, GraphiQL and probes are served, and the body, batch, depth,
//! complexity, alias and introspection limits refuse with their error codes.

use liaison::config::Limits;
use serde_json::{Value, json};

use crate::support::{TestApp, admin_ok};

/// Customer accounts an admin sees, and audit entries written.
async fn written(app: &TestApp) -> (Value, u64) {
    let data = admin_ok(app, "{ accounts { totalCount } }", json!({})).await;
    (
        data["accounts"]["totalCount"].clone(),
        app.audit_count().await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mutation_over_get_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let mutation = r#"mutation { createAccount(input: {name: "VIAGET", isCustomer: true}) { account { id } } }"#;
    let variants = [
        vec![("query", mutation)],
        vec![("operationName", "x"), ("query", mutation)],
        vec![("query", "{ accounts { totalCount } }")],
    ];
    for params in variants {
        let response = app
            .http()
            .get(format!("{}/graphql", app.url))
            .query(&params)
            .bearer_auth(app.admin())
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 405, "GET with {params:?}");
        assert_eq!(
            response
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok()),
            Some("POST")
        );
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "METHOD_NOT_ALLOWED"
        );
        assert!(body.get("data").is_none_or(Value::is_null), "{body}");
    }
    assert_eq!(written(&app).await, (json!(0), 0));

    // The same mutation over POST works, so the refusal above was about the method.
    admin_ok(&app, mutation, json!({})).await;
    assert_eq!(written(&app).await, (json!(1), 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_without_a_query_serves_graphiql() {
    let app = TestApp::spawn().await;
    let response = app
        .http()
        .get(format!("{}/graphql", app.url))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = response.text().await.expect("body");
    assert!(
        html.to_lowercase().contains("graphiql"),
        "not GraphiQL: {html}"
    );
    assert!(html.contains("/graphql"), "GraphiQL points at the endpoint");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness_probes_answer() {
    let app = TestApp::spawn().await;
    for (path, body) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let response = app
            .http()
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(response.text().await.unwrap(), body, "{path}");
    }
    let response = app
        .http()
        .get(format!("{}/nothing-here", app.url))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = TestApp::spawn_with(Limits {
        max_body_bytes: 1024,
        ..Default::default()
    })
    .await;
    let small = app
        .gql(
            Some(&app.admin()),
            "{ viewer { isAuthenticated } }",
            json!({}),
        )
        .await;
    assert_eq!(small.status, 200);

    let name = "X".repeat(2000);
    let body = json!({
        "query": "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }",
        "variables": {"i": {"name": name, "isCustomer": true}},
    });
    let response = app
        .http()
        .post(format!("{}/graphql", app.url))
        .bearer_auth(app.admin())
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(written(&app).await, (json!(0), 0));
}

fn batch(n: usize, query: &str) -> Value {
    Value::Array((0..n).map(|_| json!({ "query": query })).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_over_the_limit_is_refused() {
    let app = TestApp::spawn().await;
    let post = |body: Value| {
        app.http()
            .post(format!("{}/graphql", app.url))
            .bearer_auth(app.admin())
            .json(&body)
            .send()
    };
    let mutation = r#"mutation { createAccount(input: {name: "BATCHED", isCustomer: true}) { account { id } } }"#;

    let response = post(batch(11, mutation)).await.expect("request");
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BATCH_TOO_LARGE",
        "{body}"
    );
    assert_eq!(
        written(&app).await,
        (json!(0), 0),
        "no operation of the batch ran"
    );

    // Ten operations are allowed and each gets its own result.
    let response = post(batch(10, "{ viewer { isAuthenticated } }"))
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("json");
    let results = body.as_array().expect("a batch answer is an array");
    assert_eq!(results.len(), 10);
    for result in results {
        assert_eq!(
            result["data"]["viewer"]["isAuthenticated"], true,
            "{result}"
        );
    }
}

/// `{ viewer { node { ... on Contact { account { ... on Account { parent { ... parent { id } } } } } } } }`
/// with `parents` nested `parent` fields: depth 5 + `parents`.
fn deep_query(parents: usize) -> String {
    let mut inner = "id".to_owned();
    for _ in 0..parents {
        inner = format!("parent {{ ... on Account {{ {inner} }} }}");
    }
    format!(
        "{{ viewer {{ node {{ ... on Contact {{ account {{ ... on Account {{ {inner} }} }} }} }} }} }}"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_nested_deeper_than_the_limit_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    // The default limit is 15: the deepest accepted query has depth 15, one more is refused.
    let reply = app.gql(Some(&admin), &deep_query(11), json!({})).await;
    assert!(
        reply.body.get("errors").is_none(),
        "depth 15: {}",
        reply.body
    );
    let reply = app.gql(Some(&admin), &deep_query(12), json!({})).await;
    assert_eq!(reply.code(), "DEPTH_LIMIT", "{}", reply.body);
    assert!(reply.body["data"].is_null(), "{}", reply.body);

    let app = TestApp::spawn_with(Limits {
        max_depth: 6,
        ..Default::default()
    })
    .await;
    let admin = app.admin();
    let reply = app.gql(Some(&admin), &deep_query(2), json!({})).await;
    assert!(
        reply.body.get("errors").is_none(),
        "depth 6: {}",
        reply.body
    );
    let reply = app.gql(Some(&admin), &deep_query(3), json!({})).await;
    assert_eq!(reply.code(), "DEPTH_LIMIT", "{}", reply.body);
    // Anonymous callers are held to the same limit.
    let reply = app.gql(None, &deep_query(3), json!({})).await;
    assert_eq!(reply.code(), "DEPTH_LIMIT", "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_over_the_complexity_limit_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    // Page sizes multiply: 100 x 100 x 100 rows is far above the default 50 000.
    let expensive = "{ accounts(first: 100) { nodes { children(first: 100) { nodes {
        ... on Account { children(first: 100) { nodes { id } } } } } } } }";
    let reply = app.gql(Some(&admin), expensive, json!({})).await;
    assert_eq!(reply.code(), "COMPLEXITY_LIMIT", "{}", reply.body);
    assert!(reply.body["data"].is_null());
    let cheap = "{ accounts(first: 10) { nodes { children(first: 10) { nodes {
        ... on Account { children(first: 10) { nodes { id } } } } } } } }";
    let reply = app.gql(Some(&admin), cheap, json!({})).await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);

    // The limit is configurable, and `first` drives the cost.
    let app = TestApp::spawn_with(Limits {
        max_complexity: 100,
        ..Default::default()
    })
    .await;
    let admin = app.admin();
    let reply = app
        .gql(
            Some(&admin),
            "{ accounts(first: 10) { nodes { id name } } }",
            json!({}),
        )
        .await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    let reply = app
        .gql(
            Some(&admin),
            "{ accounts(first: 100) { nodes { id name } } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.code(), "COMPLEXITY_LIMIT", "{}", reply.body);
}

fn aliased(n: usize) -> String {
    let fields: Vec<String> = (0..n)
        .map(|i| format!("a{i}: viewer {{ isAuthenticated }}"))
        .collect();
    format!("{{ {} }}", fields.join(" "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_aliases_than_the_limit_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let reply = app.gql(Some(&admin), &aliased(30), json!({})).await;
    assert!(
        reply.body.get("errors").is_none(),
        "30 aliases: {}",
        reply.body
    );
    assert_eq!(reply.data()["a29"]["isAuthenticated"], true);

    let reply = app.gql(Some(&admin), &aliased(31), json!({})).await;
    assert_eq!(reply.code(), "GRAPHQL_VALIDATION_FAILED", "{}", reply.body);
    assert!(reply.body["data"].is_null());

    // Aliases hidden in fragments and nested selections count as well.
    let fields: Vec<String> = (0..31).map(|i| format!("n{i}: name")).collect();
    let query = format!(
        "{{ accounts {{ nodes {{ ...F }} }} }} fragment F on Account {{ {} }}",
        fields.join(" ")
    );
    let reply = app.gql(Some(&admin), &query, json!({})).await;
    assert_eq!(reply.code(), "GRAPHQL_VALIDATION_FAILED", "{}", reply.body);
    let query = format!("{{ accounts {{ nodes {{ {} }} }} }}", fields.join(" "));
    let reply = app.gql(Some(&admin), &query, json!({})).await;
    assert_eq!(reply.code(), "GRAPHQL_VALIDATION_FAILED", "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syntax_and_validation_errors_carry_their_codes() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for broken in [
        "{ accounts { nodes { id }",
        "query {",
        "mutation { createAccount(input: {name: }) }",
        "",
    ] {
        let reply = app.gql(Some(&admin), broken, json!({})).await;
        assert_eq!(
            reply.code(),
            "GRAPHQL_PARSE_FAILED",
            "{broken:?}: {}",
            reply.body
        );
    }
    for invalid in [
        "{ accounts { nodes { noSuchField } } }",
        "{ noSuchRoot }",
        "{ accounts(first: \"ten\") { totalCount } }",
        "query($x: Int!) { accounts(first: $y) { totalCount } }",
    ] {
        let reply = app.gql(Some(&admin), invalid, json!({})).await;
        assert_eq!(
            reply.code(),
            "GRAPHQL_VALIDATION_FAILED",
            "{invalid}: {}",
            reply.body
        );
    }
    // A body that is not GraphQL-over-HTTP JSON at all is a client error, not a crash.
    let response = app
        .http()
        .post(format!("{}/graphql", app.url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 400);
}

const INTROSPECTION: &str =
    "{ __schema { queryType { name } } __type(name: \"Account\") { name } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn introspection_can_be_switched_off() {
    // On by default, also for anonymous callers (the schema is public).
    let app = TestApp::spawn().await;
    let reply = app.gql(None, INTROSPECTION, json!({})).await;
    assert_eq!(reply.data()["__schema"]["queryType"]["name"], "Query");
    assert_eq!(reply.data()["__type"]["name"], "Account");

    let app = TestApp::spawn_with(Limits {
        introspection: Some(false),
        ..Default::default()
    })
    .await;
    for token in [None, Some(app.admin())] {
        let reply = app.gql(token.as_deref(), INTROSPECTION, json!({})).await;
        let data = &reply.body["data"];
        assert!(
            data.is_null() || (data["__schema"].is_null() && data["__type"].is_null()),
            "introspection must be off: {}",
            reply.body
        );
        assert!(
            !reply.body.to_string().contains("\"Query\""),
            "no schema facts leak: {}",
            reply.body
        );
    }
    // Ordinary queries still work, `__typename` included.
    let data = admin_ok(&app, "{ __typename viewer { isAuthenticated } }", json!({})).await;
    assert_eq!(data["__typename"], "Query");
    assert_eq!(data["viewer"]["isAuthenticated"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_report_their_statement_count() {
    let app = TestApp::spawn().await;
    let reply = app
        .gql(
            Some(&app.admin()),
            "{ accounts { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert!(
        reply.statements >= 2,
        "list and count: {}",
        reply.statements
    );
    // An anonymous viewer query touches no table at all.
    let reply = app
        .gql(None, "{ viewer { isAuthenticated } }", json!({}))
        .await;
    assert_eq!(reply.statements, 0);
}
