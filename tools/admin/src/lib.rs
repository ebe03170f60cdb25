//! `idgraph-admin`: what an operator does to a deployed table before and besides the API — a
//! root organization and its first API key, API-key rotation and revocation, OAuth clients, the
//! first Zato super-user. Every secret is random, shown once, and stored only as a hash.
//!
//! The commands are functions over an `App`, so tests run them against DynamoDB Local exactly as
//! the binary runs them against a deployed table.

use idgraph::App;
use idgraph::auth::sha256_hex;
use idgraph::ids::OrgId;
use idgraph::sso::{self, Password, Username, crypto};
use idgraph::store::orgs::{self, Organization};
use idgraph::store::{oauth, persons, sso_users};
use serde_json::{Value, json};

/// What a command reports: the facts, with any secret it created (shown once).
#[derive(Debug, Clone, PartialEq)]
pub struct Report(pub Value);

pub type Result<T> = std::result::Result<T, String>;

fn org_id(raw: &str) -> Result<OrgId> {
    OrgId::parse(raw).map_err(|e| format!("--org: {e}"))
}

async fn existing_org(app: &App, raw: &str) -> Result<Organization> {
    let id = org_id(raw)?;
    orgs::get(&app.db, &id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no organization {id}"))
}

/// A new root organization with one API key.
pub async fn create_org(app: &App, name: &str) -> Result<Report> {
    let name = name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err("the name must be 1 to 200 characters".into());
    }
    let org = Organization::root(OrgId::new_random(), name);
    let key = orgs::new_api_key();
    orgs::create(&app.db, &org, &sha256_hex(&key))
        .await
        .map_err(|e| e.to_string())?;
    Ok(Report(json!({
        "org_id": org.id.as_str(),
        "name": org.name,
        "api_key": key,
        "api_key_id": key_id(&sha256_hex(&key)),
    })))
}

/// How a key is named once it exists: the prefix of its hash that the logs show as `apikey:…`.
fn key_id(hash: &str) -> String {
    hash[..12].to_owned()
}

/// One more API key for an organization: give it to the clients, then revoke the old one.
pub async fn add_api_key(app: &App, org: &str) -> Result<Report> {
    let org = org_id(org)?;
    let key = orgs::new_api_key();
    let hash = sha256_hex(&key);
    if !orgs::add_api_key(&app.db, &org, &hash)
        .await
        .map_err(|e| e.to_string())?
    {
        return Err(format!("no organization {org}"));
    }
    Ok(Report(json!({
        "org_id": org.as_str(),
        "api_key": key,
        "api_key_id": key_id(&hash),
    })))
}

/// The organization's API keys, by id (their hash prefix).
pub async fn list_api_keys(app: &App, org: &str) -> Result<Report> {
    let org = org_id(org)?;
    let hashes = orgs::api_key_hashes(&app.db, &org)
        .await
        .map_err(|e| e.to_string())?;
    let ids: Vec<String> = hashes.iter().map(|h| key_id(h)).collect();
    Ok(Report(
        json!({ "org_id": org.as_str(), "api_key_ids": ids }),
    ))
}

/// Revokes the API key with this id (hash prefix, at least 12 hex digits, unambiguous).
pub async fn revoke_api_key(app: &App, org: &str, id: &str) -> Result<Report> {
    let org = org_id(org)?;
    if id.len() < 12 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("--key-id is the key's id: at least 12 hex digits".into());
    }
    let hashes = orgs::api_key_hashes(&app.db, &org)
        .await
        .map_err(|e| e.to_string())?;
    let matching: Vec<&String> = hashes.iter().filter(|h| h.starts_with(id)).collect();
    let [hash] = matching.as_slice() else {
        return Err(format!("{} keys of {org} have the id {id}", matching.len()));
    };
    orgs::revoke_api_key(&app.db, &org, hash)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Report(json!({
        "org_id": org.as_str(),
        "revoked_api_key_id": key_id(hash),
        "note": "warm functions that verified this key accept it until AUTH_CACHE_SECONDS pass",
    })))
}

/// A new OAuth client of the organization, with a random id and secret.
pub async fn create_client(app: &App, org: &str, scopes: &[String]) -> Result<Report> {
    let org = existing_org(app, org).await?;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let secret = crypto::random_token::<32>();
    oauth::put(&app.db, &org, &id, &secret, scopes)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Report(json!({
        "org_id": org.id.as_str(),
        "client_id": id,
        "client_secret": secret,
        "scopes": scopes,
    })))
}

/// A new secret for an existing client (its scopes unchanged); the old secret stops working.
pub async fn rotate_client_secret(app: &App, org: &str, client_id: &str) -> Result<Report> {
    let org = existing_org(app, org).await?;
    let clients = oauth::clients(&app.db, &org.id)
        .await
        .map_err(|e| e.to_string())?;
    let (_, scopes) = clients
        .into_iter()
        .find(|(id, _)| id == client_id)
        .ok_or_else(|| format!("{} has no client {client_id}", org.id))?;
    let secret = crypto::random_token::<32>();
    oauth::put(&app.db, &org, client_id, &secret, &scopes)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Report(json!({
        "org_id": org.id.as_str(),
        "client_id": client_id,
        "client_secret": secret,
        "scopes": scopes,
    })))
}

pub async fn list_clients(app: &App, org: &str) -> Result<Report> {
    let org = org_id(org)?;
    let clients = oauth::clients(&app.db, &org)
        .await
        .map_err(|e| e.to_string())?;
    let clients: Vec<Value> = clients
        .into_iter()
        .map(|(id, scopes)| json!({ "client_id": id, "scopes": scopes }))
        .collect();
    Ok(Report(
        json!({ "org_id": org.as_str(), "clients": clients }),
    ))
}

