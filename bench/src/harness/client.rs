//! The harness's HTTP client: hyper's HTTP/1.1 client on one keep-alive connection per client
//! task, sending one request at a time, so concurrency means connections. (hyper-util's pooled
//! client was tried: when a reply ends before its connection is idle again, it opens another
//! connection, about 200 instead of 10 in two seconds of the nested workload.)

use std::{error::Error, net::SocketAddr};

use http_body_util::{BodyExt, Full};
use hyper::{
    Request,
    body::Bytes,
    client::conn::http1::{self, SendRequest},
    header,
};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The response header in which the server counts the SQL statements a request ran.
const STATEMENTS_HEADER: &str = "x-sql-statements";

/// One client task's connection to the in-process server's /graphql endpoint.
pub(crate) struct GraphqlClient {
    sender: SendRequest<Full<Bytes>>,
    host: String,
}

/// What the harness reads from a reply: status, statement count and the whole body.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) statements: Option<u64>,
    pub(crate) body: Bytes,
}

/// An error with its causes, since hyper's top-level messages ("connection closed") say little.
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
    /// Opens the connection and spawns the task that drives it until the client is dropped.
    pub(crate) async fn connect(address: SocketAddr) -> Result<Self, String> {
        let stream = TcpStream::connect(address)
            .await
            .map_err(|e| describe(&e))?;
        stream.set_nodelay(true).map_err(|e| describe(&e))?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| describe(&e))?;
        // A broken connection surfaces as the next request's error.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Self {
            sender,
            host: address.to_string(),
        })
    }

    /// POSTs a GraphQL request body with `token` as bearer and reads the reply to its end.
    pub(super) async fn post(&mut self, token: &str, body: String) -> Result<Reply, String> {
        self.post_as(Some(token), body).await
    }

    /// POSTs a GraphQL request body, with a bearer token when one is given (peers need none).
    pub(crate) async fn post_as(
        &mut self,
        token: Option<&str>,
        body: impl Into<Bytes>,
    ) -> Result<Reply, String> {
        self.sender.ready().await.map_err(|e| describe(&e))?;
        let mut request = Request::post("/graphql")
            .header(header::HOST, &self.host)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = request
            .body(Full::new(body.into()))
            .map_err(|e| describe(&e))?;
        let response = self
            .sender
            .send_request(request)
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
pub(crate) fn failure(reply: &Reply) -> Option<String> {
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
