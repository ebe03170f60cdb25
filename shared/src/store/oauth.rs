//! SailPoint OAuth clients: an id, a hashed secret and scopes, in their org's partition. A client
//! id is unique across organizations: its owner item (`keys::oauth_client_owner`) claims it and
//! leads from the id to the org.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::config::LockoutPolicy;
use crate::db::{Condition, Db};
use crate::digest::sha256_hex;
use crate::error::StoreError;
use crate::ids::OrgId;
use crate::item::{get_s, has_key, s};
use crate::keys;
use crate::store::lockout::{self, Failure, Standing};
use crate::store::orgs::Organization;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    pub id: String,
    pub org: OrgId,
    pub pool: OrgId,
    pub scopes: Vec<String>,
}

/// Client ids: what ISC issues (UUIDs, hex) within the opaque-id alphabet.
pub fn valid_client_id(raw: &str) -> bool {
    crate::ids::PersonId::parse(raw).is_ok()
}

#[derive(Debug, thiserror::Error)]
pub enum PutClientError {
    #[error("client id {0} belongs to another organization")]
    IdTaken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Stores a client, or replaces one of the same org (a secret or scope change). Secrets are
/// long random values, so their SHA-256 is what is kept (as for API keys); the secret itself is
/// never stored.
pub async fn put(
    db: &Db,
    org: &Organization,
    client_id: &str,
    secret: &str,
    scopes: &[String],
) -> Result<(), PutClientError> {
    let mut owner = keys::oauth_client_owner(client_id).to_item();
    owner.insert("org".into(), s(org.id.as_str()));
    let claim = db.put(
        owner,
        Condition::new("attribute_not_exists(pk) OR #org = :org")
            .names(&[("#org", "org")])
            .values(vec![(":org", s(org.id.as_str()))]),
    );
    let mut item = keys::oauth_client(&org.id, client_id).to_item();
    item.insert("id".into(), s(client_id));
    item.insert("pool".into(), s(org.pool.as_str()));
    item.insert("secret_hash".into(), s(sha256_hex(secret)));
    // DynamoDB has no empty set: a client without scopes has no `scopes`.
    if !scopes.is_empty() {
        item.insert("scopes".into(), AttributeValue::Ss(scopes.to_vec()));
    }
    match db
        .transact(vec![claim, db.put(item, Condition::none())])
        .await
    {
        Err(StoreError::TransactionCancelled(_)) => Err(PutClientError::IdTaken(client_id.into())),
        other => Ok(other?),
    }
}

/// The clients of an organization: id and scopes (never a secret, which is not stored).
pub async fn clients(db: &Db, org: &OrgId) -> Result<Vec<(String, Vec<String>)>, StoreError> {
    db.query_prefix(org.as_str(), keys::OAUTH_CLIENT_PREFIX)
        .await?
        .iter()
        .map(|item| {
            let scopes = item
                .get("scopes")
                .and_then(|v| v.as_ss().ok())
                .cloned()
                .unwrap_or_default();
            Ok((get_s(item, "id")?.to_owned(), scopes))
        })
        .collect()
}

/// Deletes a client of `org` with its id's claim and its failure counter. Tokens it was issued
/// stay valid until they expire (`OAUTH_TOKEN_SECONDS`): a bearer token cannot be recalled.
/// `false` when `org` has no such client.
pub async fn revoke(db: &Db, org: &OrgId, client_id: &str) -> Result<bool, StoreError> {
    let writes = vec![
        db.delete(&keys::oauth_client(org, client_id), Condition::present()),
        db.delete(&keys::oauth_client_owner(client_id), Condition::none()),
        db.delete(&keys::oauth_failures(org, client_id), Condition::none()),
    ];
    match db.transact(writes).await {
        Ok(()) => Ok(true),
        Err(StoreError::TransactionCancelled(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// What a client-credentials attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authenticated {
    Client(OAuthClient),
    /// No such client, or the wrong secret (counted).
    Refused,
    /// Too many wrong secrets: refused without checking, until then (epoch seconds).
    LockedOut {
        until: u64,
    },
}

/// Checks `secret` against the client's hash. Wrong secrets of an existing client are counted
/// (`policy`); at the threshold the client is locked out for a growing wait, and a right secret
/// resets the count.
pub async fn authenticate(
    db: &Db,
    client_id: &str,
    secret: &str,
    policy: &LockoutPolicy,
) -> Result<Authenticated, StoreError> {
    if !valid_client_id(client_id) {
        return Ok(Authenticated::Refused);
    }
    let Some(owner) = db.get(&keys::oauth_client_owner(client_id)).await? else {
        return Ok(Authenticated::Refused);
    };
    let org =
        OrgId::parse(get_s(&owner, "org")?).map_err(|e| StoreError::Internal(e.to_string()))?;
    let (client_key, guard, org_key) = (
        keys::oauth_client(&org, client_id),
        keys::oauth_failures(&org, client_id),
        keys::org(&org),
    );
    // The org's record rides along: a client left behind by an interrupted organization
    // deletion (`orgs::delete` removes clients after marking the org) gets no token.
    let items = db
        .batch_get(&[client_key.clone(), guard.clone(), org_key.clone()])
        .await?;
    let Some(item) = items.iter().find(|i| has_key(i, &client_key)) else {
        return Ok(Authenticated::Refused);
    };
    if !items
        .iter()
        .any(|i| has_key(i, &org_key) && crate::store::liveness::is_alive(i))
    {
        return Ok(Authenticated::Refused);
    }
    let standing = Standing::of(items.iter().find(|i| has_key(i, &guard)))?;
    if let Some(until) = standing.locked(policy, lockout::now()) {
        return Ok(Authenticated::LockedOut { until });
    }
    if !same_hash(get_s(item, "secret_hash")?, &sha256_hex(secret)) {
        return Ok(
            match lockout::record_failure(db, &guard, policy, standing).await? {
                Failure::Counted { .. } => Authenticated::Refused,
                Failure::Locked { until } => Authenticated::LockedOut { until },
            },
        );
    }
    if !standing.is_clear() {
        lockout::clear(db, &guard).await?;
    }
    let pool =
        OrgId::parse(get_s(item, "pool")?).map_err(|e| StoreError::Internal(e.to_string()))?;
    let scopes = item
        .get("scopes")
        .and_then(|v| v.as_ss().ok())
        .cloned()
        .unwrap_or_default();
    Ok(Authenticated::Client(OAuthClient {
        id: client_id.to_owned(),
        org,
        pool,
        scopes,
    }))
}

/// Compares two hex digests in time independent of where they differ.
fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0, |acc, (x, y)| acc | (x ^ y))
            == 0
}
