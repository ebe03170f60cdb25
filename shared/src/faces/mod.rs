//! One module per API face; each renders responses and errors in that product's own format.

pub mod sailpoint;
pub mod sailpoint_search;
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

/// What a function of a face is held to: the error its handler returns (so a handler written
/// for another face does not compile), how that error is answered, and the clients its `main`
/// builds. A function names its face once, in `handler!`; `lambda_main!` reads it from there.
pub trait FaceApi {
    const FACE: Face;
    type Error;
    fn respond(outcome: Result<Response<Body>, Self::Error>) -> Response<Body>;
    /// The app as Lambda's environment configures it for this face: only the Zato and
    /// SailPoint faces build (and so link) a KMS client.
    fn app() -> impl std::future::Future<Output = Result<crate::App, crate::app::BoxError>>;
}

/// A function's handler, from its `run` (`async fn run(&App, Request) -> Result<Response,
/// <Face>::Error>`): `handler!(SlashId, run);` defines `pub type Face` and `pub async fn
/// handle`, which main.rs serves and tests call.
///
/// A SlashID handler compiles as SlashID:
/// ```no_run
/// use idgraph::{App, Body, Request, Response, error::ApiError};
/// async fn run(_: &App, _: Request) -> Result<Response<Body>, ApiError> {
///     Err(ApiError::Internal)
/// }
/// idgraph::handler!(SlashId, run);
/// ```
/// and not as SailPoint, whose errors render differently:
/// ```compile_fail,E0308
/// use idgraph::{App, Body, Request, Response, error::ApiError};
/// async fn run(_: &App, _: Request) -> Result<Response<Body>, ApiError> {
///     Err(ApiError::Internal)
/// }
/// idgraph::handler!(SailPoint, run);
/// ```
/// nor as Zato:
/// ```compile_fail,E0308
/// use idgraph::{App, Body, Request, Response, error::ApiError};
/// async fn run(_: &App, _: Request) -> Result<Response<Body>, ApiError> {
///     Err(ApiError::Internal)
/// }
/// idgraph::handler!(Zato, run);
/// ```
#[macro_export]
macro_rules! handler {
    (SlashId, $run:path) => {
        $crate::handler!(@ $crate::faces::slashid::SlashId, $run);
    };
    (SailPoint, $run:path) => {
        $crate::handler!(@ $crate::faces::sailpoint::SailPoint, $run);
    };
    (Zato, $run:path) => {
        $crate::handler!(@ $crate::faces::zato::Zato, $run);
    };
    (@ $face:ty, $run:path) => {
        /// This function's face: its error format and what its `main` builds.
        pub type Face = $face;

        pub async fn handle(app: &$crate::App, req: $crate::Request) -> $crate::Response<$crate::Body> {
            <Face as $crate::faces::FaceApi>::respond($run(app, req).await)
        }
    };
}

/// A message a client may see for `e`: our own faults say nothing about their cause.
pub fn public_message(e: &ApiError) -> String {
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
