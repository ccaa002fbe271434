//! Which browser origins may call the API: the CORS policy built from the settings, checked at start.

use std::{sync::Arc, time::Duration};

use axum::http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer, ExposeHeaders};

use crate::config::{CorsConfig, Mode};

/// The origins development mode allows when none are configured: any port on the loopback names.
pub const DEVELOPMENT_ORIGINS: &[&str] =
    &["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"];

/// Response headers a cross-origin script may read.
const EXPOSED_HEADERS: &[&str] = &["x-sql-statements", "x-request-id"];

/// A setting that cannot be turned into a policy; the server refuses to start with it.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct CorsConfigError {
    setting: &'static str,
    message: String,
}

impl CorsConfigError {
    fn new(setting: &'static str, message: impl Into<String>) -> Self {
        Self {
            setting,
            message: message.into(),
        }
    }
}

/// One allowed origin: exact, or every port of one scheme and host (`http://localhost:*`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum OriginRule {
    Exact(String),
    AnyPort(String),
}

impl OriginRule {
    fn parse(text: &str) -> Result<Self, CorsConfigError> {
        let invalid = |why: &str| {
            CorsConfigError::new(
                "LIAISON_CORS_ORIGINS",
                format!(
                    "`{text}` is not an origin ({why}); write scheme://host[:port], scheme://host:* or *"
                ),
            )
        };
        let origin = text.trim().to_ascii_lowercase();
        let origin = origin.strip_suffix('/').unwrap_or(&origin);
        let rest = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .ok_or_else(|| invalid("the scheme must be http or https"))?;
        if rest.contains(['/', '?', '#', '@']) {
            return Err(invalid("an origin has no path, query or user"));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => (host, Some(port)),
            _ => (rest, None),
        };
        if host.is_empty() {
            return Err(invalid("the host is missing"));
        }
        match port {
            None => Ok(Self::Exact(origin.to_owned())),
            Some("*") => Ok(Self::AnyPort(origin[..origin.len() - 2].to_owned())),
            Some(port) if port.parse::<u16>().is_ok() => Ok(Self::Exact(origin.to_owned())),
            Some(_) => Err(invalid("the port must be a number or *")),
        }
    }

    fn allows(&self, origin: &str) -> bool {
        match self {
            Self::Exact(exact) => origin == exact,
            Self::AnyPort(base) => origin.strip_prefix(base.as_str()).is_some_and(|rest| {
                rest.is_empty()
                    || rest
                        .strip_prefix(':')
                        .is_some_and(|port| port.parse::<u16>().is_ok())
            }),
        }
    }
}

/// Who may call: nobody, anybody, or a list of origins.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Origins {
    None,
    Any,
    Listed(Arc<Vec<OriginRule>>),
}

/// The server's CORS policy; `layer` turns it into the middleware.
#[derive(Clone, Debug)]
pub struct CorsPolicy {
    origins: Origins,
    methods: Option<Vec<Method>>,
    headers: Option<Vec<HeaderName>>,
    max_age: Duration,
}

impl Default for CorsPolicy {
    /// No origin is allowed: what production runs until origins are configured.
    fn default() -> Self {
        Self {
            origins: Origins::None,
            methods: Some(vec![Method::GET, Method::POST]),
            headers: Some(Vec::new()),
            max_age: Duration::ZERO,
        }
    }
}

