//! What a function builds once per process and lends to every request.

use aws_config::environment::{
    EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
};
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::SharedCredentialsProvider;
use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};

use crate::cache::TtlCache;
use crate::config::{Config, KekConfig};
use crate::context::RequestContext;
use crate::db::Db;
use crate::error::ApiError;
use crate::ids::OrgId;
use crate::jwt;
use crate::sso::crypto::Kek;
use crate::store::admission::Admission;
use crate::store::search_engine::SearchEngine;

pub struct App {
    pub config: Config,
    pub db: Db,
    /// One client per configured replica region, for `all_regions` consistency.
    pub replicas: Vec<Db>,
    /// Verified (org, API-key hash) pairs.
    pub(crate) auth_cache: TtlCache<(OrgId, String), RequestContext>,
    /// Custom bucket definitions an org can see, by org.
    pub(crate) bucket_cache: crate::store::buckets::BucketCache,
    /// Wraps the Zato SSO face's per-user data keys.
    pub kek: Kek,
    /// Signs SailPoint access tokens: configured in the token function only.
    pub token_signer: jwt::Signer,
    /// The public keys SailPoint access tokens are verified with.
    pub token_verifier: jwt::Verifier,
    /// What this instance still holds of each org's request allowance.
    admission: Admission,
    /// The search engine (`SEARCH_ENDPOINT`): given to the search functions and the stream
    /// consumer only; `None` when the deployment has none.
    pub search: Option<SearchEngine>,
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

const NO_KEK: &str = "the Zato SSO face needs a key-encryption key: set SSO_KMS_KEY_ID (KMS) or \
                      SSO_LOCAL_KEK (a local key)";

/// The HTTPS client of every SDK client: rustls with ring (the SDK's default brings aws-lc, about
/// 1 MiB more binary for the same TLS).
pub fn https_client() -> SharedHttpClient {
    client_trusting(TrustStore::default())
}

/// The client for a plain-http endpoint (DynamoDB Local): it never verifies a certificate, so it
/// does not read the system's CA store, which was a third of a function's cold start.
fn plain_http_client() -> SharedHttpClient {
    client_trusting(TrustStore::empty())
}

fn client_trusting(roots: TrustStore) -> SharedHttpClient {
    let tls = TlsContext::builder()
        .with_trust_store(roots)
        .build()
        .expect("building a TLS context cannot fail");
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(tls)
        .build_https()
}

/// The SDK configuration as Lambda's environment gives it: credentials and region from the
/// variables Lambda sets, retries and timeouts from our budget. aws-config's default chain would
/// also link STS, IMDS, ECS and profile-file providers into every binary, none of which can run
/// in Lambda; tools and tests take their credentials from the environment too.
async fn sdk_config(config: &Config) -> SdkConfig {
    use aws_config::meta::region::ProvideRegion;
    let budget = config.dynamodb;
    let retries = RetryConfig::standard()
        .with_max_attempts(budget.max_attempts)
        .with_initial_backoff(budget.retry_backoff);
    let credentials = EnvironmentVariableCredentialsProvider::new();
    let mut sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(EnvironmentVariableRegionProvider::new().region().await)
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(https_client())
        .timeout_config(budget.timeout_config())
        .retry_config(retries);
    if let Some(url) = endpoint_url("AWS_ENDPOINT_URL") {
        sdk = sdk.endpoint_url(url);
    }
    sdk.build()
}

/// An endpoint variable of the SDK's (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`), which
/// only aws-config's default loader would read.
fn endpoint_url(variable: &str) -> Option<String> {
    std::env::var(variable).ok().filter(|url| !url.is_empty())
}

/// Whether DynamoDB is reached on this machine (`AWS_ENDPOINT_URL_DYNAMODB` or
/// `AWS_ENDPOINT_URL` naming a loopback host): tools that write demo credentials refuse anything
/// else unless told so. No endpoint at all means AWS itself.
pub fn dynamodb_is_loopback() -> bool {
    endpoint_url("AWS_ENDPOINT_URL_DYNAMODB")
        .or_else(|| endpoint_url("AWS_ENDPOINT_URL"))
        .is_some_and(|url| is_loopback_url(&url))
}

fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Builds the KMS client: the Zato SSO face wraps data keys with it, the SailPoint face signs
/// tokens and reads the signing key's public key. Only those faces' binaries pass one
/// (`lambda_main!`), so no other function links the KMS SDK.
type KmsClient = fn(&SdkConfig) -> aws_sdk_kms::Client;

impl App {
    /// Forgets this instance's verification of `org`'s API key of hash `key_hash`, so a key just
    /// revoked here stops working here at once (other warm instances forget within
    /// `AUTH_CACHE_SECONDS`).
    pub fn forget_api_key(&self, org: &OrgId, key_hash: &str) {
        self.auth_cache.forget(&(org.clone(), key_hash.to_owned()));
    }

