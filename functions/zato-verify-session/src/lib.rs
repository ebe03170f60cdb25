//! `POST /zato/sso/user/session` — Zato's `Session.verify`: whether `target_ust` is a live
//! session, without renewing it. A super-user's `current_ust` asks. Called on every request of
//! every application, so it is one BatchGetItem: the caller's session and the target's. A
//! target that is no UST at all is not a valid session either.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::{self, Ust};
use idgraph::store::{sso_sessions, sso_users};
use idgraph::{App, Body, Request, Response};
use serde_json::{Map, json};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let caller = params.ust()?;
    let target = params
        .text("target_ust")?
        .ok_or(ZatoError::MissingInput("target_ust"))?;
    let (session, valid) = match Ust::parse(target) {
        Ok(target) => {
            let (session, found) =
                sso_sessions::caller_and_target(&app.db, &org, &caller, &target).await?;
            (session, found.is_some())
        }
        Err(_) => (sso_users::session(&app.db, &org, &caller).await?, false),
    };
    sso::super_user(session)?;
    Ok(zato::ok(Map::from_iter([(
        "is_valid".into(),
        json!(valid),
    )])))
}
