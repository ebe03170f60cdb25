//! One module per API face; each renders responses and errors in that product's own format.

pub mod sailpoint;
pub mod slashid;
pub mod zato;

use http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA, RETRY_AFTER};
use lambda_http::{Body, Response};

use crate::error::ApiError;

/// A JSON response; the one place a response is assembled, so every face sends the same
/// `Content-Type` and, on 429/503, a whole-seconds `Retry-After`.
pub fn json_response(
    status: u16,
    body: &serde_json::Value,
    error: Option<&ApiError>,
) -> Response<Body> {
    let mut builder = Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json");
    if let Some(after) = error.and_then(ApiError::retry_after) {
        builder = builder.header(RETRY_AFTER, after.as_secs().max(1).to_string());
    }
    builder
        .body(Body::Text(body.to_string()))
        .expect("status and headers are valid")
}

/// Marks a response that carries a credential (an access token, a UST, a new API key) as never
/// to be stored by a cache or a browser (RFC 6749 §5.1; `Pragma` for HTTP/1.0 caches).
pub fn no_store(mut resp: Response<Body>) -> Response<Body> {
    let headers = resp.headers_mut();
    headers.insert(CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, http::HeaderValue::from_static("no-cache"));
    resp
}

pub fn empty_response(status: u16) -> Response<Body> {
    Response::builder()
        .status(status)
        .body(Body::Empty)
        .expect("status is valid")
}

/// The face a function belongs to, so the runtime can render its own failures (a panic) in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    SlashId,
    SailPoint,
    Zato,
}

impl Face {
    pub fn error(self, e: &ApiError) -> Response<Body> {
        match self {
            Face::SlashId => slashid::error(e),
            Face::SailPoint => sailpoint::error(e),
            Face::Zato => zato::error(e),
        }
    }
}

/// A message a client may see for `e`: our own faults say nothing about their cause.
pub(crate) fn public_message(e: &ApiError) -> String {
    match e {
        ApiError::Internal => "An internal fault occurred.".into(),
        ApiError::Unavailable { .. } => {
            "The service is temporarily unavailable; retry later.".into()
        }
        ApiError::Throttled { .. } => "Rate Limit Exceeded".into(),
        other => other.to_string(),
    }
}

/// 32 lowercase hex characters, as SailPoint's `trackingId` (and, shortened, Zato's `cid`).
pub(crate) fn random_hex32() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
