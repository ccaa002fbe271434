//! The markdown report: statements per request, one row per (round, concurrency, server), and the
//! Liaison/PostGraphile ratio per round, ready to paste into BENCHMARKS.md.

use std::fmt::Write;

use super::load::Run;

/// Statements per request of one server, from the counting phase.
#[derive(Clone, Debug)]
pub struct Statements {
    /// Which server and query.
    pub label: String,
    /// Execute + Query messages per request seen by the proxy.
    pub proxy: f64,
    /// Execute and Query messages per request, apart.
    pub executes: f64,
    pub queries: f64,
    /// The server's own count (Liaison's `x-sql-statements` header), when it gives one.
    pub header: Option<f64>,
}

/// One timed run in the table.
#[derive(Clone, Debug)]
pub struct Row {
    pub round: usize,
    pub connections: usize,
    pub server: &'static str,
    pub run: Run,
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}", a / b)
    } else {
        "-".into()
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// The statements table.
pub fn statements(counted: &[Statements], requests: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Statements per request ({requests} sequential requests through a counting proxy in front of PostgreSQL):\n"
    );
    let _ = writeln!(
        out,
        "| server, query | statements/request (proxy: Execute + Query) | Execute | Query | x-sql-statements |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    for s in counted {
        let header = s.header.map_or("-".to_owned(), |h| format!("{h:.2}"));
        let _ = writeln!(
            out,
            "| {} | {:.2} | {:.2} | {:.2} | {header} |",
            s.label, s.proxy, s.executes, s.queries
        );
    }
    out
}

/// The runs table, then the ratios per round and their medians per concurrency.
pub fn runs(rows: &[Row], liaison: &str, peer: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| round | c | server | req/s | p50 ms | p99 ms | errors | server CPU/req ms | DB CPU/req ms | all postgres CPU/req ms | load 1m start→end |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        let r = &row.run;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1} | {:.2} | {:.2} | {} | {:.2} | {:.2} | {:.2} | {:.2}→{:.2} |",
            row.round,
            row.connections,
            row.server,
            r.rate(),
            r.percentile_ms(50.0),
            r.percentile_ms(99.0),
            r.errors,
            r.per_request_ms(r.server_cpu),
            r.per_request_ms(r.database_cpu),
            r.per_request_ms(r.postgres_cpu),
            r.load.0,
            r.load.1
        );
    }
    let _ = writeln!(
        out,
        "\n| round | c | req/s {liaison}/{peer} | server CPU/req {liaison}/{peer} |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    let mut levels: Vec<usize> = rows.iter().map(|r| r.connections).collect();
    levels.sort_unstable();
    levels.dedup();
    let mut medians = Vec::new();
    for &c in &levels {
        let (mut rates, mut cpus) = (Vec::new(), Vec::new());
        for ours in rows
            .iter()
            .filter(|r| r.connections == c && r.server == liaison)
        {
            let Some(theirs) = rows
                .iter()
                .find(|r| r.connections == c && r.round == ours.round && r.server == peer)
            else {
                continue;
            };
            let (a, b) = (&ours.run, &theirs.run);
            let cpu = (
                a.per_request_ms(a.server_cpu),
                b.per_request_ms(b.server_cpu),
            );
            let _ = writeln!(
                out,
                "| {} | {c} | {} | {} |",
                ours.round,
                ratio(a.rate(), b.rate()),
                ratio(cpu.0, cpu.1)
            );
            if b.rate() > 0.0 {
                rates.push(a.rate() / b.rate());
            }
            if cpu.1 > 0.0 {
                cpus.push(cpu.0 / cpu.1);
            }
        }
        medians.push((c, median(rates), median(cpus)));
    }
    for (c, rate, cpu) in medians {
        let _ = writeln!(out, "| median | {c} | {rate:.2} | {cpu:.2} |");
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn row(round: usize, server: &'static str, requests: u64, cpu_ms: u64) -> Row {
        Row {
            round,
            connections: 10,
            server,
            run: Run {
                requests,
                seconds: 10.0,
                latencies_us: vec![1_000, 2_000, 3_000],
                server_cpu: Duration::from_millis(cpu_ms),
                load: (1.0, 1.5),
                ..Run::default()
            },
        }
    }

    #[test]
    fn ratios_are_liaison_over_the_peer_per_round() {
        let rows = [
            row(1, "Liaison", 500, 1_000),
            row(1, "PostGraphile", 1_000, 1_000),
        ];
        let table = runs(&rows, "Liaison", "PostGraphile");
        // 50 vs 100 req/s, 2 ms vs 1 ms of server CPU per request.
        assert!(table.contains("| 1 | 10 | 0.50 | 2.00 |"), "{table}");
        assert!(table.contains("| median | 10 | 0.50 | 2.00 |"), "{table}");
        assert!(
            table.contains("| 1 | 10 | Liaison | 50.0 | 2.00 | 3.00 | 0 | 2.00 |"),
            "{table}"
        );
    }
}
