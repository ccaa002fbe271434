//! The harness's HTTP client: hyper's pooled client, one per client task, so each task holds one
//! keep-alive connection and sends one request at a time (concurrency means connections).

use std::{error::Error, net::SocketAddr};

use http_body_util::{BodyExt, Full};
use hyper::{Request, Uri, body::Bytes, header};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};

/// The response header in which the server counts the SQL statements a request ran.
const STATEMENTS_HEADER: &str = "x-sql-statements";

/// One client task's connection to the in-process server's /graphql endpoint.
pub(super) struct GraphqlClient {
    client: Client<HttpConnector, Full<Bytes>>,
    endpoint: Uri,
}

/// What the harness reads from a reply: status, statement count and the whole body.
pub(super) struct Reply {
    status: u16,
    pub(super) statements: Option<u64>,
    body: Bytes,
}

/// An error with its causes, since hyper's top-level messages ("client error (Connect)") say little.
fn describe(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

impl GraphqlClient {
    /// A client for the server at `address`; it connects on its first request.
    pub(super) fn new(address: SocketAddr) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(1)
            .build(connector);
        let endpoint = format!("http://{address}/graphql")
            .parse()
            .expect("a socket address makes a valid URI");
        Self { client, endpoint }
    }

    /// POSTs a GraphQL request body with `token` as bearer and reads the reply to its end.
    pub(super) async fn post(&self, token: &str, body: String) -> Result<Reply, String> {
        let request = Request::post(self.endpoint.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| describe(&e))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let statements = response
            .headers()
            .get(STATEMENTS_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok());
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| describe(&e))?
            .to_bytes();
        Ok(Reply {
            status,
            statements,
            body,
        })
    }
}

/// Why a reply does not count as a success, if it does not.
pub(super) fn failure(reply: &Reply) -> Option<String> {
    let text = String::from_utf8_lossy(&reply.body);
    let value: serde_json::Value = match serde_json::from_slice(&reply.body) {
        Ok(value) => value,
        Err(_) => return Some(format!("HTTP {}: {text}", reply.status)),
    };
    if reply.status != 200 || value.get("errors").is_some() || value.get("data").is_none() {
        return Some(format!("HTTP {}: {text}", reply.status));
    }
    None
}
