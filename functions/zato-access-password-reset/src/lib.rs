//! `PATCH /zato/sso/password/reset` — a password reset's second step (Zato 3.2): the mailed
//! token (`token`) is exchanged, once, for a `reset_key` that the last step takes with it. An
//! unknown, expired, spent or already accessed token is E005001.

use idgraph::faces::no_store;
use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::{self, crypto};
use idgraph::store::sso_tokens;
use idgraph::{App, Body, Request, Response};
use serde_json::{Map, json};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let token = params.required_text("token")?;
    let reset_key = crypto::random_token::<24>();
    let user = sso_tokens::access_reset(&app.db, &org, token, &reset_key)
        .await
        .map_err(sso::reset_refused)?;
    idgraph::audit::event("password_reset_accessed", user.as_str());
    Ok(no_store(zato::ok(Map::from_iter([(
        "reset_key".into(),
        json!(reset_key),
    )]))))
}
