//! KMS's local counterpart: moto's server, which `make test` installs and starts on loopback
//! (`scripts/lib.sh`, `start_kms`) and names in `KMS_LOCAL_URL`. Tests of the KMS code paths
//! create their own keys in it, so no two tests share a key, and point an `App`'s KMS client at
//! it — directly, or through a [`crate::fault_proxy::FaultProxy`] that counts the calls and
//! injects outages and throttling.
//!
//! The local stack's functions never call it: locally they sign tokens and wrap data keys with
//! local keys.

use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use idgraph::App;
use idgraph::config::Config;
use idgraph::jwt::KmsKeyRef;

/// moto's server, as `make test` started it.
pub fn url() -> String {
    std::env::var("KMS_LOCAL_URL").unwrap_or_else(|_| {
        panic!(
            "KMS_LOCAL_URL is not set: these tests need moto's server (the local KMS), run them \
             with `make test` or `source scripts/lib.sh; ensure_moto; start_kms PORT LOG`"
        )
    })
}

/// A KMS client as the functions build theirs (`App::kms_client_at`: the test environment's
/// credentials, timeouts and retries), at `endpoint`: moto, or a fault proxy in front of it.
pub async fn client_at(endpoint: &str) -> aws_sdk_kms::Client {
    let config = Config::from_env().expect("the test environment's configuration");
    App::kms_client_at(&config, endpoint).await
}

/// The tests' own client of moto: it creates keys and checks what the functions stored.
pub async fn admin() -> aws_sdk_kms::Client {
    client_at(&url()).await
}

/// A new key of `spec` for `usage` in moto, named by its ARN as a deployment names it.
pub async fn create_key(spec: KeySpec, usage: KeyUsageType) -> String {
    let created = admin()
        .await
        .create_key()
        .key_spec(spec.clone())
        .key_usage(usage.clone())
        .description("idgraph test key")
        .send()
        .await
        .unwrap_or_else(|e| panic!("moto creates a {spec:?} {usage:?} key: {e:?}"));
    created
        .key_metadata()
        .map(|m| m.arn().expect("a key ARN").to_owned())
        .expect("the new key's metadata")
}

/// A new token key, as the template's `TokenKey` is: ECC_NIST_P256 for SIGN_VERIFY.
pub async fn token_key() -> KmsKeyRef {
    key_ref(create_key(KeySpec::EccNistP256, KeyUsageType::SignVerify).await)
}

/// A new key-encryption key, as the template's `SsoKey` is: symmetric, for ENCRYPT_DECRYPT.
pub async fn key_encryption_key() -> String {
    create_key(KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await
}

pub fn key_ref(arn: String) -> KmsKeyRef {
    KmsKeyRef::parse(&arn).unwrap_or_else(|e| panic!("{arn} names a KMS key: {e}"))
}
