//! Persisted queries through HTTP: Apollo's automatic persisted queries (a miss, the client's resend
//! with the document, then hits), hashes that do not match, batches and the query limits on the
//! resolved text, and trusted-documents mode running only a manifest's operations (Apollo's manifest
//! format and a plain id → document map).

use std::path::PathBuf;

use liaison::{
    config::{Limits, Mode, PersistedQueriesConfig, PersistedQueriesMode},
    http::persisted::PersistedQueries,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{TestApp, customer};

const NAMES: &str = "query Names { accounts { totalCount nodes { name } } }";
const COUNT: &str = "query Count { accounts { totalCount } }";
/// The one mutation the manifests trust, so a trusted server's tests can create accounts.
const CREATE: &str = "mutation Create($name: String!) { createAccount(input: {name: $name, isCustomer: true}) { account { id } } }";

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What Apollo's persisted-queries link adds to every request.
fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// POSTs `body` (one operation or a batch) as the admin; the HTTP status and the JSON answer.
async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .http()
        .post(format!("{}/graphql", app.url))
        .bearer_auth(app.admin())
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json body"))
}

/// The message and `extensions.code` of the only error of `body`, which has no data.
fn refusal(body: &Value) -> (&str, &str) {
    assert!(body["data"].is_null(), "nothing runs: {body}");
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body}");
    let error = &body["errors"][0];
    (
        error["message"].as_str().expect("message"),
        error["extensions"]["code"].as_str().expect("code"),
    )
}

fn data(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    &body["data"]
}

/// Writes `manifest` to a file of its own for the test; removed when dropped.
struct ManifestFile(PathBuf);

