//! SailPoint's error bodies: `ErrorResponseDto` for most statuses, `{error}` for 401 and
//! `{message}` for 429, as the v3 spec's shared responses define them.

use lambda_http::{Body, Response};
use serde::Serialize;
use serde_json::json;

use super::{json_response, public_message, random_hex32};
use crate::error::ApiError;

pub fn ok<T: Serialize>(status: u16, body: &T) -> Response<Body> {
    json_response(
        status,
        &serde_json::to_value(body).unwrap_or_default(),
        None,
    )
}

pub fn error(e: &ApiError) -> Response<Body> {
    let status = e.status();
    let body = match e {
        ApiError::Unauthorized(msg) => json!({ "error": msg }),
        ApiError::Throttled { .. } => json!({ "message": public_message(e) }),
        _ => json!({
            "detailCode": detail_code(status),
            "trackingId": random_hex32(),
            "messages": [{ "locale": "en-US", "localeOrigin": "DEFAULT", "text": public_message(e) }],
            "causes": [],
        }),
    };
    json_response(status, &body, Some(e))
}

fn detail_code(status: u16) -> &'static str {
    match status {
        400 => "400.1 Bad Request Content",
        403 => "403 Forbidden",
        404 => "404 Not found",
        409 => "409 Conflict",
        412 => "412 Precondition Failed",
        413 => "413 Payload Too Large",
        503 => "503 Service Unavailable",
        _ => "500.0 Internal Fault",
    }
}
