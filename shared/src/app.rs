//! What a function builds once per process and lends to every request.

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;

use crate::auth::AuthCache;
use crate::config::{self, Config};
use crate::db::Db;

pub struct App {
    pub config: Config,
    pub db: Db,
    pub(crate) auth_cache: AuthCache,
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl App {
    /// Reads the configuration and builds the DynamoDB client (honouring
    /// `AWS_ENDPOINT_URL_DYNAMODB`), with timeouts that leave the handler time to answer 503.
    pub async fn from_env() -> Result<Self, BoxError> {
        let config = Config::from_env()?;
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(config::DYNAMODB_CONNECT_TIMEOUT)
            .operation_attempt_timeout(config::DYNAMODB_ATTEMPT_TIMEOUT)
            .operation_timeout(config::DYNAMODB_OPERATION_TIMEOUT)
            .build();
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(timeouts)
            .load()
            .await;
        Ok(Self::new(config, Client::new(&sdk)))
    }

    pub fn new(config: Config, client: Client) -> Self {
        let db = Db::new(client, config.table_name.clone());
        let auth_cache = AuthCache::new(config.auth_cache_ttl);
        Self {
            config,
            db,
            auth_cache,
        }
    }
}
