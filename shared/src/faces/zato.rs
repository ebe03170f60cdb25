//! Zato SSO's envelope: `{cid, status: ok|warning|error, sub_status?: [codes], ...}`. Zato answers
//! validation errors with HTTP 403 and the envelope; its codes are in `status-code.rst`.

use lambda_http::{Body, Response};
use serde_json::{Map, Value, json};

use super::{json_response, random_hex32};
use crate::error::ApiError;

// The vocabulary (codes and ZatoError) is the SSO domain's; this module renders it.
pub use crate::sso::error::*;

impl ZatoError {
    /// The audit reason when this answer refuses the caller (not when it refuses the input).
    fn refusal(&self) -> Option<&'static str> {
        match self {
            Self::InvalidApp => Some("invalid_app"),
            Self::NoSuchSession => Some("no_session"),
            Self::NotAllowed => Some("not_allowed"),
            Self::Locked => Some("locked"),
            Self::NotApproved => Some("not_approved"),
            Self::Api(ApiError::Unauthorized(_) | ApiError::Forbidden(_)) => Some("not_allowed"),
            _ => None,
        }
    }

    /// The HTTP status and sub-status code.
    pub fn status_and_code(&self) -> (u16, &'static str) {
        match self {
            Self::MissingInput(_) => (400, MISSING_INPUT),
            Self::InvalidInput(_) => (403, INVALID_INPUT),
            Self::InvalidApp => (200, APP_INVALID),
            Self::NoSuchSession => (403, NO_SUCH_SESSION),
            Self::NotAllowed => (403, NOT_ALLOWED),
            Self::Locked => (403, LOCKED),
            Self::NotApproved => (403, NOT_APPROVED),
            Self::Rule(code) => (403, code),
            Self::AttrExists => (403, ATTR_EXISTS),
            Self::NoSuchAttr => (403, NO_SUCH_ATTR),
            Self::Api(e) => api_status_and_code(e),
        }
    }
}

/// The Zato SSO face's contract: its functions fail with `ZatoError`, and every one opens the
/// user store, so it needs the key-encryption key.
pub struct Zato;

impl super::FaceApi for Zato {
    const FACE: super::Face = super::Face::Zato;
    type Error = ZatoError;

    fn respond(outcome: Result<Response<Body>, ZatoError>) -> Response<Body> {
        respond(outcome)
    }

    async fn app() -> Result<crate::App, crate::app::BoxError> {
        crate::App::from_env_for_sso_users().await
    }
}

/// Runs a handler body; every `Err` becomes Zato's error envelope.
pub fn respond(outcome: Result<Response<Body>, ZatoError>) -> Response<Body> {
    if outcome.is_ok() {
        crate::audit::allowed();
    }
    outcome.unwrap_or_else(|e| {
        if let Some(reason) = e.refusal() {
            crate::audit::denied_unless_told(reason);
        }
        if !matches!(e, ZatoError::Api(_)) {
            // Names the rule that failed, never the input's values.
            tracing::info!(reason = %e, "zato request refused");
        }
        match e {
            ZatoError::Api(api) => error(&api),
            other => {
                let (status, code) = other.status_and_code();
                failure(status, code)
            }
        }
    })
}

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

fn api_status_and_code(e: &ApiError) -> (u16, &'static str) {
    match e {
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
        ApiError::Internal | ApiError::NotImplemented(_) => (500, INTERNAL_ERROR),
    }
}

/// Face-neutral errors in Zato's terms: bad input is `E008002` with 403 as Zato does, anything
/// about credentials the generic `E005001`, DynamoDB faults 503/429 with `Retry-After`.
pub fn error(e: &ApiError) -> Response<Body> {
    let (status, code) = api_status_and_code(e);
    json_response(
        status,
        &json!({ "cid": cid(), "status": "error", "sub_status": [code] }),
        Some(e),
    )
}

impl From<crate::store::sso_users::SsoError> for ZatoError {
    fn from(e: crate::store::sso_users::SsoError) -> Self {
        use crate::store::sso_users::SsoError as E;
        match e {
            E::NoSuchSession => Self::NoSuchSession,
            E::NotAllowed => Self::NotAllowed,
            E::UsernameTaken => Self::Rule(USERNAME_EXISTS),
            E::EmailTaken => Self::Rule(EMAIL_EXISTS),
            E::UserIdTaken => Self::InvalidInput("the user id is taken".into()),
            E::AttrExists => Self::AttrExists,
            E::NoSuchAttr => Self::NoSuchAttr,
            // The definition's username is taken: the closest of Zato's codes is a username's.
            E::LinkTaken => Self::Rule(USERNAME_EXISTS),
            E::NoSuchLink => Self::NotAllowed,
            E::TooMany(max) => Self::InvalidInput(format!(
                "one request can change at most {max} attributes, all or none"
            )),
            E::Crypto(c) => Self::Api(c.into()),
            E::Store(s) => s.into(),
        }
    }
}

impl From<crate::sso::crypto::CryptoError> for ZatoError {
    fn from(e: crate::sso::crypto::CryptoError) -> Self {
        Self::Api(e.into())
    }
}
