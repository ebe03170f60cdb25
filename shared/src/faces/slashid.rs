//! SlashID's `APIResponseBase` envelope: `{meta?, errors?: [{httpcode, message}], result?}`.

use lambda_http::{Body, Response};
use serde::Serialize;
use serde_json::json;

use super::{empty_response, json_response, public_message};
use crate::error::ApiError;

pub fn result<T: Serialize>(status: u16, result: &T) -> Response<Body> {
    json_response(status, &json!({ "result": result }), None)
}

pub fn no_content() -> Response<Body> {
    empty_response(204)
}

pub fn error(e: &ApiError) -> Response<Body> {
    let status = e.status();
    let body = json!({ "errors": [{ "httpcode": status, "message": public_message(e) }] });
    json_response(status, &body, Some(e))
}
