//! Bearer-token verification (HS256 or PEM public keys by `kid`) and token minting for the CLI.

use std::{collections::HashMap, fs};

use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};

use crate::config::{JwtAlgorithm, JwtConfig, Mode};

/// The public development secret, used only in development mode when no key is configured.
pub const DEVELOPMENT_SECRET: &str = "liaison-development-secret-never-use-in-production";

/// Why a token or key configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid token: {0}")]
    InvalidToken(String),
    #[error("JWT configuration: {0}")]
    Config(String),
}

/// Claims Liaison reads from a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub roles: Vec<String>,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
}

/// The `aud` claim: one audience or several (RFC 7519 §4.1.3 allows both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// Whether an explicit `typ` header names a JWT (RFC 7519 §5.1) or an access token (RFC 9068);
/// media types may omit their `application/` prefix (RFC 7515 §4.1.9), case-insensitively.
fn accepted_typ(typ: &str) -> bool {
    let typ = typ.to_ascii_lowercase();
    let typ = typ.strip_prefix("application/").unwrap_or(&typ);
    matches!(typ, "jwt" | "at+jwt")
}

/// Verifies bearer tokens with the configured algorithm and keys.
pub struct Authenticator {
    algorithm: Algorithm,
    /// Keys by `kid`; the `None` entry serves tokens without a `kid`.
    keys: HashMap<Option<String>, DecodingKey>,
    validation: Validation,
    development: bool,
    /// Whether any key is configured under a `kid`: then every token must name a configured one.
    keys_by_kid: bool,
    max_token_bytes: usize,
}

fn algorithm(alg: JwtAlgorithm) -> Algorithm {
    match alg {
        JwtAlgorithm::Hs256 => Algorithm::HS256,
        JwtAlgorithm::Rs256 => Algorithm::RS256,
        JwtAlgorithm::Es256 => Algorithm::ES256,
        JwtAlgorithm::EdDsa => Algorithm::EdDSA,
    }
}

fn read_public_key(alg: Algorithm, path: &str) -> Result<DecodingKey, AuthError> {
    let pem = fs::read(path).map_err(|e| AuthError::Config(format!("cannot read {path}: {e}")))?;
    let key = match alg {
        Algorithm::RS256 => DecodingKey::from_rsa_pem(&pem),
        Algorithm::ES256 => DecodingKey::from_ec_pem(&pem),
        Algorithm::EdDSA => DecodingKey::from_ed_pem(&pem),
        _ => {
            return Err(AuthError::Config(
                "public keys need RS256, ES256 or EdDSA".into(),
            ));
        }
    };
    key.map_err(|e| AuthError::Config(format!("{path}: {e}")))
}

