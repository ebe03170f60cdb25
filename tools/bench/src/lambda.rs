//! Section 7, "lambda": each function's release binary as Lambda runs it, at each MemorySize.
//! - Each process runs in a cgroup of its own (`cgroup.rs`): MemorySize of memory, and from its
//!   first `next` (the end of init, which Lambda runs at full speed) MemorySize/1769 of one CPU
//!   per CFS period. The period is not published by AWS, so the section measures at each of the
//!   periods it is given; the first one is the one decisions are made at.
//! - DynamoDB is reached over TLS (`tls.rs` in front of DynamoDB Local), with a local CA the
//!   process trusts as it trusts Amazon's in AWS: `SSL_CERT_FILE` names the system's bundle with
//!   the local CA appended, so the whole store is read and parsed, as in AWS.
//! - The process gets Lambda's environment and the template's configuration variables, nothing
//!   of the bench's own environment.
//! - The reference (`tools/reference-lambda`) replays, through aws-sdk-dynamodb alone, the
//!   DynamoDB operations the function issued on its first (cold) and a later (warm) call,
//!   captured in-process from a fresh App, with and without a warm-up GetItem during init.
//!
//! Every (binary, MemorySize, period) is one cell; a run starts each cell once, in an order
//! shuffled per run, and times the first answer (spawn to answer) and `warm` more invocations.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use reference_lambda::Payload;
use serde_json::{Value, json};

use crate::capture::{RawOp, Recorder};
use crate::cgroup::{self, Cgroup, MB_PER_VCPU};
use crate::handlers;
use crate::process::{Launch, spawn_with};
use crate::report::{self, Table, ms, quantile_ms, ratio, verdict};
use crate::scenarios::{BenchError, Scenarios};

/// Lambda's prices, the one place they are written: arm64 (the template's default
/// architecture), US East (N. Virginia), the first duration tier (up to 7.5 billion GB-s a
/// month). As issue 15 gives them from aws.amazon.com/lambda/pricing; written down on
/// 2026-12-07, not re-read from that page (this machine has no network).
pub const PRICE_PER_GB_SECOND: f64 = 0.000_013_333_4;
pub const PRICE_PER_MILLION_REQUESTS: f64 = 0.20;
pub const PRICES_SOURCE: &str = "aws.amazon.com/lambda/pricing: arm64, US East (N. Virginia), \
    first tier; as given in issue 15, written down 2026-12-07, not re-read from the page";

/// The choice rule: a size qualifies if the CPU limit costs at most this share of its cold first
/// answer (the median run's) and of its warm invocations (the 99th percentile), measured as the
/// time the process spent throttled. Latencies themselves are not compared across sizes: on
/// this machine DynamoDB Local's jitter and the other work on the 2 cores move them by more
/// than 10% from run to run, while the throttled time is what MemorySize alone adds.
const THROTTLE_SHARE: f64 = 0.10;
/// Latency targets some functions must meet at their chosen size (warm p50, ms).
const P50_TARGETS: &[(&str, f64)] = &[("zato-login", 200.0)];
/// Issue 15's goal: cold first answer and warm p50 within this factor of the reference.
const REFERENCE_GOAL: f64 = 1.15;

/// The variables a function reads from its configuration (template.yaml's, and the local
/// stack's `scripts/lib.sh`), passed on from the bench's environment.
const CONFIG_VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "TABLE_NAME",
    "AUTH_CACHE_SECONDS",
    "LOG_LEVEL",
    "REPLICAS",
    "TRANSACTION_ITEM_LIMIT",
    "DEFAULT_PERSON_REGION",
    "SEARCH_ENDPOINT",
];
const CONFIG_PREFIXES: &[&str] = &["DYNAMODB_", "SSO_", "OAUTH_", "JWT_", "ORG_"];

