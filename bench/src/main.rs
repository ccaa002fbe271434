//! `liaison-bench`: benchmark tooling kept out of the product. `seed` writes the deterministic
//! synthetic data set; `run` serves the API in process and drives the portal workloads against it;
//! `peers` runs Liaison and PostGraphile side by side over one seeded PostgreSQL database.

mod events;
mod harness;
mod peers;
mod prng;
mod synthetic;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use liaison::{config::DatabaseConfig, db};

#[derive(Parser)]
#[command(
    name = "liaison-bench",
    version,
    about = "Synthetic data and load benchmarks for Liaison"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a deterministic synthetic data set for benchmarks into an empty database.
    Seed {
        /// Number of accounts; contacts, consumers, relationships and cases scale with it.
        #[arg(long)]
        accounts: u64,
        /// PRNG seed: the same seed and size always give the same rows.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Benchmark the portal workloads over HTTP (in-process server) against a seeded database.
    Run(Box<harness::BenchConfig>),
    /// Seed a PostgreSQL database, start Liaison and PostGraphile v5 over it, check both answer
    /// the nested query alike, then time them alternately and print markdown tables.
    Peers(Box<peers::PeersConfig>),
    /// Measure event delivery latency: mutation commit to WebSocket subscriber receipt.
    Events(events::EventsConfig),
}

async fn seed_synthetic(database: &DatabaseConfig, accounts: u64, seed: u64) -> Result<(), String> {
    let conn = db::open(database).await?;
    let started = std::time::Instant::now();
    let options = synthetic::Options { accounts, seed };
    let counts = synthetic::generate(&conn, options, |p| {
        let seconds = p.elapsed.as_secs_f64();
        println!(
            "[{:>5.1}%] {}/{} accounts, {} rows, {:.1} s, {:.0} rows/s",
            100.0 * p.accounts_done as f64 / p.accounts_total as f64,
            p.accounts_done,
            p.accounts_total,
            p.counts.total(),
            seconds,
            p.counts.total() as f64 / seconds.max(1e-9)
        );
    })
    .await
    .map_err(|e| format!("synthetic seed failed: {e}"))?;
    println!(
        "seeded {} accounts, {} contacts, {} consumers, {} households, {} relationships \
         ({} account, {} contact, {} consumer, {} team members), {} cases; {} rows in {:.1} s",
        counts.accounts,
        counts.contacts,
        counts.consumers,
        counts.households,
        counts.relationships(),
        counts.account_relationships,
        counts.contact_relationships,
        counts.consumer_relationships,
        counts.team_members,
        counts.cases,
        counts.total(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Seed {
            accounts,
            seed,
            database,
        } => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?
            .block_on(seed_synthetic(&database, accounts, seed)),
        Command::Run(config) => harness::run(*config),
        Command::Peers(config) => peers::run(*config),
        Command::Events(config) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?
            .block_on(events::run(config)),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