impl ManifestFile {
    fn new(manifest: &Value) -> Self {
        let path = std::env::temp_dir().join(format!(
            "liaison-manifest-{}.json",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::write(&path, manifest.to_string()).expect("write manifest");
        Self(path)
    }

    /// The store a production server builds from this manifest with no mode set.
    fn production_store(&self) -> PersistedQueries {
        let config = PersistedQueriesConfig {
            manifest: Some(self.0.clone()),
            ..PersistedQueriesConfig::default()
        };
        PersistedQueries::from_config(&config, Mode::Production).expect("a valid manifest")
    }
}

impl Drop for ManifestFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn two_accounts(app: &TestApp) {
    customer(app, "GSI Tech").await;
    customer(app, "ABC Corp").await;
}

/// Creates an account on a trusted server through the manifest's `Create`, sent by hash.
async fn create_trusted(app: &TestApp, hash: &str, name: &str) {
    let (_, body) = post(
        app,
        json!({ "variables": { "name": name }, "extensions": persisted(hash) }),
    )
    .await;
    data(&body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apq_answers_an_unknown_hash_not_found_then_registers_the_resent_document_and_runs_it_by_hash()
 {
    let app = TestApp::spawn().await;
    two_accounts(&app).await;
    let hash = sha256(NAMES);

    let (status, miss) = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(status, 200, "{miss}");
    assert_eq!(
        refusal(&miss),
        ("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
    );

    let (_, registered) = post(
        &app,
        json!({ "query": NAMES, "operationName": "Names", "extensions": persisted(&hash) }),
    )
    .await;
    let expected = data(&registered).clone();
    assert_eq!(expected["accounts"]["totalCount"], 2, "{expected}");

    let (_, hit) = post(
        &app,
        json!({ "operationName": "Names", "extensions": persisted(&hash.to_ascii_uppercase()) }),
    )
    .await;
    assert_eq!(data(&hit), &expected, "a hit runs the registered document");
    let (_, plain) = post(&app, json!({ "query": NAMES })).await;
    assert_eq!(data(&plain), &expected, "the same as sending the document");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apq_refuses_a_hash_that_is_not_the_documents_sha256_and_registers_nothing() {
    let app = TestApp::spawn().await;
    let wrong = sha256(COUNT);
    let (_, body) = post(
        &app,
        json!({ "query": NAMES, "extensions": persisted(&wrong) }),
    )
    .await;
    assert_eq!(
        refusal(&body),
        ("provided sha does not match query", "BAD_REQUEST")
    );
    for hash in [wrong, sha256(NAMES)] {
        let (_, body) = post(&app, json!({ "extensions": persisted(&hash) })).await;
        assert_eq!(refusal(&body).1, "PERSISTED_QUERY_NOT_FOUND", "{hash}");
    }
    let (_, body) = post(
        &app,
        json!({ "query": NAMES, "extensions": { "persistedQuery": { "version": 2, "sha256Hash": sha256(NAMES) } } }),
    )
    .await;
    assert_eq!(refusal(&body).1, "BAD_REQUEST", "only version 1 exists");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apq_works_in_a_batch_and_the_query_limits_check_the_document_a_hash_names() {
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let app = TestApp::spawn_with_persisted(limits, PersistedQueries::default()).await;
    two_accounts(&app).await;
    let (count, names) = (sha256(COUNT), sha256(NAMES));
    post(
        &app,
        json!({ "query": COUNT, "extensions": persisted(&count) }),
    )
    .await;

    let (_, batch) = post(
        &app,
        json!([
            { "extensions": persisted(&count) },
            { "query": NAMES, "extensions": persisted(&names) },
        ]),
    )
    .await;
    assert_eq!(batch[0]["data"]["accounts"]["totalCount"], 2, "{batch}");
    assert_eq!(batch[1]["data"]["accounts"]["totalCount"], 2, "{batch}");

    let (_, batch) = post(
        &app,
        json!([{ "extensions": persisted(&count) }, { "extensions": persisted(&sha256("{ viewer { id } }")) }]),
    )
    .await;
    for answer in batch.as_array().expect("a batch answer") {
        assert_eq!(refusal(answer).1, "PERSISTED_QUERY_NOT_FOUND", "{batch}");
    }

    let deep =
        "query Deep { accounts { nodes { relationships { nodes { otherAccount { name } } } } } }";
    for body in [
        json!({ "query": deep, "extensions": persisted(&sha256(deep)) }),
        json!({ "extensions": persisted(&sha256(deep)) }),
    ] {
        let (_, answer) = post(&app, body).await;
        assert_eq!(refusal(&answer).1, "DEPTH_LIMIT", "{answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trusted_mode_runs_an_apollo_manifest_operation_by_hash_and_refuses_every_other_document() {
    let manifest = ManifestFile::new(&json!({
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [
            { "id": sha256(NAMES), "body": NAMES, "name": "Names", "type": "query" },
            { "id": sha256(CREATE), "body": CREATE, "name": "Create", "type": "mutation" },
        ],
    }));
    let store = manifest.production_store();
    assert_eq!(store.mode(), PersistedQueriesMode::Trusted);
    assert_eq!(store.trusted_documents(), 2);
    let app = TestApp::spawn_with_persisted(Limits::default(), store).await;
    create_trusted(&app, &sha256(CREATE), "GSI Tech").await;
    create_trusted(&app, &sha256(CREATE), "ABC Corp").await;

    let (_, by_hash) = post(&app, json!({ "extensions": persisted(&sha256(NAMES)) })).await;
    assert_eq!(data(&by_hash)["accounts"]["totalCount"], 2, "{by_hash}");
    let (_, by_text) = post(&app, json!({ "query": NAMES })).await;
    assert_eq!(
        data(&by_text),
        data(&by_hash),
        "a manifest document's own text runs"
    );

    let (_, arbitrary) = post(&app, json!({ "query": COUNT })).await;
    assert_eq!(refusal(&arbitrary).1, "OPERATION_NOT_TRUSTED");
    let (_, registering) = post(
        &app,
        json!({ "query": COUNT, "extensions": persisted(&sha256(COUNT)) }),
    )
    .await;
    assert_eq!(refusal(&registering).1, "OPERATION_NOT_TRUSTED");
    let (_, unknown) = post(&app, json!({ "extensions": persisted(&sha256(COUNT)) })).await;
    assert_eq!(
        refusal(&unknown),
        ("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND"),
        "nothing was registered"
    );
    let (_, swapped) = post(
        &app,
        json!({ "query": COUNT, "extensions": persisted(&sha256(NAMES)) }),
    )
    .await;
    assert_eq!(refusal(&swapped).1, "BAD_REQUEST");
    let (_, batch) = post(
        &app,
        json!([{ "extensions": persisted(&sha256(NAMES)) }, { "query": COUNT }]),
    )
    .await;
    for answer in batch.as_array().expect("a batch answer") {
        assert_eq!(refusal(answer).1, "OPERATION_NOT_TRUSTED", "{batch}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_manifest_map_runs_its_documents_by_their_ids_whatever_the_ids_are() {
    let relay_id = "5b3b2f2a6a0a1d6c0b7e9f3c2d1a0e4f";
    let manifest = ManifestFile::new(&json!({ relay_id: COUNT, "create": CREATE }));
    let app = TestApp::spawn_with_persisted(Limits::default(), manifest.production_store()).await;
    create_trusted(&app, "create", "GSI Tech").await;
    for hash in [relay_id.to_owned(), sha256(COUNT)] {
        let (_, body) = post(&app, json!({ "extensions": persisted(&hash) })).await;
        assert_eq!(data(&body)["accounts"]["totalCount"], 1, "{hash}: {body}");
    }
    let (_, body) = post(&app, json!({ "query": NAMES })).await;
    assert_eq!(refusal(&body).1, "OPERATION_NOT_TRUSTED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_persisted_queries_off_documents_run_and_a_bare_hash_is_not_supported() {
    let config = PersistedQueriesConfig {
        persisted_mode: Some(PersistedQueriesMode::Off),
        ..PersistedQueriesConfig::default()
    };
    let store = PersistedQueries::from_config(&config, Mode::Development).expect("off");
    let app = TestApp::spawn_with_persisted(Limits::default(), store).await;
    let hash = sha256(COUNT);
    let (_, body) = post(
        &app,
        json!({ "query": COUNT, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(data(&body)["accounts"]["totalCount"], 0);
    let (_, body) = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(
        refusal(&body),
        (
            "PersistedQueryNotSupported",
            "PERSISTED_QUERY_NOT_SUPPORTED"
        )
    );
}

#[test]
fn a_bad_manifest_or_trusted_mode_without_one_stops_the_server_at_start() {
    let not_graphql = ManifestFile::new(&json!({ "abc": "query {" }));
    let apollo_without_bodies = ManifestFile::new(&json!({
        "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ "id": "x" }],
    }));
    let missing = PathBuf::from("/nonexistent/liaison-manifest.json");
    let cases: [(&[&str], String); 4] = [
        (
            &["--trusted-documents", not_graphql.0.to_str().unwrap()],
            "the document of `abc` does not parse as GraphQL".into(),
        ),
        (
            &[
                "--trusted-documents",
                apollo_without_bodies.0.to_str().unwrap(),
            ],
            "operations[0] must have string `id` and `body`".into(),
        ),
        (
            &["--trusted-documents", missing.to_str().unwrap()],
            format!(
                "trusted-documents manifest {}: cannot read",
                missing.display()
            ),
        ),
        (
            &["--persisted-queries", "trusted"],
            "no trusted-documents manifest is configured".into(),
        ),
    ];
    for (args, expected) in cases {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_liaison"));
        for (key, _) in std::env::vars() {
            if key.starts_with("LIAISON_") {
                command.env_remove(key);
            }
        }
        let output = command
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                "sqlite::memory:",
            ])
            .args(args)
            .output()
            .expect("run liaison");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} must not serve");
        assert!(stderr.contains(&expected), "{args:?}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trusted_mode_runs_a_document_named_by_document_id() {
    let manifest = ManifestFile::new(&json!({ "count": COUNT }));
    let app = TestApp::spawn_with_persisted(Limits::default(), manifest.production_store()).await;
    // The body reader hands a request's `documentId` over in its extensions.
    for id in ["count".to_owned(), format!("sha256:{}", sha256(COUNT))] {
        let (_, body) = post(&app, json!({ "extensions": { "documentId": id } })).await;
        assert_eq!(data(&body)["accounts"]["totalCount"], 0, "{id}: {body}");
    }
    // GraphQL over HTTP's persisted documents put it at the top level of the body.
    let (_, body) = post(&app, json!({ "documentId": "count" })).await;
    assert_eq!(
        data(&body)["accounts"]["totalCount"],
        0,
        "top level: {body}"
    );
    let (_, body) = post(&app, json!({ "extensions": { "documentId": "names" } })).await;
    assert_eq!(refusal(&body).1, "PERSISTED_QUERY_NOT_FOUND");
    let (_, body) = post(
        &app,
        json!({ "extensions": { "documentId": "count", "persistedQuery": { "version": 1, "sha256Hash": sha256(COUNT) } } }),
    )
    .await;
    assert_eq!(refusal(&body).1, "BAD_REQUEST", "one name at a time");
}
