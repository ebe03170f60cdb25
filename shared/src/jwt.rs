//! SailPoint access tokens: ES256 JWTs that carry everything a request needs to know about its
//! caller (organization, person pool, OAuth client, scopes), so verifying one costs no DynamoDB
//! request.
//!
//! Only the token function signs, with a key no other function can use: a KMS asymmetric key in
//! AWS (`kms:Sign`), a local P-256 key elsewhere. Every other SailPoint function verifies with
//! public keys, which cannot mint a token. The `kid` header names the key, so keys rotate by
//! configuration: a verifier trusts exactly the keys its configuration lists.
//!
//! Tokens are assembled and checked here rather than by a JWT library: signing through KMS is
//! an asynchronous call, and what remains (one algorithm, a fixed claim set) is a short,
//! fully tested function.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, MessageType, SigningAlgorithmSpec};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

mod keys;

pub use keys::{KeyError, Kid, KmsKeyRef, LocalSigningKey, PublicKey, der_signature_to_jose};

use crate::error::ApiError;
use crate::ids::OrgId;
use crate::kms::KmsFault;

/// The issuer we put in and require of every token.
const ISSUER: &str = "idgraph";
/// The only algorithm signed or accepted.
const ALG: &str = "ES256";

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

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typ: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kid: Option<String>,
    /// RFC 7515 §4.1.11: extensions the verifier must understand. We understand none, so a
    /// token that names any is refused rather than half-read.
    #[serde(default, skip_serializing)]
    crit: Option<serde_json::Value>,
}

/// Why a token was not issued or not accepted. The first five are the caller's (401, with
/// SailPoint's `JWT validation failed: …`); the rest are ours (5xx).
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
    #[error("JWT algorithm is not ES256")]
    Algorithm,
    #[error("no token signing key is configured")]
    NoKey,
    /// KMS refused or could not be reached; the text is for the log only.
    #[error("the token key is unavailable: {0}")]
    Unavailable(String),
    #[error("KMS throttled a token key request")]
    Throttled,
    /// A configured key that is not what it must be (KMS answered with another key type).
    #[error("the token key is misconfigured: {0}")]
    KeyFault(String),
}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> Self {
        use TokenError::*;
        match e {
            Expired | BadSignature | Malformed | UnknownKey | Algorithm => {
                Self::Unauthorized(format!("JWT validation failed: {e}"))
            }
            Throttled => Self::Throttled {
                retry_after: crate::error::RETRY_AFTER,
            },
            Unavailable(_) => {
                tracing::error!(error = %e, "token key fault");
                Self::Unavailable {
                    retry_after: crate::error::RETRY_AFTER,
                }
            }
            NoKey | KeyFault(_) => {
                tracing::error!(error = %e, "token key fault");
                Self::Internal
            }
        }
    }
}

impl TokenError {
    /// The reason code an audit line gives for this refusal.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::Expired => "expired_token",
            Self::BadSignature => "bad_signature",
            Self::Malformed => "malformed_token",
            Self::UnknownKey => "unknown_signing_key",
            Self::Algorithm => "wrong_algorithm",
            Self::NoKey | Self::Unavailable(_) | Self::Throttled | Self::KeyFault(_) => {
                "token_key_fault"
            }
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

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What a token for `client_id` of `org` says, issued at `iat` (epoch seconds).
pub fn claims(
    iat: u64,
    ttl: Duration,
    org: &OrgId,
    pool: &OrgId,
    client_id: &str,
    scopes: &[String],
) -> Claims {
    Claims {
        sub: client_id.to_owned(),
        org: org.as_str().to_owned(),
        pool: pool.as_str().to_owned(),
        scope: scopes.join(" "),
        iss: ISSUER.into(),
        iat,
        exp: iat + ttl.as_secs(),
        jti: uuid::Uuid::new_v4().simple().to_string(),
    }
}

fn b64_json(value: &impl Serialize) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("a header or claims serialize"))
}

