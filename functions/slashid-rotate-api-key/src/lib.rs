//! `PUT /organizations/api-keys` — SlashID's `PutOrganizationsApiKeys`: a new API key for the
//! organization the request names, answered once (200 `{api_key}`, not cached); every key it
//! had stops working. The org's own key may rotate itself, and an ancestor's key (which already
//! acts for the sub-org) may rotate the sub-org's; an ancestor's own key is never touched.
//! Warm instances elsewhere may accept an old key for up to `AUTH_CACHE_SECONDS`.

use idgraph::auth::sha256_hex;
use idgraph::consistency::Consistency;
use idgraph::error::ApiError;
use idgraph::faces::{no_store, slashid};
use idgraph::keys;
use idgraph::store::orgs::{self, RotateError};
use idgraph::{App, Body, Request, Response, auth};
use serde_json::json;

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let consistency = Consistency::from_request(&req)?;
    let api_key = orgs::new_api_key();
    let hash = sha256_hex(&api_key);
    let revoked = orgs::rotate_api_key(&app.db, &ctx.org.id, &hash)
        .await
        .map_err(|e| match e {
            RotateError::NotFound => ApiError::NotFound("organization not found".into()),
            RotateError::Conflict => ApiError::Conflict(e.to_string()),
            RotateError::TooManyKeys => ApiError::Conflict(e.to_string()),
            RotateError::Store(e) => e.into(),
        })?;
    for old in &revoked {
        app.forget_api_key(&ctx.org.id, old);
    }
    // Every region knows the new key once its item is there.
    consistency
        .wait(app, &keys::api_key(&ctx.org.id, &hash), 1)
        .await?;
    idgraph::audit::event("api_key_rotated", ctx.org.id.as_str());
    Ok(no_store(slashid::result(
        200,
        &json!({ "api_key": api_key }),
    )))
}
