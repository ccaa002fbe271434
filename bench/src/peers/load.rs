//! The load generator: `connections` keep-alive HTTP/1.1 clients, each sending the same request
//! one at a time for a fixed time, with the CPU of the server process and of PostgreSQL and the
//! load average read around the measured window.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use hyper::body::Bytes;

use super::processes::{self, Server};
use crate::harness::client::{GraphqlClient, failure};

/// What one timed run measured.
#[derive(Clone, Debug, Default)]
pub struct Run {
    /// Requests answered with data and no errors.
    pub requests: u64,
    /// Requests that failed (HTTP status, `errors`, or a broken connection).
    pub errors: u64,
    /// The first failure, for the report.
    pub first_error: Option<String>,
    /// Measured wall-clock seconds.
    pub seconds: f64,
    /// Latency of every request, sorted, in microseconds.
    pub latencies_us: Vec<u64>,
    /// CPU time of the server process during the run.
    pub server_cpu: Duration,
    /// CPU time of the PostgreSQL backends of the bench database during the run.
    pub database_cpu: Duration,
    /// CPU time of every PostgreSQL process (other users of the cluster included).
    pub postgres_cpu: Duration,
    /// The 1-minute load average before and after the run.
    pub load: (f64, f64),
}

impl Run {
    /// Successful requests per second.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }

    /// The latency below which `p` percent of requests finished, in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * self.latencies_us.len() as f64).ceil() as usize;
        self.latencies_us[rank.clamp(1, self.latencies_us.len()) - 1] as f64 / 1000.0
    }

    /// A CPU time divided by the requests served, in milliseconds.
    pub fn per_request_ms(&self, cpu: Duration) -> f64 {
        cpu.as_secs_f64() * 1000.0 / self.requests.max(1) as f64
    }
}

/// One client's tally.
#[derive(Default)]
struct Tally {
    requests: u64,
    errors: u64,
    first_error: Option<String>,
    latencies_us: Vec<u64>,
}

/// Sends `body` on `connections` connections until `stop` is set; a broken connection is
/// counted as an error and replaced.
async fn client(
    server: std::net::SocketAddr,
    token: Option<Arc<str>>,
    body: Bytes,
    stop: Arc<AtomicBool>,
) -> Tally {
    let mut tally = Tally::default();
    let mut connection: Option<GraphqlClient> = None;
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let outcome = match connection.as_mut() {
            Some(c) => c.post_as(token.as_deref(), body.clone()).await,
            None => match GraphqlClient::connect(server).await {
                Ok(c) => {
                    connection = Some(c);
                    continue;
                }
                Err(e) => Err(e),
            },
        };
        let why = match outcome {
            Ok(reply) => failure(&reply),
            Err(e) => {
                connection = None;
                Some(e)
            }
        };
        match why {
            None => {
                tally.requests += 1;
                tally
                    .latencies_us
                    .push(started.elapsed().as_micros() as u64);
            }
            Some(why) => {
                tally.errors += 1;
                tally.first_error.get_or_insert(why);
                if connection.is_none() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
    tally
}

/// Drives `server` for `duration` on `connections` clients and measures.
pub async fn drive(
    server: &Server,
    token: Option<&str>,
    body: &str,
    connections: usize,
    duration: Duration,
    database: &str,
) -> Result<Run, String> {
    let stop = Arc::new(AtomicBool::new(false));
    let token: Option<Arc<str>> = token.map(Arc::from);
    let body = Bytes::from(body.to_owned());
    let load_before = processes::load_average();
    let postgres_before = processes::postgres_ticks(database);
    let cpu_before = server.cpu();
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections.max(1))
        .map(|_| {
            tokio::spawn(client(
                server.address,
                token.clone(),
                body.clone(),
                stop.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut run = Run::default();
    for task in tasks {
        let tally = task.await.map_err(|e| e.to_string())?;
        run.requests += tally.requests;
        run.errors += tally.errors;
        run.latencies_us.extend(tally.latencies_us);
        if run.first_error.is_none() {
            run.first_error = tally.first_error;
        }
    }
    run.seconds = started.elapsed().as_secs_f64();
    run.server_cpu = server.cpu().saturating_sub(cpu_before);
    (run.database_cpu, run.postgres_cpu) =
        processes::postgres_cpu(&postgres_before, &processes::postgres_ticks(database));
    run.load = (load_before, processes::load_average());
    run.latencies_us.sort_unstable();
    Ok(run)
}