/// `b64url(header).b64url(claims)`: what is signed.
fn signing_input(kid: &Kid, claims: &Claims) -> String {
    let header = Header {
        alg: ALG.into(),
        typ: Some("JWT".into()),
        kid: Some(kid.as_str().to_owned()),
        crit: None,
    };
    format!("{}.{}", b64_json(&header), b64_json(claims))
}

fn finish(signing_input: String, signature: &[u8; 64]) -> String {
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

impl LocalSigningKey {
    /// A token signed in this process (the local stack's token function, tools and tests).
    pub fn issue(&self, claims: &Claims) -> String {
        let input = signing_input(self.kid(), claims);
        let signature = self.sign(input.as_bytes());
        finish(input, &signature)
    }
}

/// What signs tokens: only the token function has one.
pub enum Signer {
    None,
    Local(LocalSigningKey),
    Kms {
        key: KmsKeyRef,
        client: Option<aws_sdk_kms::Client>,
    },
}

/// How the token function signs (`JWT_KMS_KEY_ID` or `JWT_LOCAL_SIGNING_KEY`), as configured.
#[derive(Debug, Clone, Default)]
pub enum SigningKeyConfig {
    #[default]
    None,
    Local(LocalSigningKey),
    Kms(KmsKeyRef),
}

impl Signer {
    /// A KMS key needs `client`; a binary built without one (no KMS SDK) cannot sign with it.
    pub fn from_config(config: &SigningKeyConfig, client: Option<aws_sdk_kms::Client>) -> Self {
        match config {
            SigningKeyConfig::None => Self::None,
            SigningKeyConfig::Local(key) => Self::Local(key.clone()),
            SigningKeyConfig::Kms(key) => Self::Kms {
                key: key.clone(),
                client,
            },
        }
    }

    /// Signs `claims` into a token.
    pub async fn issue(&self, claims: &Claims) -> Result<String, TokenError> {
        match self {
            Self::None => Err(TokenError::NoKey),
            Self::Local(key) => Ok(key.issue(claims)),
            Self::Kms { client: None, .. } => Err(TokenError::NoKey),
            Self::Kms {
                key,
                client: Some(client),
            } => {
                let input = signing_input(key.kid(), claims);
                let out = client
                    .sign()
                    .key_id(key.key())
                    .message(Blob::new(input.as_bytes()))
                    .message_type(MessageType::Raw)
                    .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
                    .send()
                    .await
                    .map_err(|e| kms_error(&e))?;
                let signature = out
                    .signature()
                    .and_then(|der| der_signature_to_jose(der.as_ref()))
                    .ok_or_else(|| {
                        TokenError::KeyFault("KMS Sign returned no ECDSA signature".into())
                    })?;
                Ok(finish(input, &signature))
            }
        }
    }
}

/// Maps a KMS failure (`crate::kms`): throttled is a 429, unavailable a 503, and anything else
/// (access denied, no such key) a deployment fault.
fn kms_error<E, R>(e: &aws_sdk_kms::error::SdkError<E, R>) -> TokenError
where
    E: aws_sdk_kms::error::ProvideErrorMetadata,
{
    match KmsFault::of(e) {
        KmsFault::Throttled => TokenError::Throttled,
        KmsFault::Unavailable(why) => TokenError::Unavailable(why),
        refused @ KmsFault::Refused { .. } => TokenError::KeyFault(refused.to_string()),
    }
}

/// Where a verifier finds one kid's public key, as configured: given (`JWT_PUBLIC_KEYS`), or a
/// KMS key whose public key is fetched on first use (`JWT_KMS_VERIFY_KEYS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyingKeyConfig {
    Given { kid: Kid, key: PublicKey },
    Kms(KmsKeyRef),
}

impl VerifyingKeyConfig {
    pub fn kid(&self) -> &Kid {
        match self {
            Self::Given { kid, .. } => kid,
            Self::Kms(key) => key.kid(),
        }
    }
}

