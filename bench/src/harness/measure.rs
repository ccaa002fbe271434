//! What the harness measures besides latency: CPU time per thread group and peak memory from
//! /proc, and the report line of an HTTP workload.

use std::time::Duration;

use super::Workload;

/// The figures of one workload.
#[derive(Clone, Debug, Default)]
pub(super) struct Figures {
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

/// Clock ticks per second of /proc CPU times (USER_HZ on Linux).
pub(crate) const USER_HZ: f64 = 100.0;

/// utime + stime, in clock ticks, of a /proc `stat` line (of a process or a thread).
pub(crate) fn ticks(stat: &str) -> u64 {
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

/// CPU time (user + system) of the whole process and of the threads whose name starts with
/// `prefix`, from /proc (Linux only; zero elsewhere).
pub(super) fn cpu_times(prefix: &str) -> (Duration, Duration) {
    let to_duration = |t: u64| Duration::from_secs_f64(t as f64 / USER_HZ);
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
pub(super) fn peak_rss_kib() -> u64 {
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

/// Prints the report line of one HTTP workload (and its first failure, if any).
pub(super) fn report_http(workload: Workload, figures: &Figures, connections: usize) {
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