pub struct Options {
    pub bin_dir: PathBuf,
    /// Empty: every function with an event file.
    pub functions: Vec<String>,
    pub sizes: Vec<u64>,
    /// CFS periods in µs; the first is the one the choice is made at.
    pub periods_us: Vec<u64>,
    pub runs: usize,
    pub warm: usize,
    /// Idle time before each warm invocation, in CFS periods (so that it starts with a full
    /// quota, as a request to an instance that was idle does); 0 for back-to-back.
    pub gap_periods: u32,
    /// The functions' `AWS_ENDPOINT_URL_DYNAMODB` (the TLS terminator).
    pub endpoint: String,
    /// Their `SSL_CERT_FILE`: the system's CA bundle and the local CA.
    pub ca_bundle: PathBuf,
    /// The release profile the binaries were built with, as `bench/run` states it.
    pub profile: String,
    pub seed: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Function,
    Reference,
    ReferenceWarmup,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Function => "function",
            Kind::Reference => "reference",
            Kind::ReferenceWarmup => "reference, warm-up in init",
        }
    }
}

/// A function and its reference's events.
struct Target {
    name: &'static str,
    /// The reference's first event (the cold path's operations) and later one (warm path's).
    reference: Result<(Value, Value), String>,
    ops: (usize, usize),
}

#[derive(Clone, Copy, Debug)]
struct Cell {
    target: usize,
    kind: Kind,
    size: u64,
    period_us: u64,
}

type Key = (usize, Kind, u64, u64);

#[derive(Default)]
struct Samples {
    cold_ms: Vec<f64>,
    init_ms: Vec<f64>,
    warm_p50_ms: Vec<f64>,
    warm: Vec<Duration>,
    /// The share of the cold first answer the process spent throttled, per run.
    cold_throttled: Vec<f64>,
    /// The share of each warm invocation it spent throttled, every run's.
    warm_throttled: Vec<f64>,
    peak_mib: f64,
    statuses: BTreeSet<u16>,
    refused: u64,
    failures: Vec<String>,
}

struct Measured {
    cold_ms: f64,
    init_ms: f64,
    warm: Vec<Duration>,
    cold_throttled_ms: f64,
    warm_throttled_ms: Vec<f64>,
    peak_mib: f64,
    statuses: BTreeSet<u16>,
    refused: u64,
}

/// The figures of one cell, medians across runs.
#[derive(Clone, Debug)]
struct Figures {
    cold_ms: f64,
    init_ms: f64,
    warm_p50_ms: f64,
    warm_p99_ms: f64,
    /// Median share of the cold first answer spent throttled.
    cold_throttled: f64,
    /// The 99th percentile, over every warm invocation, of the share spent throttled.
    warm_throttled_p99: f64,
    peak_mib: f64,
    runs: usize,
}

