//! What a function builds once per process and lends to every request.

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;

use crate::attribute::Bucket;
use crate::auth::RequestContext;
use crate::cache::TtlCache;
use crate::config::Config;
use crate::db::Db;
use crate::error::ApiError;
use crate::ids::OrgId;
use crate::sso::crypto::Kek;

pub struct App {
    pub config: Config,
    pub db: Db,
    /// One client per configured replica region, for `all_regions` consistency.
    pub replicas: Vec<Db>,
    /// Verified (org, API-key hash) pairs.
    pub(crate) auth_cache: TtlCache<(OrgId, String), RequestContext>,
    /// Custom bucket definitions an org can see, by org.
    pub(crate) bucket_cache: TtlCache<OrgId, Vec<Bucket>>,
    /// Wraps the Zato SSO face's per-user data keys.
    pub kek: Kek,
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The HTTPS client of every SDK client: rustls with ring (the SDK's default brings aws-lc, about
/// 1 MiB more binary for the same TLS).
pub fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

impl App {
    /// Reads the configuration and builds the DynamoDB client (honouring
    /// `AWS_ENDPOINT_URL_DYNAMODB`), with timeouts that leave the handler time to answer 503.
    pub async fn from_env() -> Result<Self, BoxError> {
        Self::from_config(Config::from_env()?, None).await
    }

    /// As `from_env`, with a given configuration; `endpoint` replaces the DynamoDB endpoint
    /// (tests put a fault-injecting proxy there).
    pub async fn from_config(config: Config, endpoint: Option<&str>) -> Result<Self, BoxError> {
        let budget = config.dynamodb;
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(budget.connect_timeout)
            .operation_attempt_timeout(budget.attempt_timeout)
            .operation_timeout(budget.operation_timeout)
            .build();
        let retries = RetryConfig::standard()
            .with_max_attempts(budget.max_attempts)
            .with_initial_backoff(budget.retry_backoff);
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https_client())
            .timeout_config(timeouts)
            .retry_config(retries)
            .load()
            .await;
        let kek = Kek::from_config(&config.sso_kek, Some(&sdk));
        // The service-specific endpoint (AWS_ENDPOINT_URL_DYNAMODB) outranks a global one, so
        // the override goes on the DynamoDB client's own configuration.
        let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(&sdk);
        if let Some(url) = endpoint {
            dynamodb = dynamodb.endpoint_url(url);
        }
        let mut app = Self::new(config, Client::from_conf(dynamodb.build()));
        app.kek = kek;
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
        Self {
            kek: Kek::from_config(&config.sso_kek, None),
            auth_cache: TtlCache::new(config.auth_cache_ttl),
            bucket_cache: TtlCache::new(config.auth_cache_ttl),
            config,
            db,
            replicas,
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
