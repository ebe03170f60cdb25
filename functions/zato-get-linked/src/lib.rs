//! `GET /zato/sso/user/linked` — Zato's `LinkedAuth.get`: `result` lists a user's linked
//! accounts. With `ust` alone, the caller's own; another user's `user_id` takes a super-user.
//! One BatchGetItem (the session, and another user's record), then one Query of the user's
//! links.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso;
use idgraph::store::{sso_links, sso_users};
use idgraph::{App, Body, Request, Response};
use serde_json::{Map, Value};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let ust = params.ust()?;
    let target = params.user_id()?.unwrap_or_else(|| ust.person().clone());
    let other = target != *ust.person();
    let wanted: &[&_] = if other { &[&target] } else { &[] };
    let (session, users) = sso_users::session_and_users(&app.db, &org, &ust, wanted).await?;
    if other {
        sso::super_user(session)?;
        if !users.iter().any(|u| u.id == target) {
            return Err(ZatoError::NotAllowed);
        }
    } else if session.is_none() {
        return Err(ZatoError::NoSuchSession);
    }
    let result: Vec<Value> = sso_links::list(&app.db, &org, &target)
        .await?
        .iter()
        .map(|link| Value::Object(sso::link_fields(link)))
        .collect();
    Ok(zato::ok(Map::from_iter([(
        "result".into(),
        Value::Array(result),
    )])))
}
