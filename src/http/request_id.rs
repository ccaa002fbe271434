//! One id per request, on every log line (a span carries it) and on the `x-request-id` response
//! header: the caller's `x-request-id` when it is sane, else the trace id of its `traceparent`,
//! else a fresh UUID v4.

use axum::{
    extract::Request,
    http::{HeaderMap, HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

/// The request and response header that carries the id.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Longest incoming `x-request-id` that is kept; a longer one is replaced.
pub const MAX_LEN: usize = 128;

/// The id of the request in flight, for handlers that want to quote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The caller's id if it is 1 to 128 visible ASCII characters (no spaces or control characters).
fn incoming(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(&HEADER)?.to_str().ok()?;
    let sane =
        !value.is_empty() && value.len() <= MAX_LEN && value.bytes().all(|b| b.is_ascii_graphic());
    sane.then(|| value.to_owned())
}

/// The trace id of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), unless it is malformed or all zeros.
pub fn trace_id(traceparent: &str) -> Option<String> {
    let mut parts = traceparent.trim().split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| {
        s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    // Version ff is invalid; a later version may append fields, version 00 may not.
    let well_formed = hex(version, 2)
        && version != "ff"
        && (version != "00" || parts.next().is_none())
        && hex(trace, 32)
        && hex(parent, 16)
        && hex(flags, 2);
    let zero = |s: &str| s.bytes().all(|b| b == b'0');
    (well_formed && !zero(trace) && !zero(parent)).then(|| trace.to_owned())
}

/// The id for a request with `headers`.
pub fn for_headers(headers: &HeaderMap) -> String {
    incoming(headers)
        .or_else(|| {
            headers
                .get("traceparent")
                .and_then(|v| v.to_str().ok())
                .and_then(trace_id)
        })
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// Middleware: runs the request inside a `request` span carrying its id and sets `x-request-id` on the response.
pub async fn middleware(mut request: Request, next: Next) -> Response {
    let id = for_headers(request.headers());
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id);
    crate::telemetry::set_remote_parent(&span, request.headers());
    let mut response = next.run(request).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn a_sane_incoming_id_is_kept_and_an_insane_one_replaced() {
        assert_eq!(
            for_headers(&headers(&[("x-request-id", "abc-123")])),
            "abc-123"
        );
        let long = "a".repeat(MAX_LEN + 1);
        for bad in ["", "has space", long.as_str(), "tab\there"] {
            let id = for_headers(&headers(&[("x-request-id", bad)]));
            assert_ne!(id, bad);
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{bad:?} gave {id}");
        }
        let longest = "b".repeat(MAX_LEN);
        assert_eq!(
            for_headers(&headers(&[("x-request-id", &longest)])),
            longest
        );
    }

    #[test]
    fn traceparent_gives_its_trace_id_when_well_formed() {
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(
            trace_id(tp).as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "garbage",
        ] {
            assert_eq!(trace_id(bad), None, "{bad}");
        }
        assert_eq!(
            trace_id("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra").as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        // An explicit x-request-id wins over traceparent.
        let both = headers(&[("x-request-id", "mine"), ("traceparent", tp)]);
        assert_eq!(for_headers(&both), "mine");
    }
}
