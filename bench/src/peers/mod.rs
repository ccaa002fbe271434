//! `liaison-bench peers`: Liaison side by side with PostGraphile v5 over the same PostgreSQL
//! tables. Seeds a dedicated database, installs PostGraphile from the project's lock file, starts
//! both servers as child processes, checks they answer the nested query with the same objects,
//! counts statements per request through a proxy, then times them alternately and prints
//! markdown tables.

mod answers;
mod database;
mod load;
mod processes;
mod proxy;
mod report;

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use liaison::{access::principal::Role, auth, config::JwtConfig};
use sea_orm::Database;

use answers::Normalised;
use database::PgUrl;
use processes::Server;
use report::{Row, Statements};

use crate::{
    harness::{client::GraphqlClient, fixtures},
    prng::SplitMix64,
};

const LIAISON: &str = "Liaison";
const POSTGRAPHILE: &str = "PostGraphile";
const PROBE: &str = r#"{"query":"{ __typename }"}"#;
const STARTUP_LIMIT: Duration = Duration::from_secs(90);

/// How to run the side-by-side benchmark.
#[derive(Clone, Debug, clap::Args)]
pub struct PeersConfig {
    /// Any database URL of the PostgreSQL server; the bench database is created beside it.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub postgres: String,
    /// The bench database, dropped and recreated (unless --reuse-database).
    #[arg(long, default_value = "liaison_peers")]
    pub database: String,
    /// Keep the bench database as an earlier run left it (no drop, seed or ANALYZE).
    #[arg(long)]
    pub reuse_database: bool,
    /// Synthetic accounts to seed.
    #[arg(long, default_value_t = 10_000)]
    pub accounts: u64,
    /// Seed of the synthetic generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Timed rounds; each runs every concurrency level on Liaison, then on PostGraphile.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Measured seconds per run.
    #[arg(long, default_value_t = 15)]
    pub seconds: u64,
    /// Unmeasured seconds before each run.
    #[arg(long, default_value_t = 2)]
    pub warmup_seconds: u64,
    /// Concurrency levels (keep-alive connections), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,10")]
    pub concurrency: Vec<usize>,
    /// Sequential requests of the statement-counting phase.
    #[arg(long, default_value_t = 10)]
    pub count_requests: u64,
    /// A Liaison binary to use instead of building `target/release/liaison`.
    #[arg(long)]
    pub liaison_bin: Option<PathBuf>,
    /// The folder with PostGraphile's package.json and package-lock.json.
    #[arg(long)]
    pub postgraphile_dir: Option<PathBuf>,
}

/// The workspace root (the bench crate's parent).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// How to start each server, and the token Liaison needs.
struct Launch {
    liaison_bin: PathBuf,
    node: PathBuf,
    cli: PathBuf,
    postgraphile_dir: PathBuf,
    secret: String,
    token: String,
    logs: PathBuf,
}

impl Launch {
    fn liaison(&self, database: &PgUrl, log: &str) -> Result<Server, String> {
        let address = processes::free_address()?;
        let mut command = Command::new(&self.liaison_bin);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("LIAISON_") {
                command.env_remove(key);
            }
        }
        command
            .args(["serve", "--no-migrate", "--listen", &address.to_string()])
            .args(["--database-url", &database.to_string()])
            .env("LIAISON_MODE", "production")
            .env("LIAISON_JWT_SECRET", &self.secret)
            .env("LIAISON_LOG", "warn")
            .env("LIAISON_STATEMENT_HEADER", "true");
        Server::spawn(LIAISON, command, address, self.logs.join(log))
    }

    fn postgraphile(&self, database: &PgUrl, log: &str) -> Result<Server, String> {
        let address = processes::free_address()?;
        let mut command = Command::new(&self.node);
        command
            .arg(&self.cli)
            .args(["-P", "postgraphile/presets/amber", "-s", "public"])
            .args(["-c", &database.to_string()])
            .args(["-n", &address.ip().to_string()])
            .args(["-p", &address.port().to_string()])
            .env("GRAPHILE_ENV", "production")
            .current_dir(&self.postgraphile_dir);
        Server::spawn(POSTGRAPHILE, command, address, self.logs.join(log))
    }
}

/// The admin's token, minted as the harness does but with the bench's own secret.
async fn admin_token(database: &PgUrl, secret: &str) -> Result<String, String> {
    let conn = Database::connect(database.to_string())
        .await
        .map_err(|e| format!("cannot connect to {database}: {e}"))?;
    let (_, subject) = fixtures::admin(&conn).await?;
    conn.close().await.map_err(|e| e.to_string())?;
    mint(secret, &subject, Role::Admin)
}

