//! `idgraph-bulk import|generate|export`, against the table the functions use (`TABLE_NAME`,
//! the SDK's usual configuration; `AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local).

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use idgraph_bulk::{export, generate, import};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(
    name = "idgraph-bulk",
    about = "Bulk import, generation and export of identity data (ndjson)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Imports records, one JSON object a line; `-` reads standard input.
    Import {
        file: String,
        /// Stop at the first bad line (by default it is reported and skipped).
        #[arg(long)]
        strict: bool,
        /// Records written at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
    /// Writes a deterministic synthetic directory.
    Generate {
        /// Makes the directory reproducible, its credentials included (for tests: anyone who
        /// knows the seed can log in). Without it, the seed is random and the API keys and
        /// passwords come from the OS's random source; they are printed once, to stderr.
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, default_value_t = 1)]
        orgs: usize,
        #[arg(long, default_value_t = 100)]
        persons: usize,
        #[arg(long, default_value_t = 4)]
        attributes: usize,
        #[arg(long, default_value_t = 10)]
        permissions: usize,
        /// Comma-separated role sizes, one role each (e.g. 1000,1000000).
        #[arg(long, value_delimiter = ',', default_value = "10")]
        roles: Vec<usize>,
        #[arg(long, default_value_t = 3)]
        documents: usize,
        #[arg(long, default_value_t = 2)]
        sso_users: usize,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<String>,
    },
    /// Writes every record of one organization in canonical order.
    Export {
        org: String,
        #[arg(long)]
        out: Option<String>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("idgraph-bulk: {e}");
            ExitCode::FAILURE
        }
    }
}

fn output(path: Option<&str>) -> Result<Box<dyn Write>, String> {
    Ok(match path {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).map_err(|e| format!("{p}: {e}"))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    })
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Generate {
            seed,
            orgs,
            persons,
            attributes,
            permissions,
            roles,
            documents,
            sso_users,
            out,
        } => {
            let credentials = match seed {
                Some(_) => generate::Credentials::FromSeed,
                None => generate::Credentials::random(orgs, sso_users),
            };
            let seed = seed.unwrap_or_else(rand::random);
            let spec = generate::Spec {
                credentials,
                seed,
                orgs,
                persons,
                attributes,
                permissions,
                role_sizes: roles,
                documents,
                sso_users,
            };
            let mut w = output(out.as_deref())?;
            let n = generate::generate(&spec, &mut w).map_err(|e| e.to_string())?;
            w.flush().map_err(|e| e.to_string())?;
            eprintln!("generated {n} records (seed {seed})");
            for o in 0..spec.orgs {
                eprintln!(
                    "  org {}: API key {}",
                    generate::org_id(&spec, o),
                    generate::api_key(&spec, o)
                );
            }
            for u in 0..spec.sso_users {
                eprintln!(
                    "  Zato user sso.user{u}: password {}",
                    generate::sso_password(&spec, u)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { org, out } => {
            let app = idgraph_bulk::app().await?;
            let records = export::export(&app, &export::org_id(&org)?).await?;
            let mut w = output(out.as_deref())?;
            for r in &records {
                writeln!(w, "{}", r.to_line()).map_err(|e| e.to_string())?;
            }
            w.flush().map_err(|e| e.to_string())?;
            eprintln!("exported {} records of organization {org}", records.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            file,
            strict,
            concurrency,
        } => {
            let app = idgraph_bulk::app().await?;
            let (reader, total): (Box<dyn BufRead>, Option<u64>) = if file == "-" {
                (Box::new(BufReader::new(std::io::stdin().lock())), None)
            } else {
                let count = BufReader::new(File::open(&file).map_err(|e| format!("{file}: {e}"))?)
                    .lines()
                    .count();
                (
                    Box::new(BufReader::new(
                        File::open(&file).map_err(|e| format!("{file}: {e}"))?,
                    )),
                    Some(count as u64),
                )
            };
            let bar = match total {
                Some(n) => ProgressBar::new(n),
                None => ProgressBar::no_length(),
            };
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} lines  {per_sec}  ETA {eta}  {msg}",
                )
                .map_err(|e| e.to_string())?,
            );
            let started = Instant::now();
            let opts = import::Options {
                strict,
                concurrency,
            };
            let summary = import::import(&app, reader, &opts, &bar).await?;
            bar.finish_and_clear();
            for b in &summary.bad {
                eprintln!("line {}: {}", b.line, b.reason);
            }
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "{} lines in {secs:.1}s ({:.0} records/s): {} written, {} already present, {} bad{}{}",
                summary.lines,
                (summary.written + summary.unchanged) as f64 / secs.max(1e-9),
                summary.written,
                summary.unchanged,
                summary.bad.len(),
                if summary.stopped {
                    " (stopped: --strict)"
                } else {
                    ""
                },
                if summary.recounted.is_empty() {
                    String::new()
                } else {
                    format!("; member counts set for {} roles", summary.recounted.len())
                },
            );
            Ok(if summary.bad.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
    }
}