enum KeySource {
    Given(PublicKey),
    Kms {
        key: KmsKeyRef,
        client: Option<aws_sdk_kms::Client>,
        /// Fetched once per process; a failed fetch is not kept, so the next request retries.
        fetched: OnceCell<PublicKey>,
    },
}

/// The public keys a SailPoint function trusts, by kid.
pub struct Verifier {
    keys: Vec<(Kid, KeySource)>,
}

impl Verifier {
    pub fn from_config(config: &[VerifyingKeyConfig], client: Option<aws_sdk_kms::Client>) -> Self {
        let keys = config
            .iter()
            .map(|k| {
                let source = match k {
                    VerifyingKeyConfig::Given { key, .. } => KeySource::Given(key.clone()),
                    VerifyingKeyConfig::Kms(key) => KeySource::Kms {
                        key: key.clone(),
                        client: client.clone(),
                        fetched: OnceCell::new(),
                    },
                };
                (k.kid().clone(), source)
            })
            .collect();
        Self { keys }
    }

    /// Checks algorithm, key (by `kid`, among the configured ones only), signature, issuer and
    /// expiry (no leeway), then reads the caller from the claims.
    pub async fn verify(&self, token: &str) -> Result<Token, TokenError> {
        self.verify_at(now(), token).await
    }

    pub async fn verify_at(&self, now: u64, token: &str) -> Result<Token, TokenError> {
        let parsed = Parsed::read(token)?;
        // Only a kid that configuration names is ever looked up: a token cannot make a
        // verifier fetch (or trust) a key of its choosing.
        let source = self
            .keys
            .iter()
            .find(|(kid, _)| kid.as_str() == parsed.kid)
            .map(|(_, source)| source)
            .ok_or(TokenError::UnknownKey)?;
        let key = match source {
            KeySource::Given(key) => key,
            KeySource::Kms { client: None, .. } => return Err(TokenError::NoKey),
            KeySource::Kms {
                key,
                client: Some(client),
                fetched,
            } => {
                fetched
                    .get_or_try_init(|| fetch_public_key(client, key))
                    .await?
            }
        };
        parsed.check(key, now)
    }
}

/// The public key of a KMS key, which must be a P-256 signing key: a key of another kind is
/// never trusted, whatever its public key looks like.
async fn fetch_public_key(
    client: &aws_sdk_kms::Client,
    key: &KmsKeyRef,
) -> Result<PublicKey, TokenError> {
    let out = client
        .get_public_key()
        .key_id(key.key())
        .send()
        .await
        .map_err(|e| kms_error(&e))?;
    // KMS answers the key spec in `KeySpec` and in the deprecated `CustomerMasterKeySpec`, which
    // it still fills in; moto's server, KMS's local counterpart in the tests, fills in only the
    // latter. Either one, read as text: the two are distinct enums of the same values.
    #[allow(deprecated)]
    let spec = out
        .key_spec()
        .map(KeySpec::as_str)
        .or_else(|| out.customer_master_key_spec().map(|s| s.as_str()));
    if spec != Some(KeySpec::EccNistP256.as_str())
        || out.key_usage() != Some(&KeyUsageType::SignVerify)
    {
        return Err(TokenError::KeyFault(format!(
            "KMS key {} is {} for {:?}, not ECC_NIST_P256 for SIGN_VERIFY",
            key.kid(),
            spec.unwrap_or("of no reported spec"),
            out.key_usage()
        )));
    }
    let der = out
        .public_key()
        .ok_or_else(|| TokenError::KeyFault("KMS GetPublicKey returned no key".into()))?;
    PublicKey::from_spki_der(der.as_ref())
        .map_err(|e| TokenError::KeyFault(format!("KMS key {}: {e}", key.kid())))
}

/// A token split and its header read; nothing in it is trusted yet.
struct Parsed<'a> {
    kid: String,
    signing_input: &'a str,
    claims: &'a str,
    signature: [u8; 64],
}