/// The `q`-quantile (nearest rank) of `v`.
fn quantile(v: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

fn pct(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn median(v: &[f64]) -> f64 {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Cost of a million requests at `memory_mb` lasting `duration_ms` each (billed in whole ms).
pub fn cost_per_million(memory_mb: u64, duration_ms: f64) -> f64 {
    let billed_s = duration_ms.ceil() / 1000.0;
    PRICE_PER_MILLION_REQUESTS + 1e6 * billed_s * (memory_mb as f64 / 1024.0) * PRICE_PER_GB_SECOND
}

/// The environment of a function process besides the Runtime API's variables.
fn lambda_env(name: &str, opts: &Options, warmup: bool) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| {
            CONFIG_VARIABLES.contains(&k.as_str())
                || CONFIG_PREFIXES.iter().any(|p| k.starts_with(p))
        })
        // As deployed, only the token function holds a signing key.
        .filter(|(k, _)| k != "JWT_LOCAL_SIGNING_KEY" || name == "sailpoint-token")
        .collect();
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    for (k, v) in [
        ("AWS_DEFAULT_REGION", region.as_str()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
        ("_HANDLER", "bootstrap"),
        ("LAMBDA_TASK_ROOT", "/var/task"),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime"),
        ("TZ", ":UTC"),
        ("LANG", "en_US.UTF-8"),
        ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"),
        ("AWS_ENDPOINT_URL_DYNAMODB", opts.endpoint.as_str()),
    ] {
        env.push((k.into(), v.into()));
    }
    env.push(("SSL_CERT_FILE".into(), opts.ca_bundle.display().to_string()));
    if warmup {
        env.push(("REFERENCE_WARMUP".into(), "1".into()));
    }
    env
}

/// The DynamoDB operations `name`'s handler issues on its first call in a fresh process and on
/// a later one, as the reference's two events (made from the function's own event, its body
/// replaced by the operations).
async fn capture(
    recorder: &Recorder,
    scenarios: &Scenarios,
    name: &'static str,
) -> Result<Target, BenchError> {
    // A fresh App: empty caches, as a new process has.
    let app = crate::app(recorder, false).await?;
    let mut paths: Vec<Vec<RawOp>> = Vec::new();
    for _ in 0..2 {
        let req = scenarios.request(name).await?;
        recorder.start();
        handlers::respond(name, app, req)
            .await
            .ok_or("no handler")?;
        paths.push(recorder.stop().0);
    }
    let ops = (paths[0].len(), paths[1].len());
    let template = scenarios.raw(name)?;
    let event = |ops: &[RawOp]| -> Result<Value, String> {
        let ops = ops
            .iter()
            .map(|o| o.replayable().to_reference())
            .collect::<Result<Vec<_>, _>>()?;
        let body = serde_json::to_string(&Payload { ops }).map_err(|e| e.to_string())?;
        let mut event = template.clone();
        event["body"] = json!(body);
        event["isBase64Encoded"] = json!(false);
        event["headers"]["content-type"] = json!("application/json");
        Ok(event)
    };
    let reference = event(&paths[0]).and_then(|cold| Ok((cold, event(&paths[1])?)));
    Ok(Target {
        name,
        reference,
        ops,
    })
}

/// The answer's HTTP status, and for the reference how many operations DynamoDB refused.
fn outcome(body: &[u8]) -> (u16, u64) {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let status = v["statusCode"].as_u64().unwrap_or(0) as u16;
    let refused = v["body"]
        .as_str()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
        .and_then(|b| b["refused"].as_u64())
        .unwrap_or(0);
    (status, refused)
}

/// One process: its first answer, then `events.len() - 1` warm ones.
async fn measure(
    bin: &Path,
    name: &str,
    launch: Launch,
    events: Vec<Value>,
    gap: Duration,
) -> Result<Measured, BenchError> {
    let (mut running, started) = spawn_with(bin, name, launch).await?;
    let result = async {
        let mut statuses = BTreeSet::new();
        let mut refused = 0;
        let mut events = events.into_iter();
        let first = running.invoke(&events.next().ok_or("no event")?).await?;
        let cold = first.at - started;
        let throttled = || running.cgroup().map_or(f64::NAN, Cgroup::throttled_ms);
        let cold_throttled_ms = throttled();
        let init = running
            .emulator
            .first_next()
            .map_or(f64::NAN, |t| (t - started).as_secs_f64() * 1000.0);
        let (status, r) = outcome(&first.body);
        statuses.insert(status);
        refused += r;
        let mut warm = Vec::new();
        let mut warm_throttled_ms = Vec::new();
        for event in events {
            tokio::time::sleep(gap).await;
            let before = running.cgroup().map_or(f64::NAN, Cgroup::throttled_ms);
            let sent = std::time::Instant::now();
            let done = running.invoke(&event).await?;
            warm.push(done.at - sent);
            let after = running.cgroup().map_or(f64::NAN, Cgroup::throttled_ms);
            warm_throttled_ms.push(after - before);
            let (status, r) = outcome(&done.body);
            statuses.insert(status);
            refused += r;
        }
        Ok::<_, BenchError>(Measured {
            cold_ms: cold.as_secs_f64() * 1000.0,
            init_ms: init,
            warm,
            cold_throttled_ms,
            warm_throttled_ms,
            peak_mib: running.peak_rss_mib().unwrap_or(f64::NAN),
            statuses,
            refused,
        })
    }
    .await;
    running.stop().await;
    result
}

pub async fn run(
    recorder: &Recorder,
    scenarios: &Scenarios,
    opts: &Options,
    out: &Path,
) -> Result<(), BenchError> {
    let all = scenarios.functions();
    let names: Vec<&'static str> = if opts.functions.is_empty() {
        all
    } else {
        let mut names = Vec::new();
        for f in &opts.functions {
            let name = all
                .iter()
                .find(|n| **n == f.as_str())
                .ok_or_else(|| format!("no function {f} (with an event file)"))?;
            names.push(*name);
        }
        names
    };
    let primary = *opts.periods_us.first().ok_or("no CFS period")?;
    let reference_bin = opts.bin_dir.join("reference-lambda");
    for bin in names
        .iter()
        .map(|n| opts.bin_dir.join(n))
        .chain([reference_bin.clone()])
    {
        if !bin.exists() {
            return Err(format!("{} is not built", bin.display()).into());
        }
    }
    cgroup::sweep(false);

    eprintln!("lambda: capturing each function's DynamoDB operations (cold and warm path)");
    let mut targets = Vec::new();
    for &name in &names {
        let target = capture(recorder, scenarios, name).await?;
        if let Err(e) = &target.reference {
            eprintln!("lambda: no reference for {name}: {e}");
        }
        targets.push(target);
    }

    let mut cells = Vec::new();
    for (t, target) in targets.iter().enumerate() {
        let kinds: &[Kind] = if target.reference.is_ok() {
            &[Kind::Function, Kind::Reference, Kind::ReferenceWarmup]
        } else {
            &[Kind::Function]
        };
        for &kind in kinds {
            for &size in &opts.sizes {
                for &period_us in &opts.periods_us {
                    cells.push(Cell {
                        target: t,
                        kind,
                        size,
                        period_us,
                    });
                }
            }
        }
    }

    let mut samples: BTreeMap<Key, Samples> = BTreeMap::new();
    let mut next_id = 0u64;
    let started = std::time::Instant::now();
    for run in 0..opts.runs {
        let mut order = cells.clone();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(opts.seed + run as u64));
        for (i, cell) in order.iter().enumerate() {
            let target = &targets[cell.target];
            if i % 20 == 0 {
                eprintln!(
                    "lambda: run {}/{}, cell {}/{} ({:.0} s so far)",
                    run + 1,
                    opts.runs,
                    i + 1,
                    order.len(),
                    started.elapsed().as_secs_f64()
                );
            }
            let (bin, process_name, events) = match (cell.kind, &target.reference) {
                (Kind::Function, _) => {
                    let mut events = Vec::with_capacity(opts.warm + 1);
                    for _ in 0..=opts.warm {
                        events.push(scenarios.event(target.name).await?);
                    }
                    (
                        opts.bin_dir.join(target.name),
                        target.name.to_owned(),
                        events,
                    )
                }
                (_, Ok((cold, warm))) => {
                    let mut events = vec![cold.clone()];
                    events.extend(std::iter::repeat_n(warm.clone(), opts.warm));
                    (
                        reference_bin.clone(),
                        format!("reference-{}", target.name),
                        events,
                    )
                }
                (_, Err(_)) => continue,
            };
            next_id += 1;
            let id = format!("{}-{next_id}", std::process::id());
            let cgroup = Arc::new(Cgroup::create(&id, cell.size, cell.period_us)?);
            let launch = Launch {
                memory_mb: cell.size,
                env: Some(lambda_env(
                    target.name,
                    opts,
                    cell.kind == Kind::ReferenceWarmup,
                )),
                cgroup: Some(cgroup.clone()),
            };
            let gap = Duration::from_micros(cell.period_us * u64::from(opts.gap_periods));
            let measured = measure(&bin, &process_name, launch, events, gap).await;
            // `stop` removed it already, unless the spawn itself failed.
            cgroup.remove();
            let s = samples
                .entry((cell.target, cell.kind, cell.size, cell.period_us))
                .or_default();
            match measured {
                Ok(m) => {
                    s.cold_ms.push(m.cold_ms);
                    s.init_ms.push(m.init_ms);
                    s.warm_p50_ms.push(quantile_ms(&m.warm, 0.5));
                    s.cold_throttled.push(m.cold_throttled_ms / m.cold_ms);
                    for (t, d) in m.warm_throttled_ms.iter().zip(&m.warm) {
                        s.warm_throttled.push(t / (d.as_secs_f64() * 1000.0));
                    }
                    s.warm.extend(m.warm);
                    s.peak_mib = s.peak_mib.max(m.peak_mib);
                    s.statuses.extend(m.statuses);
                    s.refused += m.refused;
                }
                Err(e) => {
                    eprintln!(
                        "lambda: {process_name} at {} MB, period {} µs: {e}",
                        cell.size, cell.period_us
                    );
                    s.failures.push(e.to_string());
                }
            }
        }
    }
    cgroup::sweep(true);
    let took = started.elapsed();

    let figures: BTreeMap<Key, Figures> = samples
        .iter()
        .filter(|(_, s)| !s.cold_ms.is_empty())
        .map(|(k, s)| {
            (
                *k,
                Figures {
                    cold_ms: median(&s.cold_ms),
                    init_ms: median(&s.init_ms),
                    warm_p50_ms: median(&s.warm_p50_ms),
                    warm_p99_ms: quantile_ms(&s.warm, 0.99),
                    cold_throttled: median(&s.cold_throttled),
                    warm_throttled_p99: quantile(&s.warm_throttled, 0.99),
                    peak_mib: s.peak_mib,
                    runs: s.cold_ms.len(),
                },
            )
        })
        .collect();
    report_all(opts, &targets, &samples, &figures, primary, took, out)
}

