//! Who is calling, and for which organization. Every handler gets a `RequestContext` from here
//! or answers 401/403 before touching data.

use lambda_http::Request;

use crate::app::App;
use crate::audit;
use crate::error::ApiError;
use crate::ids::OrgId;
use crate::item::has_key;
use crate::keys;
use crate::request::header;
use crate::store::orgs::{self, Organization};

pub use crate::context::{Caller, RequestContext};

pub const ORG_HEADER: &str = "slashid-orgid";
pub const API_KEY_HEADER: &str = "slashid-api-key";

pub use crate::digest::sha256_hex;

/// SlashID authentication: `SlashID-OrgID` + `SlashID-API-Key`. A key authorizes its own
/// organization and every descendant. Missing or unknown credentials → 401; a valid key of an
/// organization that is not the target or one of its ancestors → 403.
pub async fn slashid(app: &App, req: &Request) -> Result<RequestContext, ApiError> {
    let unauthorized = |reason: &'static str, why: &str| {
        audit::denied(reason);
        ApiError::Unauthorized(why.to_owned())
    };
    let org_raw = header(req, ORG_HEADER)
        .map_err(|_| unauthorized("malformed_credentials", "invalid SlashID-OrgID header"))?;
    let key = header(req, API_KEY_HEADER)
        .map_err(|_| unauthorized("malformed_credentials", "invalid SlashID-API-Key header"))?;
    let (Some(org_raw), Some(key)) = (
        org_raw.filter(|v| !v.is_empty()),
        key.filter(|v| !v.is_empty()),
    ) else {
        return Err(unauthorized(
            "missing_credentials",
            "the SlashID-OrgID and SlashID-API-Key headers are required",
        ));
    };
    let org_id = OrgId::parse(org_raw).map_err(|_| {
        unauthorized(
            "malformed_credentials",
            "SlashID-OrgID is not a valid organization id",
        )
    })?;
    let key_hash = sha256_hex(key);
    audit::org(&org_id);
    audit::principal(audit::api_key_principal(&key_hash));
    // Verified credentials are remembered by a warm instance for AUTH_CACHE_SECONDS, so a read
    // costs one DynamoDB request; only successes are cached.
    if let Some(ctx) = app.auth_cache.get(&(org_id.clone(), key_hash.clone())) {
        audit::allowed();
        app.admit(&ctx.org.id).await?;
        return Ok(ctx);
    }

    let (org_key, own_key) = (keys::org(&org_id), keys::api_key(&org_id, &key_hash));
    let items = app
        .db
        .batch_get(&[org_key.clone(), own_key.clone()])
        .await?;
    let org = items
        .iter()
        .find(|i| has_key(i, &org_key))
        // A deleted organization keeps its record, marked: it answers as no organization.
        .filter(|i| crate::store::liveness::is_alive(i))
        .map(Organization::from_item)
        .transpose()?;
    let owner = match &org {
        Some(org) if items.iter().any(|i| has_key(i, &own_key)) => Some(org.id.clone()),
        Some(org) if !org.ancestors.is_empty() => {
            let ancestor_keys: Vec<_> = org
                .ancestors
                .iter()
                .map(|a| keys::api_key(a, &key_hash))
                .collect();
            let found = app.db.batch_get(&ancestor_keys).await?;
            org.ancestors
                .iter()
                .zip(&ancestor_keys)
                .find(|(_, k)| found.iter().any(|i| has_key(i, k)))
                .map(|(a, _)| a.clone())
        }
        _ => None,
    };
    match (org, owner) {
        (Some(org), Some(owner)) => {
            audit::allowed();
            let ctx = RequestContext {
                org,
                caller: Caller::ApiKey { owner },
            };
            app.auth_cache.put((org_id, key_hash), ctx.clone());
            app.admit(&ctx.org.id).await?;
            Ok(ctx)
        }
        _ if orgs::api_key_owner(&app.db, &key_hash).await?.is_some() => {
            audit::denied("key_of_another_org");
            Err(ApiError::Forbidden(
                "this API key does not grant access to that organization".into(),
            ))
        }
        _ => Err(unauthorized(
            "unknown_key",
            "invalid organization id or API key",
        )),
    }
}

/// A SailPoint caller: the bearer token's organization, OAuth client and scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SailPointContext {
    /// Built from the token alone (id and pool), so authenticating costs no DynamoDB request.
    pub org: Organization,
    pub client_id: String,
}

/// SailPoint authentication: `Authorization: Bearer <jwt>`. Missing, malformed, badly signed or
/// expired → 401 `{"error": "JWT validation failed: …"}`; a token without any of `scopes` → 403.
/// Verifying needs the signing key's public key, which a KMS-configured function fetches on its
/// first request (hence async); a KMS outage is a 503, never a 401.
pub async fn sailpoint(
    app: &App,
    req: &Request,
    scopes: &[&str],
) -> Result<SailPointContext, ApiError> {
    let failed = |reason: &'static str, why: &str| {
        audit::denied(reason);
        ApiError::Unauthorized(format!("JWT validation failed: {why}"))
    };
    let value = header(req, "authorization")
        .map_err(|_| {
            failed(
                "malformed_credentials",
                "the Authorization header is not valid text",
            )
        })?
        .ok_or_else(|| failed("missing_credentials", "no Authorization header"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            failed(
                "malformed_credentials",
                "the Authorization header is not a Bearer token",
            )
        })?;
    let token = app.token_verifier.verify(token).await.map_err(|e| {
        audit::denied(e.reason_code());
        ApiError::from(e)
    })?;
    audit::org(&token.org);
    audit::principal(format!("oauth:{}", token.client_id));
    if !token.has_any_scope(scopes) {
        audit::denied("missing_scope");
        return Err(ApiError::Forbidden(format!(
            "the token lacks the scope this operation needs ({})",
            scopes.join(" or ")
        )));
    }
    audit::allowed();
    app.admit(&token.org).await?;
    Ok(SailPointContext {
        org: Organization::in_pool(token.org, token.pool),
        client_id: token.client_id,
    })
}
