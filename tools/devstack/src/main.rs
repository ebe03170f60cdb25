//! `devstack create-table [TEMPLATE]` and `devstack seed [FILE]`, against the table named by
//! `TABLE_NAME` at `AWS_ENDPOINT_URL_DYNAMODB` (DynamoDB Local), as the functions see it.
//! `devstack token-key [KID]` prints a new local token key pair; `devstack demo-token` signs the
//! event files' demo token with `JWT_LOCAL_SIGNING_KEY`.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use idgraph::App;

/// DynamoDB Local takes a few seconds to start its JVM; wait for it, within a bound.
const READY_WITHIN: Duration = Duration::from_secs(60);

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("devstack: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What `seed` needs to write the public demo credentials to a table not on this machine.
const REMOTE_FLAG: &str = "--write-public-demo-credentials-to-a-remote-table";

async fn run(args: &[String]) -> Result<String, String> {
    match args.first().map(String::as_str) {
        Some("token-key") => {
            let kid = args.get(1).map_or("local", String::as_str);
            let (private, public) = devstack::tokens::new_key(kid).map_err(|e| e.to_string())?;
            return Ok(format!(
                "JWT_LOCAL_SIGNING_KEY={private}\nJWT_PUBLIC_KEYS={public}"
            ));
        }
        Some("demo-token") => {
            let config = idgraph::config::Config::from_env().map_err(|e| e.to_string())?;
            let idgraph::jwt::SigningKeyConfig::Local(key) = config.token_signing_key else {
                return Err("demo-token signs with JWT_LOCAL_SIGNING_KEY, which is not set".into());
            };
            return Ok(devstack::tokens::demo_token(&key));
        }
        _ => {}
    }
    // For Zato users: the seed creates them, each with a data key.
    let app = App::from_env_for_sso_users()
        .await
        .map_err(|e| e.to_string())?;
    match args.first().map(String::as_str) {
        Some("create-table") => {
            let path = args.get(1).map_or("template.yaml", String::as_str);
            let template = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            let spec = devstack::table::spec_from_template(&template)?;
            let started = Instant::now();
            let created = loop {
                match devstack::table::create(&app.db.client, &app.db.table, &spec).await {
                    Ok(created) => break created,
                    Err(e) if started.elapsed() < READY_WITHIN && e.contains("DispatchFailure") => {
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                    Err(e) => return Err(e),
                }
            };
            Ok(format!(
                "table {}: {}",
                app.db.table,
                if created {
                    "created"
                } else {
                    "already present"
                }
            ))
        }
        Some("seed") => {
            // The demo seed's credentials are in this repository: a real table must not get them.
            let forced = args.iter().any(|a| a == REMOTE_FLAG);
            if !idgraph::app::dynamodb_is_loopback() && !forced {
                return Err(format!(
                    "refusing to seed {} outside this machine: the demo seed's API key, client \
                     secret and passwords are public. To do it anyway, pass {REMOTE_FLAG}",
                    app.db.table
                ));
            }
            let path = args
                .iter()
                .skip(1)
                .find(|a| *a != REMOTE_FLAG)
                .map_or("seed/demo.json", String::as_str);
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            let seed = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
            let loaded = devstack::seed::load(&app, seed).await?;
            Ok(format!(
                "seed {path}: {} created, {} already present",
                loaded.created, loaded.already_present
            ))
        }
        _ => Err(format!(
            "usage: devstack create-table [TEMPLATE] | seed [FILE] [{REMOTE_FLAG}] | token-key [KID] \
             | demo-token"
        )),
    }
}