    /// Reads the configuration and builds the DynamoDB client (honouring
    /// `AWS_ENDPOINT_URL_DYNAMODB`), with timeouts that leave the handler time to answer 503.
    pub async fn from_env() -> Result<Self, BoxError> {
        Self::build(Config::from_env()?, None, None).await
    }

    /// As `from_env`, with a KMS client for the keys the deployment names: the key that wraps
    /// SSO users' data keys (`SSO_KMS_KEY_ID`) and the token keys (`JWT_KMS_KEY_ID`,
    /// `JWT_KMS_VERIFY_KEYS`).
    pub async fn from_env_with_kms() -> Result<Self, BoxError> {
        Self::build(Config::from_env()?, None, Some(aws_sdk_kms::Client::new)).await
    }

    /// As `from_env_with_kms`, for what creates Zato users (the Zato face, the bootstrap and bulk
    /// tools): it refuses to start without a key-encryption key, which would leave users with
    /// no data key, whose values could never be sealed.
    pub async fn from_env_for_sso_users() -> Result<Self, BoxError> {
        Self::from_config_for_sso_users(Config::from_env()?, None).await
    }

    /// As `from_env_for_sso_users`, with a given configuration and DynamoDB endpoint.
    pub async fn from_config_for_sso_users(
        config: Config,
        endpoint: Option<&str>,
    ) -> Result<Self, BoxError> {
        if config.sso_kek == KekConfig::None {
            return Err(NO_KEK.into());
        }
        Self::build(config, endpoint, Some(aws_sdk_kms::Client::new)).await
    }

    /// As `from_env`, with a given configuration; `endpoint` replaces the DynamoDB endpoint
    /// (tests put a fault-injecting proxy there).
    pub async fn from_config(config: Config, endpoint: Option<&str>) -> Result<Self, BoxError> {
        Self::build(config, endpoint, None).await
    }

    /// As `from_config`, with KMS (the bulk tool imports SSO users).
    pub async fn from_config_with_kms(
        config: Config,
        endpoint: Option<&str>,
    ) -> Result<Self, BoxError> {
        Self::build(config, endpoint, Some(aws_sdk_kms::Client::new)).await
    }

    /// A KMS client as `from_env_with_kms` builds it (same credentials, timeouts and retries),
    /// at another endpoint: tests put moto's server (KMS's local counterpart) there, or a fault
    /// proxy in front of it.
    pub async fn kms_client_at(config: &Config, endpoint: &str) -> aws_sdk_kms::Client {
        let sdk = sdk_config(config).await;
        let mut kms = aws_sdk_kms::config::Builder::from(&sdk).endpoint_url(endpoint);
        if endpoint.starts_with("http://") {
            kms = kms.http_client(plain_http_client());
        }
        aws_sdk_kms::Client::from_conf(kms.build())
    }

