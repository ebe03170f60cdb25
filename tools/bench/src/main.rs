//! `idgraph-bench SECTION`: one section of the benchmark suite, its markdown table printed and
//! written with its JSON under `--out`. `bench/run` builds everything in release, starts
//! DynamoDB Local and runs every section; the functions' environment (table, endpoint, keys)
//! is the one `scripts/lib.sh` exports for the local stack.

mod capture;
mod cgroup;
mod emulator;
mod endpoints;
mod handlers;
mod lambda;
mod process;
mod report;
mod scale;
mod scenarios;
mod sizes;
mod tls;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use idgraph::App;

use crate::capture::Recorder;
use crate::scenarios::{BenchError, Scenarios};

#[derive(Parser)]
#[command(about = "The benchmark suite's sections (bench/run runs them all)")]
struct Cli {
    /// Where tables (.md) and figures (.json) go.
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,
    /// The `sam local invoke` events the requests are made from.
    #[arg(long, default_value = "events")]
    events: PathBuf,
    #[command(subcommand)]
    section: Section,
}

#[derive(Subcommand)]
enum Section {
    /// 1 and 2: warm overhead against raw DynamoDB, and requests/capacity per call.
    Endpoints {
        #[arg(long, default_value_t = 200)]
        iterations: usize,
    },
    /// 3: cold start of each release binary against hello-world.
    Cold {
        #[arg(long, default_value = "target/release")]
        bin_dir: PathBuf,
        #[arg(long, default_value_t = 10)]
        runs: usize,
    },
    /// 4: stripped binary sizes, x86_64 and arm64.
    Sizes {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The target directory the binaries were built in (`CARGO_TARGET_DIR`).
        #[arg(long, default_value = "target")]
        target_dir: PathBuf,
        /// How the binaries were built (the release profile and any override), for the report.
        #[arg(long, default_value = "release profile not stated")]
        profile: String,
    },
    /// 5: assigned identities on roles of growing size (loads them first if needed).
    Scale {
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "1000,10000,100000,1000000"
        )]
        sizes: Vec<usize>,
        #[arg(long, default_value_t = 5)]
        reps: usize,
    },
    /// 6: peak RSS of each release binary over many requests.
    Rss {
        #[arg(long, default_value = "target/release")]
        bin_dir: PathBuf,
        #[arg(long, default_value_t = 1000)]
        requests: usize,
    },
    /// 7: each function as Lambda runs it (cgroup CPU and memory of MemorySize, DynamoDB over
    /// TLS) at each MemorySize, against the reference; chooses each function's MemorySize.
    Lambda {
        #[arg(long, default_value = "target/release")]
        bin_dir: PathBuf,
        /// Comma-separated; empty: every function.
        #[arg(long, value_delimiter = ',', default_value = "")]
        functions: Vec<String>,
        #[arg(long, value_delimiter = ',', default_value = "128,256,512,1024,1769")]
        sizes: Vec<u64>,
        /// CFS periods in µs; the first is the one sizes are chosen at.
        #[arg(long, value_delimiter = ',', default_value = "20000,100000")]
        periods_us: Vec<u64>,
        /// Processes per cell (each: one cold first answer, then the warm invocations).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Warm invocations per process.
        #[arg(long, default_value_t = 50)]
        warm: usize,
        /// Idle CFS periods before each warm invocation (0: back-to-back).
        #[arg(long, default_value_t = 1)]
        gap_periods: u32,
        /// The functions' DynamoDB endpoint: the TLS terminator (`tls-proxy`).
        #[arg(long)]
        endpoint: String,
        /// The functions' SSL_CERT_FILE: the system's CA bundle with the local CA.
        #[arg(long)]
        ca_bundle: PathBuf,
        /// How the binaries were built (the release profile and any override), for the report.
        #[arg(long, default_value = "release profile not stated")]
        profile: String,
        #[arg(long, default_value_t = 15)]
        seed: u64,
    },
    /// The lambda section's TLS terminator: TLS on `listen`, plaintext to `upstream` (both
    /// loopback), until killed.
    TlsProxy {
        #[arg(long)]
        listen: std::net::SocketAddr,
        #[arg(long)]
        upstream: std::net::SocketAddr,
        /// The server's certificate chain (PEM, leaf first).
        #[arg(long)]
        chain: PathBuf,
        #[arg(long)]
        key: PathBuf,
    },
}

/// The functions' App, its client carrying the recorder. `long_timeouts` for the scale data,
/// whose million-item partition DynamoDB Local serves slowly.
async fn app(recorder: &Recorder, long_timeouts: bool) -> Result<&'static App, BenchError> {
    let mut config = idgraph::config::Config::from_env()?;
    if long_timeouts {
        config.dynamodb = idgraph_bulk::budget(config.dynamodb);
    }
    let base = App::from_config_with_kms(config, None).await?;
    let client = aws_sdk_dynamodb::Client::from_conf(
        base.db
            .client
            .config()
            .to_builder()
            .interceptor(recorder.clone())
            .build(),
    );
    let mut app = App::new(base.config.clone(), client);
    app.kek = base.kek;
    Ok(Box::leak(Box::new(app)))
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    // The in-process handlers' log lines (set-up calls included), to find why one failed.
    if std::env::var_os("BENCH_LOG").is_some() {
        idgraph::runtime::init_logging_to(std::io::stderr);
    }
    if let Err(e) = run(cli).await {
        eprintln!("idgraph-bench: {e}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), BenchError> {
    let recorder = Recorder::default();
    match cli.section {
        Section::Sizes {
            root,
            target_dir,
            profile,
        } => sizes::run(&root, &root.join(target_dir), &profile, &cli.out),
        Section::Endpoints { iterations } => {
            let logs = endpoints::capture_logs();
            let app = app(&recorder, false).await?;
            let scenarios = Scenarios::new(app, &cli.events).await?;
            endpoints::run(app, &recorder, &logs, &scenarios, iterations, &cli.out).await
        }
        Section::Cold { bin_dir, runs } => {
            let app = app(&recorder, false).await?;
            let scenarios = Scenarios::new(app, &cli.events).await?;
            process::cold_starts(&scenarios, &bin_dir, runs, &cli.out).await
        }
        Section::Rss { bin_dir, requests } => {
            let app = app(&recorder, false).await?;
            let scenarios = Scenarios::new(app, &cli.events).await?;
            process::peak_rss(&scenarios, &bin_dir, requests, &cli.out).await
        }
        Section::Lambda {
            bin_dir,
            functions,
            sizes,
            periods_us,
            runs,
            warm,
            gap_periods,
            endpoint,
            ca_bundle,
            profile,
            seed,
        } => {
            let app = app(&recorder, false).await?;
            let scenarios = Scenarios::new(app, &cli.events).await?;
            let opts = lambda::Options {
                bin_dir,
                functions: functions.into_iter().filter(|f| !f.is_empty()).collect(),
                sizes,
                periods_us,
                runs,
                warm,
                gap_periods,
                endpoint,
                ca_bundle,
                profile,
                seed,
            };
            lambda::run(&recorder, &scenarios, &opts, &cli.out).await
        }
        Section::TlsProxy {
            listen,
            upstream,
            chain,
            key,
        } => tls::serve(listen, upstream, &chain, &key).await,
        Section::Scale { sizes, reps } => {
            let app = app(&recorder, true).await?;
            scale::load(app, &sizes).await?;
            let scenarios = Scenarios::new(app, &cli.events).await?;
            scale::run(app, &recorder, &scenarios, &sizes, reps, &cli.out).await
        }
    }
}
