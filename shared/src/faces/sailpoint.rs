//! SailPoint's error bodies: `ErrorResponseDto` for most statuses, `{error}` for 401 and
//! `{message}` for 429, as the v3 spec's shared responses define them.

use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::json;

use super::{json_response, public_message, random_hex32};
use crate::error::ApiError;
use crate::ids::{DocumentId, RoleId};
use crate::request::path_param;
use crate::store::assignments::AssignedError;
use crate::store::roles::RoleError;
use crate::store::search::Index;

/// The SailPoint face's contract: its functions fail with `SailPointError`.
pub struct SailPoint;

impl super::FaceApi for SailPoint {
    const FACE: super::Face = super::Face::SailPoint;
    type Error = SailPointError;

    fn respond(outcome: Result<Response<Body>, SailPointError>) -> Response<Body> {
        respond(outcome)
    }

    async fn app() -> Result<crate::App, crate::app::BoxError> {
        crate::App::from_env_with_kms().await
    }
}

/// A SailPoint function's failure: an error for SailPoint's bodies, or an answer already in
/// its final form (the OAuth token endpoint answers in RFC 6749's).
#[derive(Debug)]
pub enum SailPointError {
    Api(ApiError),
    Answer(Box<Response<Body>>),
}

impl From<ApiError> for SailPointError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

/// What SailPoint functions meet, through the shared `ApiError` vocabulary.
macro_rules! through_api_error {
    ($($t:ty),*) => {
        $(impl From<$t> for SailPointError {
            fn from(e: $t) -> Self {
                Self::Api(e.into())
            }
        })*
    };
}
through_api_error!(
    crate::error::StoreError,
    crate::request::InputError,
    crate::jwt::TokenError
);

impl From<RoleError> for SailPointError {
    fn from(e: RoleError) -> Self {
        Self::Api(match e {
            RoleError::NotFound(_) => ApiError::NotFound(e.to_string()),
            RoleError::UnknownIdentities(_) | RoleError::TooManyToCount => {
                ApiError::BadRequest(e.to_string())
            }
            RoleError::Conflict => ApiError::Conflict(e.to_string()),
            RoleError::Store(s) => s.into(),
        })
    }
}

impl From<AssignedError> for SailPointError {
    fn from(e: AssignedError) -> Self {
        Self::Api(match e {
            AssignedError::NotFound(_) => ApiError::NotFound(e.to_string()),
            AssignedError::TooBroad | AssignedError::TooManyToCount => {
                ApiError::BadRequest(e.to_string())
            }
            AssignedError::Store(s) => s.into(),
        })
    }
}

/// Runs a handler body; every `Err` becomes an error response in SailPoint's format.
pub fn respond(outcome: Result<Response<Body>, SailPointError>) -> Response<Body> {
    match outcome {
        Ok(resp) => resp,
        Err(SailPointError::Answer(resp)) => *resp,
        Err(SailPointError::Api(e)) => error(&e),
    }
}

/// Scopes, as ISC names them, that each kind of operation accepts (`sp:scopes:all` grants all).
pub const ROLE_READ: &[&str] = &[
    "idn:role-unchecked:read",
    "idn:role-checked:read",
    "idn:role-unchecked:manage",
    "idn:role-checked:manage",
];
pub const ROLE_MANAGE: &[&str] = &["idn:role-unchecked:manage", "idn:role-checked:manage"];
pub const ACCESS_REQUEST: &[&str] = &["idn:access-request:manage"];
pub const SEARCH_READ: &[&str] = &["sp:search:read"];
/// Our extension's scope for ingesting documents.
pub const SEARCH_WRITE: &[&str] = &["sp:search:write"];

/// The `{id}` path parameter of the role routes.
pub fn role_id(req: &Request) -> Result<RoleId, ApiError> {
    RoleId::parse(&path_param(req, "id")?).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// The `{index}` and `{id}` of the search routes; an index we do not hold is a 400.
pub fn document_path(req: &Request) -> Result<(Index, DocumentId), ApiError> {
    let raw = path_param(req, "index")?;
    let index = Index::parse(&raw).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "index {raw:?} is not one of {}",
            crate::store::search::INDICES.map(Index::as_str).join(", ")
        ))
    })?;
    let id = DocumentId::parse(&path_param(req, "id")?)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok((index, id))
}

/// ISC's timestamps: UTC, milliseconds, `Z`.
pub fn now_iso() -> String {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    now.format(&fmt).unwrap_or_default()
}

/// SailPoint's total for `count=true`, spelled as its SDK reads it.
pub fn with_total(mut resp: Response<Body>, total: Option<u64>) -> Response<Body> {
    if let Some(total) = total {
        resp.headers_mut().insert(
            http::HeaderName::from_static("x-total-count"),
            http::HeaderValue::from(total),
        );
    }
    resp
}

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
