//! Sections 1 and 2: every HTTP function's handler called in-process (as its Lambda runs it,
//! log line included) against the same DynamoDB operations issued raw from the same process,
//! interleaved; and what each call costs in DynamoDB requests and capacity, read back from the
//! request log line the handler wrote.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use idgraph::App;
use serde_json::{Value, json};

use crate::capture::Recorder;
use crate::handlers;
use crate::report::{self, Table, ms, quantile_ms, ratio, verdict};
use crate::scenarios::{BenchError, Scenarios};

/// The seed's read endpoints, each of which must be one DynamoDB request when warm.
const SEED_READS: [&str; 4] = [
    "slashid-get-person-attributes",
    "sailpoint-assigned-identities",
    "sailpoint-get-document",
    "zato-get-user-attr",
];
const WARM_GOAL: f64 = 1.10;

/// The request log lines, as the functions write them, kept for reading back.
#[derive(Clone, Default)]
pub struct LogLines(Arc<Mutex<Vec<u8>>>);

impl LogLines {
    /// Forgets what was written so far.
    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    /// The last `target: "request"` line written since the last `clear` or `take`.
    pub fn take_last_request_line(&self) -> Option<Value> {
        let bytes = std::mem::take(&mut *self.0.lock().unwrap());
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .rfind(|v| v["target"] == "request")
    }
}

impl Write for LogLines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The functions' own log lines (`runtime::init_logging_to`), kept for reading back.
pub fn capture_logs() -> LogLines {
    let lines = LogLines::default();
    let writer = lines.clone();
    idgraph::runtime::init_logging_to(move || writer.clone());
    lines
}

#[derive(Default)]
struct Samples {
    handler: Vec<Duration>,
    raw: Vec<Duration>,
    statuses: std::collections::BTreeSet<u16>,
    raw_failures: usize,
    ops: usize,
}

