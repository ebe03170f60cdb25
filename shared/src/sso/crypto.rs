//! Secrets of the SSO face. Passwords are argon2id hashes (PHC strings). Attribute values with
//! `encrypt: true` are sealed with AES-256-GCM under a per-user data key, which is stored only
//! wrapped by the key-encryption key: KMS in AWS, a configured local key elsewhere.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use aws_sdk_kms::primitives::Blob;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::config::KekConfig;
use crate::error::ApiError;
use crate::kms::KmsFault;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// `encrypt: true` in a stack configured with no key-encryption key.
    #[error("no key-encryption key is configured (SSO_KMS_KEY_ID or SSO_LOCAL_KEK)")]
    NotConfigured,
    #[error("KMS is unavailable: {0}")]
    Unavailable(String),
    #[error("KMS throttled a data key request")]
    Throttled,
    /// A sealed value or wrapped key that does not open under this key: tampering, a wrapped
    /// key moved to another user, or a key that changed under stored data.
    #[error("a sealed value does not open: {0}")]
    Corrupt(&'static str),
    /// KMS refused for a reason retrying does not cure (access denied, no such key).
    #[error("the key-encryption key is misconfigured: {0}")]
    KeyFault(String),
}

impl From<CryptoError> for ApiError {
    fn from(e: CryptoError) -> Self {
        tracing::error!(error = %e, "encryption fault");
        match e {
            CryptoError::Unavailable(_) => Self::Unavailable {
                retry_after: crate::error::RETRY_AFTER,
            },
            CryptoError::Throttled => Self::Throttled {
                retry_after: crate::error::RETRY_AFTER,
            },
            _ => Self::Internal,
        }
    }
}

/// A KMS failure of the key-encryption key, as `crate::kms` tells them apart. A wrapped key that
/// KMS will not open (another user's encryption context, another key) is corrupt data, not an
/// outage: answering 503 would have the client retry what can never succeed.
fn kms_error<E, R>(e: &aws_sdk_kms::error::SdkError<E, R>) -> CryptoError
where
    E: aws_sdk_kms::error::ProvideErrorMetadata,
{
    match KmsFault::of(e) {
        KmsFault::Refused {
            code: Some(code), ..
        } if code == "InvalidCiphertextException" || code == "IncorrectKeyException" => {
            CryptoError::Corrupt("KMS does not open the wrapped key for this user")
        }
        KmsFault::Throttled => CryptoError::Throttled,
        KmsFault::Unavailable(why) => CryptoError::Unavailable(why),
        refused @ KmsFault::Refused { .. } => CryptoError::KeyFault(refused.to_string()),
    }
}

// Fresh secrets come from the value layer, so that inputs (a new UST) can mint them.
pub use crate::digest::{random_bytes, random_token};

pub fn hash_password(password: &str) -> String {
    hash_password_with_salt(password, &random_bytes::<16>())
}

/// The same hash with a given salt: for reproducible generated data, never for a request.
pub fn hash_password_with_salt(password: &str, salt: &[u8; 16]) -> String {
    let salt = SaltString::encode_b64(salt).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2id with default parameters hashes any input")
        .to_string()
}

/// What an unknown username's login verifies against, made once with today's parameters, so it
/// costs exactly what a known user's wrong password costs — and nothing is hashed on the first
/// unknown username of a warm instance, which would have told it apart.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$YPtol/LqtqigY6Ar59YwZQ$FB2OTcLl1QP4HQE10ARR1hV9TGXIIuQlq+OaSlpnWeE";

/// Whether `password` matches the stored hash. Without one (no such user) it verifies against
/// `DUMMY_HASH`, so timing does not tell whether a username exists.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    let Ok(hash) = PasswordHash::new(stored.unwrap_or(DUMMY_HASH)) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok();
    matches && stored.is_some()
}