/// The size the rule picks for one function, from its figures at the primary period: the
/// cheapest (cost per 1M at the warm p50) at which the CPU limit costs at most THROTTLE_SHARE of
/// the cold first answer and of the warm p99 invocation, and which meets its p50 target if it
/// has one. If none qualifies: the largest meeting its target, else the largest.
fn choose(name: &str, rows: &[(u64, &Figures)]) -> Option<(u64, String)> {
    let target = P50_TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t);
    let meets = |f: &Figures| target.is_none_or(|t| f.warm_p50_ms <= t);
    let cost = |size: u64, f: &Figures| cost_per_million(size, f.warm_p50_ms);
    let eligible = rows.iter().filter(|(_, f)| {
        f.cold_throttled <= THROTTLE_SHARE && f.warm_throttled_p99 <= THROTTLE_SHARE && meets(f)
    });
    if let Some((size, _)) = eligible.min_by(|a, b| {
        cost(a.0, a.1)
            .total_cmp(&cost(b.0, b.1))
            .then(a.0.cmp(&b.0))
    }) {
        return Some((*size, "cheapest within the rule".into()));
    }
    if let Some((size, _)) = rows
        .iter()
        .filter(|(_, f)| meets(f))
        .max_by_key(|(s, _)| *s)
    {
        return Some((
            *size,
            "none within the rule: the largest meeting its target".into(),
        ));
    }
    rows.iter()
        .max_by_key(|(s, _)| *s)
        .map(|(s, _)| (*s, "nothing meets its target: the largest".into()))
}

