//! Reading a POST body into GraphQL requests: the size limit, JSON syntax and the request's shape,
//! each refused with its own GraphQL error (never parser or serde internals naming Rust types).

use async_graphql::BatchRequest;
use axum::{
    body::Body,
    http::{HeaderMap, StatusCode, header},
    response::Response,
};
use serde_json::{Map, Value};

use super::negotiation::{self, MediaType};
use crate::graphql::error::code;

/// Why a body is not a GraphQL request.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    /// Longer than the limit (by `Content-Length`, or while reading).
    TooLarge(usize),
    /// Not JSON; the message names the line and column where it breaks.
    NotJson(String),
    /// JSON, but not a GraphQL request (`query` missing or not a string, ...).
    NotARequest(String),
}

impl BodyError {
    /// The GraphQL error answer (413 or 400, in the negotiated media type).
    pub fn into_response(self, media: MediaType) -> Response {
        match self {
            Self::TooLarge(limit) => {
                let mut response = negotiation::error(
                    media,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!("the request body is larger than the limit of {limit} bytes"),
                    code::PAYLOAD_TOO_LARGE,
                );
                // The rest of the body is never read, so the connection cannot carry another
                // request: say so, or a pooling client reuses it and loses its next request.
                response.headers_mut().insert(
                    header::CONNECTION,
                    header::HeaderValue::from_static("close"),
                );
                response
            }
            Self::NotJson(message) | Self::NotARequest(message) => {
                negotiation::error(media, StatusCode::BAD_REQUEST, &message, code::BAD_REQUEST)
            }
        }
    }
}

/// Refuses a body whose declared `Content-Length` is over `limit` before reading any of it.
pub fn check_declared_length(headers: &HeaderMap, limit: usize) -> Result<(), BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > limit as u64 => Err(BodyError::TooLarge(limit)),
        _ => Ok(()),
    }
}

/// Reads at most `limit` bytes of `body` and turns them into one request or a batch.
pub async fn read(body: Body, limit: usize) -> Result<BatchRequest, BodyError> {
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|err| {
        tracing::info!(error = %err, "request body not read");
        BodyError::TooLarge(limit)
    })?;
    parse(&bytes)
}

