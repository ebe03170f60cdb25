//! `POST /zato/sso/user/logout` — Zato's `User.logout`: ends the session. Always "ok", whether
//! or not the UST was valid, so the answer tells an attacker nothing about a token.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso;
use idgraph::store::sso_users;
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    if let Ok(ust) = params.ust() {
        sso_users::close_session(&app.db, &org, &ust).await?;
    }
    Ok(zato::ok(Map::new()))
}
