//! The `liaison` command: serve the API, migrate, seed demo data, mint tokens, print the schema.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use liaison::{
    access::principal::Principal,
    auth::{self, Authenticator},
    config::{DatabaseConfig, JwtConfig, Mode, ServeConfig},
    config_file, db,
    domain::{Ctx, clock::Clock, context::Settings},
    graphql,
    http::{
        self, AppState,
        cors::CorsPolicy,
        graphiql::{GraphiqlPage, HeaderPreset, bearer_headers_json},
        persisted::PersistedQueries,
    },
    seed::demo,
};

/// mimalloc instead of the system allocator, when built with the `mimalloc` feature (see README).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "liaison",
    version,
    about = "GraphQL API for customer-service relationships and case access"
)]
struct Cli {
    /// A TOML file of settings, keyed by their environment variables without `LIAISON_`
    /// (`database_url = "..."`); flags and set environment variables take precedence over it.
    #[arg(long, global = true, env = "LIAISON_CONFIG", value_name = "PATH")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (applies pending migrations first unless --no-migrate).
    Serve(Box<ServeConfig>),
    /// Apply pending database migrations.
    Migrate {
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Load a data set.
    Seed {
        #[command(subcommand)]
        set: SeedSet,
    },
    /// Mint a bearer token the server accepts.
    Token {
        /// The `sub` claim.
        #[arg(long)]
        sub: String,
        /// A role for the `roles` claim (repeatable).
        #[arg(long = "role")]
        roles: Vec<String>,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 8 * 3600)]
        ttl_seconds: u64,
        /// PEM private key for RS256/ES256/EdDSA.
        #[arg(long)]
        private_key: Option<std::path::PathBuf>,
        /// `kid` header to set.
        #[arg(long)]
        kid: Option<String>,
        #[command(flatten)]
        jwt: JwtConfig,
    },
    /// Print the GraphQL schema (SDL), as checked in at schema.graphql.
    Schema,
    /// Remove what the passing of time has ended (member relationships of lapsed memberships).
    Sweep {
        #[command(flatten)]
        database: DatabaseConfig,
    },
}

#[derive(Subcommand)]
enum SeedSet {
    /// Seed 004's partner scenario plus a household and staff (idempotent).
    Demo {
        #[command(flatten)]
        database: DatabaseConfig,
    },
}

async fn seed_demo(conn: &sea_orm::DatabaseConnection) -> Result<(), String> {
    let ctx = Ctx::new(conn.clone(), Principal::system(), Clock::default());
    demo::seed(&ctx)
        .await
        .map_err(|e| format!("demo seed failed: {e}"))
}

/// Prints each demo principal's token as a header line and as the JSON GraphiQL's header editor takes,
/// and returns them as the GraphiQL page's presets.
fn print_demo_tokens(config: &ServeConfig) -> Vec<HeaderPreset> {
    let mut presets = Vec::new();
    println!();
    println!(
        "Demo principals (development tokens, valid 8 hours; GraphiQL offers them in its picker):"
    );
    for (subject, label, role) in demo::PRINCIPALS {
        match auth::mint(
            &config.jwt,
            None,
            None,
            subject,
            &[role.as_str().to_owned()],
            8 * 3600,
        ) {
            Ok(token) => {
                println!("  {label}\n    Authorization: Bearer {token}");
                println!("    {}", bearer_headers_json(&token));
                presets.push(HeaderPreset::bearer(*label, &token));
            }
            Err(err) => println!("  {label}: {err}"),
        }
    }
    println!();
    presets
}

