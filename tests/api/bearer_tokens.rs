//! Bearer tokens: a missing token is anonymous, a valid one round-trips, and every bad one is refused
//! with HTTP 401 and `UNAUTHENTICATED`, never downgraded to anonymous.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use liaison::config::{JwtAlgorithm, JwtConfig};
use serde_json::{Value, json};

use crate::support::{
    ADMIN, AGENT, AUDIENCE, ISSUER, ROOT_LISTS, SECRET, TestApp, admin_ok, consumer, contact,
    customer, household, internal_user,
};

const PROBE: &str = "{ viewer { isAuthenticated subject } accounts { totalCount } }";

/// Claims of a token that would be accepted, for tests to spoil one at a time.
fn good_claims() -> Value {
    let now = get_current_timestamp();
    json!({
        "sub": "test.admin",
        "roles": [ADMIN],
        "exp": now + 600,
        "nbf": now - 10,
        "iss": ISSUER,
        "aud": AUDIENCE,
    })
}

fn hs256(claims: &Value, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("encode token")
}

/// Sends `PROBE` with a raw `Authorization` header value.
async fn probe_with_header(app: &TestApp, authorization: &str) -> (u16, Option<String>, Value) {
    let response = app
        .http()
        .post(format!("{}/graphql", app.url))
        .header("Authorization", authorization)
        .json(&json!({ "query": PROBE }))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.json().await.expect("json body");
    (status, challenge, body)
}

/// Asserts the header value is refused outright: 401, `UNAUTHENTICATED`, and no data at all.
async fn assert_refused(app: &TestApp, authorization: &str, why: &str) {
    let (status, challenge, body) = probe_with_header(app, authorization).await;
    assert_eq!(
        status, 401,
        "{why}: expected HTTP 401, got {status}: {body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{why}: {body}"
    );
    assert!(
        body.get("data").is_none_or(Value::is_null),
        "{why}: a refused token must not be served as anonymous: {body}"
    );
    assert_eq!(
        challenge.as_deref(),
        Some("Bearer"),
        "{why}: WWW-Authenticate"
    );
}