pub async fn run(
    app: &'static App,
    recorder: &Recorder,
    logs: &LogLines,
    scenarios: &Scenarios,
    iterations: usize,
    out: &std::path::Path,
) -> Result<(), BenchError> {
    let functions = scenarios.functions();
    let mut costs = Table::new(
        "2. DynamoDB requests and consumed capacity per call",
        "Read back from each call's request log line (`dynamodb_calls`, `consumed_capacity`). \
         *First* is a function's first call (its caches empty), *warm* a later one. The seed's \
         read endpoints must be exactly one request when warm.",
        &[
            "function",
            "route",
            "status",
            "requests (first)",
            "requests (warm)",
            "capacity (warm)",
            "goal",
        ],
    );
    let mut cost_data = Vec::new();
    for &name in &functions {
        let first = call_logged(app, logs, scenarios, name).await?;
        let warm = call_logged(app, logs, scenarios, name).await?;
        let goal = SEED_READS.contains(&name);
        let warm_calls = warm["dynamodb_calls"].as_u64().unwrap_or(u64::MAX);
        costs.row(vec![
            format!("`{name}`"),
            format!("`{}`", warm["route"].as_str().unwrap_or("?")),
            warm["status"].to_string(),
            first["dynamodb_calls"].to_string(),
            warm["dynamodb_calls"].to_string(),
            format!(
                "{:.1}",
                warm["consumed_capacity"].as_f64().unwrap_or(f64::NAN)
            ),
            if goal {
                format!("1 {}", verdict(warm_calls == 1))
            } else {
                String::new()
            },
        ]);
        cost_data.push(json!({
            "function": name, "route": warm["route"], "status": warm["status"],
            "first_calls": first["dynamodb_calls"], "warm_calls": warm["dynamodb_calls"],
            "warm_capacity": warm["consumed_capacity"], "seed_read": goal,
        }));
    }
    report::write(out, "costs", &costs, &json!(cost_data))?;

    let mut samples: Vec<Samples> = functions.iter().map(|_| Samples::default()).collect();
    // Interleaved: every function in turn each round, and within a function the raw replay of
    // the previous round's operations before or after the handler, alternately.
    let mut previous: Vec<Vec<crate::capture::RawOp>> = vec![Vec::new(); functions.len()];
    for round in 0..iterations {
        for (f, &name) in functions.iter().enumerate() {
            let req = scenarios.request(name).await?;
            let raw_first = round % 2 == 1 && !previous[f].is_empty();
            if raw_first {
                let (took, failures) = replay(app, &previous[f]).await;
                samples[f].raw.push(took);
                samples[f].raw_failures += failures;
            }
            recorder.start();
            let started = Instant::now();
            let resp = handlers::respond(name, app, req)
                .await
                .ok_or("no handler")?;
            let took = started.elapsed();
            let (ops, _) = recorder.stop();
            samples[f].handler.push(took);
            samples[f].statuses.insert(resp.status().as_u16());
            samples[f].ops = ops.len();
            let ops: Vec<_> = ops.iter().map(|o| o.replayable()).collect();
            if !raw_first {
                let (took, failures) = replay(app, &ops).await;
                samples[f].raw.push(took);
                samples[f].raw_failures += failures;
            }
            previous[f] = ops;
        }
        logs.clear();
    }

    let mut table = Table::new(
        "1. Warm overhead per endpoint",
        &format!(
            "Each function's handler called in-process through `runtime::respond` (what its Lambda \
             runs, log line included) against the DynamoDB operations it issued, captured by an \
             SDK interceptor and sent again raw through the same client — {iterations} rounds, \
             interleaved. Replayed writes drop their conditions (a replayed create would \
             otherwise be refused), so the baseline does the write in full; updates keep \
             `attribute_exists`, so an update of an item the handler deleted is refused \
             (counted as *refused replays*: DynamoDB still answered it). Goal: p50 ratio ≤ \
             {WARM_GOAL:.2}×."
        ),
        &[
            "function",
            "status",
            "ops",
            "refused replays",
            "handler p50 ms",
            "raw p50 ms",
            "handler p99 ms",
            "raw p99 ms",
            "p50 ratio",
            "p99 ratio",
            "goal",
        ],
    );
    let mut data = Vec::new();
    for (f, &name) in functions.iter().enumerate() {
        let s = &samples[f];
        let (h50, r50) = (quantile_ms(&s.handler, 0.5), quantile_ms(&s.raw, 0.5));
        let (h99, r99) = (quantile_ms(&s.handler, 0.99), quantile_ms(&s.raw, 0.99));
        let statuses: Vec<String> = s.statuses.iter().map(u16::to_string).collect();
        // A function that asked DynamoDB nothing (served from its caches) has no baseline.
        let comparable = s.ops > 0;
        let goal = if !comparable {
            "n/a (no DynamoDB call)".into()
        } else {
            verdict(h50 / r50 <= WARM_GOAL)
        };
        table.row(vec![
            format!("`{name}`"),
            statuses.join(","),
            s.ops.to_string(),
            s.raw_failures.to_string(),
            ms(h50),
            ms(r50),
            ms(h99),
            ms(r99),
            ratio(h50 / r50),
            ratio(h99 / r99),
            goal,
        ]);
        data.push(json!({
            "function": name, "ops": s.ops, "statuses": statuses,
            "handler_p50_ms": h50, "raw_p50_ms": r50, "handler_p99_ms": h99, "raw_p99_ms": r99,
            "raw_failures": s.raw_failures, "comparable": comparable,
        }));
    }
    report::write(out, "warm", &table, &json!(data))
}

async fn call_logged(
    app: &'static App,
    logs: &LogLines,
    scenarios: &Scenarios,
    name: &str,
) -> Result<Value, BenchError> {
    let req = scenarios.request(name).await?;
    logs.clear();
    handlers::respond(name, app, req)
        .await
        .ok_or("no handler")?;
    logs.take_last_request_line()
        .ok_or_else(|| format!("{name} wrote no request log line").into())
}

/// Sends `ops` in order; the time taken and how many DynamoDB refused.
async fn replay(app: &App, ops: &[crate::capture::RawOp]) -> (Duration, usize) {
    let started = Instant::now();
    let mut failures = 0;
    for op in ops {
        if op.send(&app.db.client).await.is_err() {
            failures += 1;
        }
    }
    (started.elapsed(), failures)
}