impl CorsPolicy {
    /// The policy `config` asks for in `mode`; unset origins mean localhost in development, none in production.
    pub fn from_config(config: &CorsConfig, mode: Mode) -> Result<Self, CorsConfigError> {
        let configured: Vec<&str> = match &config.origins {
            Some(origins) => origins
                .iter()
                .map(|o| o.trim())
                .filter(|o| !o.is_empty())
                .collect(),
            None if mode == Mode::Development => DEVELOPMENT_ORIGINS.to_vec(),
            None => Vec::new(),
        };
        let origins = if configured.is_empty() || configured == ["none"] {
            Origins::None
        } else if configured.contains(&"*") {
            Origins::Any
        } else {
            Origins::Listed(Arc::new(
                configured
                    .into_iter()
                    .map(OriginRule::parse)
                    .collect::<Result<_, _>>()?,
            ))
        };
        let methods = if config.methods.iter().any(|m| m.trim() == "*") {
            None
        } else {
            Some(
                config
                    .methods
                    .iter()
                    .map(|m| {
                        Method::from_bytes(m.trim().to_ascii_uppercase().as_bytes()).map_err(|_| {
                            CorsConfigError::new(
                                "LIAISON_CORS_METHODS",
                                format!("`{m}` is not an HTTP method"),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
            )
        };
        let headers = if config.headers.iter().any(|h| h.trim() == "*") {
            None
        } else {
            Some(
                config
                    .headers
                    .iter()
                    .filter(|h| !h.trim().is_empty())
                    .map(|h| {
                        HeaderName::from_bytes(h.trim().to_ascii_lowercase().as_bytes()).map_err(
                            |_| {
                                CorsConfigError::new(
                                    "LIAISON_CORS_HEADERS",
                                    format!("`{h}` is not a header name"),
                                )
                            },
                        )
                    })
                    .collect::<Result<_, _>>()?,
            )
        };
        Ok(Self {
            origins,
            methods,
            headers,
            max_age: Duration::from_secs(config.max_age_seconds),
        })
    }

    /// Whether a browser page served from `origin` may call the API.
    pub fn allows(&self, origin: &str) -> bool {
        match &self.origins {
            Origins::None => false,
            Origins::Any => true,
            Origins::Listed(rules) => rules.iter().any(|rule| rule.allows(origin)),
        }
    }

    /// A one-line description for the start-up log.
    pub fn describe(&self) -> String {
        match &self.origins {
            Origins::None => "no origin".into(),
            Origins::Any => "any origin (*)".into(),
            Origins::Listed(rules) => rules
                .iter()
                .map(|rule| match rule {
                    OriginRule::Exact(origin) => origin.clone(),
                    OriginRule::AnyPort(base) => format!("{base}:*"),
                })
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// The middleware: answers preflights, and adds the CORS headers to allowed origins' responses only.
    pub fn layer(&self) -> CorsLayer {
        let origin = match &self.origins {
            // `*` is sent literally: requests carry bearer tokens, never cookies, so credentials stay off.
            Origins::Any => AllowOrigin::any(),
            Origins::None => AllowOrigin::predicate(|_, _| false),
            Origins::Listed(rules) => {
                let rules = rules.clone();
                AllowOrigin::predicate(move |origin: &HeaderValue, _| {
                    origin
                        .to_str()
                        .is_ok_and(|origin| rules.iter().any(|rule| rule.allows(origin)))
                })
            }
        };
        let methods = match &self.methods {
            Some(methods) => AllowMethods::list(methods.iter().cloned()),
            None => AllowMethods::mirror_request(),
        };
        // A wildcard `Access-Control-Allow-Headers: *` does not cover `Authorization`, so `*` mirrors instead.
        let headers = match &self.headers {
            Some(headers) => AllowHeaders::list(headers.iter().cloned()),
            None => AllowHeaders::mirror_request(),
        };
        CorsLayer::new()
            .allow_origin(origin)
            .allow_methods(methods)
            .allow_headers(headers)
            .expose_headers(ExposeHeaders::list(
                EXPOSED_HEADERS.iter().map(|h| HeaderName::from_static(h)),
            ))
            .max_age(self.max_age)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(origins: Option<&[&str]>, mode: Mode) -> Result<CorsPolicy, CorsConfigError> {
        CorsPolicy::from_config(
            &CorsConfig {
                origins: origins.map(|o| o.iter().map(|s| s.to_string()).collect()),
                ..CorsConfig::default()
            },
            mode,
        )
    }

    #[test]
    fn development_allows_loopback_origins_on_any_port_only() {
        let dev = policy(None, Mode::Development).unwrap();
        for origin in [
            "http://localhost:5173",
            "http://127.0.0.1:3000",
            "http://localhost",
            "http://[::1]:8081",
        ] {
            assert!(dev.allows(origin), "{origin}");
        }
        for origin in [
            "http://localhost.evil.test",
            "http://localhost:99999",
            "https://localhost:3000",
            "http://127.0.0.10:3000",
            "http://example.com",
            "null",
        ] {
            assert!(!dev.allows(origin), "{origin}");
        }
    }

    #[test]
    fn production_allows_nothing_until_configured() {
        let prod = policy(None, Mode::Production).unwrap();
        assert!(!prod.allows("http://localhost:3000"));
        let configured = policy(Some(&["https://Portal.example.com/"]), Mode::Production).unwrap();
        assert!(configured.allows("https://portal.example.com"));
        assert!(!configured.allows("https://portal.example.com:8443"));
        assert!(!configured.allows("http://portal.example.com"));
        assert!(
            policy(Some(&["*"]), Mode::Production)
                .unwrap()
                .allows("https://any.test")
        );
        assert!(
            !policy(Some(&["none"]), Mode::Development)
                .unwrap()
                .allows("http://localhost:1")
        );
    }

    #[test]
    fn malformed_settings_are_refused_with_the_setting_named() {
        for bad in [
            "portal.example.com",
            "ftp://x.test",
            "https://x.test/app",
            "https://x.test:abc",
            "https://",
        ] {
            let err = policy(Some(&[bad]), Mode::Production)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("LIAISON_CORS_ORIGINS: `"), "{bad}: {err}");
        }
        let err = CorsPolicy::from_config(
            &CorsConfig {
                headers: vec!["bad header".into()],
                ..CorsConfig::default()
            },
            Mode::Development,
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("LIAISON_CORS_HEADERS"), "{err}");
    }
}
