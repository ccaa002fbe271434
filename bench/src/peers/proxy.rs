//! A counting TCP proxy between a server and PostgreSQL: it relays both directions unchanged and
//! counts the frontend's Execute ('E', extended protocol) and Query ('Q', simple protocol)
//! messages, so statements per request are counted exactly whatever driver the server uses.
//! It answers SSL and GSSAPI encryption requests itself with 'N', so the session stays readable.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// Protocol codes of the untyped requests that may precede the startup message.
const SSL_REQUEST: u32 = 80_877_103;
const GSSENC_REQUEST: u32 = 80_877_104;
/// Largest frontend message the proxy accepts (PostgreSQL's own limit for most messages is 1 GB).
const MAX_MESSAGE: usize = 1 << 30;

/// Frontend messages counted so far, over every connection through one proxy.
#[derive(Debug, Default)]
pub struct Counters {
    executes: AtomicU64,
    queries: AtomicU64,
}

/// A reading of the counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Execute messages: one per run of a prepared (or unnamed) statement.
    pub executes: u64,
    /// Simple Query messages (each may hold several statements; drivers send one).
    pub queries: u64,
}

impl Counts {
    /// Statements sent, whichever protocol carried them.
    pub fn statements(self) -> u64 {
        self.executes + self.queries
    }

    /// The messages counted since `earlier`.
    pub fn since(self, earlier: Counts) -> Counts {
        Counts {
            executes: self.executes - earlier.executes,
            queries: self.queries - earlier.queries,
        }
    }
}

impl Counters {
    /// The current totals.
    pub fn read(&self) -> Counts {
        Counts {
            executes: self.executes.load(Ordering::Relaxed),
            queries: self.queries.load(Ordering::Relaxed),
        }
    }

    fn count(&self, tag: u8) {
        match tag {
            b'E' => self.executes.fetch_add(1, Ordering::Relaxed),
            b'Q' => self.queries.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
    }
}

/// A running proxy; dropping it stops accepting (open sessions end with their server).
pub struct Proxy {
    /// Where servers connect instead of PostgreSQL.
    pub address: SocketAddr,
    /// What went through it.
    pub counters: Arc<Counters>,
    accept: JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Starts a proxy on a free loopback port in front of `upstream`.
pub async fn start(upstream: SocketAddr) -> Result<Proxy, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("proxy: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let counters = Arc::new(Counters::default());
    let shared = counters.clone();
    let accept = tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counters = shared.clone();
            tokio::spawn(async move {
                if let Ok(server) = TcpStream::connect(upstream).await {
                    let _ = session(client, server, &counters).await;
                }
            });
        }
    });
    Ok(Proxy {
        address,
        counters,
        accept,
    })
}

/// Relays one session: the backend's bytes are copied as they come, the frontend's are parsed.
async fn session(client: TcpStream, server: TcpStream, counters: &Counters) -> std::io::Result<()> {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    startup(&mut client_read, &mut client_write, &mut server_write).await?;
    let backend = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    });
    let relayed = relay_frontend(&mut client_read, &mut server_write, counters).await;
    let _ = server_write.shutdown().await;
    let _ = backend.await;
    relayed
}

/// Handles the untyped messages before the typed stream: declines encryption requests and
/// forwards the startup (or cancel) message.
pub async fn startup<R, C, S>(client: &mut R, reply: &mut C, server: &mut S) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    C: AsyncWrite + Unpin,
    S: AsyncWrite + Unpin,
{
    loop {
        let length = client.read_u32().await? as usize;
        if !(8..=MAX_MESSAGE).contains(&length) {
            return Err(invalid("bad startup message length"));
        }
        let mut body = vec![0; length - 4];
        client.read_exact(&mut body).await?;
        let code = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
        if code == SSL_REQUEST || code == GSSENC_REQUEST {
            reply.write_all(b"N").await?;
            reply.flush().await?;
            continue;
        }
        server.write_all(&(length as u32).to_be_bytes()).await?;
        server.write_all(&body).await?;
        return server.flush().await;
    }
}

/// Forwards typed frontend messages (tag, length, body) until the client closes, counting them.
pub async fn relay_frontend<R, S>(
    client: &mut R,
    server: &mut S,
    counters: &Counters,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    S: AsyncWrite + Unpin,
{
    let mut header = [0u8; 5];
    let mut body = Vec::new();
    loop {
        match client.read_exact(&mut header).await {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        if !(4..=MAX_MESSAGE).contains(&length) {
            return Err(invalid("bad message length"));
        }
        body.resize(length - 4, 0);
        client.read_exact(&mut body).await?;
        counters.count(header[0]);
        server.write_all(&header).await?;
        server.write_all(&body).await?;
    }
}

fn invalid(why: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut bytes = vec![tag];
        bytes.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    fn untyped(code: u32, rest: &[u8]) -> Vec<u8> {
        let mut bytes = (rest.len() as u32 + 8).to_be_bytes().to_vec();
        bytes.extend_from_slice(&code.to_be_bytes());
        bytes.extend_from_slice(rest);
        bytes
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(future)
    }

    #[test]
    fn counts_executes_and_simple_queries_and_relays_every_byte() {
        let mut stream = Vec::new();
        for (tag, body) in [
            (b'P', &b"\0SELECT 1\0\0\0"[..]),
            (b'B', &b"\0\0\0\0\0\0\0\0"[..]),
            (b'D', &b"P\0"[..]),
            (b'E', &b"\0\0\0\0\0"[..]),
            (b'S', &b""[..]),
            (b'B', &b"\0\0\0\0\0\0\0\0"[..]),
            (b'E', &b"\0\0\0\0\0"[..]),
            (b'S', &b""[..]),
            (b'Q', &b"BEGIN\0"[..]),
            (b'X', &b""[..]),
        ] {
            stream.extend(message(tag, body));
        }
        let counters = Counters::default();
        let mut relayed = Vec::new();
        block_on(relay_frontend(&mut &stream[..], &mut relayed, &counters)).expect("relay");
        assert_eq!(
            counters.read(),
            Counts {
                executes: 2,
                queries: 1
            }
        );
        assert_eq!(counters.read().statements(), 3);
        assert_eq!(relayed, stream);
    }

    #[test]
    fn declines_encryption_and_forwards_the_startup_message_only() {
        let startup_message = untyped(196_608, b"user\0postgres\0\0");
        let mut client = untyped(SSL_REQUEST, b"");
        client.extend(untyped(GSSENC_REQUEST, b""));
        client.extend(&startup_message);
        client.extend(message(b'Q', b"SELECT 1\0"));
        let (mut reply, mut server) = (Vec::new(), Vec::new());
        let mut reader = &client[..];
        block_on(startup(&mut reader, &mut reply, &mut server)).expect("startup");
        assert_eq!(reply, b"NN");
        assert_eq!(server, startup_message);
        let counters = Counters::default();
        block_on(relay_frontend(&mut reader, &mut server, &counters)).expect("relay");
        assert_eq!(counters.read().queries, 1);
    }

    #[test]
    fn a_count_since_an_earlier_reading_is_the_difference() {
        let earlier = Counts {
            executes: 10,
            queries: 2,
        };
        let later = Counts {
            executes: 17,
            queries: 2,
        };
        assert_eq!(later.since(earlier).statements(), 7);
    }
}