/// Parses a GraphQL-over-HTTP JSON body: an object (`query`, `operationName`, `variables`,
/// `extensions`) or a non-empty array of them.
pub fn parse(bytes: &[u8]) -> Result<BatchRequest, BodyError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError::NotARequest(
            "the request body is empty; send a JSON object with `query`".into(),
        ));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|err| {
        BodyError::NotJson(format!(
            "the request body is not valid JSON (at {}:{}, line:column)",
            err.line(),
            err.column()
        ))
    })?;
    match value {
        Value::Object(object) => Ok(BatchRequest::Single(request(object, None)?)),
        Value::Array(items) if items.is_empty() => Err(BodyError::NotARequest(
            "a batch (a JSON array) needs at least one operation".into(),
        )),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(index, item)| match item {
                Value::Object(object) => request(object, Some(index)),
                _ => Err(BodyError::NotARequest(format!(
                    "batch entry {index} is not a JSON object"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(BatchRequest::Batch),
        _ => Err(BodyError::NotARequest(
            "the request body must be a JSON object with `query`".into(),
        )),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One request object, its parameters checked one by one (`index`: its place in a batch).
fn request(
    mut object: Map<String, Value>,
    index: Option<usize>,
) -> Result<async_graphql::Request, BodyError> {
    let place = index
        .map(|i| format!(" (batch entry {i})"))
        .unwrap_or_default();
    let refuse = |message: String| Err(BodyError::NotARequest(format!("{message}{place}")));
    // A persisted query (APQ's `extensions.persistedQuery`, or a `documentId`) may come without text.
    let persisted = object.contains_key("documentId")
        || object
            .get("extensions")
            .and_then(Value::as_object)
            .is_some_and(|e| {
                e.contains_key("persistedQuery") || e.contains_key(super::persisted::DOCUMENT_ID)
            });
    match object.get("query") {
        Some(Value::String(_)) => {}
        None | Some(Value::Null) if persisted => {
            object.remove("query");
        }
        None | Some(Value::Null) => return refuse("the request has no `query`".into()),
        Some(other) => return refuse(format!("`query` must be a string, not {}", kind(other))),
    }
    for (name, want_object) in [
        ("operationName", false),
        ("variables", true),
        ("extensions", true),
    ] {
        match object.get(name) {
            None => {}
            Some(Value::Null) => {
                object.remove(name);
            }
            Some(Value::String(_)) if !want_object => {}
            Some(Value::Object(_)) if want_object => {}
            Some(other) => {
                let want = if want_object { "an object" } else { "a string" };
                return refuse(format!("`{name}` must be {want}, not {}", kind(other)));
            }
        }
    }
    // A top-level `documentId` (GraphQL over HTTP's persisted documents) travels in the
    // extensions, where the persisted-query resolver reads it.
    if let Some(id) = object.remove("documentId") {
        if !id.is_string() {
            return refuse(format!("`documentId` must be a string, not {}", kind(&id)));
        }
        if let Value::Object(extensions) = object
            .entry("extensions")
            .or_insert_with(|| Value::Object(Map::new()))
        {
            extensions.insert(super::persisted::DOCUMENT_ID.into(), id);
        }
    }
    serde_json::from_value(Value::Object(object)).map_err(|err| {
        tracing::info!(error = %err, "request parameters refused");
        BodyError::NotARequest(format!("the request's parameters are not valid{place}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(body: &str) -> String {
        match parse(body.as_bytes()) {
            Err(BodyError::NotJson(m) | BodyError::NotARequest(m)) => m,
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn bodies_that_are_not_graphql_requests_are_named_precisely() {
        assert_eq!(
            refusal(r#"{"query": "{"#),
            "the request body is not valid JSON (at 1:12, line:column)"
        );
        assert_eq!(
            refusal("  "),
            "the request body is empty; send a JSON object with `query`"
        );
        assert_eq!(
            refusal(r#"{"qeury": "{ a }"}"#),
            "the request has no `query`"
        );
        assert_eq!(
            refusal(r#"{"query": ["{ a }"]}"#),
            "`query` must be a string, not an array"
        );
        assert_eq!(
            refusal(r#"{"query": "{ a }", "variables": "{}"}"#),
            "`variables` must be an object, not a string"
        );
        assert_eq!(
            refusal(r#"{"query": "{ a }", "operationName": 3}"#),
            "`operationName` must be a string, not a number"
        );
        assert_eq!(
            refusal(r#"[{"query": "{ a }"}, 1]"#),
            "batch entry 1 is not a JSON object"
        );
        assert_eq!(
            refusal(r#"[{"query": "{ a }"}, {}]"#),
            "the request has no `query` (batch entry 1)"
        );
        assert_eq!(
            refusal("[]"),
            "a batch (a JSON array) needs at least one operation"
        );
        assert_eq!(
            refusal("\"{ a }\""),
            "the request body must be a JSON object with `query`"
        );
    }

    #[test]
    fn well_formed_requests_parse() {
        let Ok(BatchRequest::Single(request)) = parse(
            br#"{"query": "query A { a }", "operationName": "A", "variables": {"x": 1}, "extensions": null}"#,
        ) else {
            panic!("not a single request");
        };
        assert_eq!(request.operation_name.as_deref(), Some("A"));
        assert_eq!(request.variables.len(), 1);
        assert!(matches!(
            parse(br#"[{"query": "{ a }", "operationName": null}, {"query": "{ b }"}]"#),
            Ok(BatchRequest::Batch(requests)) if requests.len() == 2
        ));
        // An automatic persisted query carries its hash, not its text.
        assert!(matches!(
            parse(br#"{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab"}}}"#),
            Ok(BatchRequest::Single(request)) if request.query.is_empty()
        ));
    }
}
