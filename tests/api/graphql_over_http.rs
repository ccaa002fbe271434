//! GraphQL over HTTP (https://graphql.github.io/graphql-over-http/): the `Accept` header picks the
//! media type, request errors are 400 without `data` under `application/graphql-response+json` and
//! 200 under `application/json`, and every failure is a GraphQL error body with `extensions.code`.

use liaison::config::Limits;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{TestApp, admin_ok};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// What came back: status, content type (without parameters), body as JSON and statements run.
#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: String,
    body: Value,
    statements: u64,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
    }

    fn message(&self) -> &str {
        self.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
    }

    /// A GraphQL error body: `errors` with a code and a message, and no `data` entry.
    fn assert_request_error(&self, status: u16, content_type: &str, code: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.content_type, content_type, "{self:?}");
        assert_eq!(self.code(), code, "{self:?}");
        assert!(!self.message().is_empty(), "{self:?}");
        assert!(self.body.get("data").is_none(), "no data entry: {self:?}");
    }
}

/// POSTs `body` as it is (`application/json`), with an `Accept` header when given.
async fn post_raw(app: &TestApp, accept: Option<&str>, body: impl Into<String>) -> Answer {
    let mut request = app
        .http()
        .post(format!("{}/graphql", app.url))
        .bearer_auth(app.admin())
        .header("content-type", "application/json")
        .body(body.into());
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let content_type = header("content-type");
    let statements = header("x-sql-statements").parse().unwrap_or(0);
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    Answer {
        status,
        content_type: content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .to_owned(),
        body,
        statements,
    }
}

async fn post(app: &TestApp, accept: Option<&str>, body: Value) -> Answer {
    post_raw(app, accept, body.to_string()).await
}

