//! The two error layers every handler deals with. Each variant says which HTTP status it becomes;
//! the modules under `faces/` render an `ApiError` in that face's own body format.

use std::time::Duration;

/// What the storage layer can say went wrong, independent of any API face.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A condition on a write (uniqueness, version) did not hold. The caller decides what it means.
    #[error("a write condition did not hold")]
    ConditionFailed,
    /// A transaction was cancelled; one reason code per item, in request order (`None` where
    /// that item was fine). Empty when DynamoDB gave no reasons.
    #[error("transaction cancelled: {0:?}")]
    TransactionCancelled(Vec<String>),
    /// DynamoDB throttled us after the SDK's own retries.
    #[error("DynamoDB throttled the request")]
    Throttled,
    /// DynamoDB could not be reached, timed out, or failed on its side.
    #[error("DynamoDB is unavailable: {0}")]
    Unavailable(String),
    /// A stored item has a shape this code never writes, or DynamoDB refused a request this code
    /// built. Never caused by input, which is validated before it reaches the store.
    #[error("storage fault: {0}")]
    Internal(String),
}

/// What a handler answers, before a face renders it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    RequestTimeout(String),
    /// A capability this deployment was configured without (search with `SearchEngine=none`).
    #[error("{0}")]
    NotImplemented(String),
    #[error("too many requests")]
    Throttled { retry_after: Duration },
    #[error("service temporarily unavailable")]
    Unavailable { retry_after: Duration },
    #[error("internal error")]
    Internal,
}

/// What a client waits before retrying after a 429 or 503. Small and whole, as SailPoint's SDK
/// (urllib3's Retry) sleeps exactly this long, up to three times.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::RequestTimeout(_) => 408,
            Self::Conflict(_) => 409,
            Self::PreconditionFailed(_) => 412,
            Self::PayloadTooLarge(_) => 413,
            Self::Throttled { .. } => 429,
            Self::Internal => 500,
            Self::NotImplemented(_) => 501,
            Self::Unavailable { .. } => 503,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Throttled { retry_after } | Self::Unavailable { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Throttled => Self::Throttled {
                retry_after: RETRY_AFTER,
            },
            StoreError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "DynamoDB unavailable");
                Self::Unavailable {
                    retry_after: RETRY_AFTER,
                }
            }
            StoreError::ConditionFailed | StoreError::TransactionCancelled(_) => {
                Self::Conflict("the resource was changed concurrently".into())
            }
            StoreError::Internal(detail) => {
                tracing::error!(error = %detail, "storage layer fault");
                Self::Internal
            }
        }
    }
}
