//! Hostile documents are refused before validation by the limits on the selection as executed
//! (fragments expanded, each fragment walked once), while legitimate queries written with fragments
//! on both organization types pass at default limits; the request timeout drops running work.

use liaison::config::Limits;
use serde_json::{Value, json};

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, TransactionTrait};

use crate::support::{TestApp, customer, nodes, partner, partner_account_type, relate};

/// `n` fragments, each spreading the next one twice: about 30 bytes per fragment, 2^(n+1) fields.
fn exponential(n: usize) -> String {
    let fragments: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "fragment F{i} on Query {{ __typename ...F{} ...F{} }}",
                i + 1,
                i + 1
            )
        })
        .collect();
    format!(
        "query {{ ...F0 }} {} fragment F{n} on Query {{ __typename }}",
        fragments.join(" ")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exponential_fragments_are_refused_by_the_field_limit() {
    let app = TestApp::spawn().await;
    for n in [22, 26] {
        let query = exponential(n);
        assert!(
            query.len() < 1500,
            "a small document: {} bytes",
            query.len()
        );
        let reply = app.gql(None, &query, json!({})).await;
        assert_eq!(reply.code(), "FIELD_LIMIT", "n={n}: {}", reply.body);
        assert!(reply.body["data"].is_null(), "{}", reply.body);
        let error = &reply.body["errors"][0];
        assert_eq!(error["extensions"]["limit"], 2000, "{error}");
        assert_eq!(
            error["extensions"]["value"],
            (1u64 << (n + 1)) - 1,
            "every expansion is counted: {error}"
        );
        assert_eq!(
            reply.body["errors"].as_array().map(Vec::len),
            Some(1),
            "one error, not one per expansion: {}",
            reply.body
        );
    }
    // Far below the cap the same shape runs: n=8 selects 511 `__typename`s, merged into one.
    let reply = app.gql(None, &exponential(8), json!({})).await;
    assert_eq!(reply.data()["__typename"], "Query");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_while_several_exponential_queries_arrive_at_once() {
    let app = TestApp::spawn().await;
    let body = json!({ "query": exponential(26) });
    let hostile: Vec<_> = (0..8)
        .map(|_| {
            let client = app.http().clone();
            let url = format!("{}/graphql", app.url);
            let body = body.clone();
            tokio::spawn(async move {
                let response = client.post(url).json(&body).send().await.expect("request");
                let body: Value = response.json().await.expect("json");
                body["errors"][0]["extensions"]["code"].clone()
            })
        })
        .collect();
    for _ in 0..5 {
        let response = app
            .http()
            .get(format!("{}/healthz", app.url))
            .send()
            .await
            .expect("healthz");
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.text().await.unwrap(), "ok");
    }
    for task in hostile {
        assert_eq!(task.await.expect("task"), "FIELD_LIMIT");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fragment_cycles_are_refused_without_expanding_them() {
    let app = TestApp::spawn().await;
    // graphql-cop's circular fragment, and one that spreads the other twice (2^32 visits unchecked).
    for query in [
        "query { __schema { ...A } } fragment A on __Schema { __typename ...B } fragment B on __Schema { ...A }",
        "query { ...A } fragment A on Query { __typename ...B ...B } fragment B on Query { ...A ...A }",
    ] {
        let reply = app.gql(None, query, json!({})).await;
        assert_eq!(reply.code(), "GRAPHQL_VALIDATION_FAILED", "{}", reply.body);
        assert!(
            reply.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("spreads itself"),
            "{}",
            reply.body
        );
    }
}

/// The nested relationship query, written with fragments on both faces of `otherAccount`.
const NESTED: &str = "query($n: Int!) { accounts(first: $n) { nodes { name relationships { nodes { label otherAccount { name ... on Account { relationships { nodes { label } } } ... on Partner { relationships { nodes { label } } } } } } contactRelationships { nodes { contact { name } } } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fragments_on_both_organization_types_are_charged_once() {
    let app = TestApp::spawn().await;
    let partner_type = partner_account_type(&app).await;
    let gsi = partner(&app, "GSITECH").await;
    let abc = customer(&app, "ABCCORP").await;
    relate(&app, &partner_type, &gsi, &abc).await;

    // 50 x (3 + 20 x (3 + max(40, 40)) + 60) = 47 100: under the default 50 000, though charging
    // both fragments would make it 87 100.
    let reply = app
        .gql(Some(&app.admin()), NESTED, json!({ "n": 50 }))
        .await;
    let rows = nodes(&reply.data()["accounts"]);
    assert_eq!(rows.len(), 1, "{}", reply.body);
    let side = &nodes(&rows[0]["relationships"])[0];
    assert_eq!(side["otherAccount"]["name"], "GSITECH");
    assert_eq!(
        nodes(&side["otherAccount"]["relationships"])[0]["label"],
        "Partner of"
    );

    // Twice the page size costs twice as much and is refused, saying what it costs.
    let reply = app
        .gql(Some(&app.admin()), NESTED, json!({ "n": 100 }))
        .await;
    assert_eq!(reply.code(), "COMPLEXITY_LIMIT", "{}", reply.body);
    let error = &reply.body["errors"][0];
    assert_eq!(error["extensions"]["value"], 94_200, "{error}");
    assert_eq!(error["extensions"]["limit"], 50_000, "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("94200"),
        "{error}"
    );
    assert!(reply.body["data"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fragments_that_all_apply_add_up() {
    let app = TestApp::spawn_with(Limits {
        max_complexity: 100,
        ..Default::default()
    })
    .await;
    let admin = app.admin();
    // accounts(first: 10) { nodes { id name } } costs 10 x 3 = 30.
    let one = "{ accounts(first: 10) { nodes { ... on Account { id name } } } }";
    assert!(
        app.gql(Some(&admin), one, json!({}))
            .await
            .body
            .get("errors")
            .is_none()
    );
    // Two fragments on the same type, a fragment without a type condition and a named fragment all
    // apply to every row: 10 x (1 + 2 + 2 + 3 + 2) = 100 is the limit, one more field goes over.
    let fragments = "fragment N on Account { id name }";
    let at_limit = format!(
        "{{ accounts(first: 10) {{ nodes {{ ... on Account {{ id name }} ... on Account {{ id name }} ... {{ id name createdAt }} ...N }} }} }} {fragments}"
    );
    let reply = app.gql(Some(&admin), &at_limit, json!({})).await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
    let over = format!(
        "{{ accounts(first: 10) {{ nodes {{ ... on Account {{ id name }} ... on Account {{ id name }} ... {{ id name createdAt updatedAt }} ...N }} }} }} {fragments}"
    );
    let reply = app.gql(Some(&admin), &over, json!({})).await;
    assert_eq!(reply.code(), "COMPLEXITY_LIMIT", "{}", reply.body);
    assert_eq!(reply.body["errors"][0]["extensions"]["value"], 110);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_operations_share_one_complexity_budget() {
    let app = TestApp::spawn().await;
    // 100 x (1 + 30 x 2) = 6 100 each: ten of them (61 000) go over the 50 000 of one request.
    let query = "{ accounts(first: 100) { nodes { children(first: 30) { nodes { id } } } } }";
    let batch = |n: usize| Value::Array((0..n).map(|_| json!({ "query": query })).collect());
    let response = app
        .http()
        .post(format!("{}/graphql", app.url))
        .bearer_auth(app.admin())
        .json(&batch(10))
        .send()
        .await
        .expect("request");
    assert_eq!(
        response.headers().get("x-sql-statements").unwrap(),
        "0",
        "refused before the token was even looked up"
    );
    let body: Value = response.json().await.expect("json");
    let results = body.as_array().expect("a batch is answered with an array");
    assert_eq!(results.len(), 10);
    for result in results {
        assert!(result["data"].is_null(), "{result}");
        assert_eq!(
            result["errors"][0]["extensions"]["code"],
            "COMPLEXITY_LIMIT"
        );
        assert_eq!(result["errors"][0]["extensions"]["value"], 61_000);
    }
    // Eight fit in one budget (48 800) and all run.
    let response = app
        .http()
        .post(format!("{}/graphql", app.url))
        .bearer_auth(app.admin())
        .json(&batch(8))
        .send()
        .await
        .expect("request");
    let body: Value = response.json().await.expect("json");
    let results = body.as_array().expect("array");
    assert_eq!(results.len(), 8);
    for result in results {
        assert!(result.get("errors").is_none(), "{result}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wide_selection_sets_and_many_directives_are_refused_as_written() {
    let app = TestApp::spawn().await;
    let typenames = |n: usize| format!("query {{ {} }}", "__typename ".repeat(n));
    let reply = app.gql(None, &typenames(100), json!({})).await;
    assert_eq!(reply.data()["__typename"], "Query");
    let reply = app.gql(None, &typenames(500), json!({})).await;
    assert_eq!(reply.code(), "FIELD_LIMIT", "{}", reply.body);
    assert_eq!(reply.body["errors"][0]["extensions"]["value"], 500);
    assert!(reply.body["data"].is_null());

    // Ten directives on one field: one error, not one per directive.
    let reply = app
        .gql(
            None,
            "query { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }",
            json!({}),
        )
        .await;
    assert_eq!(reply.code(), "DIRECTIVE_LIMIT", "{}", reply.body);
    assert_eq!(reply.body["errors"].as_array().map(Vec::len), Some(1));
    // Within the per-field cap, but over the per-document one (50).
    let fields: Vec<String> = (0..26)
        .map(|i| format!("a{i}: __typename @include(if: true) @skip(if: false)"))
        .collect();
    let reply = app
        .gql(
            None,
            &format!("{{ {} }}", fields[..25].join(" ")),
            json!({}),
        )
        .await;
    assert_eq!(reply.data()["a24"], "Query");
    let reply = app
        .gql(None, &format!("{{ {} }}", fields.join(" ")), json!({}))
        .await;
    assert_eq!(reply.code(), "DIRECTIVE_LIMIT", "{}", reply.body);
    assert_eq!(reply.body["errors"][0]["extensions"]["value"], 52);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_directives_are_a_validation_error() {
    let app = TestApp::spawn().await;
    for query in [
        "query { __typename @aa }",
        "query @cached { __typename }",
        "query { ... @nope { __typename } }",
        "query { viewer @aa { isAuthenticated } }",
    ] {
        let reply = app.gql(None, query, json!({})).await;
        assert_eq!(
            reply.code(),
            "GRAPHQL_VALIDATION_FAILED",
            "{query}: {}",
            reply.body
        );
        assert!(reply.body["data"].is_null(), "{}", reply.body);
        assert!(
            reply.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("Unknown directive"),
            "{}",
            reply.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_timeout_drops_the_running_operation_and_nothing_is_written() {
    let app = TestApp::spawn_with(Limits {
        request_timeout_seconds: 1,
        ..Default::default()
    })
    .await;
    let admin = app.admin();
    // Another writer holds the account number's sequence row, so the mutation waits inside its
    // transaction (SQLite's busy timeout and PostgreSQL's row lock both outlast the 1 s timeout).
    let blocker = app.db.begin().await.expect("begin");
    blocker
        .execute_unprepared("UPDATE sequences SET value = value WHERE name = 'account'")
        .await
        .expect("lock the sequence row");
    let mutation =
        r#"mutation { createAccount(input: {name: "LATE", isCustomer: true}) { account { id } } }"#;
    let started = std::time::Instant::now();
    let reply = app.gql(Some(&admin), mutation, json!({})).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(reply.code(), "TIMEOUT", "{}", reply.body);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Once the lock is released the dropped operation does not go on: nothing is ever written.
    blocker.rollback().await.expect("rollback");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(app.audit_count().await, 0);
    let accounts = entity::account::Entity::find()
        .count(&app.db)
        .await
        .expect("count accounts");
    assert_eq!(accounts, 0);
    // The server is fine afterwards.
    let reply = app.gql(Some(&admin), mutation, json!({})).await;
    assert!(reply.body.get("errors").is_none(), "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_stops_its_operation_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let blocker = app.db.begin().await.expect("begin");
    blocker
        .execute_unprepared("UPDATE sequences SET value = value WHERE name = 'account'")
        .await
        .expect("lock the sequence row");
    let mutation =
        r#"mutation { createAccount(input: {name: "GONE", isCustomer: true}) { account { id } } }"#;
    // The client gives up after 1 s and closes its connection; hyper then drops the handler's future.
    let sent = app
        .http()
        .post(format!("{}/graphql", app.url))
        .bearer_auth(app.admin())
        .timeout(std::time::Duration::from_secs(1))
        .json(&json!({ "query": mutation }))
        .send()
        .await;
    assert!(sent.is_err_and(|e| e.is_timeout()), "the client timed out");
    blocker.rollback().await.expect("rollback");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(app.audit_count().await, 0);
    let accounts = entity::account::Entity::find()
        .count(&app.db)
        .await
        .expect("count accounts");
    assert_eq!(accounts, 0);
}
