//! Zato SSO's envelope: `{cid, status: ok|warning|error, sub_status?: [codes], ...}`. Zato answers
//! validation errors with HTTP 403 and the envelope; its codes are in `status-code.rst`.

use lambda_http::{Body, Response};
use serde_json::{Map, Value, json};

use super::{json_response, random_hex32};
use crate::error::ApiError;

pub const NOT_ALLOWED: &str = "E005001";
pub const INVALID_INPUT: &str = "E008002";
pub const MISSING_INPUT: &str = "E008003";
pub const INTERNAL_ERROR: &str = "E008004";

/// A `cid` as Zato prints one: 24 lowercase hex characters.
pub fn cid() -> String {
    random_hex32()[..24].to_owned()
}

/// `{cid, status: "ok", ...fields}` with HTTP 200.
pub fn ok(fields: Map<String, Value>) -> Response<Body> {
    let mut body = Map::from_iter([("cid".into(), json!(cid())), ("status".into(), json!("ok"))]);
    body.extend(fields);
    json_response(200, &Value::Object(body), None)
}

/// `{cid, status: "error", sub_status: [code]}` with the given HTTP status.
pub fn failure(http_status: u16, code: &str) -> Response<Body> {
    json_response(
        http_status,
        &json!({ "cid": cid(), "status": "error", "sub_status": [code] }),
        None,
    )
}

/// Face-neutral errors in Zato's terms: bad input is `E008002` with 403 as Zato does, a missing
/// required field 400, anything about credentials the generic `E005001`.
pub fn error(e: &ApiError) -> Response<Body> {
    let (status, code) = match e {
        ApiError::BadRequest(_) | ApiError::Conflict(_) | ApiError::PreconditionFailed(_) => {
            (403, INVALID_INPUT)
        }
        ApiError::PayloadTooLarge(_) => (413, INVALID_INPUT),
        ApiError::Unauthorized(_) | ApiError::Forbidden(_) | ApiError::NotFound(_) => {
            (403, NOT_ALLOWED)
        }
        ApiError::RequestTimeout(_) => (408, INTERNAL_ERROR),
        ApiError::Throttled { .. } => (429, INTERNAL_ERROR),
        ApiError::Unavailable { .. } => (503, INTERNAL_ERROR),
        ApiError::Internal => (500, INTERNAL_ERROR),
    };
    json_response(
        status,
        &json!({ "cid": cid(), "status": "error", "sub_status": [code] }),
        Some(e),
    )
}