impl<'a> Parsed<'a> {
    fn read(token: &'a str) -> Result<Self, TokenError> {
        let (signing_input, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (header, claims) = signing_input
            .split_once('.')
            .filter(|(_, claims)| !claims.contains('.'))
            .ok_or(TokenError::Malformed)?;
        let header: Header = URL_SAFE_NO_PAD
            .decode(header)
            .ok()
            .and_then(|h| serde_json::from_slice(&h).ok())
            .ok_or(TokenError::Malformed)?;
        if header.alg != ALG {
            return Err(TokenError::Algorithm);
        }
        if header.crit.is_some() {
            return Err(TokenError::Malformed);
        }
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .and_then(|s| <[u8; 64]>::try_from(s).ok())
            .ok_or(TokenError::Malformed)?;
        Ok(Self {
            kid,
            signing_input,
            claims,
            signature,
        })
    }

    /// The signature first: claims are read only once they are known to be ours.
    fn check(&self, key: &PublicKey, now: u64) -> Result<Token, TokenError> {
        if !key.verifies(self.signing_input.as_bytes(), &self.signature) {
            return Err(TokenError::BadSignature);
        }
        let c: Claims = URL_SAFE_NO_PAD
            .decode(self.claims)
            .ok()
            .and_then(|c| serde_json::from_slice(&c).ok())
            .ok_or(TokenError::Malformed)?;
        if c.iss != ISSUER {
            return Err(TokenError::Malformed);
        }
        // RFC 7519 §4.1.4: the token is good only *before* exp.
        if now >= c.exp {
            return Err(TokenError::Expired);
        }
        let org = OrgId::parse(&c.org).map_err(|_| TokenError::Malformed)?;
        let pool = OrgId::parse(&c.pool).map_err(|_| TokenError::Malformed)?;
        Ok(Token {
            org,
            pool,
            client_id: c.sub,
            scopes: c.scope.split_whitespace().map(str::to_owned).collect(),
        })
    }
}

/// Verifies with given keys only, synchronously (the fuzz targets).
pub fn verify_with(keys: &[(Kid, PublicKey)], now: u64, token: &str) -> Result<Token, TokenError> {
    let parsed = Parsed::read(token)?;
    let (_, key) = keys
        .iter()
        .find(|(kid, _)| kid.as_str() == parsed.kid)
        .ok_or(TokenError::UnknownKey)?;
    parsed.check(key, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn org() -> OrgId {
        OrgId::parse("af5fbd30-7ce7-4548-8b30-4cd59cb2aba1").unwrap()
    }

    fn key(kid: &str) -> LocalSigningKey {
        LocalSigningKey::generate(Kid::parse(kid).unwrap()).0
    }

    fn trusting(keys: &[&LocalSigningKey]) -> Verifier {
        let config: Vec<VerifyingKeyConfig> = keys
            .iter()
            .map(|k| VerifyingKeyConfig::Given {
                kid: k.kid().clone(),
                key: k.public_key(),
            })
            .collect();
        Verifier::from_config(&config, None)
    }

    const NOW: u64 = 1_800_000_000;

    fn claims_at(iat: u64, ttl: u64) -> Claims {
        let scopes = ["sp:search:read".to_owned()];
        claims(iat, Duration::from_secs(ttl), &org(), &org(), "c1", &scopes)
    }

    /// A token of any header and claims, signed by `key`: what a forger with a key would send.
    fn crafted(
        key: &LocalSigningKey,
        header: serde_json::Value,
        claims: serde_json::Value,
    ) -> String {
        let input = format!("{}.{}", b64_json(&header), b64_json(&claims));
        let signature = key.sign(input.as_bytes());
        finish(input, &signature)
    }

    fn good_claims() -> serde_json::Value {
        serde_json::to_value(claims_at(NOW, 60)).unwrap()
    }

    async fn verify(verifier: &Verifier, token: &str) -> Result<Token, TokenError> {
        verifier.verify_at(NOW, token).await
    }

    #[tokio::test]
    async fn an_issued_token_verifies_to_its_org_client_and_scopes() {
        let k = key("k1");
        let token = Signer::Local(k.clone())
            .issue(&claims_at(NOW, 60))
            .await
            .unwrap();
        let t = verify(&trusting(&[&k]), &token).await.unwrap();
        assert_eq!((t.org, t.client_id.as_str()), (org(), "c1"));
        assert_eq!(t.scopes, ["sp:search:read"]);
    }

    #[tokio::test]
    async fn an_issued_token_is_es256_with_the_signers_kid() {
        let token = key("k1").issue(&claims_at(NOW, 60));
        let header = token.split('.').next().unwrap();
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        assert_eq!(header, json!({"alg": "ES256", "typ": "JWT", "kid": "k1"}));
    }

    #[tokio::test]
    async fn a_token_signed_by_a_retiring_key_verifies_while_that_key_is_listed() {
        let (new, old) = (key("k2"), key("k1"));
        let token = old.issue(&claims_at(NOW, 60));
        assert!(verify(&trusting(&[&new, &old]), &token).await.is_ok());
    }

    #[tokio::test]
    async fn a_token_signed_by_a_dropped_key_is_refused_as_an_unknown_key() {
        let (new, old) = (key("k2"), key("k1"));
        let token = old.issue(&claims_at(NOW, 60));
        assert_eq!(
            verify(&trusting(&[&new]), &token).await,
            Err(TokenError::UnknownKey)
        );
    }

    #[tokio::test]
    async fn a_token_signed_by_another_key_under_a_listed_kid_is_a_bad_signature() {
        let (listed, forger) = (key("k1"), key("k1"));
        let token = forger.issue(&claims_at(NOW, 60));
        assert_eq!(
            verify(&trusting(&[&listed]), &token).await,
            Err(TokenError::BadSignature)
        );
    }

    #[tokio::test]
    async fn changed_claims_break_the_signature() {
        let k = key("k1");
        let token = k.issue(&claims_at(NOW, 60));
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut claims = good_claims();
        claims["org"] = json!("5e1a5a3e-0c3b-4c1e-9f43-1b2d3c4e5f60");
        parts[1] = b64_json(&claims);
        assert_eq!(
            verify(&trusting(&[&k]), &parts.join(".")).await,
            Err(TokenError::BadSignature)
        );
    }

    #[tokio::test]
    async fn a_token_is_good_until_the_second_before_exp_and_expired_from_exp_on() {
        let k = key("k1");
        let v = trusting(&[&k]);
        let token = k.issue(&claims_at(NOW - 60, 60));
        assert_eq!(v.verify_at(NOW, &token).await, Err(TokenError::Expired));
        assert!(v.verify_at(NOW - 1, &token).await.is_ok());
    }

    #[tokio::test]
    async fn an_hs256_token_is_refused_even_when_its_hmac_key_is_a_public_key() {
        // The classic confusion: HS256 "signed" with the verifier's public key as the secret.
        let k = key("k1");
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": "k1"});
        let input = format!("{}.{}", b64_json(&header), b64_json(&good_claims()));
        let mac = ring::hmac::sign(
            &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &k.public_key().to_spki_der()),
            input.as_bytes(),
        );
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref()));
        assert_eq!(
            verify(&trusting(&[&k]), &token).await,
            Err(TokenError::Algorithm)
        );
    }

    #[tokio::test]
    async fn an_unsigned_or_other_algorithm_token_is_refused() {
        let k = key("k1");
        for alg in ["none", "ES384", "RS256", "es256", ""] {
            let token = crafted(&k, json!({"alg": alg, "kid": "k1"}), good_claims());
            assert_eq!(
                verify(&trusting(&[&k]), &token).await,
                Err(TokenError::Algorithm),
                "{alg}"
            );
        }
    }

    #[tokio::test]
    async fn a_token_without_a_kid_is_refused_as_an_unknown_key() {
        let k = key("k1");
        let token = crafted(&k, json!({"alg": "ES256"}), good_claims());
        assert_eq!(
            verify(&trusting(&[&k]), &token).await,
            Err(TokenError::UnknownKey)
        );
    }

    #[tokio::test]
    async fn a_token_with_critical_extensions_is_refused() {
        let k = key("k1");
        let header = json!({"alg": "ES256", "kid": "k1", "crit": ["exp"]});
        let token = crafted(&k, header, good_claims());
        assert_eq!(
            verify(&trusting(&[&k]), &token).await,
            Err(TokenError::Malformed)
        );
    }

    #[tokio::test]
    async fn a_token_of_another_issuer_is_refused() {
        let k = key("k1");
        let mut claims = good_claims();
        claims["iss"] = json!("someone-else");
        let token = crafted(&k, json!({"alg": "ES256", "kid": "k1"}), claims);
        assert_eq!(
            verify(&trusting(&[&k]), &token).await,
            Err(TokenError::Malformed)
        );
    }

    #[tokio::test]
    async fn a_token_missing_any_claim_is_refused() {
        let k = key("k1");
        for missing in ["sub", "org", "pool", "scope", "iss", "iat", "exp", "jti"] {
            let mut claims = good_claims();
            claims.as_object_mut().unwrap().remove(missing);
            let token = crafted(&k, json!({"alg": "ES256", "kid": "k1"}), claims);
            assert_eq!(
                verify(&trusting(&[&k]), &token).await,
                Err(TokenError::Malformed),
                "{missing}"
            );
        }
    }

    #[tokio::test]
    async fn a_token_whose_org_is_not_an_org_id_is_refused() {
        let k = key("k1");
        let mut claims = good_claims();
        claims["org"] = json!("../other");
        let token = crafted(&k, json!({"alg": "ES256", "kid": "k1"}), claims);
        assert_eq!(
            verify(&trusting(&[&k]), &token).await,
            Err(TokenError::Malformed)
        );
    }

    #[tokio::test]
    async fn garbage_is_malformed() {
        let k = key("k1");
        let token = k.issue(&claims_at(NOW, 60));
        let padded = format!("{token}=");
        let der_length_signature = {
            let (input, _) = token.rsplit_once('.').unwrap();
            format!("{input}.{}", URL_SAFE_NO_PAD.encode([0u8; 70]))
        };
        for bad in [
            "not.a.jwt",
            "",
            "a.b",
            &format!("{token}.x"),
            &padded,
            &der_length_signature,
        ] {
            assert_eq!(
                verify(&trusting(&[&k]), bad).await,
                Err(TokenError::Malformed),
                "{bad}"
            );
        }
    }

    #[tokio::test]
    async fn a_kms_key_without_a_kms_client_cannot_sign_or_verify() {
        let kms = KmsKeyRef::parse("1234abcd-12ab-34cd-56ef-1234567890ab").unwrap();
        let signer = Signer::from_config(&SigningKeyConfig::Kms(kms.clone()), None);
        assert_eq!(
            signer.issue(&claims_at(NOW, 60)).await,
            Err(TokenError::NoKey)
        );
        let verifier = Verifier::from_config(&[VerifyingKeyConfig::Kms(kms.clone())], None);
        let forged = crafted(
            &key("k"),
            json!({"alg": "ES256", "kid": kms.kid().as_str()}),
            good_claims(),
        );
        assert_eq!(verify(&verifier, &forged).await, Err(TokenError::NoKey));
    }

    #[test]
    fn caller_faults_are_401s_and_key_faults_are_ours() {
        let status = |e: TokenError| ApiError::from(e).status();
        assert_eq!(status(TokenError::UnknownKey), 401);
        assert_eq!(status(TokenError::Algorithm), 401);
        assert_eq!(status(TokenError::Throttled), 429);
        assert_eq!(status(TokenError::Unavailable("x".into())), 503);
        assert_eq!(status(TokenError::KeyFault("x".into())), 500);
        assert_eq!(status(TokenError::NoKey), 500);
    }
}
