//! Bulk import, deterministic generation and export of identity data as ndjson records, through
//! the same library (validation newtypes, key shapes, store functions) as the API.
pub mod export;
pub mod generate;
pub mod import;
pub mod record;
mod sso;

/// The functions' configuration (`TABLE_NAME`, `AWS_ENDPOINT_URL_DYNAMODB`, ...) with the
/// tool's time budget instead of a Lambda's.
pub async fn app() -> Result<idgraph::App, String> {
    let mut config = idgraph::config::Config::from_env().map_err(|e| e.to_string())?;
    config.dynamodb.connect_timeout = std::time::Duration::from_secs(5);
    config.dynamodb.attempt_timeout = std::time::Duration::from_secs(60);
    config.dynamodb.operation_timeout = std::time::Duration::from_secs(300);
    idgraph::App::from_config(config, None)
        .await
        .map_err(|e| e.to_string())
}

/// SDK timeouts for long scans and large batches: an offline tool is not bound by a Lambda's
/// budget, and a busy DynamoDB Local answers a page in seconds, not milliseconds.
pub fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .operation_attempt_timeout(std::time::Duration::from_secs(60))
        .operation_timeout(std::time::Duration::from_secs(300))
        .build()
}
