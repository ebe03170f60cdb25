//! Bulk import, deterministic generation and export of identity data as ndjson records, through
//! the same library (validation newtypes, key shapes, store functions) as the API.
pub mod export;
pub mod generate;
pub mod import;
pub mod record;
mod sso;

/// SDK timeouts for long scans and large batches: an offline tool is not bound by a Lambda's
/// budget, and a busy DynamoDB Local answers a page in seconds, not milliseconds.
pub fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .operation_attempt_timeout(std::time::Duration::from_secs(60))
        .operation_timeout(std::time::Duration::from_secs(300))
        .build()
}
