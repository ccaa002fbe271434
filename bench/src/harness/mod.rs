//! `liaison bench`: serves the API in-process on a loopback port over an already seeded database,
//! drives the portal workloads with concurrent keep-alive HTTP/1.1 clients, checks every response
//! for errors, and reports throughput, latency, SQL statements, CPU time and peak memory.
//!
//! The server and the clients run on separate Tokio runtimes with named threads, so the CPU time
//! of the client threads can be subtracted from the process's: "server CPU" is everything else
//! (server runtime, SQLite worker threads), the database server's own CPU (PostgreSQL) excluded.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use entity::{case, role_assignment};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};
use uuid::Uuid;

use liaison::{
    auth::{self, Authenticator},
    config::{DatabaseConfig, JwtAlgorithm, JwtConfig, Limits, Mode},
    db,
    domain::{
        case_access::{self, Action},
        case_explain,
        clock::Clock,
        principal::{Identity, Principal, Role},
        sequences,
    },
    graphql::ids::{self, Kind},
    http::{self, AppState},
};

use crate::synthetic::SplitMix64;

/// The workloads the harness knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// accounts(first: 20) -> relationships -> other account -> its relationships, as an admin.
    Nested,
    /// A partner_admin's viewer.cases(first: 20) with account, contact and partner.
    Portal,
    /// Case.accessExplanation for a random case and principal, as an admin.
    Explain,
    /// case_access::check alone, in process (no HTTP).
    Check,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Nested => "nested",
            Workload::Portal => "portal cases",
            Workload::Explain => "explain",
            Workload::Check => "check (in process)",
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

/// The figures of one workload.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    /// Requests completed.
    pub requests: u64,
    /// Requests whose reply was not a 200 with data and no `errors`.
    pub errors: u64,
    /// Measured wall-clock seconds.
    pub seconds: f64,
    /// Latency of each request in microseconds (sorted once measured).
    pub latencies_us: Vec<u64>,
    /// Sum of the `x-sql-statements` headers.
    pub statements: u64,
    /// Process CPU time minus the client threads' CPU time.
    pub server_cpu: Duration,
    /// CPU time of the whole process.
    pub process_cpu: Duration,
    /// VmHWM of the process after the workload, in KiB.
    pub peak_rss_kib: u64,
    /// The first failing reply, for the report.
    pub first_error: Option<String>,
}

impl Figures {
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * self.latencies_us.len() as f64).ceil() as usize;
        self.latencies_us[rank.clamp(1, self.latencies_us.len()) - 1] as f64
    }
}

const NESTED: &str = "query Nested($first: Int!) { accounts(first: $first) { nodes { name relationships { nodes { label otherAccount { name ... on Account { relationships { nodes { label } } } } } } } } }";
const PORTAL: &str = "query Portal($first: Int!) { viewer { cases(first: $first) { nodes { number account { name } contact { name } partner { name } } } } }";
const EXPLAIN: &str = "query Explain($caseId: ID!, $principalId: ID) { node(id: $caseId) { ... on Case { accessExplanation(principalId: $principalId) { allowed grants { rule } } } } }";

/// CPU time (user + system) of the whole process and of the threads whose name starts with
/// `prefix`, from /proc (Linux only; zero elsewhere).
fn cpu_times(prefix: &str) -> (Duration, Duration) {
    fn ticks(stat: &str) -> u64 {
        // Fields after the command name (which may contain spaces) start after the last ')'.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let get = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        // utime and stime are fields 14 and 15 of the full line: 12 and 13 after the ')'.
        get(11) + get(12)
    }
    let hz = 100.0; // USER_HZ on Linux
    let to_duration = |t: u64| Duration::from_secs_f64(t as f64 / hz);
    let process = std::fs::read_to_string("/proc/self/stat")
        .map(|s| ticks(&s))
        .unwrap_or(0);
    let mut matching = 0;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            if comm.starts_with(prefix) {
                matching += std::fs::read_to_string(task.path().join("stat"))
                    .map(|s| ticks(&s))
                    .unwrap_or(0);
            }
        }
    }
    (to_duration(process), to_duration(matching))
}