/// Whether a stored hash was made with weaker settings than today's — another argon2 variant or
/// version, or lower memory, time or parallelism costs (an imported hash) — so that the next
/// successful login replaces it.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let current = argon2::Params::default();
    if hash.algorithm != argon2::Algorithm::Argon2id.ident()
        || hash.version != Some(argon2::Version::V0x13.into())
    {
        return true;
    }
    match argon2::Params::try_from(&hash) {
        Ok(p) => {
            p.m_cost() < current.m_cost()
                || p.t_cost() < current.t_cost()
                || p.p_cost() < current.p_cost()
        }
        Err(_) => true,
    }
}

/// A user's plaintext data key. It lives only in memory, for one request.
pub struct DataKey([u8; 32]);

impl DataKey {
    #[cfg(test)]
    pub(crate) fn for_tests(key: [u8; 32]) -> Self {
        Self(key)
    }
}

const SEALED_PREFIX: &str = "v1:";

impl DataKey {
    /// `v1:` + base64(nonce ‖ ciphertext ‖ tag). `context` is bound as associated data, so a
    /// sealed value moved to another attribute or user does not open.
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> String {
        let nonce = random_bytes::<12>();
        let sealed = cipher(&self.0)
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .expect("AES-GCM encrypts any message under 64 GiB");
        format!(
            "{SEALED_PREFIX}{}",
            STANDARD.encode([&nonce[..], &sealed].concat())
        )
    }

    pub fn open(&self, context: &str, sealed: &str) -> Result<Vec<u8>, CryptoError> {
        let raw = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|r| r.len() > 12)
            .ok_or(CryptoError::Corrupt("not a sealed value"))?;
        let (nonce, body) = raw.split_at(12);
        cipher(&self.0)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Corrupt("authentication failed"))
    }
}

fn cipher(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new_from_slice(key).expect("a 32-byte key")
}

/// The key-encryption key, built once per process.
pub enum Kek {
    None,
    Local(DataKey),
    Kms {
        client: aws_sdk_kms::Client,
        key_id: String,
    },
}

const LOCAL_PREFIX: &str = "local:";
const KMS_PREFIX: &str = "kms:";

impl Kek {
    /// A KMS key needs `kms`, the client; without one that deployment's users get no data key.
    pub fn from_config(config: &KekConfig, kms: Option<aws_sdk_kms::Client>) -> Self {
        match (config, kms) {
            (KekConfig::Local(key), _) => Self::Local(DataKey(*key)),
            (KekConfig::Kms(key_id), Some(client)) => Self::Kms {
                client,
                key_id: key_id.clone(),
            },
            _ => Self::None,
        }
    }

    /// A fresh data key and its wrapped form, bound to `context` (the user).
    pub async fn new_data_key(&self, context: &str) -> Result<(DataKey, String), CryptoError> {
        match self {
            Self::None => Err(CryptoError::NotConfigured),
            Self::Local(kek) => {
                let key = random_bytes::<32>();
                let wrapped = kek.seal(context, &key);
                Ok((DataKey(key), format!("{LOCAL_PREFIX}{wrapped}")))
            }
            Self::Kms { client, key_id } => {
                let out = client
                    .generate_data_key()
                    .key_id(key_id)
                    .key_spec(aws_sdk_kms::types::DataKeySpec::Aes256)
                    .encryption_context("sso-user", context)
                    .send()
                    .await
                    .map_err(|e| kms_error(&e))?;
                let plain = kms_plaintext(out.plaintext())?;
                let wrapped = out
                    .ciphertext_blob()
                    .ok_or(CryptoError::Corrupt("KMS returned no wrapped key"))?;
                Ok((
                    DataKey(plain),
                    format!("{KMS_PREFIX}{}", STANDARD.encode(wrapped.as_ref())),
                ))
            }
        }
    }

