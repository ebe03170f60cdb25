//! `POST /oauth/token` — OAuth 2.0 client credentials, as ISC takes them: form fields in an
//! `application/x-www-form-urlencoded` or `multipart/form-data` body, or query parameters.
//! Answers `{access_token, token_type: "bearer", expires_in, …}`, never to be cached; errors
//! follow RFC 6749. `OAUTH_MAX_FAILURES` consecutive wrong secrets lock a client out for a
//! growing wait: 429 with `Retry-After`, in SailPoint's format, until it ends.

use std::time::Duration;

use idgraph::audit;
use idgraph::error::ApiError;
use idgraph::faces::{json_response, no_store, sailpoint};
use idgraph::request::{Query, body_bytes, header};
use idgraph::store::lockout;
use idgraph::store::oauth::{self, Authenticated};
use idgraph::{App, Body, Request, Response, jwt};
use serde_json::json;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    match run(app, &req).await {
        Ok(resp) => resp,
        Err(e) => e,
    }
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response<Body> {
    json_response(
        status,
        &json!({ "error": error, "error_description": description }),
        None,
    )
}

async fn run(app: &App, req: &Request) -> Result<Response<Body>, Response<Body>> {
    let params = form(req)
        .await
        .map_err(|why| oauth_error(400, "invalid_request", &why))?;
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

/// Every form field of the request: the query string's, then the body's.
async fn form(req: &Request) -> Result<Vec<(String, String)>, String> {
    let mut fields = query_pairs(req.uri().query().unwrap_or(""))?;
    let content_type = header(req, "content-type")
        .map_err(|e| e.to_string())?
        .unwrap_or("");
    let body = body_bytes(req);
    if body.is_empty() {
        return Ok(fields);
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_owned())?;
        fields.extend(query_pairs(text)?);
    } else if content_type.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(content_type).map_err(|e| e.to_string())?;
        let chunk = bytes_of(body);
        let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(chunk) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
            let name = field.name().unwrap_or_default().to_owned();
            let value = field.text().await.map_err(|e| e.to_string())?;
            fields.push((name, value));
        }
    } else {
        return Err(
            "the body must be application/x-www-form-urlencoded or multipart/form-data".into(),
        );
    }
    Ok(fields)
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