/// Customer accounts an admin sees, and audit entries written.
async fn written(app: &TestApp) -> (Value, u64) {
    let data = admin_ok(app, "{ accounts { totalCount } }", json!({})).await;
    (
        data["accounts"]["totalCount"].clone(),
        app.audit_count().await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accept_header_picks_the_response_media_type() {
    let app = TestApp::spawn().await;
    let query = json!({ "query": "{ __typename }" });
    let cases = [
        (None, JSON),
        (Some("*/*"), JSON),
        (Some("application/json"), JSON),
        (Some("application/json; charset=utf-8"), JSON),
        (Some(GRAPHQL_RESPONSE), GRAPHQL_RESPONSE),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GRAPHQL_RESPONSE,
        ),
        (
            Some("application/json, application/graphql-response+json"),
            GRAPHQL_RESPONSE,
        ),
        (
            Some("application/graphql-response+json;q=0.5, application/json"),
            JSON,
        ),
        // GraphiQL's fetcher.
        (Some("application/json, multipart/mixed"), JSON),
    ];
    for (accept, want) in cases {
        let answer = post(&app, accept, query.clone()).await;
        assert_eq!(answer.status, 200, "Accept {accept:?}: {answer:?}");
        assert_eq!(answer.content_type, want, "Accept {accept:?}");
        assert_eq!(answer.body, json!({ "data": { "__typename": "Query" } }));
    }

    // Neither type acceptable: 406, a GraphQL error body in application/json, nothing run.
    let mutation = json!({
        "query": r#"mutation { createAccount(input: {name: "NOT ACCEPTED", isCustomer: true}) { account { id } } }"#,
    });
    for accept in ["text/html", "multipart/mixed", "application/json;q=0"] {
        let answer = post(&app, Some(accept), mutation.clone()).await;
        answer.assert_request_error(406, JSON, "NOT_ACCEPTABLE");
        assert_eq!(answer.statements, 0, "{answer:?}");
    }
    assert_eq!(written(&app).await, (json!(0), 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_errors_are_400_without_data_as_graphql_response_json_and_200_as_json() {
    let app = TestApp::spawn_with(Limits {
        max_complexity: 500,
        ..Default::default()
    })
    .await;
    let cases = [
        (json!({ "query": "{" }), "GRAPHQL_PARSE_FAILED"),
        (
            json!({ "query": "{ noSuchField }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({ "query": "query($f: Int) { accounts(first: $f) { totalCount } }", "variables": { "f": "ten" } }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({ "query": "query A { __typename }", "operationName": "B" }),
            "OPERATION_RESOLUTION_FAILURE",
        ),
        (
            json!({ "query": "{ accounts(first: 100) { nodes { contacts(first: 100) { nodes { id } } } } }" }),
            "COMPLEXITY_LIMIT",
        ),
    ];
    for (body, code) in cases {
        post(&app, Some(GRAPHQL_RESPONSE), body.clone())
            .await
            .assert_request_error(400, GRAPHQL_RESPONSE, code);
        post(&app, Some(JSON), body.clone())
            .await
            .assert_request_error(200, JSON, code);
        post(&app, None, body)
            .await
            .assert_request_error(200, JSON, code);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_errors_keep_status_200_and_the_data_entry() {
    let app = TestApp::spawn().await;
    for accept in [GRAPHQL_RESPONSE, JSON] {
        let answer = post(
            &app,
            Some(accept),
            json!({ "query": r#"{ __typename node(id: "not-an-id") { id } }"# }),
        )
        .await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.content_type, accept);
        assert_eq!(answer.code(), "BAD_USER_INPUT", "{answer:?}");
        assert_eq!(answer.body["errors"][0]["path"], json!(["node"]));
        assert!(answer.body.get("data").is_some(), "{answer:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_that_are_not_graphql_requests_are_400_graphql_errors() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            r#"{"query": "{ __typename }""#,
            "the request body is not valid JSON (at 1:26, line:column)",
        ),
        (
            "",
            "the request body is empty; send a JSON object with `query`",
        ),
        (
            r#"{"qeury": "{ __typename }"}"#,
            "the request has no `query`",
        ),
        (
            r#"{"query": {"obj": "ect"}}"#,
            "`query` must be a string, not an object",
        ),
        (
            r#"{"query": false}"#,
            "`query` must be a string, not a boolean",
        ),
        (
            r#"{"query": "{ __typename }", "variables": "{}"}"#,
            "`variables` must be an object, not a string",
        ),
        ("[]", "a batch (a JSON array) needs at least one operation"),
        ("42", "the request body must be a JSON object with `query`"),
    ];
    for (body, message) in cases {
        for accept in [GRAPHQL_RESPONSE, JSON] {
            let answer = post_raw(&app, Some(accept), body).await;
            answer.assert_request_error(400, accept, "BAD_REQUEST");
            assert_eq!(answer.message(), message, "{body}");
        }
    }
}

/// Sends `body` with `Transfer-Encoding: chunked` (no `Content-Length`), returns status and JSON body.
async fn post_chunked(app: &TestApp, body: &str) -> (u16, String, Value) {
    let address = app.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.admin()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    for chunk in body.as_bytes().chunks(256) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&framed).await.is_err() {
            break; // the server may answer and close before the whole body is sent
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head
        .split(' ')
        .nth(1)
        .expect("status")
        .parse()
        .expect("status");
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("content-type: "))
        .unwrap_or_default()
        .to_owned();
    let body = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    (status, content_type, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_a_413_graphql_error_whether_its_length_is_declared_or_not() {
    let app = TestApp::spawn_with(Limits {
        max_body_bytes: 1024,
        ..Default::default()
    })
    .await;
    let body = json!({
        "query": "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }",
        "variables": { "i": { "name": "X".repeat(2000), "isCustomer": true } },
    })
    .to_string();
    for accept in [GRAPHQL_RESPONSE, JSON] {
        let answer = post_raw(&app, Some(accept), body.clone()).await;
        answer.assert_request_error(413, accept, "PAYLOAD_TOO_LARGE");
        assert_eq!(
            answer.message(),
            "the request body is larger than the limit of 1024 bytes"
        );
    }
    let (status, content_type, reply) = post_chunked(&app, &body).await;
    assert_eq!(status, 413, "{reply}");
    assert!(content_type.starts_with(JSON), "{content_type}");
    assert_eq!(
        reply["errors"][0]["extensions"]["code"],
        "PAYLOAD_TOO_LARGE"
    );
    assert_eq!(written(&app).await, (json!(0), 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_name_that_picks_nothing_is_refused_before_anything_runs() {
    let app = TestApp::spawn().await;
    let document = r#"mutation Create { createAccount(input: {name: "PICKED", isCustomer: true}) { account { id } } }
query Count { accounts { totalCount } }"#;
    let cases = [
        (
            Some("Delete"),
            "the document has no operation named `Delete`",
        ),
        (
            None,
            "the document holds several operations; `operationName` must name the one to run",
        ),
    ];
    for (name, message) in cases {
        let answer = post(
            &app,
            Some(GRAPHQL_RESPONSE),
            json!({ "query": document, "operationName": name }),
        )
        .await;
        answer.assert_request_error(400, GRAPHQL_RESPONSE, "OPERATION_RESOLUTION_FAILURE");
        assert_eq!(answer.message(), message);
        assert_eq!(
            answer.statements, 0,
            "not even the token's lookup: {answer:?}"
        );
    }
    let anonymous = post(
        &app,
        Some(JSON),
        json!({ "query": "{ __typename }", "operationName": "Named" }),
    )
    .await;
    anonymous.assert_request_error(200, JSON, "OPERATION_RESOLUTION_FAILURE");
    assert_eq!(written(&app).await, (json!(0), 0));

    // The name that exists runs.
    let answer = post(
        &app,
        Some(GRAPHQL_RESPONSE),
        json!({ "query": document, "operationName": "Create" }),
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(written(&app).await, (json!(1), 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_syntax_error_is_one_line_with_its_location() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "{",
            "syntax error at line 1, column 2: expected selection",
            (1, 2),
        ),
        (
            "query {\n  accounts { totalCount }\n  cases(first: ) { totalCount }\n}",
            "syntax error at line 3, column 16: expected value",
            (3, 16),
        ),
        (
            "",
            "syntax error at line 1, column 1: expected executable_definition",
            (1, 1),
        ),
    ];
    for (query, message, (line, column)) in cases {
        let answer = post(&app, Some(GRAPHQL_RESPONSE), json!({ "query": query })).await;
        answer.assert_request_error(400, GRAPHQL_RESPONSE, "GRAPHQL_PARSE_FAILED");
        assert_eq!(answer.message(), message, "{query:?}");
        assert!(!answer.message().contains('\n'));
        assert_eq!(
            answer.body["errors"][0]["locations"],
            json!([{ "line": line, "column": column }]),
            "{query:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scalar_that_fails_to_parse_in_an_input_literal_is_a_coded_request_error() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            r#"mutation { createAccount(input: {name: 5, isCustomer: true}) { account { id } } }"#,
            Some("name"),
        ),
        (
            r#"mutation { createAccount(input: {name: "A", isCustomer: "yes"}) { account { id } } }"#,
            Some("isCustomer"),
        ),
        (
            r#"mutation { createAccount(input: {name: "A", isCustomer: true, number: 7}) { account { id } } }"#,
            Some("number"),
        ),
        ("{ accounts(first: 99999999999) { totalCount } }", None),
        (
            "{ cases(filter: {priority: \"high\"}) { totalCount } }",
            Some("priority"),
        ),
    ];
    for (query, field) in cases {
        let answer = post(&app, Some(GRAPHQL_RESPONSE), json!({ "query": query })).await;
        answer.assert_request_error(400, GRAPHQL_RESPONSE, "GRAPHQL_VALIDATION_FAILED");
        if let Some(field) = field {
            assert_eq!(
                answer.body["errors"][0]["extensions"]["field"], field,
                "{answer:?}"
            );
        }
        assert!(
            answer.body["errors"][0]["locations"].is_array(),
            "{answer:?}"
        );
    }
    assert_eq!(written(&app).await, (json!(0), 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_complexity_refusal_says_the_cost_and_the_limit() {
    let app = TestApp::spawn_with(Limits {
        max_complexity: 500,
        ..Default::default()
    })
    .await;
    let answer = post(
        &app,
        Some(GRAPHQL_RESPONSE),
        json!({ "query": "{ accounts(first: 100) { nodes { contacts(first: 100) { nodes { id } } } } }" }),
    )
    .await;
    answer.assert_request_error(400, GRAPHQL_RESPONSE, "COMPLEXITY_LIMIT");
    let extensions = &answer.body["errors"][0]["extensions"];
    let (cost, limit) = (extensions["value"].clone(), extensions["limit"].clone());
    assert_eq!(limit, 500);
    assert!(cost.as_u64().unwrap() > 500, "{answer:?}");
    assert_eq!(
        answer.message(),
        format!("the query costs {cost}; at most 500 is allowed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_before_execution_use_the_negotiated_media_type() {
    let app = TestApp::spawn().await;
    for accept in [GRAPHQL_RESPONSE, JSON] {
        // A bad token.
        let response = app
            .http()
            .post(format!("{}/graphql", app.url))
            .bearer_auth("not-a-token")
            .header("accept", accept)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 401);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with(accept), "{content_type}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

        // A form body.
        let response = app
            .http()
            .post(format!("{}/graphql", app.url))
            .header("accept", accept)
            .header("content-type", "text/plain")
            .body("{\"query\": \"{ __typename }\"}")
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 415);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with(accept), "{content_type}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "UNSUPPORTED_MEDIA_TYPE"
        );
    }
}