    pub async fn unwrap(&self, context: &str, wrapped: &str) -> Result<DataKey, CryptoError> {
        match self {
            Self::None => Err(CryptoError::NotConfigured),
            Self::Local(kek) => {
                let sealed = wrapped
                    .strip_prefix(LOCAL_PREFIX)
                    .ok_or(CryptoError::Corrupt("not wrapped by the local key"))?;
                let key: [u8; 32] = kek
                    .open(context, sealed)?
                    .try_into()
                    .map_err(|_| CryptoError::Corrupt("a wrapped key is not 32 bytes"))?;
                Ok(DataKey(key))
            }
            Self::Kms { client, key_id } => {
                let blob = wrapped
                    .strip_prefix(KMS_PREFIX)
                    .and_then(|b| STANDARD.decode(b).ok())
                    .ok_or(CryptoError::Corrupt("not wrapped by KMS"))?;
                let out = client
                    .decrypt()
                    .key_id(key_id)
                    .ciphertext_blob(Blob::new(blob))
                    .encryption_context("sso-user", context)
                    .send()
                    .await
                    .map_err(|e| kms_error(&e))?;
                Ok(DataKey(kms_plaintext(out.plaintext())?))
            }
        }
    }
}

fn kms_plaintext(blob: Option<&Blob>) -> Result<[u8; 32], CryptoError> {
    blob.map(Blob::as_ref)
        .and_then(|p| p.try_into().ok())
        .ok_or(CryptoError::Corrupt("KMS returned no 32-byte key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_sealed_under_a_wrapped_key_opens_only_in_its_own_context() {
        let kek = Kek::Local(DataKey([7; 32]));
        let (key, wrapped) = kek.new_data_key("org#user").await.unwrap();
        let sealed = key.seal("org#user#a", b"secret");
        assert!(!sealed.contains("secret"));
        let again = kek.unwrap("org#user", &wrapped).await.unwrap();
        assert_eq!(again.open("org#user#a", &sealed).unwrap(), b"secret");
        assert!(again.open("org#user#b", &sealed).is_err());
        assert!(kek.unwrap("org#other", &wrapped).await.is_err());
    }

    #[test]
    fn kms_throttling_is_a_429_an_outage_a_503_and_a_key_that_does_not_open_a_500() {
        let status = |e: CryptoError| ApiError::from(e).status();
        assert_eq!(status(CryptoError::Throttled), 429);
        assert_eq!(status(CryptoError::Unavailable("x".into())), 503);
        assert_eq!(status(CryptoError::Corrupt("x")), 500);
        assert_eq!(status(CryptoError::KeyFault("x".into())), 500);
        assert_eq!(status(CryptoError::NotConfigured), 500);
    }

    #[test]
    fn the_unknown_user_hash_has_todays_parameters_so_it_costs_what_a_real_one_does() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let (params, current) = (
            argon2::Params::try_from(&dummy).unwrap(),
            argon2::Params::default(),
        );
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (current.m_cost(), current.t_cost(), current.p_cost())
        );
        assert_eq!(dummy.algorithm, argon2::Algorithm::Argon2id.ident());
        assert!(!needs_rehash(DUMMY_HASH));
    }

    #[test]
    fn a_hash_with_weaker_parameters_or_another_variant_needs_rehashing() {
        let salt = SaltString::encode_b64(&[1; 16]).unwrap();
        let weak = |alg, m, t| {
            let params = argon2::Params::new(m, t, 1, None).unwrap();
            Argon2::new(alg, argon2::Version::V0x13, params)
                .hash_password(b"pw", &salt)
                .unwrap()
                .to_string()
        };
        assert!(needs_rehash(&weak(argon2::Algorithm::Argon2id, 4096, 2)));
        assert!(needs_rehash(&weak(argon2::Algorithm::Argon2id, 19456, 1)));
        assert!(needs_rehash(&weak(argon2::Algorithm::Argon2i, 19456, 2)));
        assert!(!needs_rehash(&hash_password("pw")));
        // A weak hash still verifies: the login succeeds, then rehashes.
        assert!(verify_password(
            "pw",
            Some(&weak(argon2::Algorithm::Argon2i, 4096, 1))
        ));
    }

    #[test]
    fn a_password_verifies_against_its_hash_only() {
        let hash = hash_password("right");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("right", Some(&hash)));
        assert!(!verify_password("wrong", Some(&hash)));
        assert!(!verify_password("no such user", None));
    }
}
