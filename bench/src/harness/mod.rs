//! `liaison-bench run`: serves the API in-process on a loopback port over an already seeded database,
//! drives the portal workloads with concurrent keep-alive HTTP/1.1 clients, checks every response
//! for errors, and reports throughput, latency, SQL statements, CPU time and peak memory.
//!
//! The server and the clients run on separate Tokio runtimes with named threads, so the CPU time
//! of the client threads can be subtracted from the process's: "server CPU" is everything else
//! (server runtime, SQLite worker threads), the database server's own CPU (PostgreSQL) excluded.

mod check;
pub(crate) mod client;
pub(crate) mod fixtures;
pub(crate) mod measure;

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use liaison::{
    auth::Authenticator,
    config::{DatabaseConfig, Limits, Mode},
    db,
    domain::clock::Clock,
    http::{self, AppState},
};

use client::{GraphqlClient, failure};
use fixtures::{Fixtures, request};
use measure::{Figures, cpu_times, peak_rss_kib, report_http};

use crate::prng::SplitMix64;

/// The workloads the harness knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// accounts(first: 20) -> relationships -> other account -> its relationships, as an admin.
    Nested,
    /// A partner_admin's viewer.cases(first: 20) with account, contact and partner.
    Portal,
    /// Case.accessExplanation for a random case and principal, as an admin.
    Explain,
    /// access::check alone, in process (no HTTP).
    Check,
    /// access::check as of an instant (the history tables), in process.
    CheckAt,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Nested => "nested",
            Workload::Portal => "portal cases",
            Workload::Explain => "explain",
            Workload::Check => "check (in process)",
            Workload::CheckAt => "check-at (in process)",
        }
    }
}

/// How to run the benchmark.
#[derive(Clone, Debug, clap::Args)]
pub struct BenchConfig {
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Measured seconds per HTTP workload.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Warm-up seconds per HTTP workload, not measured.
    #[arg(long, default_value_t = 2)]
    pub warmup_seconds: u64,
    /// Concurrent HTTP connections (each a keep-alive client sending one request at a time).
    #[arg(long, default_value_t = 10)]
    pub connections: usize,
    /// Worker threads of the server's runtime (default: one per core).
    #[arg(long)]
    pub server_threads: Option<usize>,
    /// Workloads to run, in order (default: all).
    #[arg(long = "workload", value_enum)]
    pub workloads: Vec<Workload>,
    /// Random (principal, case) pairs timed by the check workload.
    #[arg(long, default_value_t = 10_000)]
    pub check_samples: usize,
    /// Seed for choosing cases, principals and portal users.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// `first:` of the nested accounts page and of the portal cases page.
    #[arg(long, default_value_t = 20)]
    pub page_size: u32,
}

const CLIENT_THREADS: &str = "bench-client";

/// Drives one HTTP workload for `seconds` on `connections` clients.
async fn drive(
    address: SocketAddr,
    workload: Workload,
    fixtures: Arc<Fixtures>,
    connections: usize,
    duration: Duration,
    seed: u64,
) -> Result<Figures, String> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for k in 0..connections {
        let fixtures = fixtures.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = SplitMix64::new(seed ^ (k as u64 + 1).wrapping_mul(0x9E37_79B9));
            let mut client = GraphqlClient::connect(address).await?;
            let mut figures = Figures::default();
            while !stop.load(Ordering::Relaxed) {
                let (token, body) = request(workload, &fixtures, &mut rng);
                let started = Instant::now();
                let reply = client.post(&token, body).await?;
                figures
                    .latencies_us
                    .push(started.elapsed().as_micros() as u64);
                figures.requests += 1;
                figures.statements += reply.statements.unwrap_or(0);
                if let Some(why) = failure(&reply) {
                    figures.errors += 1;
                    figures.first_error.get_or_insert(why);
                }
            }
            Ok::<Figures, String>(figures)
        }));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut total = Figures::default();
    for task in tasks {
        let figures = task.await.map_err(|e| e.to_string())??;
        total.requests += figures.requests;
        total.errors += figures.errors;
        total.statements += figures.statements;
        total.latencies_us.extend(figures.latencies_us);
        if total.first_error.is_none() {
            total.first_error = figures.first_error;
        }
    }
    Ok(total)
}

/// Runs the benchmark; call from a thread that is not inside a Tokio runtime.
pub fn run(config: BenchConfig) -> Result<(), String> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.server_threads.unwrap_or(cores).max(1))
        .thread_name("liaison-server")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let clients = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(CLIENT_THREADS)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let workloads = if config.workloads.is_empty() {
        vec![
            Workload::Nested,
            Workload::Portal,
            Workload::Explain,
            Workload::Check,
            Workload::CheckAt,
        ]
    } else {
        config.workloads.clone()
    };
    let database = config.database.clone();
    let (db, address, fixtures, stop) = server.block_on(async move {
        let db = db::open(&database).await?;
        let mut rng = SplitMix64::new(config.seed);
        let mut fixtures = fixtures::load(&db, &mut rng).await?;
        fixtures.page_size = config.page_size;
        let fixtures = Arc::new(fixtures);
        let authenticator =
            Authenticator::new(&fixtures::jwt(), Mode::Development).map_err(|e| e.to_string())?;
        let state = AppState::new(
            db.clone(),
            authenticator,
            Limits::default(),
            Clock::default(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(http::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Ok::<_, String>((db, address, fixtures, stop))
    })?;
    println!(
        "liaison-bench run: {} on {}, {} server threads, {} cases and {} principals sampled, {} portal users",
        config.database.url,
        address,
        config.server_threads.unwrap_or(cores),
        fixtures.cases.len(),
        fixtures.principals.len(),
        fixtures.portal_tokens.len()
    );
    for workload in workloads {
        if matches!(workload, Workload::Check | Workload::CheckAt) {
            let fixtures = fixtures.clone();
            let db = db.clone();
            let at = workload == Workload::CheckAt;
            server.block_on(async move {
                check::run(&db, &fixtures, config.check_samples, config.seed, at).await
            })?;
            continue;
        }
        if workload == Workload::Portal && fixtures.portal_tokens.is_empty() {
            println!("{:<14} skipped: no partner_admin contacts", workload.name());
            continue;
        }
        let warmup = Duration::from_secs(config.warmup_seconds);
        if !warmup.is_zero() {
            clients.block_on(drive(
                address,
                workload,
                fixtures.clone(),
                config.connections,
                warmup,
                config.seed,
            ))?;
        }
        let (process_before, clients_before) = cpu_times(CLIENT_THREADS);
        let started = Instant::now();
        let mut figures = clients.block_on(drive(
            address,
            workload,
            fixtures.clone(),
            config.connections,
            Duration::from_secs(config.seconds.max(1)),
            config.seed.wrapping_add(1),
        ))?;
        figures.seconds = started.elapsed().as_secs_f64();
        let (process_after, clients_after) = cpu_times(CLIENT_THREADS);
        figures.process_cpu = process_after.saturating_sub(process_before);
        figures.server_cpu = figures
            .process_cpu
            .saturating_sub(clients_after.saturating_sub(clients_before));
        figures.peak_rss_kib = peak_rss_kib();
        figures.latencies_us.sort_unstable();
        report_http(workload, &figures, config.connections);
    }
    let _ = stop.send(());
    clients.shutdown_background();
    server.shutdown_background();
    Ok(())
}
