//! Bulk import, deterministic generation and export of identity data as ndjson records, through
//! the same library (validation newtypes, key shapes, store functions) as the API.
pub mod export;
pub mod generate;
pub mod import;
pub mod record;
mod sso;

use std::time::Duration;

use idgraph::config::DynamoDbBudget;

/// The tool's timeouts on top of `base`: an offline tool is not bound by a Lambda's budget, and a
/// busy DynamoDB Local answers a scan page or a large batch in seconds, not milliseconds.
pub fn budget(base: DynamoDbBudget) -> DynamoDbBudget {
    DynamoDbBudget {
        connect_timeout: Duration::from_secs(5),
        attempt_timeout: Duration::from_secs(60),
        operation_timeout: Duration::from_secs(300),
        ..base
    }
}

/// The functions' configuration (`TABLE_NAME`, `AWS_ENDPOINT_URL_DYNAMODB`, ...) with the
/// tool's time budget instead of a Lambda's.
pub async fn app() -> Result<idgraph::App, String> {
    let mut config = idgraph::config::Config::from_env().map_err(|e| e.to_string())?;
    config.dynamodb = budget(config.dynamodb);
    idgraph::App::from_config_for_sso_users(config, None)
        .await
        .map_err(|e| e.to_string())
}

/// The tool's timeouts as SDK configuration, for a client built elsewhere (the tests').
pub fn timeouts() -> aws_config::timeout::TimeoutConfig {
    budget(DynamoDbBudget::default()).timeout_config()
}