/// Peak resident set size of the process (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A minimal keep-alive HTTP/1.1 client for POST /graphql (no new dependency, little overhead).
struct Client {
    stream: BufReader<TcpStream>,
}

struct Reply {
    status: u16,
    statements: Option<u64>,
    body: Vec<u8>,
}

impl Client {
    async fn connect(address: SocketAddr) -> std::io::Result<Self> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream: BufReader::new(stream),
        })
    }

    async fn post(&mut self, token: &str, body: &str) -> std::io::Result<Reply> {
        let request = format!(
            "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Authorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream.get_mut().write_all(request.as_bytes()).await?;
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        let mut line = String::new();
        if self.stream.read_line(&mut line).await? == 0 {
            return Err(bad("connection closed"));
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("bad status line"))?;
        let (mut length, mut chunked, mut statements) = (None, false, None);
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.parse::<usize>().ok(),
                    "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                    "x-sql-statements" => statements = value.parse().ok(),
                    _ => {}
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.stream.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim(), 16).map_err(|_| bad("bad chunk"))?;
                let start = body.len();
                body.resize(start + size, 0);
                self.stream.read_exact(&mut body[start..]).await?;
                line.clear();
                self.stream.read_line(&mut line).await?;
                if size == 0 {
                    break;
                }
            }
        } else {
            body.resize(length.ok_or_else(|| bad("no content-length"))?, 0);
            self.stream.read_exact(&mut body).await?;
        }
        Ok(Reply {
            status,
            statements,
            body,
        })
    }
}

