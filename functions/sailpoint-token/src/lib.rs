//! `POST /oauth/token` — OAuth 2.0 client credentials, as ISC takes them: form fields in an
//! `application/x-www-form-urlencoded` or `multipart/form-data` body, or query parameters.
//! Answers `{access_token, token_type: "bearer", expires_in, …}`, never to be cached; errors
//! follow RFC 6749. `OAUTH_MAX_FAILURES` consecutive wrong secrets lock a client out for a
//! growing wait: 429 with `Retry-After`, in SailPoint's format, until it ends.

use std::time::Duration;

use idgraph::audit;
use idgraph::error::ApiError;
use idgraph::faces::sailpoint::SailPointError;
use idgraph::faces::{json_response, no_store, sailpoint};
use idgraph::request::{MAX_BODY_BYTES, Query, body_bytes, header};
use idgraph::store::lockout;
use idgraph::store::oauth::{self, Authenticated};
use idgraph::{App, Body, Request, Response, jwt};
use serde_json::json;

idgraph::handler!(SailPoint, answer);

/// Every outcome of the token endpoint is already an answer: RFC 6749's errors, SailPoint's 429.
async fn answer(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    run(app, &req)
        .await
        .map_err(|answer| SailPointError::Answer(Box::new(answer)))
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response<Body> {
    json_response(
        status,
        &json!({ "error": error, "error_description": description }),
        None,
    )
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, Response<Body>> {
    let params = form(req).await.map_err(|e| match e {
        FormError::TooLarge => oauth_error(413, "invalid_request", &e.to_string()),
        FormError::Bad(why) => oauth_error(400, "invalid_request", &why),
    })?;
    // The error is the OAuth answer itself, built once and returned as is: boxing it would only
    // move it.
    #[allow(clippy::result_large_err)]
    let one = |name: &str| -> Result<Option<String>, Response<Body>> {
        let mut values = params.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        let first = values.next().cloned();
        if values.next().is_some() {
            return Err(oauth_error(
                400,
                "invalid_request",
                &format!("{name} is given more than once"),
            ));
        }
        Ok(first)
    };
    match one("grant_type")? {
        Some(g) if g.eq_ignore_ascii_case("client_credentials") => {}
        Some(_) => {
            return Err(oauth_error(
                400,
                "unsupported_grant_type",
                "only the client_credentials grant is supported",
            ));
        }
        None => {
            return Err(oauth_error(
                400,
                "invalid_request",
                "grant_type is required",
            ));
        }
    }
    let (Some(client_id), Some(secret)) = (one("client_id")?, one("client_secret")?) else {
        return Err(oauth_error(
            400,
            "invalid_request",
            "client_id and client_secret are required",
        ));
    };
    audit::principal(format!("oauth:{client_id}"));
    let client = match oauth::authenticate(&app.db, &client_id, &secret, &app.config.oauth_lockout)
        .await
        .map_err(|e| sailpoint::error(&e.into()))?
    {
        Authenticated::Client(client) => client,
        Authenticated::Refused => {
            audit::denied("bad_client_credentials");
            audit::event("token_refused", &client_id);
            return Err(oauth_error(401, "invalid_client", "Bad credentials"));
        }
        Authenticated::LockedOut { until } => {
            audit::denied("locked_out");
            audit::event("token_refused", &client_id);
            let retry_after = Duration::from_secs(until.saturating_sub(lockout::now()).max(1));
            return Err(sailpoint::error(&ApiError::Throttled { retry_after }));
        }
    };
    audit::org(&client.org);
    audit::allowed();
    app.admit(&client.org)
        .await
        .map_err(|e| sailpoint::error(&e))?;
    let claims = jwt::claims(
        jwt::now(),
        app.config.token_ttl,
        &client.org,
        &client.pool,
        &client.id,
        &client.scopes,
    );
    let token = app
        .token_signer
        .issue(&claims)
        .await
        .map_err(|e| sailpoint::error(&e.into()))?;
    audit::event("token_issued", &client.id);
    Ok(no_store(json_response(
        200,
        &json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": app.config.token_ttl.as_secs(),
            "scope": claims.scope,
            "tenant_id": claims.org,
            "jti": claims.jti,
        }),
        None,
    )))
}