/// A day-long token for `subject` with `role`, signed with the run's secret.
fn mint(secret: &str, subject: &str, role: Role) -> Result<String, String> {
    let jwt = JwtConfig {
        secret: Some(secret.to_owned()),
        ..fixtures::jwt()
    };
    auth::mint(
        &jwt,
        None,
        None,
        subject,
        &[role.as_str().to_owned()],
        24 * 3600,
    )
    .map_err(|e| e.to_string())
}

/// Sends one request and returns the body, failing on a transport error.
async fn ask(server: &Server, token: Option<&str>, body: &str) -> Result<Normalised, String> {
    let mut client = GraphqlClient::connect(server.address).await?;
    let reply = client.post_as(token, body.to_owned()).await?;
    Normalised::of_response(&reply.body).map_err(|e| format!("{}: {e}", server.name))
}

/// One query of the counting phase: (label, bearer token, request body).
type Counted<'a> = (String, Option<&'a str>, String);

/// Counts the statements per request of each query on a server started behind a counting proxy.
async fn count_statements(
    start: impl FnOnce(&PgUrl) -> Result<Server, String>,
    database: &PgUrl,
    queries: &[Counted<'_>],
    requests: u64,
) -> Result<Vec<Statements>, String> {
    let proxy = proxy::start(database.address()?).await?;
    let server = start(&database.via(proxy.address))?;
    server
        .wait_ready(queries[0].1, PROBE, STARTUP_LIMIT)
        .await?;
    let mut client = GraphqlClient::connect(server.address).await?;
    let mut counted = Vec::new();
    for (label, token, body) in queries {
        for _ in 0..2 {
            client.post_as(*token, body.clone()).await?;
        }
        let before = proxy.counters.read();
        let mut header = Some(0);
        for _ in 0..requests {
            let reply = client.post_as(*token, body.clone()).await?;
            if let Some(why) = crate::harness::client::failure(&reply) {
                return Err(format!("{label}: {why}"));
            }
            header = header.zip(reply.statements).map(|(a, b)| a + b);
        }
        let seen = proxy.counters.read().since(before);
        let n = requests.max(1) as f64;
        counted.push(Statements {
            label: label.clone(),
            proxy: seen.statements() as f64 / n,
            executes: seen.executes as f64 / n,
            queries: seen.queries as f64 / n,
            header: header.map(|h| h as f64 / n),
        });
    }
    Ok(counted)
}

/// A partner admin's token and the portal request, when the data has a partner admin.
async fn portal_request(
    database: &PgUrl,
    secret: &str,
) -> Result<Option<(String, String)>, String> {
    let conn = Database::connect(database.to_string())
        .await
        .map_err(|e| format!("cannot connect to {database}: {e}"))?;
    let subject = fixtures::partner_admin(&conn).await?;
    conn.close().await.map_err(|e| e.to_string())?;
    let Some(subject) = subject else {
        return Ok(None);
    };
    let token = mint(secret, &subject, Role::PartnerAdmin)?;
    let body = serde_json::json!({ "query": fixtures::PORTAL, "variables": { "first": 20 } });
    Ok(Some((token, body.to_string())))
}

/// A secret for this run only (HS256 needs at least 32 bytes).
fn fresh_secret() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut rng = SplitMix64::new(nanos ^ u64::from(std::process::id()));
    format!(
        "liaison-peers-{:016x}{:016x}",
        rng.next_u64(),
        rng.next_u64()
    )
}