#[allow(clippy::too_many_arguments)]
fn report_all(
    opts: &Options,
    targets: &[Target],
    samples: &BTreeMap<Key, Samples>,
    figures: &BTreeMap<Key, Figures>,
    primary: u64,
    took: Duration,
    out: &Path,
) -> Result<(), BenchError> {
    let period_ms = |p: u64| p as f64 / 1000.0;
    let sizes_text = opts
        .sizes
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let periods_text = opts
        .periods_us
        .iter()
        .map(|p| format!("{} ms", period_ms(*p)))
        .collect::<Vec<_>>()
        .join(" and ");
    let get = |t: usize, kind: Kind, size: u64, period: u64| figures.get(&(t, kind, size, period));
    // The better reference variant, per figure.
    let best_ref = |t: usize, size: u64, period: u64, pick: fn(&Figures) -> f64| {
        [Kind::Reference, Kind::ReferenceWarmup]
            .into_iter()
            .filter_map(|k| get(t, k, size, period).map(|f| (k, pick(f))))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    };
    let variant = |k: Kind| {
        if k == Kind::ReferenceWarmup {
            " (w)"
        } else {
            ""
        }
    };

    let mut main = Table::new(
        "7. Lambda-sized: each function at each MemorySize",
        &format!(
            "Each release binary ({}) under the Runtime API emulator in a cgroup of its own: \
             MemorySize of memory, and from its first `next` (init runs at full CPU, as \
             Lambda's) MemorySize/{MB_PER_VCPU} of one CPU per {} ms CFS period. DynamoDB Local \
             is reached over TLS through a local terminator, the CA store read from \
             `SSL_CERT_FILE` (the system bundle and the local CA). *Cold* is spawn to first \
             answer (median of {} runs), *warm* the p50 (median of the runs' p50s) and p99 (of \
             all {} × {} warm invocations) of later ones, each after {} idle period(s). The \
             reference replays the function's DynamoDB operations through aws-sdk-dynamodb \
             alone, the better of its two variants per figure ((w): warm-up GetItem in init). \
             *Throttled* is the share of the time the process spent throttled by its CPU quota \
             (cpu.stat's throttled_time, summed over the CPUs, so it can exceed 100%): of the \
             cold first answer (median run), and of a warm invocation (99th percentile). Cost per 1M requests at the warm p50, billed in whole ms at ${} per \
             GB-s and ${} per 1M requests (arm64). Rule: the cheapest size at which throttling \
             costs at most {:.0}% of the cold first answer and of the warm p99 invocation{}; ✔ \
             marks it. Goal: cold and warm p50 ≤ {REFERENCE_GOAL}× the reference at the chosen \
             size. Sizes {sizes_text} MB; cells shuffled per run; {:.0} minutes.",
            opts.profile,
            period_ms(primary),
            opts.runs,
            opts.runs,
            opts.warm,
            opts.gap_periods,
            PRICE_PER_GB_SECOND,
            PRICE_PER_MILLION_REQUESTS,
            THROTTLE_SHARE * 100.0,
            P50_TARGETS
                .iter()
                .map(|(n, t)| format!(", and for `{n}` a warm p50 ≤ {t} ms"))
                .collect::<String>(),
            took.as_secs_f64() / 60.0,
        ),
        &[
            "function",
            "MB",
            "cold ms",
            "cold throttled",
            "warm p50 ms",
            "warm p99 ms",
            "warm throttled p99",
            "ref cold ms",
            "ref p50 ms",
            "cold ratio",
            "p50 ratio",
            "$ per 1M",
            "chosen",
        ],
    );
    let mut choices = Table::new(
        "7a. Chosen MemorySize",
        &format!(
            "By the rule above, at the {} ms period; written to `bench/results/memory.json`, \
             which `scripts/routes.py` reads into template.yaml. Ratios against the reference at \
             the chosen size.",
            period_ms(primary)
        ),
        &[
            "function",
            "chosen MB",
            "why",
            "cold ms",
            "warm p50 ms",
            "warm p99 ms",
            "$ per 1M",
            "$ per 1M at 128 MB",
            "cold ratio",
            "p50 ratio",
            "goal",
        ],
    );
    let mut rows_json = Vec::new();
    let mut chosen_json = serde_json::Map::new();
    let mut choice_json = Vec::new();
    for (t, target) in targets.iter().enumerate() {
        let rows: Vec<(u64, &Figures)> = opts
            .sizes
            .iter()
            .filter_map(|&s| get(t, Kind::Function, s, primary).map(|f| (s, f)))
            .collect();
        let choice = choose(target.name, &rows);
        for &size in &opts.sizes {
            let Some(f) = get(t, Kind::Function, size, primary) else {
                let failed = samples
                    .get(&(t, Kind::Function, size, primary))
                    .and_then(|s| s.failures.first().cloned())
                    .unwrap_or_else(|| "no figures".into());
                main.note_row(format!("`{}` {size}", target.name), &failed);
                continue;
            };
            let rc = best_ref(t, size, primary, |f| f.cold_ms);
            let rp = best_ref(t, size, primary, |f| f.warm_p50_ms);
            let is_chosen = choice.as_ref().is_some_and(|(s, _)| *s == size);
            main.row(vec![
                format!("`{}`", target.name),
                size.to_string(),
                ms(f.cold_ms),
                pct(f.cold_throttled),
                ms(f.warm_p50_ms),
                ms(f.warm_p99_ms),
                pct(f.warm_throttled_p99),
                rc.map_or("–".into(), |(k, v)| format!("{}{}", ms(v), variant(k))),
                rp.map_or("–".into(), |(k, v)| format!("{}{}", ms(v), variant(k))),
                rc.map_or("–".into(), |(_, v)| ratio(f.cold_ms / v)),
                rp.map_or("–".into(), |(_, v)| ratio(f.warm_p50_ms / v)),
                format!("{:.2}", cost_per_million(size, f.warm_p50_ms)),
                if is_chosen {
                    "✔".into()
                } else {
                    String::new()
                },
            ]);
        }
        if let Some((size, why)) = &choice {
            let f = get(t, Kind::Function, *size, primary).expect("a chosen size has figures");
            let rc = best_ref(t, *size, primary, |f| f.cold_ms).map(|(_, v)| f.cold_ms / v);
            let rp = best_ref(t, *size, primary, |f| f.warm_p50_ms).map(|(_, v)| f.warm_p50_ms / v);
            let at128 = get(t, Kind::Function, 128, primary).map_or("–".into(), |g| {
                format!("{:.2}", cost_per_million(128, g.warm_p50_ms))
            });
            let goal = match (rc, rp) {
                (Some(c), Some(p)) => verdict(c <= REFERENCE_GOAL && p <= REFERENCE_GOAL),
                _ => "no reference".into(),
            };
            choices.row(vec![
                format!("`{}`", target.name),
                size.to_string(),
                why.clone(),
                ms(f.cold_ms),
                ms(f.warm_p50_ms),
                ms(f.warm_p99_ms),
                format!("{:.2}", cost_per_million(*size, f.warm_p50_ms)),
                at128,
                rc.map_or("–".into(), ratio),
                rp.map_or("–".into(), ratio),
                goal,
            ]);
            chosen_json.insert(target.name.into(), json!(size));
            choice_json.push(json!({
                "function": target.name, "memory_mb": size, "why": why,
                "cold_ratio": rc, "p50_ratio": rp,
            }));
        }
    }

    let mut sensitivity = Table::new(
        "7b. Sensitivity to the CFS period",
        &format!(
            "The same cells at each period ({periods_text}); the quota is always \
             period × MemorySize/{MB_PER_VCPU}. Medians as above."
        ),
        &{
            let mut h = vec!["binary", "MB"];
            for what in [
                "cold ms",
                "cold throttled",
                "warm p50 ms",
                "warm p99 ms",
                "warm throttled p99",
            ] {
                for _ in &opts.periods_us {
                    h.push(what);
                }
            }
            h
        },
    );
    if let Some(header) = sensitivity.header.get_mut(2..) {
        let n = opts.periods_us.len();
        for (i, h) in header.iter_mut().enumerate() {
            *h = format!("{h} @{} ms", period_ms(opts.periods_us[i % n]));
        }
    }
    let mut warmup = Table::new(
        "7c. The reference: warm-up in init or not",
        &format!(
            "The reference with and without a GetItem during init (which opens the TLS \
             connection and reads the CA store at full CPU), at the {} ms period. *Init* is \
             spawn to the first `next`.",
            period_ms(primary)
        ),
        &[
            "function's operations",
            "MB",
            "init ms",
            "init ms (w)",
            "cold ms",
            "cold ms (w)",
            "warm p50 ms",
            "warm p50 ms (w)",
            "warm-up pays",
        ],
    );
    for (t, target) in targets.iter().enumerate() {
        for kind in [Kind::Function, Kind::Reference, Kind::ReferenceWarmup] {
            for &size in &opts.sizes {
                let per: Vec<Option<&Figures>> = opts
                    .periods_us
                    .iter()
                    .map(|&p| get(t, kind, size, p))
                    .collect();
                if per.iter().all(Option::is_none) {
                    continue;
                }
                let mut row = vec![
                    format!("`{}` {}", target.name, kind.label()),
                    size.to_string(),
                ];
                for (pick, show) in [
                    (
                        (|f: &Figures| f.cold_ms) as fn(&Figures) -> f64,
                        ms as fn(f64) -> String,
                    ),
                    (|f| f.cold_throttled, pct),
                    (|f| f.warm_p50_ms, ms),
                    (|f| f.warm_p99_ms, ms),
                    (|f| f.warm_throttled_p99, pct),
                ] {
                    for f in &per {
                        row.push(f.map_or("–".into(), |f| show(pick(f))));
                    }
                }
                sensitivity.row(row);
            }
        }
        for &size in &opts.sizes {
            let (Some(a), Some(b)) = (
                get(t, Kind::Reference, size, primary),
                get(t, Kind::ReferenceWarmup, size, primary),
            ) else {
                continue;
            };
            warmup.row(vec![
                format!(
                    "`{}` ({} cold, {} warm)",
                    target.name, target.ops.0, target.ops.1
                ),
                size.to_string(),
                ms(a.init_ms),
                ms(b.init_ms),
                ms(a.cold_ms),
                ms(b.cold_ms),
                ms(a.warm_p50_ms),
                ms(b.warm_p50_ms),
                if b.cold_ms < a.cold_ms {
                    "yes".into()
                } else {
                    "no".into()
                },
            ]);
        }
    }

    for ((t, kind, size, period), s) in samples {
        let f = figures.get(&(*t, *kind, *size, *period));
        rows_json.push(json!({
            "function": targets[*t].name,
            "kind": kind.label(),
            "memory_mb": size,
            "period_us": period,
            "runs": f.map_or(0, |f| f.runs),
            "cold_ms": f.map(|f| f.cold_ms),
            "init_ms": f.map(|f| f.init_ms),
            "warm_p50_ms": f.map(|f| f.warm_p50_ms),
            "warm_p99_ms": f.map(|f| f.warm_p99_ms),
            "cold_throttled_share": f.map(|f| f.cold_throttled),
            "warm_throttled_share_p99": f.map(|f| f.warm_throttled_p99),
            "peak_rss_mib": f.map(|f| f.peak_mib),
            "cost_per_million": f.map(|f| cost_per_million(*size, f.warm_p50_ms)),
            "statuses": s.statuses,
            "refused_ops": s.refused,
            "failures": s.failures,
        }));
    }
    let data = json!({
        "profile": opts.profile,
        "periods_us": opts.periods_us,
        "primary_period_us": primary,
        "sizes": opts.sizes,
        "runs": opts.runs,
        "warm": opts.warm,
        "gap_periods": opts.gap_periods,
        "minutes": took.as_secs_f64() / 60.0,
        "prices": {
            "per_gb_second": PRICE_PER_GB_SECOND,
            "per_million_requests": PRICE_PER_MILLION_REQUESTS,
            "source": PRICES_SOURCE,
        },
        "rule": format!(
            "cheapest (cost per 1M at the warm p50) at which throttling costs at most {:.0}% of \
             the cold first answer (median run) and of the warm p99 invocation; p50 targets: \
             {:?}; if none qualifies, the largest size meeting its target",
            THROTTLE_SHARE * 100.0,
            P50_TARGETS
        ),
        "rows": rows_json,
        "choices": choice_json,
    });
    report::write_tables(
        out,
        "lambda",
        &[&main, &choices, &sensitivity, &warmup],
        &data,
    )?;
    write_memory(out, &chosen_json)
}

/// Merges the chosen sizes into `memory.json` (a partial run keeps the other functions').
fn write_memory(out: &Path, chosen: &serde_json::Map<String, Value>) -> Result<(), BenchError> {
    let path = out.join("memory.json");
    let mut sizes: BTreeMap<String, Value> = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v.get("memory_mb").cloned())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    for (k, v) in chosen {
        sizes.insert(k.clone(), v.clone());
    }
    let doc = json!({
        "about": "Each function's MemorySize, chosen by bench/run's lambda section (lambda.md \
                  says by which rule and with which figures); scripts/routes.py writes it into \
                  template.yaml. A function not listed gets Globals' MemorySize.",
        "memory_mb": sizes,
    });
    std::fs::write(&path, serde_json::to_string_pretty(&doc)? + "\n")?;
    Ok(())
}
