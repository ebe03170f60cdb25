//! `idgraph-admin <command>` against the table the functions use (`TABLE_NAME`, credentials and
//! region from the environment; `AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local). `--json` prints
//! one JSON object for scripts.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use idgraph_admin as admin;

#[derive(Parser)]
#[command(
    name = "idgraph-admin",
    about = "Bootstrap and administer an idgraph deployment"
)]
struct Cli {
    /// Print one JSON object instead of lines.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// A new root organization and its first API key.
    CreateOrg {
        #[arg(long)]
        name: String,
    },
    /// One more API key for an organization (rotate: add, switch the clients, revoke the old).
    AddApiKey {
        #[arg(long)]
        org: String,
    },
    /// The ids of an organization's API keys (the prefix the logs show as `apikey:…`).
    ListApiKeys {
        #[arg(long)]
        org: String,
    },
    RevokeApiKey {
        #[arg(long)]
        org: String,
        /// The key's id (at least its first 12 hex digits).
        #[arg(long)]
        key_id: String,
    },
    /// A new SailPoint OAuth client with random credentials.
    CreateClient {
        #[arg(long)]
        org: String,
        /// Scopes, comma separated (`sp:scopes:all` grants every one).
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
    },
    /// A new secret for a client; the old one stops working at once.
    RotateClientSecret {
        #[arg(long)]
        org: String,
        #[arg(long)]
        client_id: String,
    },
    ListClients {
        #[arg(long)]
        org: String,
    },
    RevokeClient {
        #[arg(long)]
        org: String,
        #[arg(long)]
        client_id: String,
    },
    /// An approved Zato super-user of the SSO organization (`SSO_ORG_ID`), random password.
    CreateSuperUser {
        #[arg(long)]
        username: String,
    },
    /// Once, after deploying the `sso_directory` index over existing Zato users: gives each
    /// user record written before it its place there, so user search finds it.
    BackfillSsoDirectory,
    /// Once, after deploying the `org_members` index: gives each person membership of the
    /// org's person pool written before it its place there, so `GET /persons` lists it.
    BackfillOrgMembers {
        /// The pool's owner, or any org in the pool.
        #[arg(long)]
        org: String,
    },
    /// Copies the org's search documents from the table into the search engine
    /// (`SEARCH_ENDPOINT`): after the domain is created over existing data, or a mapping change.
    ReindexSearch {
        #[arg(long)]
        org: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let app = match idgraph::App::from_env_for_sso_users().await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("idgraph-admin: {e}");
            return ExitCode::FAILURE;
        }
    };
    let done = match &cli.command {
        Command::CreateOrg { name } => admin::create_org(&app, name).await,
        Command::AddApiKey { org } => admin::add_api_key(&app, org).await,
        Command::ListApiKeys { org } => admin::list_api_keys(&app, org).await,
        Command::RevokeApiKey { org, key_id } => admin::revoke_api_key(&app, org, key_id).await,
        Command::CreateClient { org, scopes } => admin::create_client(&app, org, scopes).await,
        Command::RotateClientSecret { org, client_id } => {
            admin::rotate_client_secret(&app, org, client_id).await
        }
        Command::ListClients { org } => admin::list_clients(&app, org).await,
        Command::RevokeClient { org, client_id } => {
            admin::revoke_client(&app, org, client_id).await
        }
        Command::CreateSuperUser { username } => admin::create_super_user(&app, username).await,
        Command::BackfillSsoDirectory => admin::backfill_sso_directory(&app).await,
        Command::BackfillOrgMembers { org } => admin::backfill_org_members(&app, org).await,
        Command::ReindexSearch { org } => admin::reindex_search(&app, org).await,
    };
    match done {
        Ok(report) if cli.json => {
            println!("{}", report.0);
            ExitCode::SUCCESS
        }
        Ok(report) => {
            print!("{}", admin::human(&report));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("idgraph-admin: {e}");
            ExitCode::FAILURE
        }
    }
}
