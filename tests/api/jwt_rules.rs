//! Token rules of RFC 8725 / RFC 7515: `crit` extensions, explicit `typ`, `aud` arrays, `kid`
//! selection and a maximum token size. Every refusal is HTTP 401 `UNAUTHENTICATED`, and each test
//! first shows the unspoiled token is accepted.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use liaison::config::{JwtAlgorithm, JwtConfig};
use serde_json::{Value, json};

use crate::support::{ADMIN, AUDIENCE, ISSUER, SECRET, TestApp, jwt_config};

const PROBE: &str = "{ viewer { isAuthenticated subject } }";

fn claims() -> Value {
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

fn hs256_with(header: Header, claims: &Value) -> String {
    encode(
        &header,
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("encode")
}

fn hs256(claims: &Value) -> String {
    hs256_with(Header::new(Algorithm::HS256), claims)
}

/// Sends the probe with `token`: `Ok(subject)` when accepted, `Err(status)` when refused with 401
/// and `UNAUTHENTICATED` (anything else fails the test).
async fn probe(app: &TestApp, token: &str) -> Result<String, u16> {
    let reply = app
        .http()
        .post(format!("{}/graphql", app.url))
        .header("Authorization", format!("Bearer {token}"))
        .json(&json!({ "query": PROBE }))
        .send()
        .await
        .expect("request");
    let status = reply.status().as_u16();
    let body: Value = reply.json().await.expect("json body");
    if status == 200 && body["data"]["viewer"]["isAuthenticated"] == true {
        return Ok(body["data"]["viewer"]["subject"]
            .as_str()
            .unwrap_or_default()
            .to_owned());
    }
    assert_eq!(status, 401, "neither accepted nor refused: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );
    assert!(body.get("data").is_none_or(Value::is_null), "{body}");
    Err(status)
}

async fn assert_accepted(app: &TestApp, token: &str, why: &str) {
    assert_eq!(
        probe(app, token).await,
        Ok("test.admin".to_owned()),
        "{why}: expected the token to be accepted"
    );
}

async fn assert_refused(app: &TestApp, token: &str, why: &str) {
    assert_eq!(
        probe(app, token).await,
        Err(401),
        "{why}: expected HTTP 401"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crit_header_is_refused_whatever_it_names() {
    let app = TestApp::spawn().await;
    assert_accepted(&app, &hs256(&claims()), "no crit").await;
    for names in [
        vec!["exp"],
        vec!["b64"],
        vec!["urn:example:unknown"],
        vec![],
    ] {
        let mut header = Header::new(Algorithm::HS256);
        header.crit = Some(names.iter().map(|n| n.to_string()).collect());
        if names == ["b64"] {
            header.extras.insert("b64", false);
        }
        assert_refused(
            &app,
            &hs256_with(header, &claims()),
            &format!("crit {names:?}"),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explicit_typ_must_name_a_jwt_or_an_access_token() {
    let app = TestApp::spawn().await;
    let with_typ = |typ: Option<&str>| {
        let mut header = Header::new(Algorithm::HS256);
        header.typ = typ.map(str::to_owned);
        hs256_with(header, &claims())
    };
    for typ in [
        None,
        Some("JWT"),
        Some("jwt"),
        Some("at+jwt"),
        Some("AT+JWT"),
        Some("application/at+jwt"),
        Some("Application/JWT"),
    ] {
        assert_accepted(&app, &with_typ(typ), &format!("typ {typ:?}")).await;
    }
    for typ in [
        "JOSE",
        "JOSE+JSON",
        "dpop+jwt",
        "logout+jwt",
        "application/json",
        "at+jwt ",
        "",
    ] {
        assert_refused(&app, &with_typ(Some(typ)), &format!("typ {typ:?}")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aud_as_an_array_is_accepted_when_it_contains_the_audience() {
    let app = TestApp::spawn().await;
    let mut with_aud = claims();
    for aud in [
        json!([AUDIENCE]),
        json!(["another-api", AUDIENCE]),
        json!([AUDIENCE, "another-api", "a-third"]),
    ] {
        with_aud["aud"] = aud.clone();
        assert_accepted(&app, &hs256(&with_aud), &format!("aud {aud}")).await;
    }
    for aud in [
        json!([]),
        json!(["another-api"]),
        json!(["another-api", "a-third"]),
        json!([[AUDIENCE]]),
        json!(42),
    ] {
        with_aud["aud"] = aud.clone();
        assert_refused(&app, &hs256(&with_aud), &format!("aud {aud}")).await;
    }
}

fn key_path(file: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/keys/").to_owned() + file
}

fn rs256_by_kid() -> JwtConfig {
    JwtConfig {
        algorithm: JwtAlgorithm::Rs256,
        secret: None,
        public_keys: Some(format!("k1={}", key_path("rs256-public.pem"))),
        ..jwt_config()
    }
}

fn rs256(kid: Option<&str>) -> String {
    let pem = std::fs::read(key_path("rs256-private.pem")).expect("test private key");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    encode(
        &header,
        &claims(),
        &EncodingKey::from_rsa_pem(&pem).expect("private key"),
    )
    .expect("encode RS256")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_keys_configured_by_kid_a_token_must_name_a_configured_kid() {
    let app = TestApp::spawn_with_auth(rs256_by_kid()).await;
    assert_accepted(&app, &rs256(Some("k1")), "kid k1").await;
    // The only configured key would verify these signatures: the kid alone refuses them.
    assert_refused(&app, &rs256(None), "no kid").await;
    assert_refused(&app, &rs256(Some("k2")), "unknown kid").await;
    assert_refused(&app, &rs256(Some("K1")), "kid differs in case").await;
    assert_refused(&app, &rs256(Some("")), "empty kid").await;

    // One key configured without a kid serves every token, with or without a kid.
    let bare = TestApp::spawn_with_auth(JwtConfig {
        public_keys: Some(key_path("rs256-public.pem")),
        ..rs256_by_kid()
    })
    .await;
    assert_accepted(&bare, &rs256(None), "no kid, no kids configured").await;
    assert_accepted(&bare, &rs256(Some("any")), "a kid, no kids configured").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_above_the_size_limit_is_refused() {
    let app = TestApp::spawn().await;
    let padded = |bytes: usize| {
        let mut c = claims();
        c["pad"] = json!("x".repeat(bytes));
        hs256(&c)
    };
    // Default limit 8 KiB: a token of about 5.5 KiB passes, one of about 9 KiB does not.
    let fits = padded(4_000);
    assert!(
        fits.len() < JwtConfig::DEFAULT_MAX_TOKEN_BYTES,
        "{}",
        fits.len()
    );
    assert_accepted(&app, &fits, "under the default limit").await;
    let too_long = padded(6_500);
    assert!(
        too_long.len() > JwtConfig::DEFAULT_MAX_TOKEN_BYTES,
        "{}",
        too_long.len()
    );
    assert_refused(&app, &too_long, "over the default limit").await;

    // A configured limit applies to otherwise valid tokens.
    let small = TestApp::spawn_with_auth(JwtConfig {
        max_token_bytes: 400,
        ..jwt_config()
    })
    .await;
    let plain = hs256(&claims());
    assert!(plain.len() < 400, "{}", plain.len());
    assert_accepted(&small, &plain, "under the configured limit").await;
    let token = padded(200);
    assert!(token.len() > 400, "{}", token.len());
    assert_accepted(&app, &token, "the same token on the default server").await;
    assert_refused(&small, &token, "over the configured limit").await;
}
