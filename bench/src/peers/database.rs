//! The benchmark's own PostgreSQL database: dropped and recreated, migrated, seeded with the
//! synthetic generator, given PostGraphile's smart comments and label function, and analysed.

use std::net::{SocketAddr, ToSocketAddrs};

use liaison::{config::DatabaseConfig, db};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

use crate::synthetic;

/// What PostGraphile needs over Liaison's tables (bench-owned, not a product migration).
const POSTGRAPHILE_SQL: &str = include_str!("postgraphile.sql");

/// A `postgres://` URL taken apart, to point it at another database or another address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgUrl {
    scheme: String,
    user: String,
    host: String,
    database: String,
    query: String,
}

impl PgUrl {
    /// Splits `url` (`postgres://[user[:password]@]host[:port][/database][?query]`).
    pub fn parse(url: &str) -> Result<PgUrl, String> {
        let bad = || format!("not a postgres://user@host:port/database URL: {url}");
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
        let (user, host) = authority.rsplit_once('@').unwrap_or(("", authority));
        if host.is_empty() {
            return Err(bad());
        }
        Ok(PgUrl {
            scheme: scheme.to_owned(),
            user: user.to_owned(),
            host: host.to_owned(),
            database: database.to_owned(),
            query: query.to_owned(),
        })
    }

    /// The same server, database `name`.
    pub fn with_database(&self, name: &str) -> PgUrl {
        PgUrl {
            database: name.to_owned(),
            ..self.clone()
        }
    }

    /// The same database reached through `address` (the counting proxy).
    pub fn via(&self, address: SocketAddr) -> PgUrl {
        PgUrl {
            host: address.to_string(),
            ..self.clone()
        }
    }

    /// The server's socket address (port 5432 when none is given).
    pub fn address(&self) -> Result<SocketAddr, String> {
        let host = if self.host.contains(':') {
            self.host.clone()
        } else {
            format!("{}:5432", self.host)
        };
        host.to_socket_addrs()
            .map_err(|e| format!("{host}: {e}"))?
            .next()
            .ok_or_else(|| format!("{host}: no address"))
    }
}

impl std::fmt::Display for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://", self.scheme)?;
        if !self.user.is_empty() {
            write!(f, "{}@", self.user)?;
        }
        write!(f, "{}/{}", self.host, self.database)?;
        if !self.query.is_empty() {
            write!(f, "?{}", self.query)?;
        }
        Ok(())
    }
}

/// Drops and recreates `name`, then migrates, seeds and prepares it; returns its URL.
pub async fn prepare(
    server: &PgUrl,
    name: &str,
    accounts: u64,
    seed: u64,
) -> Result<PgUrl, String> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "database name {name:?}: letters, digits and _ only"
        ));
    }
    let admin = Database::connect(server.to_string())
        .await
        .map_err(|e| format!("cannot connect to {server}: {e}"))?;
    for statement in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin
            .execute_unprepared(&statement)
            .await
            .map_err(|e| format!("{statement}: {e}"))?;
    }
    admin.close().await.map_err(|e| e.to_string())?;
    let url = server.with_database(name);
    let config = DatabaseConfig {
        url: url.to_string(),
        max_connections: 10,
    };
    let conn = db::open(&config).await?;
    let started = std::time::Instant::now();
    let counts = synthetic::generate(&conn, synthetic::Options { accounts, seed }, |_| {})
        .await
        .map_err(|e| format!("synthetic seed failed: {e}"))?;
    println!(
        "database {name}: {} accounts, {} account relationships, {} rows seeded in {:.1} s",
        counts.accounts,
        counts.account_relationships,
        counts.total(),
        started.elapsed().as_secs_f64()
    );
    for_postgraphile(&conn).await?;
    conn.close().await.map_err(|e| e.to_string())?;
    Ok(url)
}

/// Applies the smart comments and the label function, then refreshes the planner statistics.
async fn for_postgraphile(conn: &DatabaseConnection) -> Result<(), String> {
    conn.execute_unprepared(POSTGRAPHILE_SQL)
        .await
        .map_err(|e| format!("postgraphile.sql: {e}"))?;
    conn.execute_unprepared("ANALYZE")
        .await
        .map_err(|e| format!("ANALYZE: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::PgUrl;

    #[test]
    fn urls_are_pointed_at_the_bench_database_and_the_proxy() {
        let server = PgUrl::parse("postgres://postgres@127.0.0.1:5432/postgres").expect("url");
        let bench = server.with_database("liaison_peers");
        assert_eq!(
            bench.to_string(),
            "postgres://postgres@127.0.0.1:5432/liaison_peers"
        );
        let proxy = "127.0.0.1:40001".parse().expect("address");
        assert_eq!(
            bench.via(proxy).to_string(),
            "postgres://postgres@127.0.0.1:40001/liaison_peers"
        );
        assert_eq!(
            bench.address(),
            Ok("127.0.0.1:5432".parse().expect("address"))
        );
        let other = PgUrl::parse("postgres://u:p@db?sslmode=disable").expect("url");
        assert_eq!(
            other.with_database("x").to_string(),
            "postgres://u:p@db/x?sslmode=disable"
        );
    }
}