/// The most fields a token request may carry, query string and body together: the grant needs
/// three, and OAuth clients add a few (`scope`, `audience`, ...).
pub const MAX_FORM_FIELDS: usize = 32;
/// The most bytes of one field's name or value. Client ids and secrets are tens of bytes.
pub const MAX_FORM_FIELD_BYTES: usize = 4 * 1024;

/// Why a form was refused: a body over [`MAX_BODY_BYTES`] (413, as a JSON body gets), or
/// anything else (400).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("the request body is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("{0}")]
    Bad(String),
}

impl From<String> for FormError {
    fn from(why: String) -> Self {
        Self::Bad(why)
    }
}

/// Every form field of the request: the query string's, then the body's. Bounded like a JSON
/// body: the body's size, then the number of fields and each field's size, checked while
/// reading, so no request makes the function hold more than a few fields of a few KB.
async fn form(req: &Request) -> Result<Vec<(String, String)>, FormError> {
    let mut fields = Fields(query_pairs(req.uri().query().unwrap_or(""))?);
    fields.check()?;
    let content_type = header(req, "content-type")
        .map_err(|e| e.to_string())?
        .unwrap_or("");
    let body = body_bytes(req);
    if body.is_empty() {
        return Ok(fields.0);
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(FormError::TooLarge);
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_owned())?;
        // Counted before decoding: a body of a million `&`s is refused, never split.
        if text.split('&').filter(|p| !p.is_empty()).count() + fields.0.len() > MAX_FORM_FIELDS {
            return Err(too_many_fields());
        }
        fields.0.extend(query_pairs(text)?);
        fields.check()?;
    } else if content_type.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(content_type).map_err(|e| e.to_string())?;
        let chunk = bytes_of(body);
        let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(chunk) });
        let limits = multer::SizeLimit::new()
            .whole_stream(MAX_BODY_BYTES as u64)
            .per_field(MAX_FORM_FIELD_BYTES as u64);
        let mut multipart = multer::Multipart::with_constraints(
            stream,
            boundary,
            multer::Constraints::new().size_limit(limits),
        );
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            if fields.0.len() == MAX_FORM_FIELDS {
                return Err(too_many_fields());
            }
            let name = field.name().unwrap_or_default().to_owned();
            let value = field.text().await.map_err(multipart_error)?;
            fields.0.push((name, value));
            fields.check()?;
        }
    } else {
        return Err(FormError::Bad(
            "the body must be application/x-www-form-urlencoded or multipart/form-data".into(),
        ));
    }
    Ok(fields.0)
}

struct Fields(Vec<(String, String)>);

impl Fields {
    /// The bounds on what has been read so far.
    fn check(&self) -> Result<(), FormError> {
        if self.0.len() > MAX_FORM_FIELDS {
            return Err(too_many_fields());
        }
        match self
            .0
            .iter()
            .find(|(k, v)| k.len().max(v.len()) > MAX_FORM_FIELD_BYTES)
        {
            Some(_) => Err(field_too_large()),
            None => Ok(()),
        }
    }
}

fn too_many_fields() -> FormError {
    FormError::Bad(format!(
        "a token request may carry at most {MAX_FORM_FIELDS} form fields"
    ))
}

/// Names no field: a field's name is the client's input, and may be a secret sent by mistake.
fn field_too_large() -> FormError {
    FormError::Bad(format!(
        "a form field's name and value may each be at most {MAX_FORM_FIELD_BYTES} bytes"
    ))
}

fn multipart_error(e: multer::Error) -> FormError {
    match e {
        multer::Error::FieldSizeExceeded { .. } => field_too_large(),
        multer::Error::StreamSizeExceeded { .. } => FormError::TooLarge,
        other => FormError::Bad(other.to_string()),
    }
}

fn bytes_of(body: &[u8]) -> multer::bytes::Bytes {
    multer::bytes::Bytes::copy_from_slice(body)
}

fn query_pairs(raw: &str) -> Result<Vec<(String, String)>, String> {
    let q = Query::parse(raw).map_err(|e| e.to_string())?;
    Ok(q.all_pairs()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}
