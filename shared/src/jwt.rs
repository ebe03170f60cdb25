//! SailPoint access tokens: HS256 JWTs that carry everything a request needs to know about its
//! caller (organization, person pool, OAuth client, scopes), so verifying one costs no DynamoDB
//! request. The `kid` header names the signing key, so keys rotate by configuration alone.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

mod hs256;

use crate::ids::OrgId;

/// The issuer we put in and require of every token.
const ISSUER: &str = "idgraph";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The OAuth client id.
    pub sub: String,
    pub org: String,
    /// The org's person pool, so SailPoint reads need not look the org up.
    pub pool: String,
    /// Space-separated OAuth scopes.
    pub scope: String,
    pub iss: String,
    pub iat: u64,
    pub exp: u64,
    pub jti: String,
}

/// Why a token was refused; the text follows SailPoint's `JWT validation failed: …`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("JWT is expired")]
    Expired,
    #[error("JWT signature does not match")]
    BadSignature,
    #[error("JWT is malformed")]
    Malformed,
    #[error("JWT was signed with an unknown key")]
    UnknownKey,
    #[error("no signing key is configured")]
    NoKey,
}

impl TokenError {
    /// The reason code an audit line gives for this refusal.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::Expired => "expired_token",
            Self::BadSignature => "bad_signature",
            Self::Malformed => "malformed_token",
            Self::UnknownKey => "unknown_signing_key",
            Self::NoKey => "no_signing_key",
        }
    }
}

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub org: OrgId,
    pub pool: OrgId,
    pub client_id: String,
    pub scopes: Vec<String>,
}

impl Token {
    /// `sp:scopes:all` grants every scope, as in ISC.
    pub fn has_any_scope(&self, wanted: &[&str]) -> bool {
        self.scopes
            .iter()
            .any(|s| s == "sp:scopes:all" || wanted.contains(&s.as_str()))
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Signs a token for `client_id` of `org` with the first configured key.
pub fn issue(
    keys: &[(String, String)],
    ttl: Duration,
    org: &OrgId,
    pool: &OrgId,
    client_id: &str,
    scopes: &[String],
) -> Result<(String, Claims), TokenError> {
    issue_at(now(), keys, ttl, org, pool, client_id, scopes)
}

/// `issue` as of `iat` (epoch seconds): tools and tests mint tokens that are already expired.
pub fn issue_at(
    iat: u64,
    keys: &[(String, String)],
    ttl: Duration,
    org: &OrgId,
    pool: &OrgId,
    client_id: &str,
    scopes: &[String],
) -> Result<(String, Claims), TokenError> {
    let (kid, secret) = keys.first().ok_or(TokenError::NoKey)?;
    let claims = Claims {
        sub: client_id.to_owned(),
        org: org.as_str().to_owned(),
        pool: pool.as_str().to_owned(),
        scope: scopes.join(" "),
        iss: ISSUER.into(),
        iat,
        exp: iat + ttl.as_secs(),
        jti: uuid::Uuid::new_v4().simple().to_string(),
    };
    hs256::install();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.clone());
    let token = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|_| TokenError::Malformed)?;
    Ok((token, claims))
}

/// Checks signature (by `kid`), algorithm, issuer and expiry (no leeway: an expired token is
/// expired).
pub fn verify(keys: &[(String, String)], token: &str) -> Result<Token, TokenError> {
    hs256::install();
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
    if header.alg != Algorithm::HS256 {
        return Err(TokenError::Malformed);
    }
    let kid = header.kid.ok_or(TokenError::UnknownKey)?;
    let (_, secret) = keys
        .iter()
        .find(|(k, _)| *k == kid)
        .ok_or(TokenError::UnknownKey)?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_issuer(&[ISSUER]);
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    let data = jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
        jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenError::BadSignature,
        _ => TokenError::Malformed,
    })?;
    let c = data.claims;
    let org = OrgId::parse(&c.org).map_err(|_| TokenError::Malformed)?;
    let pool = OrgId::parse(&c.pool).map_err(|_| TokenError::Malformed)?;
    Ok(Token {
        org,
        pool,
        client_id: c.sub,
        scopes: c.scope.split_whitespace().map(str::to_owned).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Vec<(String, String)> {
        vec![("k2".into(), "b".repeat(32)), ("k1".into(), "a".repeat(32))]
    }

    fn org() -> OrgId {
        OrgId::parse("af5fbd30-7ce7-4548-8b30-4cd59cb2aba1").unwrap()
    }

    fn token_with(keys: &[(String, String)], ttl: u64) -> String {
        let scopes = ["sp:search:read".to_owned()];
        issue(
            keys,
            Duration::from_secs(ttl),
            &org(),
            &org(),
            "c1",
            &scopes,
        )
        .unwrap()
        .0
    }

    #[test]
    fn an_issued_token_verifies_to_its_org_client_and_scopes() {
        let t = verify(&keys(), &token_with(&keys(), 60)).unwrap();
        assert_eq!((t.org, t.client_id.as_str()), (org(), "c1"));
        assert_eq!(t.scopes, ["sp:search:read"]);
    }

    #[test]
    fn a_token_signed_by_a_retiring_key_still_verifies_while_that_key_is_listed() {
        let old = vec![keys()[1].clone()];
        assert!(verify(&keys(), &token_with(&old, 60)).is_ok());
        assert_eq!(
            verify(&keys()[..1], &token_with(&old, 60)),
            Err(TokenError::UnknownKey)
        );
    }

    #[test]
    fn a_token_with_a_forged_signature_is_refused() {
        let forged = vec![("k2".to_owned(), "c".repeat(32))];
        assert_eq!(
            verify(&keys(), &token_with(&forged, 60)),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn an_expired_token_is_refused() {
        let an_hour_ago = now() - 3600;
        let ttl = Duration::from_secs(749);
        let (token, _) = issue_at(an_hour_ago, &keys(), ttl, &org(), &org(), "c1", &[]).unwrap();
        assert_eq!(verify(&keys(), &token), Err(TokenError::Expired));
    }

    #[test]
    fn garbage_is_malformed() {
        assert_eq!(verify(&keys(), "not.a.jwt"), Err(TokenError::Malformed));
    }
}