    async fn build(
        config: Config,
        endpoint: Option<&str>,
        kms: Option<KmsClient>,
    ) -> Result<Self, BoxError> {
        let sdk = sdk_config(&config).await;
        let kms = kms.map(|client| client(&sdk));
        let kek = Kek::from_config(&config.sso_kek, kms.clone());
        let token_signer = jwt::Signer::from_config(&config.token_signing_key, kms.clone());
        let token_verifier = jwt::Verifier::from_config(&config.token_verifying_keys, kms);
        let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(&sdk);
        if let Some(url) = endpoint
            .map(str::to_owned)
            .or_else(|| endpoint_url("AWS_ENDPOINT_URL_DYNAMODB"))
        {
            if url.starts_with("http://") {
                dynamodb = dynamodb.http_client(plain_http_client());
            }
            dynamodb = dynamodb.endpoint_url(url);
        }
        let mut app = Self::new(config, Client::from_conf(dynamodb.build()));
        app.kek = kek;
        app.token_signer = token_signer;
        app.token_verifier = token_verifier;
        Ok(app)
    }

    pub fn new(config: Config, client: Client) -> Self {
        let mut db = Db::new(client.clone(), config.table_name.clone());
        db.max_transaction_items = config.transaction_item_limit;
        let replicas = config
            .replicas
            .iter()
            .map(|(region, table)| {
                let region = aws_sdk_dynamodb::config::Region::new(region.clone());
                let conf = client.config().to_builder().region(region).build();
                Db::new(Client::from_conf(conf), table.clone())
            })
            .collect();
        // Signed with the function's own credentials, from the environment as the SDK's are.
        let search = SearchEngine::from_env(
            Some(SharedCredentialsProvider::new(
                EnvironmentVariableCredentialsProvider::new(),
            )),
            client.config().region().map(ToString::to_string),
        );
        Self {
            search,
            kek: Kek::from_config(&config.sso_kek, None),
            token_signer: jwt::Signer::from_config(&config.token_signing_key, None),
            token_verifier: jwt::Verifier::from_config(&config.token_verifying_keys, None),
            auth_cache: TtlCache::new(config.auth_cache_ttl),
            bucket_cache: TtlCache::new(config.auth_cache_ttl),
            admission: Admission::default(),
            config,
            db,
            replicas,
        }
    }

    /// Counts one request against `org`'s allowance (`ORG_REQUESTS_PER_SECOND`): 429 past it,
    /// so no tenant can take the capacity every tenant shares.
    pub async fn admit(&self, org: &OrgId) -> Result<(), ApiError> {
        let per_second = self.config.org_requests_per_second;
        match self.admission.admit(&self.db, org, per_second).await? {
            Ok(()) => Ok(()),
            Err(over) => Err(ApiError::Throttled {
                retry_after: over.retry_after,
            }),
        }
    }
}

impl App {
    /// The organization the Zato SSO face serves. Its absence is a deployment fault, never the
    /// caller's.
    pub fn sso_org(&self) -> Result<&OrgId, ApiError> {
        self.config.sso_org.as_ref().ok_or_else(|| {
            tracing::error!("SSO_ORG_ID is not configured");
            ApiError::Internal
        })
    }
}

impl crate::store::buckets::BucketStore for App {
    fn db(&self) -> &Db {
        &self.db
    }
    fn bucket_cache(&self) -> &crate::store::buckets::BucketCache {
        &self.bucket_cache
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback_url;

    #[test]
    fn only_loopback_hosts_are_local() {
        for local in [
            "http://127.0.0.1:8000",
            "http://localhost:8000/",
            "http://[::1]:8000",
            "http://127.9.9.9",
        ] {
            assert!(is_loopback_url(local), "{local}");
        }
        for remote in [
            "https://dynamodb.us-east-1.amazonaws.com",
            "http://10.0.0.5:8000",
            "http://localhost.example.com",
            "http://127.0.0.1.example.com",
        ] {
            assert!(!is_loopback_url(remote), "{remote}");
        }
    }
}
