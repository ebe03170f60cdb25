//! SailPoint OAuth clients: an id, a hashed secret and scopes, in their org's partition, found by
//! client id through the `lookup` index.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::auth::sha256_hex;
use crate::db::Db;
use crate::error::StoreError;
use crate::ids::OrgId;
use crate::item::{get_s, s};
use crate::keys;
use crate::store::orgs::{self, Organization};

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

/// Stores a client. Secrets are long random values, so their SHA-256 is what is kept (as for
/// API keys); the secret itself is never stored.
pub async fn put(
    db: &Db,
    org: &Organization,
    client_id: &str,
    secret: &str,
    scopes: &[String],
) -> Result<(), StoreError> {
    let mut item = keys::oauth_client(&org.id, client_id).to_item();
    item.insert(keys::LOOKUP.into(), s(keys::oauth_client_lookup(client_id)));
    item.insert("id".into(), s(client_id));
    item.insert("pool".into(), s(org.pool.as_str()));
    item.insert("secret_hash".into(), s(sha256_hex(secret)));
    item.insert("scopes".into(), AttributeValue::Ss(scopes.to_vec()));
    db.transact(vec![db.put(item, None)]).await
}

/// The client, if `client_id` exists and `secret` is its secret.
pub async fn authenticate(
    db: &Db,
    client_id: &str,
    secret: &str,
) -> Result<Option<OAuthClient>, StoreError> {
    if !valid_client_id(client_id) {
        return Ok(None);
    }
    let Some(org) = orgs::lookup_owner(db, &keys::oauth_client_lookup(client_id)).await? else {
        return Ok(None);
    };
    let Some(item) = db.get(&keys::oauth_client(&org, client_id)).await? else {
        return Ok(None);
    };
    if get_s(&item, "secret_hash")? != sha256_hex(secret) {
        return Ok(None);
    }
    let pool = OrgId::parse(get_s(&item, "pool")?).map_err(|e| StoreError::Internal(e.to_string()))?;
    let scopes = item
        .get("scopes")
        .and_then(|v| v.as_ss().ok())
        .cloned()
        .unwrap_or_default();
    Ok(Some(OAuthClient {
        id: client_id.to_owned(),
        org,
        pool,
        scopes,
    }))
}