async fn serve(config: ServeConfig) -> Result<(), String> {
    liaison::telemetry::init_tracing(config.log_json);
    let authenticator = Authenticator::new(&config.jwt, config.mode).map_err(|e| e.to_string())?;
    let cors = CorsPolicy::from_config(&config.cors, config.mode).map_err(|e| e.to_string())?;
    let persisted = PersistedQueries::from_config(&config.persisted, config.mode)?;
    if authenticator.is_development() {
        tracing::warn!(
            "DEVELOPMENT MODE: no JWT key is configured, so tokens are signed with a PUBLIC development secret. \
             Anyone can mint tokens. Set LIAISON_JWT_SECRET or LIAISON_JWT_PUBLIC_KEYS and LIAISON_MODE=production."
        );
    }
    let conn = if config.no_migrate {
        db::connect(&config.database)
            .await
            .map_err(|e| format!("cannot open {}: {e}", config.database.url))?
    } else {
        db::open(&config.database).await?
    };
    if config.demo {
        seed_demo(&conn).await?;
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!(
        "Liaison is serving GraphQL at http://{address}/graphql (GraphiQL: open it in a browser)"
    );
    let mut graphiql = GraphiqlPage::default();
    if config.demo && authenticator.is_development() && config.mode == Mode::Development {
        graphiql.presets = print_demo_tokens(&config);
    }
    tracing::info!(origins = %cors.describe(), "CORS: browser pages may call the API from these origins");
    tracing::info!(mode = ?persisted.mode(), trusted_documents = persisted.trusted_documents(), "persisted queries");
    spawn_periodic_sweep(
        conn.clone(),
        Clock::default(),
        config.sweep_interval_seconds,
    );
    let settings = Settings {
        contact_candidates_any_account: config.contact_candidates_any_account,
    };
    let limits = liaison::config::Limits {
        mode: config.mode,
        ..config.limits.clone()
    };
    let state = AppState::new(conn, authenticator, limits, Clock::default())
        .with_settings(settings)
        .with_cors(cors)
        .with_graphiql(graphiql)
        .with_persisted(persisted)
        .with_subscriptions(&config.subscriptions);
    http::serve(listener, state, http::shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn sweep_once(
    conn: &sea_orm::DatabaseConnection,
    clock: &Clock,
) -> Result<liaison::domain::validity::Removal, String> {
    let ctx = Ctx::new(conn.clone(), Principal::system(), clock.clone());
    liaison::domain::sweep::run(&ctx)
        .await
        .map_err(|e| format!("sweep failed: {e}"))
}

/// Sweeps every `seconds` until the process ends.
fn spawn_periodic_sweep(conn: sea_orm::DatabaseConnection, clock: Clock, seconds: u64) {
    if seconds == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(std::time::Duration::from_secs(seconds));
        loop {
            ticker.tick().await;
            match sweep_once(&conn, &clock).await {
                Ok(removal) => tracing::info!(
                    removed = removal
                        .kinds
                        .iter()
                        .map(|(_, ids)| ids.len())
                        .sum::<usize>(),
                    "sweep"
                ),
                Err(err) => tracing::warn!(error = %err, "sweep failed"),
            }
        }
    });
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(config) => serve(*config).await,
        Command::Migrate { database } => {
            db::open(&database).await?;
            println!("migrations applied to {}", database.url);
            Ok(())
        }
        Command::Seed {
            set: SeedSet::Demo { database },
        } => {
            let conn = db::open(&database).await?;
            seed_demo(&conn).await?;
            println!("demo data loaded into {}", database.url);
            Ok(())
        }
        Command::Token {
            sub,
            roles,
            ttl_seconds,
            private_key,
            kid,
            jwt,
        } => {
            let pem = private_key
                .map(std::fs::read)
                .transpose()
                .map_err(|e| format!("cannot read private key: {e}"))?;
            let token = auth::mint(
                &jwt,
                pem.as_deref(),
                kid.as_deref(),
                &sub,
                &roles,
                ttl_seconds,
            )
            .map_err(|e| e.to_string())?;
            println!("{token}");
            Ok(())
        }
        Command::Sweep { database } => {
            let conn = db::open(&database).await?;
            let removal = sweep_once(&conn, &Clock::default()).await?;
            let count: usize = removal.kinds.iter().map(|(_, ids)| ids.len()).sum();
            println!("sweep removed {count} record(s)");
            Ok(())
        }
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
    }
}

/// Every environment variable a setting of any command reads, as the config file may name them.
fn setting_variables() -> Vec<String> {
    fn walk(command: &clap::Command, out: &mut Vec<String>) {
        out.extend(
            command
                .get_arguments()
                .filter_map(|arg| arg.get_env())
                .map(|env| env.to_string_lossy().into_owned()),
        );
        for sub in command.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&<Cli as clap::CommandFactory>::command(), &mut out);
    out
}

/// Sets the variables the config file (if any) gives and the environment does not. Runs before
/// the runtime starts, while this is the only thread (setting variables is unsound otherwise).
fn apply_config_file() -> Result<(), String> {
    let args: Vec<String> = std::env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let Some(path) = config_file::path_from(&args, std::env::var(config_file::ENV).ok()) else {
        return Ok(());
    };
    for (name, value) in
        config_file::load(&path, &setting_variables()).map_err(|e| e.to_string())?
    {
        // SAFETY: no other thread exists yet (the tokio runtime is built after this).
        unsafe { std::env::set_var(name, value) };
    }
    Ok(())
}

fn main() -> ExitCode {
    let result = apply_config_file().and_then(|()| {
        let cli = Cli::parse();
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the runtime: {e}"))?
            .block_on(run(cli))
    });
    liaison::telemetry::shutdown();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
