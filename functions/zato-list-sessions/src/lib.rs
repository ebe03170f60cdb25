//! `GET /zato/sso/user/session/list` — Zato's `Session.get_list`: every live session of a user,
//! as `result`. With `ust` alone, the caller's own (one Query of their partition, which holds
//! their record and sessions); with `target_ust` and a super-user's `current_ust`, those of
//! `target_ust`'s user (the caller's session read first).

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso;
use idgraph::store::{sso_sessions, sso_users};
use idgraph::{App, Body, Request, Response};
use serde_json::{Map, Value};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let caller = params.ust()?;
    let target = params.target_ust(&caller)?;
    if target != caller {
        sso::super_user(sso_users::session(&app.db, &org, &caller).await?)?;
    }
    let (user, sessions) = sso_sessions::user_sessions(&app.db, &org, target.person())
        .await?
        .ok_or(ZatoError::NoSuchSession)?;
    // The UST that names the user must itself be live: a dead one names no one.
    let named = sso_users::session_key(&org, &target);
    if !sessions.iter().any(|(key, _)| *key == named) {
        return Err(ZatoError::NoSuchSession);
    }
    let result: Vec<Value> = sessions
        .iter()
        .map(|(_, s)| Value::Object(sso::session_list_entry(&user, s)))
        .collect();
    Ok(zato::ok(Map::from_iter([(
        "result".into(),
        Value::Array(result),
    )])))
}
