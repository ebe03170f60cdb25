//! SailPoint's error bodies: `ErrorResponseDto` for most statuses, `{error}` for 401 and
//! `{message}` for 429, as the v3 spec's shared responses define them.

use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::json;

use super::{json_response, public_message, random_hex32};
use crate::error::ApiError;
use crate::ids::{DocumentId, RoleId};
use crate::request::path_param;
use crate::store::access_requests::StatusError;
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
    crate::store::search_engine::EngineError,
    crate::request::InputError,
    crate::jwt::TokenError
);

impl From<RoleError> for SailPointError {
    fn from(e: RoleError) -> Self {
        Self::Api(match e {
            RoleError::NotFound(_) => ApiError::NotFound(e.to_string()),
            RoleError::UnknownIdentities(_) | RoleError::TooManyToCount | RoleError::TooBroad => {
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

impl From<StatusError> for SailPointError {
    fn from(e: StatusError) -> Self {
        Self::Api(match e {
            StatusError::TooBroad => ApiError::BadRequest(e.to_string()),
            StatusError::Store(s) => s.into(),
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
pub const ACCESS_REQUEST_READ: &[&str] = &[
    "idn:access-request-status:read",
    "idn:access-request:manage",
];
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

/// `listRoles`' `for-subadmin`, `for-segment-ids` and `include-unsegmented`, answered as ISC
/// answers them where they cannot apply: this service has no role subadmins and no
/// segmentation, so naming either is a 400, and `include-unsegmented=false` without segments is
/// the spec's own 400. Never ignored silently.
pub fn refuse_segments_and_subadmins(q: &crate::request::Query) -> Result<(), ApiError> {
    let bad = |m: String| Err(ApiError::BadRequest(m));
    if let Some(who) = q.single("for-subadmin")? {
        return bad(format!(
            "for-subadmin: identity {who:?} is not a subadmin (this service has no role subadmins)"
        ));
    }
    let segments = q.single("for-segment-ids")?.unwrap_or("");
    if !segments.is_empty() {
        return bad("for-segment-ids: segmentation is unavailable in this service".into());
    }
    match q.single("include-unsegmented")? {
        None | Some("true") => Ok(()),
        Some("false") => bad(
            "include-unsegmented may be false only with for-segment-ids, which is absent".into(),
        ),
        Some(other) => bad(format!(
            "include-unsegmented must be true or false, not {other:?}"
        )),
    }
}

/// A new task or request id: 32 hex characters, as ISC's.
pub fn task_id() -> String {
    random_hex32()
}

/// ISC's timestamps: UTC, milliseconds, `Z`.
pub fn now_iso() -> String {
    crate::role_listing::iso_millis(time::OffsetDateTime::now_utc())
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
        _ => error_dto(detail_code(status), &public_message(e)),
    };
    json_response(status, &body, Some(e))
}

/// ISC's `ErrorResponseDto`.
fn error_dto(detail_code: &str, text: &str) -> serde_json::Value {
    json!({
        "detailCode": detail_code,
        "trackingId": random_hex32(),
        "messages": [{ "locale": "en-US", "localeOrigin": "DEFAULT", "text": text }],
        "causes": [],
    })
}

/// The 400 ISC answers when a body names objects that do not exist (its bulk-delete example:
/// `400.1.404 Referenced object not found`).
pub fn referenced_not_found(what: &str, ids: &[String]) -> SailPointError {
    let text = format!(
        "Referenced {what} {} was not found.",
        serde_json::Value::from(ids.to_vec())
    );
    SailPointError::Answer(Box::new(json_response(
        400,
        &error_dto("400.1.404 Referenced object not found", &text),
        None,
    )))
}

fn detail_code(status: u16) -> &'static str {
    match status {
        400 => "400.1 Bad Request Content",
        403 => "403 Forbidden",
        404 => "404 Not found",
        409 => "409 Conflict",
        412 => "412 Precondition Failed",
        413 => "413 Payload Too Large",
        501 => "501 Not Implemented",
        503 => "503 Service Unavailable",
        _ => "500.0 Internal Fault",
    }
}
