//! The two servers as child processes: installing and building what they need, starting them on
//! their own ports, waiting until they answer, stopping them (also on error and on Ctrl-C), and
//! reading their CPU time and PostgreSQL's from /proc.

use std::{
    collections::HashMap,
    fs::File,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::harness::{
    client::GraphqlClient,
    measure::{USER_HZ, ticks},
};

/// Every child still running, so that Ctrl-C can stop them before the process exits.
static RUNNING: Mutex<Vec<Child>> = Mutex::new(Vec::new());

/// Stops every child still running (for Ctrl-C, where no destructor runs).
pub fn stop_all() {
    let children = std::mem::take(&mut *RUNNING.lock().unwrap_or_else(|e| e.into_inner()));
    for mut child in children {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Stops the children when the user presses Ctrl-C, then exits with the conventional status.
pub fn stop_on_ctrl_c() {
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("interrupted: stopping the servers");
            stop_all();
            std::process::exit(130);
        }
    });
}

/// A running server; dropping it kills the process.
pub struct Server {
    /// Which server, for messages.
    pub name: &'static str,
    /// The process whose CPU time is the server's.
    pub pid: u32,
    /// Where it serves /graphql.
    pub address: SocketAddr,
    /// Its standard output and error.
    pub log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = running.iter().position(|c| c.id() == self.pid) {
            let mut child = running.swap_remove(at);
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Server {
    /// Starts `command` with its output in `log`; the child is registered before it can be lost.
    pub fn spawn(
        name: &'static str,
        mut command: Command,
        address: SocketAddr,
        log: PathBuf,
    ) -> Result<Server, String> {
        let out = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        let pid = child.id();
        running.push(child);
        Ok(Server {
            name,
            pid,
            address,
            log,
        })
    }

    fn exited(&self) -> bool {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        running
            .iter_mut()
            .find(|c| c.id() == self.pid)
            .is_none_or(|c| !matches!(c.try_wait(), Ok(None)))
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Waits until `probe` (a GraphQL request body) gets a 200 answer, at most `limit`.
    pub async fn wait_ready(
        &self,
        token: Option<&str>,
        probe: &str,
        limit: Duration,
    ) -> Result<(), String> {
        let started = Instant::now();
        loop {
            if self.exited() {
                return Err(format!(
                    "{} exited during startup; its log ({}):\n{}",
                    self.name,
                    self.log.display(),
                    self.log_tail()
                ));
            }
            if let Ok(mut client) = GraphqlClient::connect(self.address).await
                && let Ok(reply) = client.post_as(token, probe.to_owned()).await
                && reply.status == 200
            {
                return Ok(());
            }
            if started.elapsed() > limit {
                return Err(format!(
                    "{} did not answer within {} s; its log ({}):\n{}",
                    self.name,
                    limit.as_secs(),
                    self.log.display(),
                    self.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// CPU time (user + system) the server process has used so far.
    pub fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        Duration::from_secs_f64(ticks(&stat) as f64 / USER_HZ)
    }
}

/// A free loopback port (bound once, then released for a server to take).
pub fn free_address() -> Result<SocketAddr, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map_err(|e| e.to_string())
}

/// Runs a setup command to its end, failing with its output if it fails.
fn run_step(what: &str, command: &mut Command) -> Result<(), String> {
    println!("{what} ...");
    let output = command
        .output()
        .map_err(|e| format!("{what}: cannot run: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{what} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// The PostGraphile folder's Node binary and CLI entry, installed with `npm ci` from the
/// committed lock file when missing.
pub fn postgraphile_install(folder: &Path) -> Result<(PathBuf, PathBuf), String> {
    let node = folder.join("node_modules/node/bin/node");
    let cli = folder.join("node_modules/postgraphile/dist/cli-run.js");
    if !node.exists() || !cli.exists() {
        run_step(
            &format!("npm ci in {}", folder.display()),
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(folder),
        )?;
    }
    for path in [&node, &cli] {
        if !path.exists() {
            return Err(format!("{} is missing after npm ci", path.display()));
        }
    }
    Ok((node, cli))
}

/// Builds the Liaison release binary of this workspace (a no-op when it is up to date).
pub fn build_liaison(workspace: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    run_step(
        "cargo build --release --bin liaison",
        Command::new(cargo)
            .args(["build", "--release", "--bin", "liaison"])
            .current_dir(workspace),
    )?;
    Ok(workspace.join("target/release/liaison"))
}

/// CPU ticks of every `postgres` process now, by PID, with whether it serves `database`.
pub fn postgres_ticks(database: &str) -> HashMap<u32, (u64, bool)> {
    let marker = format!(" {database} ");
    let mut found = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let path = entry.path();
        if std::fs::read_to_string(path.join("comm")).map_or(true, |c| c.trim() != "postgres") {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(path.join("stat")) else {
            continue;
        };
        // A backend's title reads "postgres: <cluster>: <user> <database> <client> <state>".
        let title = std::fs::read(path.join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        found.insert(pid, (ticks(&stat), title.contains(&marker)));
    }
    found
}

/// PostgreSQL CPU used between two readings: (backends of the bench database, all processes).
/// Processes that started in between count from zero; those that ended are lost.
pub fn postgres_cpu(
    before: &HashMap<u32, (u64, bool)>,
    after: &HashMap<u32, (u64, bool)>,
) -> (Duration, Duration) {
    let (mut ours, mut all) = (0, 0);
    for (pid, &(now, bench)) in after {
        let then = before.get(pid).map_or(0, |&(t, _)| t);
        let delta = now.saturating_sub(then);
        all += delta;
        if bench {
            ours += delta;
        }
    }
    let seconds = |t: u64| Duration::from_secs_f64(t as f64 / USER_HZ);
    (seconds(ours), seconds(all))
}

/// The 1-minute load average now.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}