async fn side_by_side(config: PeersConfig) -> Result<(), String> {
    processes::stop_on_ctrl_c();
    if config.rounds == 0 || config.concurrency.is_empty() {
        return Err("need at least one round and one concurrency level".into());
    }
    let root = workspace();
    let postgraphile_dir = config
        .postgraphile_dir
        .clone()
        .unwrap_or_else(|| root.join("tools/peers/postgraphile"));
    let (node, cli) = processes::postgraphile_install(&postgraphile_dir)?;
    let liaison_bin = match &config.liaison_bin {
        Some(path) => path.clone(),
        None => processes::build_liaison(&root)?,
    };
    let server = PgUrl::parse(&config.postgres)?;
    let database = if config.reuse_database {
        server.with_database(&config.database)
    } else {
        database::prepare(&server, &config.database, config.accounts, config.seed).await?
    };
    let logs = std::env::temp_dir().join(format!("liaison-peers-{}", std::process::id()));
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let secret = fresh_secret();
    let token = admin_token(&database, &secret).await?;
    let launch = Launch {
        liaison_bin,
        node,
        cli,
        postgraphile_dir,
        secret,
        token,
        logs: logs.clone(),
    };
    let liaison_body = answers::body(answers::LIAISON_QUERY);
    let peer_body = answers::body(answers::POSTGRAPHILE_QUERY);
    let token = Some(launch.token.as_str());

    println!(
        "counting statements ({} requests each) ...",
        config.count_requests
    );
    let portal = portal_request(&database, &launch.secret).await?;
    let mut ours_counted = vec![(format!("{LIAISON}, nested"), token, liaison_body.clone())];
    if let Some((portal_token, portal_body)) = &portal {
        ours_counted.push((
            format!("{LIAISON}, portal cases (partner admin)"),
            Some(portal_token.as_str()),
            portal_body.clone(),
        ));
    }
    let mut counted = count_statements(
        |db| launch.liaison(db, "liaison-counting.log"),
        &database,
        &ours_counted,
        config.count_requests,
    )
    .await?;
    counted.extend(
        count_statements(
            |db| launch.postgraphile(db, "postgraphile-counting.log"),
            &database,
            &[(format!("{POSTGRAPHILE}, nested"), None, peer_body.clone())],
            config.count_requests,
        )
        .await?,
    );

    let liaison = launch.liaison(&database, "liaison.log")?;
    let peer = launch.postgraphile(&database, "postgraphile.log")?;
    liaison.wait_ready(token, PROBE, STARTUP_LIMIT).await?;
    peer.wait_ready(None, PROBE, STARTUP_LIMIT).await?;
    println!(
        "servers up: {LIAISON} pid {} on {}, {POSTGRAPHILE} pid {} on {} (logs in {})",
        liaison.pid,
        liaison.address,
        peer.pid,
        peer.address,
        logs.display()
    );
    let ours = ask(&liaison, token, &liaison_body).await?;
    let theirs = ask(&peer, None, &peer_body).await?;
    answers::compare(&ours, &theirs).map_err(|e| format!("the answers differ: {e}"))?;
    println!(
        "answers match: {} objects, {} values each",
        ours.objects,
        ours.tokens.len()
    );

    let mut rows = Vec::new();
    let warmup = Duration::from_secs(config.warmup_seconds);
    let measured = Duration::from_secs(config.seconds.max(1));
    for round in 1..=config.rounds {
        for &connections in &config.concurrency {
            for (server, token, body) in [
                (&liaison, token, liaison_body.as_str()),
                (&peer, None, peer_body.as_str()),
            ] {
                if !warmup.is_zero() {
                    load::drive(server, token, body, connections, warmup, &config.database).await?;
                }
                let run = load::drive(server, token, body, connections, measured, &config.database)
                    .await?;
                println!(
                    "round {round} c={connections} {:<12} {:>7.1} req/s p50 {:.2} ms p99 {:.2} ms server CPU/req {:.2} ms errors {}",
                    server.name,
                    run.rate(),
                    run.percentile_ms(50.0),
                    run.percentile_ms(99.0),
                    run.per_request_ms(run.server_cpu),
                    run.errors
                );
                if let Some(why) = &run.first_error {
                    println!(
                        "  first error: {}",
                        why.chars().take(300).collect::<String>()
                    );
                }
                rows.push(Row {
                    round,
                    connections,
                    server: server.name,
                    run,
                });
            }
        }
    }
    drop(liaison);
    drop(peer);

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "\n## Side by side: {LIAISON} and {POSTGRAPHILE} 5.1.5 (liaison-bench peers)\n\n\
         {cores} cores; database {} ({} synthetic accounts, seed {}); {} s runs after {} s warm-up, \
         servers alternating; both answers: {} objects, identical once field names are set aside.\n",
        config.database,
        config.accounts,
        config.seed,
        config.seconds,
        config.warmup_seconds,
        ours.objects
    );
    println!("{}", report::statements(&counted, config.count_requests));
    println!("{}", report::runs(&rows, LIAISON, POSTGRAPHILE));
    let _ = std::fs::remove_dir_all(&logs);
    Ok(())
}

/// Runs the side-by-side benchmark; call from a thread that is not inside a Tokio runtime.
pub fn run(config: PeersConfig) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("liaison-peers")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let result = runtime.block_on(side_by_side(config));
    processes::stop_all();
    runtime.shutdown_background();
    result
}