/// Deletes a client; the tokens it holds expire within `OAUTH_TOKEN_SECONDS`.
pub async fn revoke_client(app: &App, org: &str, client_id: &str) -> Result<Report> {
    let org = org_id(org)?;
    if !oauth::revoke(&app.db, &org, client_id)
        .await
        .map_err(|e| e.to_string())?
    {
        return Err(format!("{org} has no client {client_id}"));
    }
    Ok(Report(json!({
        "org_id": org.as_str(),
        "revoked_client_id": client_id,
        "note": "tokens already issued stay valid until they expire (OAUTH_TOKEN_SECONDS)",
    })))
}

/// An approved Zato super-user of the SSO organization (`SSO_ORG_ID`) with a random password.
pub async fn create_super_user(app: &App, username: &str) -> Result<Report> {
    let username = Username::parse(username).map_err(|e| format!("--username: {e}"))?;
    let org_id = app
        .sso_org()
        .map_err(|_| "SSO_ORG_ID is not set".to_owned())?;
    let org = existing_org(app, org_id.as_str()).await?;
    let password = crypto::random_token::<18>();
    let (mut user, _) = sso::new_user(
        app,
        &org.id,
        sso::new_user_id(),
        &username,
        &Password::new(&password).map_err(|e| e.to_string())?,
        "idgraph-admin",
    )
    .await
    .map_err(|e| e.to_string())?;
    user.super_user = true;
    user.approval = idgraph::store::sso_users::Approval::Approved;
    sso_users::create(
        &app.db,
        &org,
        &user,
        &app.config.default_person_region,
        None,
        false,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(Report(json!({
        "org_id": org.id.as_str(),
        "user_id": user.id.as_str(),
        "username": user.username,
        "password": password,
    })))
}

/// The report for a person: each field on its own line, and a reminder when a secret is in it.
pub fn human(report: &Report) -> String {
    let mut out = String::new();
    let mut secret = false;
    if let Value::Object(fields) = &report.0 {
        for (k, v) in fields {
            secret |= matches!(k.as_str(), "api_key" | "client_secret" | "password");
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            out.push_str(&format!("{k}: {v}\n"));
        }
    }
    if secret {
        out.push_str("(the secret above is shown once: only its hash is stored)\n");
    }
    out
}

/// Gives every Zato user record of the SSO organization (`SSO_ORG_ID`) written before the
/// `sso_directory` index existed its place there, so `User.search` finds it. Idempotent; a
/// Scan of the table (an operator's one-off, never an API request).
pub async fn backfill_sso_directory(app: &App) -> Result<Report> {
    let org = app
        .sso_org()
        .map_err(|_| "SSO_ORG_ID is not set".to_owned())?
        .clone();
    let prefix = idgraph::keys::person_partitions_prefix(&org);
    let items = app
        .db
        .scan_partitions(&[prefix], 4)
        .await
        .map_err(|e| e.to_string())?;
    let (mut records, mut updated) = (0, 0);
    for item in items.iter().filter(|i| {
        idgraph::item::get_s(i, idgraph::keys::SK).ok() == Some(idgraph::keys::SSO_USER_SK)
    }) {
        records += 1;
        if sso_users::backfill_directory(&app.db, &org, item)
            .await
            .map_err(|e| e.to_string())?
        {
            updated += 1;
        }
    }
    Ok(Report(json!({"sso_records": records, "updated": updated})))
}

/// Copies every search document of `org` from the table into the search engine
/// (`SEARCH_ENDPOINT`): after a domain is created over existing data, or its mapping changes.
/// Idempotent; a Scan of the org's document partitions (an operator's one-off).
pub async fn reindex_search(app: &App, org: &str) -> Result<Report> {
    let org = existing_org(app, org).await?;
    let engine = app
        .search
        .as_ref()
        .ok_or_else(|| "SEARCH_ENDPOINT is not set".to_owned())?;
    let items = app
        .db
        .scan_partitions(&[idgraph::keys::search_documents_prefix(&org.id)], 4)
        .await
        .map_err(|e| e.to_string())?;
    let (indexed, refused) = idgraph::indexer::reindex(engine, &items)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Report(
        json!({"org": org.id.to_string(), "documents": items.len(),
                     "indexed": indexed, "refused": refused}),
    ))
}

/// Gives every live person membership in `org`'s person pool (of `org` and of every org that
/// shares the pool) written before the `org_members` index existed its place there, so
/// `GET /persons` lists it. Idempotent; a Scan of the pool's person partitions (an operator's
/// one-off, never an API request).
pub async fn backfill_org_members(app: &App, org: &str) -> Result<Report> {
    let org = existing_org(app, org).await?;
    let prefix = idgraph::keys::person_partitions_prefix(&org.pool);
    let items = app
        .db
        .scan_partitions(&[prefix], 4)
        .await
        .map_err(|e| e.to_string())?;
    let (mut memberships, mut updated) = (0, 0);
    for item in items.iter().filter(|i| {
        idgraph::item::get_s(i, idgraph::keys::SK)
            .is_ok_and(|sk| sk.starts_with(idgraph::keys::membership_sk_prefix()))
    }) {
        memberships += 1;
        if persons::backfill_membership(&app.db, item)
            .await
            .map_err(|e| e.to_string())?
        {
            updated += 1;
        }
    }
    Ok(Report(
        json!({"pool": org.pool.to_string(), "memberships": memberships, "updated": updated}),
    ))
}
