//! GraphQL over HTTP responses: the media type the client's `Accept` asks for, and the status and
//! body each kind of outcome gets under it (https://graphql.github.io/graphql-over-http/).

use async_graphql::BatchResponse;
use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::graphql::error::code;

/// The two media types a GraphQL response is sent as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: request errors get 4xx and no `data` entry.
    GraphqlResponse,
    /// `application/json`, for clients that know only it: every GraphQL response is 200.
    Json,
}

impl MediaType {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        })
    }
}

/// How well one media range of an `Accept` header matches a type: (q, exact match).
fn range_match(range: &str, essence: &str) -> Option<(f32, bool)> {
    let mut parts = range.split(';');
    let name = parts.next()?.trim().to_ascii_lowercase();
    let q = parts
        .filter_map(|p| p.split_once('='))
        .find(|(key, _)| key.trim().eq_ignore_ascii_case("q"))
        .map_or(Some(1.0), |(_, value)| value.trim().parse::<f32>().ok())?;
    let (kind, _) = essence.split_once('/')?;
    if name == essence {
        Some((q, true))
    } else if name == "*/*" || name == format!("{kind}/*") {
        Some((q, false))
    } else {
        None
    }
}

/// The q-value `accept` gives `essence`: its most specific matching range wins.
fn quality(accept: &str, essence: &str) -> (f32, bool) {
    accept
        .split(',')
        .filter_map(|range| range_match(range, essence))
        .max_by(|a, b| a.1.cmp(&b.1).then(a.0.total_cmp(&b.0)))
        .unwrap_or((0.0, false))
}

/// Picks the response media type from `Accept`. No header (or an empty one) means
/// `application/json`, as the spec asks of servers with legacy clients; the higher q wins; at equal q
/// a type named outright beats a wildcard, `application/graphql-response+json` is preferred when both
/// are named, and `application/json` when both only match `*/*` or `application/*`. `None` when
/// neither is acceptable (406).
pub fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    if accept.trim().is_empty() {
        return Some(MediaType::Json);
    }
    let (gq, g_exact) = quality(&accept, "application/graphql-response+json");
    let (jq, _) = quality(&accept, "application/json");
    if gq <= 0.0 && jq <= 0.0 {
        return None;
    }
    let graphql_wins = match gq.total_cmp(&jq) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => g_exact,
    };
    Some(if graphql_wins {
        MediaType::GraphqlResponse
    } else {
        MediaType::Json
    })
}

/// The 406 answer to a client that accepts neither media type (its body is `application/json`).
pub fn not_acceptable() -> Response {
    error(
        MediaType::Json,
        StatusCode::NOT_ACCEPTABLE,
        "the response can be sent as `application/graphql-response+json` or `application/json`; \
         the Accept header allows neither",
        code::NOT_ACCEPTABLE,
    )
}

fn with_body(media: MediaType, status: StatusCode, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    response
}

/// A GraphQL error body (`{"errors": [{message, extensions: {code}}]}`, no `data`) with `status`.
pub fn error(media: MediaType, status: StatusCode, message: &str, code: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    with_body(media, status, &body)
}

/// A response is a request error when nothing was executed: no data and no error at a field path.
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// The JSON of one response; a request error has no `data` entry (GraphQL spec §7.1.2).
fn response_json(response: &async_graphql::Response) -> Value {
    let mut value = serde_json::to_value(response).unwrap_or(Value::Null);
    if is_request_error(response)
        && let Some(object) = value.as_object_mut()
    {
        object.remove("data");
    }
    value
}

/// The HTTP response for what async-graphql answered. Under `application/graphql-response+json` a
/// single operation's request error (parse, validation, variables, operation selection, limits) is
/// 400; under `application/json` every GraphQL response is 200. A batch is always 200: its entries
/// each say how they went. `status` replaces 200 where the caller knows better (a timeout).
pub fn graphql(media: MediaType, batch: BatchResponse, status: Option<StatusCode>) -> Response {
    let (body, request_error) = match &batch {
        BatchResponse::Single(response) => (response_json(response), is_request_error(response)),
        BatchResponse::Batch(responses) => (
            Value::Array(responses.iter().map(response_json).collect()),
            false,
        ),
    };
    let status = status.unwrap_or(if request_error && media == MediaType::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    });
    let mut response = with_body(media, status, &body);
    if batch.is_ok()
        && let Some(cache_control) = batch.cache_control().value()
        && let Ok(value) = HeaderValue::from_str(&cache_control)
    {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response.headers_mut().extend(batch.http_headers());
    response.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(accept: Option<&str>) -> Option<MediaType> {
        let mut headers = HeaderMap::new();
        if let Some(accept) = accept {
            headers.insert(header::ACCEPT, accept.parse().unwrap());
        }
        negotiate(&headers)
    }

    #[test]
    fn accept_negotiation_follows_the_spec() {
        use MediaType::{GraphqlResponse as G, Json as J};
        let cases = [
            (None, Some(J)),
            (Some(""), Some(J)),
            (Some("*/*"), Some(J)),
            (Some("application/*"), Some(J)),
            (Some("application/json"), Some(J)),
            (Some("application/json; charset=utf-8"), Some(J)),
            (Some("application/graphql-response+json"), Some(G)),
            (
                Some("application/graphql-response+json, application/json"),
                Some(G),
            ),
            (
                Some("application/json, application/graphql-response+json"),
                Some(G),
            ),
            (
                Some("application/graphql-response+json;q=0.5, application/json"),
                Some(J),
            ),
            (
                Some("application/json;q=0.9, application/graphql-response+json"),
                Some(G),
            ),
            (
                Some("application/graphql-response+json, */*;q=0.1"),
                Some(G),
            ),
            (Some("application/json, multipart/mixed"), Some(J)),
            (Some("*/*, application/graphql-response+json"), Some(G)),
            (Some("APPLICATION/JSON"), Some(J)),
            (Some("text/html"), None),
            (Some("multipart/mixed"), None),
            (Some("text/*"), None),
            (Some("application/json;q=0"), None),
            (Some("*/*;q=0"), None),
            (Some("application/xml"), None),
        ];
        for (accept, want) in cases {
            assert_eq!(pick(accept), want, "Accept: {accept:?}");
        }
    }
}