impl Authenticator {
    /// Builds the verifier; without a key only development mode may fall back to the development secret.
    pub fn new(config: &JwtConfig, mode: Mode) -> Result<Self, AuthError> {
        let alg = algorithm(config.algorithm);
        let mut keys = HashMap::new();
        let mut development = false;
        match (alg, &config.secret, &config.public_keys) {
            (Algorithm::HS256, Some(secret), None) => {
                if secret.len() < 32 {
                    return Err(AuthError::Config(
                        "the HS256 secret must be at least 32 bytes".into(),
                    ));
                }
                keys.insert(None, DecodingKey::from_secret(secret.as_bytes()));
            }
            (Algorithm::HS256, None, None) if mode == Mode::Development => {
                development = true;
                keys.insert(
                    None,
                    DecodingKey::from_secret(DEVELOPMENT_SECRET.as_bytes()),
                );
            }
            (Algorithm::HS256, _, _) => {
                return Err(AuthError::Config(
                    "HS256 needs LIAISON_JWT_SECRET (and no public keys)".into(),
                ));
            }
            (_, None, Some(list)) => {
                for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                    match entry.split_once('=') {
                        Some((kid, path)) => keys.insert(
                            Some(kid.trim().to_owned()),
                            read_public_key(alg, path.trim())?,
                        ),
                        None => keys.insert(None, read_public_key(alg, entry)?),
                    };
                }
                if keys.is_empty() {
                    return Err(AuthError::Config(
                        "LIAISON_JWT_PUBLIC_KEYS lists no key".into(),
                    ));
                }
            }
            _ => {
                return Err(AuthError::Config(format!(
                    "{alg:?} needs LIAISON_JWT_PUBLIC_KEYS (and no secret)"
                )));
            }
        }
        let mut validation = Validation::new(alg);
        validation.leeway = config.leeway_seconds;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        match &config.issuer {
            Some(issuer) => {
                validation.set_issuer(&[issuer]);
                required.push("iss");
            }
            None => validation.iss = None,
        }
        match &config.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);
        Ok(Self {
            algorithm: alg,
            keys_by_kid: keys.keys().any(Option::is_some),
            keys,
            validation,
            development,
            max_token_bytes: config.max_token_bytes,
        })
    }

    /// Whether tokens are checked with the public development secret.
    pub fn is_development(&self) -> bool {
        self.development
    }

    /// Verifies size, header (`alg`, `typ`, `crit`, `kid`), signature, expiry, not-before, issuer
    /// and audience; returns the claims.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let refused = |why: &str| AuthError::InvalidToken(why.to_owned());
        if token.len() > self.max_token_bytes {
            return Err(AuthError::InvalidToken(format!(
                "the token is longer than {} bytes",
                self.max_token_bytes
            )));
        }
        let header = decode_header(token).map_err(|e| AuthError::InvalidToken(e.to_string()))?;
        if header.alg != self.algorithm {
            return Err(AuthError::InvalidToken(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }
        if header.crit.is_some() {
            // RFC 7515 §4.1.11: an extension the receiver does not understand must fail; we
            // understand none.
            return Err(refused(
                "the `crit` header names an extension this server does not support",
            ));
        }
        if header.typ.as_deref().is_some_and(|typ| !accepted_typ(typ)) {
            return Err(refused("the `typ` header is neither JWT nor at+jwt"));
        }
        let key = match &header.kid {
            Some(kid) if self.keys_by_kid => self.keys.get(&Some(kid.clone())),
            _ => self.keys.get(&None),
        }
        .ok_or_else(|| refused("unknown signing key (kid)"))?;
        let data = decode::<Claims>(token, key, &self.validation)
            .map_err(|e| AuthError::InvalidToken(e.to_string()))?;
        Ok(data.claims)
    }
}

/// Signs a token for `sub` with `roles`, valid for `ttl_seconds` (HS256 secret or a PEM private key).
pub fn mint(
    config: &JwtConfig,
    private_key_pem: Option<&[u8]>,
    kid: Option<&str>,
    sub: &str,
    roles: &[String],
    ttl_seconds: u64,
) -> Result<String, AuthError> {
    let alg = algorithm(config.algorithm);
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        sub: sub.to_owned(),
        roles: roles.to_vec(),
        exp: now + ttl_seconds,
        nbf: Some(now.saturating_sub(1)),
        iss: config.issuer.clone(),
        aud: config.audience.clone().map(Audience::One),
    };
    let key = match (alg, private_key_pem) {
        (Algorithm::HS256, _) => EncodingKey::from_secret(
            config
                .secret
                .as_deref()
                .unwrap_or(DEVELOPMENT_SECRET)
                .as_bytes(),
        ),
        (Algorithm::RS256, Some(pem)) => {
            EncodingKey::from_rsa_pem(pem).map_err(|e| AuthError::Config(e.to_string()))?
        }
        (Algorithm::ES256, Some(pem)) => {
            EncodingKey::from_ec_pem(pem).map_err(|e| AuthError::Config(e.to_string()))?
        }
        (Algorithm::EdDSA, Some(pem)) => {
            EncodingKey::from_ed_pem(pem).map_err(|e| AuthError::Config(e.to_string()))?
        }
        _ => {
            return Err(AuthError::Config(
                "minting with a public-key algorithm needs --private-key".into(),
            ));
        }
    };
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    encode(&header, &claims, &key).map_err(|e| AuthError::Config(e.to_string()))
}
