//! `POST /oauth/token` — OAuth 2.0 client credentials, as ISC takes them: form fields in an
//! `application/x-www-form-urlencoded` or `multipart/form-data` body, or query parameters.
//! Answers `{access_token, token_type: "bearer", expires_in, …}`; errors follow RFC 6749.

use idgraph::faces::{json_response, sailpoint};
use idgraph::request::{Query, body_bytes, header};
use idgraph::store::oauth;
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
    let client = oauth::authenticate(&app.db, &client_id, &secret)
        .await
        .map_err(|e| sailpoint::error(&e.into()))?
        .ok_or_else(|| oauth_error(401, "invalid_client", "Bad credentials"))?;
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
    Ok(json_response(
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
    ))
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