/// Why a reply does not count as a success, if it does not.
fn failure(reply: &Reply) -> Option<String> {
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

/// What the request generator needs: tokens and ids drawn from the data.
struct Fixtures {
    page_size: u32,
    admin_token: String,
    portal_tokens: Vec<String>,
    cases: Vec<Uuid>,
    principals: Vec<Identity>,
}

fn jwt() -> JwtConfig {
    JwtConfig {
        algorithm: JwtAlgorithm::Hs256,
        secret: None,
        public_keys: None,
        issuer: None,
        audience: None,
        leeway_seconds: 30,
    }
}

fn token(subject: &str, role: Role) -> Result<String, String> {
    auth::mint(
        &jwt(),
        None,
        None,
        subject,
        &[role.as_str().to_owned()],
        24 * 3600,
    )
    .map_err(|e| e.to_string())
}

async fn fixtures(db: &DatabaseConnection, rng: &mut SplitMix64) -> Result<Fixtures, String> {
    let err = |e: sea_orm::DbErr| e.to_string();
    let admin = role_assignment::Entity::find()
        .filter(role_assignment::Column::Role.eq(Role::Admin.as_str()))
        .filter(role_assignment::Column::InternalUserId.is_not_null())
        .one(db)
        .await
        .map_err(err)?
        .and_then(|r| r.internal_user_id)
        .ok_or("no internal user holds the admin role: seed the database first")?;
    let admin_subject = entity::internal_user::Entity::find_by_id(admin)
        .one(db)
        .await
        .map_err(err)?
        .and_then(|u| u.subject)
        .ok_or("the admin has no subject")?;
    let partner_admins: Vec<Uuid> = role_assignment::Entity::find()
        .select_only()
        .column(role_assignment::Column::ContactId)
        .filter(role_assignment::Column::Role.eq(Role::PartnerAdmin.as_str()))
        .filter(role_assignment::Column::ContactId.is_not_null())
        .limit(200)
        .into_tuple::<Option<Uuid>>()
        .all(db)
        .await
        .map_err(err)?
        .into_iter()
        .flatten()
        .collect();
    let subjects: Vec<String> = entity::contact::Entity::find()
        .filter(entity::contact::Column::Id.is_in(partner_admins))
        .all(db)
        .await
        .map_err(err)?
        .into_iter()
        .filter_map(|c| c.subject)
        .collect();
    let portal_tokens = subjects
        .iter()
        .map(|s| token(s, Role::PartnerAdmin))
        .collect::<Result<Vec<_>, _>>()?;
    // Random cases by number: CS0000001 up to the `case` sequence.
    let top: i64 = sea_orm::ConnectionTrait::query_one(
        db,
        &sea_orm::sea_query::Query::select()
            .column("value")
            .from("sequences")
            .and_where(sea_orm::sea_query::ExprTrait::eq(
                sea_orm::sea_query::Expr::col("name"),
                "case",
            ))
            .to_owned(),
    )
    .await
    .map_err(err)?
    .map(|row| row.try_get::<i64>("", "value"))
    .transpose()
    .map_err(err)?
    .unwrap_or(0);
    let numbers: Vec<String> = (0..500)
        .map(|_| sequences::format("CS", 1 + rng.below(top.max(1) as usize) as i64))
        .collect();
    let sampled = case::Entity::find()
        .filter(case::Column::Number.is_in(numbers))
        .all(db)
        .await
        .map_err(err)?;
    if sampled.is_empty() {
        return Err("no cases found: seed the database first (liaison-bench seed)".into());
    }
    let mut principals = vec![Identity::InternalUser { id: admin }];
    let mut contacts: HashMap<Uuid, ()> = HashMap::new();
    for c in &sampled {
        for id in [c.contact_id, c.partner_contact_id].into_iter().flatten() {
            contacts.insert(id, ());
        }
        if let Some(id) = c.consumer_id {
            principals.push(Identity::Consumer { id });
        }
    }
    let found = entity::contact::Entity::find()
        .filter(entity::contact::Column::Id.is_in(contacts.keys().copied()))
        .all(db)
        .await
        .map_err(err)?;
    principals.extend(found.into_iter().map(|c| Identity::Contact {
        id: c.id,
        account_id: c.account_id,
    }));
    Ok(Fixtures {
        page_size: 20,
        admin_token: token(&admin_subject, Role::Admin)?,
        portal_tokens,
        cases: sampled.into_iter().map(|c| c.id).collect(),
        principals,
    })
}

fn principal_id(identity: &Identity) -> Option<async_graphql::ID> {
    match *identity {
        Identity::Contact { id, .. } => Some(ids::encode(Kind::Contact, id)),
        Identity::Consumer { id } => Some(ids::encode(Kind::Consumer, id)),
        Identity::InternalUser { id } => Some(ids::encode(Kind::InternalUser, id)),
        _ => None,
    }
}

/// One request of `workload`: (token, JSON body).
fn request(workload: Workload, fixtures: &Fixtures, rng: &mut SplitMix64) -> (String, String) {
    match workload {
        Workload::Nested => (
            fixtures.admin_token.clone(),
            serde_json::json!({ "query": NESTED, "variables": { "first": fixtures.page_size } })
                .to_string(),
        ),
        Workload::Portal => (
            rng.pick(&fixtures.portal_tokens).clone(),
            serde_json::json!({ "query": PORTAL, "variables": { "first": fixtures.page_size } })
                .to_string(),
        ),
        Workload::Explain | Workload::Check => {
            let case_id = ids::encode(Kind::Case, *rng.pick(&fixtures.cases));
            let principal = principal_id(rng.pick(&fixtures.principals));
            (
                fixtures.admin_token.clone(),
                serde_json::json!({ "query": EXPLAIN,
                    "variables": { "caseId": case_id, "principalId": principal } })
                .to_string(),
            )
        }
    }
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
            let mut client = Client::connect(address).await.map_err(|e| e.to_string())?;
            let mut figures = Figures::default();
            while !stop.load(Ordering::Relaxed) {
                let (token, body) = request(workload, &fixtures, &mut rng);
                let started = Instant::now();
                let reply = client
                    .post(&token, &body)
                    .await
                    .map_err(|e| e.to_string())?;
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

fn report_http(workload: Workload, figures: &Figures, connections: usize) {
    let n = figures.requests.max(1) as f64;
    println!(
        "{:<14} conns={:<3} requests={:<7} req/s={:<8.1} p50={:.2}ms p95={:.2}ms p99={:.2}ms sql/req={:.2} server_cpu/req={:.3}ms process_cpu/req={:.3}ms peak_rss={:.1}MiB errors={}",
        workload.name(),
        connections,
        figures.requests,
        figures.requests as f64 / figures.seconds,
        figures.percentile(50.0) / 1000.0,
        figures.percentile(95.0) / 1000.0,
        figures.percentile(99.0) / 1000.0,
        figures.statements as f64 / n,
        figures.server_cpu.as_secs_f64() * 1000.0 / n,
        figures.process_cpu.as_secs_f64() * 1000.0 / n,
        figures.peak_rss_kib as f64 / 1024.0,
        figures.errors,
    );
    if let Some(why) = &figures.first_error {
        let short: String = why.chars().take(400).collect();
        println!("  first error: {short}");
    }
}

/// The check workload: `samples` random (principal, case) pairs, each `check` timed alone.
async fn check(
    db: &DatabaseConnection,
    fixtures: &Fixtures,
    samples: usize,
    seed: u64,
) -> Result<(), String> {
    let mut principals: Vec<Principal> = Vec::new();
    for identity in &fixtures.principals {
        principals.push(
            case_explain::stored_principal(db, *identity)
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    let today = Clock::default().today();
    let mut rng = SplitMix64::new(seed);
    // Warm up the pool and statement caches.
    for _ in 0..samples.min(500) {
        let p = rng.pick(&principals);
        let c = *rng.pick(&fixtures.cases);
        case_access::check(db, p, Action::Read, c, today)
            .await
            .map_err(|e| e.to_string())?;
    }
    let mut times = Vec::with_capacity(samples);
    let mut allowed = 0;
    for _ in 0..samples {
        let p = rng.pick(&principals);
        let c = *rng.pick(&fixtures.cases);
        let started = Instant::now();
        let ok = case_access::check(db, p, Action::Read, c, today)
            .await
            .map_err(|e| e.to_string())?;
        times.push(started.elapsed().as_nanos() as u64);
        allowed += usize::from(ok);
    }
    times.sort_unstable();
    let at = |p: f64| {
        let rank = ((p / 100.0) * times.len() as f64).ceil() as usize;
        times[rank.clamp(1, times.len()) - 1] as f64 / 1000.0
    };
    let mean = times.iter().sum::<u64>() as f64 / times.len().max(1) as f64 / 1000.0;
    println!(
        "{:<14} samples={} principals={} allowed={} p50={:.1}us p99={:.1}us mean={:.1}us peak_rss={:.1}MiB",
        Workload::Check.name(),
        samples,
        principals.len(),
        allowed,
        at(50.0),
        at(99.0),
        mean,
        peak_rss_kib() as f64 / 1024.0
    );
    Ok(())
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
        ]
    } else {
        config.workloads.clone()
    };
    let database = config.database.clone();
    let (db, address, fixtures, stop) = server.block_on(async move {
        let db = db::connect(&database)
            .await
            .map_err(|e| format!("cannot open {}: {e}", database.url))?;
        db::migrate(&db)
            .await
            .map_err(|e| format!("migration failed: {e}"))?;
        let mut rng = SplitMix64::new(config.seed);
        let mut fixtures = fixtures(&db, &mut rng).await?;
        fixtures.page_size = config.page_size;
        let fixtures = Arc::new(fixtures);
        let authenticator =
            Authenticator::new(&jwt(), Mode::Development).map_err(|e| e.to_string())?;
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
        "liaison bench: {} on {}, {} server threads, {} cases and {} principals sampled, {} portal users",
        config.database.url,
        address,
        config.server_threads.unwrap_or(cores),
        fixtures.cases.len(),
        fixtures.principals.len(),
        fixtures.portal_tokens.len()
    );
    for workload in workloads {
        if workload == Workload::Check {
            let fixtures = fixtures.clone();
            let db = db.clone();
            server.block_on(async move {
                check(&db, &fixtures, config.check_samples, config.seed).await
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
