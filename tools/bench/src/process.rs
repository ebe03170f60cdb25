//! Sections 3 and 6: each function's release binary as Lambda runs it, under the Runtime API
//! emulator. Cold start: from spawning the process to its first answer (its first DynamoDB call
//! included), against a hello-world lambda_http binary of the same profile, alternately. Peak
//! RSS: the kernel's high-water mark (VmHWM) after the process has served 1,000 requests.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::cgroup::Cgroup;
use crate::emulator::{Completion, Emulator, FirstNext};
use crate::report::{self, Table, ms, quantile_ms, ratio, verdict};
use crate::scenarios::{BenchError, Scenarios};

const COLD_GOAL: f64 = 1.5;
const RSS_GOAL_MIB: f64 = 32.0;

pub struct Running {
    child: Child,
    pub emulator: Emulator,
    cgroup: Option<Arc<Cgroup>>,
}

/// How a process is started: MemorySize (what `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` says), its
/// environment (`Some`: exactly these variables besides Lambda's own; `None`: the bench's), and
/// the cgroup it runs in, throttled from its first `next`.
pub struct Launch {
    pub memory_mb: u64,
    pub env: Option<Vec<(String, String)>>,
    pub cgroup: Option<Arc<Cgroup>>,
}

impl Default for Launch {
    fn default() -> Self {
        Self {
            memory_mb: 128,
            env: None,
            cgroup: None,
        }
    }
}

async fn spawn(binary: &Path, name: &str) -> Result<(Running, Instant), BenchError> {
    spawn_with(binary, name, Launch::default()).await
}

/// Starts `binary` under its own emulator; the instant it was spawned.
pub async fn spawn_with(
    binary: &Path,
    name: &str,
    launch: Launch,
) -> Result<(Running, Instant), BenchError> {
    let hook = launch.cgroup.clone().map(|cgroup| -> FirstNext {
        Box::new(move || {
            if let Err(e) = cgroup.throttle() {
                eprintln!("idgraph-bench: {e}");
            }
        })
    });
    let emulator = Emulator::start_with(hook).await?;
    let mut cmd = Command::new(binary);
    if let Some(env) = &launch.env {
        cmd.env_clear().envs(env.iter().map(|(k, v)| (k, v)));
    }
    // What Lambda sets; lambda_runtime refuses to start without them.
    cmd.env("AWS_LAMBDA_RUNTIME_API", emulator.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            launch.memory_mb.to_string(),
        )
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    // As deployed, only the token function holds a signing key.
    if name != "sailpoint-token" {
        cmd.env_remove("JWT_LOCAL_SIGNING_KEY");
    }
    let started = Instant::now();
    let child = cmd.spawn()?;
    let running = Running {
        child,
        emulator,
        cgroup: launch.cgroup,
    };
    // Right after the spawn: the new process has only begun to load. Its init is unthrottled
    // anyway; the quota comes with its first `next`.
    if let Some(cgroup) = &running.cgroup {
        let joined = running
            .child
            .id()
            .ok_or_else(|| BenchError::from("the process exited at once"))
            .and_then(|pid| cgroup.join(pid));
        if let Err(e) = joined {
            running.stop().await;
            return Err(e);
        }
    }
    Ok((running, started))
}

impl Running {
    /// One invocation; an error if the process dies first.
    pub async fn invoke(&mut self, event: &Value) -> Result<Completion, BenchError> {
        tokio::select! {
            done = self.emulator.invoke(event.to_string()) => {
                let done = done?;
                if done.error {
                    return Err(format!("function error: {}", String::from_utf8_lossy(&done.body)).into());
                }
                Ok(done)
            }
            status = self.child.wait() => Err(format!("the process exited: {status:?}").into()),
        }
    }

    /// Peak resident set size so far, in MiB.
    pub fn peak_rss_mib(&self) -> Result<f64, BenchError> {
        let pid = self.child.id().ok_or("no pid")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or("no VmHWM")?;
        Ok(kb / 1024.0)
    }

