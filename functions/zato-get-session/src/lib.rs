//! `GET /zato/sso/user/session` — Zato's `Session.get`: when `target_ust`'s session was opened,
//! when it expires, and from where, without renewing it. A super-user's `current_ust` asks.
//! One BatchGetItem: the caller's session and the target's.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::{self, Ust};
use idgraph::store::sso_sessions;
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let caller = params.ust()?;
    let target = Ust::parse(
        params
            .text("target_ust")?
            .ok_or(ZatoError::MissingInput("target_ust"))?,
    )?;
    let (session, found) = sso_sessions::caller_and_target(&app.db, &org, &caller, &target).await?;
    sso::super_user(session)?;
    let found = found.ok_or(ZatoError::NoSuchSession)?;
    Ok(zato::ok(sso::session_fields(&found)))
}