/// An app with one account, so "sees nothing" is distinguishable from "there is nothing".
async fn app_with_data() -> TestApp {
    let app = TestApp::spawn().await;
    let account = customer(&app, "ABC Corp").await;
    contact(&app, &account, "Alice Brown", Some("alice.brown")).await;
    let consumer = consumer(&app, "John Smith", Some("john.smith")).await;
    household(&app, "Smith household", Some(&consumer)).await;
    internal_user(&app, "Ada Admin", Some("ada.admin")).await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claims_used_by_refusal_tests_are_accepted_when_unspoiled() {
    // Positive control: every refusal below changes exactly one thing about this token.
    let app = app_with_data().await;
    let token = hs256(&good_claims(), SECRET);
    let data = app.ok(&token, PROBE, json!({})).await;
    assert_eq!(data["viewer"]["isAuthenticated"], true);
    assert_eq!(data["viewer"]["subject"], "test.admin");
    assert_eq!(data["accounts"]["totalCount"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_token_is_anonymous_and_sees_nothing() {
    let app = app_with_data().await;
    let reply = app
        .gql(
            None,
            "{ viewer { isAuthenticated subject roles node { id } }
               accounts { totalCount nodes { name } }
               partners { totalCount }
               contacts { totalCount nodes { name } }
               consumers { totalCount }
               households { totalCount }
               internalUsers { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 200);
    let data = reply.data();
    assert_eq!(data["viewer"]["isAuthenticated"], false);
    assert_eq!(data["viewer"]["subject"], Value::Null);
    assert_eq!(data["viewer"]["roles"], json!([]));
    assert_eq!(data["viewer"]["node"], Value::Null);
    for list in ROOT_LISTS {
        assert_eq!(data[list]["totalCount"], 0, "anonymous {list}: {data}");
    }
    assert_eq!(data["accounts"]["nodes"], json!([]));
    assert_eq!(data["contacts"]["nodes"], json!([]));

    // The same data is there for an admin.
    let seen = admin_ok(
        &app,
        "{ accounts { totalCount } contacts { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(seen["accounts"]["totalCount"], 1);
    assert_eq!(seen["contacts"]["totalCount"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_token_round_trips_subject_roles_and_node() {
    let app = app_with_data().await;
    let query = "{ viewer { isAuthenticated subject roles node { __typename ... on InternalUser { name } } } }";

    let token = app.token("ada.admin", &[ADMIN, AGENT]);
    let viewer = app.ok(&token, query, json!({})).await["viewer"].clone();
    assert_eq!(viewer["isAuthenticated"], true);
    assert_eq!(viewer["subject"], "ada.admin");
    let mut roles: Vec<String> = serde_json::from_value(viewer["roles"].clone()).unwrap();
    roles.sort();
    assert_eq!(roles, ["ADMIN", "AGENT"]);
    assert_eq!(viewer["node"]["__typename"], "InternalUser");
    assert_eq!(viewer["node"]["name"], "Ada Admin");

    // A subject with no stored person is still authenticated, with its token roles and no node.
    let token = app.token("nobody.stored", &[AGENT]);
    let viewer = app.ok(&token, query, json!({})).await["viewer"].clone();
    assert_eq!(viewer["isAuthenticated"], true);
    assert_eq!(viewer["subject"], "nobody.stored");
    assert_eq!(viewer["roles"], json!(["AGENT"]));
    assert_eq!(viewer["node"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_token_is_refused() {
    let app = app_with_data().await;
    let mut claims = good_claims();
    let now = get_current_timestamp();
    claims["exp"] = json!(now - 120);
    claims["nbf"] = json!(now - 3600);
    assert_refused(
        &app,
        &format!("Bearer {}", hs256(&claims, SECRET)),
        "expired",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_without_exp_is_refused() {
    let app = app_with_data().await;
    let mut claims = good_claims();
    claims.as_object_mut().unwrap().remove("exp");
    assert_refused(
        &app,
        &format!("Bearer {}", hs256(&claims, SECRET)),
        "no exp",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_signed_with_another_secret_is_refused() {
    let app = app_with_data().await;
    let token = hs256(&good_claims(), "another-secret-another-secret-another-0123");
    assert_refused(&app, &format!("Bearer {token}"), "bad signature").await;

    // A valid token with its signature altered is refused as well.
    let token = hs256(&good_claims(), SECRET);
    let (rest, signature) = token.rsplit_once('.').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
    bytes[0] ^= 0x01;
    let tampered = format!("{rest}.{}", URL_SAFE_NO_PAD.encode(bytes));
    assert_refused(&app, &format!("Bearer {tampered}"), "tampered signature").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_with_alg_none_is_refused() {
    let app = app_with_data().await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(good_claims().to_string());
    assert_refused(&app, &format!("Bearer {header}.{payload}."), "alg none").await;
    // Spelled in capitals, too.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"NONE","typ":"JWT"}"#);
    assert_refused(&app, &format!("Bearer {header}.{payload}."), "alg NONE").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_with_another_algorithm_than_configured_is_refused() {
    let app = app_with_data().await;
    // HS512 with the right secret: the server is pinned to HS256.
    let token = encode(
        &Header::new(Algorithm::HS512),
        &good_claims(),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_refused(&app, &format!("Bearer {token}"), "HS512").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_from_another_issuer_is_refused() {
    let app = app_with_data().await;
    let mut claims = good_claims();
    claims["iss"] = json!("https://evil.test");
    assert_refused(
        &app,
        &format!("Bearer {}", hs256(&claims, SECRET)),
        "wrong iss",
    )
    .await;
    claims.as_object_mut().unwrap().remove("iss");
    assert_refused(
        &app,
        &format!("Bearer {}", hs256(&claims, SECRET)),
        "missing iss",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_for_another_audience_is_refused() {
    let app = app_with_data().await;
    let mut claims = good_claims();
    claims["aud"] = json!("some-other-api");
    assert_refused(
        &app,
        &format!("Bearer {}", hs256(&claims, SECRET)),
        "wrong aud",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_without_audience_is_refused() {
    let app = app_with_data().await;
    let mut claims = good_claims();
    claims.as_object_mut().unwrap().remove("aud");
    assert_refused(
        &app,
        &format!("Bearer {}", hs256(&claims, SECRET)),
        "missing aud",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_not_yet_valid_is_refused() {
    let app = app_with_data().await;
    let mut claims = good_claims();
    claims["nbf"] = json!(get_current_timestamp() + 600);
    assert_refused(
        &app,
        &format!("Bearer {}", hs256(&claims, SECRET)),
        "nbf future",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_authorization_headers_are_refused() {
    let app = app_with_data().await;
    let token = hs256(&good_claims(), SECRET);
    for (header, why) in [
        (
            format!("Basic {}", URL_SAFE_NO_PAD.encode("admin:admin")),
            "Basic scheme",
        ),
        (format!("Token {token}"), "unknown scheme"),
        (token.clone(), "no scheme"),
        ("Bearer".to_owned(), "scheme without token"),
        ("Bearer ".to_owned(), "empty token"),
        ("Bearer not-a-jwt".to_owned(), "not a JWT"),
        ("Bearer a.b.c".to_owned(), "garbage segments"),
        (format!("Bearer {token}.extra"), "four segments"),
    ] {
        assert_refused(&app, &header, why).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_token_on_a_mutation_writes_nothing() {
    let app = app_with_data().await;
    let mut claims = good_claims();
    claims["exp"] = json!(get_current_timestamp() - 120);
    let expired = hs256(&claims, SECRET);
    let audit_before = app.audit_count().await;
    let reply = app
        .gql(
            Some(&expired),
            "mutation { createAccount(input: {name: \"XYZ Ltd\", isCustomer: true}) { account { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(reply.code(), "UNAUTHENTICATED");
    let seen = admin_ok(&app, "{ accounts { totalCount } }", json!({})).await;
    assert_eq!(seen["accounts"]["totalCount"], 1);
    assert_eq!(app.audit_count().await, audit_before);
}

fn key_path(file: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/keys/").to_owned() + file
}

fn rs256_config() -> JwtConfig {
    JwtConfig {
        algorithm: JwtAlgorithm::Rs256,
        secret: None,
        public_keys: Some(format!("k1={}", key_path("rs256-public.pem"))),
        issuer: Some(ISSUER.into()),
        audience: Some(AUDIENCE.into()),
        leeway_seconds: 0,
        max_token_bytes: JwtConfig::DEFAULT_MAX_TOKEN_BYTES,
    }
}

fn rs256(kid: Option<&str>) -> String {
    let pem = std::fs::read(key_path("rs256-private.pem")).expect("test private key");
    liaison::auth::mint(
        &rs256_config(),
        Some(&pem),
        kid,
        "test.admin",
        &[ADMIN.to_owned()],
        600,
    )
    .expect("mint RS256")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rs256_server_accepts_its_key_and_refuses_an_unknown_kid() {
    let app = TestApp::spawn_with_auth(rs256_config()).await;

    // The configured kid works.
    let data = app.ok(&rs256(Some("k1")), PROBE, json!({})).await;
    assert_eq!(data["viewer"]["isAuthenticated"], true);
    assert_eq!(data["viewer"]["subject"], "test.admin");

    // A kid the server does not know is refused, even though the signature would verify.
    assert_refused(
        &app,
        &format!("Bearer {}", rs256(Some("k2"))),
        "unknown kid",
    )
    .await;

    // An HS256 token (even one "signed" with the public key as secret) is refused by an RS256 server.
    assert_refused(
        &app,
        &format!("Bearer {}", app.token("x", &[ADMIN])),
        "HS256 on RS256",
    )
    .await;
    let public = std::fs::read_to_string(key_path("rs256-public.pem")).unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    let confused = encode(
        &header,
        &good_claims(),
        &EncodingKey::from_secret(public.as_bytes()),
    )
    .unwrap();
    assert_refused(&app, &format!("Bearer {confused}"), "algorithm confusion").await;
}

/// Runs `liaison token` and returns the token it prints.
fn cli_token(sub: &str, roles: &[&str], audience: &str) -> String {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_liaison"));
    command.args(["token", "--sub", sub]);
    for role in roles {
        command.args(["--role", role]);
    }
    command.args([
        "--jwt-secret",
        SECRET,
        "--jwt-issuer",
        ISSUER,
        "--jwt-audience",
        audience,
    ]);
    for var in [
        "LIAISON_JWT_ALGORITHM",
        "LIAISON_JWT_PUBLIC_KEYS",
        "LIAISON_JWT_LEEWAY_SECONDS",
    ] {
        command.env_remove(var);
    }
    let output = command.output().expect("run liaison token");
    assert!(
        output.status.success(),
        "liaison token failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    assert_eq!(token.split('.').count(), 3, "not a JWT: {token}");
    token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_token_is_accepted_by_the_server() {
    let app = app_with_data().await;
    let token = cli_token("cli.user", &[ADMIN, AGENT], AUDIENCE);
    let data = app
        .ok(
            &token,
            "{ viewer { isAuthenticated subject roles } accounts { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(data["viewer"]["isAuthenticated"], true);
    assert_eq!(data["viewer"]["subject"], "cli.user");
    let mut roles: Vec<String> = serde_json::from_value(data["viewer"]["roles"].clone()).unwrap();
    roles.sort();
    assert_eq!(roles, ["ADMIN", "AGENT"]);
    assert_eq!(data["accounts"]["totalCount"], 1);

    // A CLI token minted for another audience is refused by the same server.
    let token = cli_token("cli.user", &[ADMIN], "another-audience");
    assert_refused(
        &app,
        &format!("Bearer {token}"),
        "CLI token, wrong audience",
    )
    .await;
}