    pub fn cgroup(&self) -> Option<&Cgroup> {
        self.cgroup.as_deref()
    }

    /// Kills the process, waits for it, and removes its cgroup.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        if let Some(cgroup) = self.cgroup.take() {
            cgroup.remove();
        }
    }
}

fn binary(bin_dir: &Path, name: &str) -> PathBuf {
    bin_dir.join(name)
}

/// A spawn-to-first-answer time.
async fn cold(bin: &Path, name: &str, event: &Value) -> Result<Duration, BenchError> {
    let (mut running, started) = spawn(bin, name).await?;
    let done = running.invoke(event).await?;
    running.stop().await;
    Ok(done.at - started)
}

pub async fn cold_starts(
    scenarios: &Scenarios,
    bin_dir: &Path,
    runs: usize,
    out: &Path,
) -> Result<(), BenchError> {
    let hello = binary(bin_dir, "hello-lambda");
    let hello_event = scenarios.event("slashid-get-organization").await?;
    let mut table = Table::new(
        "3. Cold start",
        &format!(
            "Time from spawning the release binary under the Runtime API emulator to the \
             emulator receiving its first answer (client set-up and the request's own DynamoDB \
             calls included; DynamoDB Local is plain http, so no TLS handshake and no CA store), \
             median of {runs} starts, alternating with a hello-world `lambda_http` binary of the \
             same profile. Goal: ≤ {COLD_GOAL}× hello-world."
        ),
        &[
            "function",
            "cold p50 ms",
            "hello-world p50 ms",
            "ratio",
            "goal",
        ],
    );
    let mut data = Vec::new();
    for name in scenarios.functions() {
        let bin = binary(bin_dir, name);
        if !bin.exists() {
            table.note_row(format!("`{name}`"), "not built");
            continue;
        }
        let (mut mine, mut theirs) = (Vec::new(), Vec::new());
        for run in 0..runs {
            let event = scenarios.event(name).await?;
            if run % 2 == 0 {
                theirs.push(cold(&hello, "hello-lambda", &hello_event).await?);
                mine.push(cold(&bin, name, &event).await?);
            } else {
                mine.push(cold(&bin, name, &event).await?);
                theirs.push(cold(&hello, "hello-lambda", &hello_event).await?);
            }
        }
        let (m, h) = (quantile_ms(&mine, 0.5), quantile_ms(&theirs, 0.5));
        table.row(vec![
            format!("`{name}`"),
            ms(m),
            ms(h),
            ratio(m / h),
            verdict(m / h <= COLD_GOAL),
        ]);
        data.push(json!({"function": name, "cold_p50_ms": m, "hello_p50_ms": h}));
    }
    report::write(out, "cold", &table, &json!(data))
}

pub async fn peak_rss(
    scenarios: &Scenarios,
    bin_dir: &Path,
    requests: usize,
    out: &Path,
) -> Result<(), BenchError> {
    let mut table = Table::new(
        "6. Peak RSS",
        &format!(
            "The kernel's high-water mark of resident memory (VmHWM) of each release binary \
             after serving {requests} requests under the Runtime API emulator (fresh values \
             where a request would not mean the same twice). Goal: ≤ {RSS_GOAL_MIB} MiB."
        ),
        &["function", "requests", "peak RSS MiB", "goal"],
    );
    let mut data = Vec::new();
    for name in scenarios.functions() {
        let bin = binary(bin_dir, name);
        if !bin.exists() {
            table.note_row(format!("`{name}`"), "not built");
            continue;
        }
        let (mut running, _) = spawn(&bin, name).await?;
        for _ in 0..requests {
            let event = scenarios.event(name).await?;
            running.invoke(&event).await?;
        }
        let peak = running.peak_rss_mib()?;
        running.stop().await;
        table.row(vec![
            format!("`{name}`"),
            requests.to_string(),
            format!("{peak:.1}"),
            verdict(peak <= RSS_GOAL_MIB),
        ]);
        data.push(json!({"function": name, "requests": requests, "peak_rss_mib": peak}));
    }
    report::write(out, "rss", &table, &json!(data))
}
