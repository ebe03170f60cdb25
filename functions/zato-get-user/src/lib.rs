//! `GET /zato/sso/user` — Zato's `User.get`: the caller's own details, or, for a super-user,
//! those of `user_id`. Super-users see the administrative fields too. One BatchGetItem.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso;
use idgraph::store::sso_users;
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let ust = params.ust()?;
    let target = params.user_id()?.unwrap_or_else(|| ust.person().clone());
    let (session, users) = sso_users::session_and_users(&app.db, &org, &ust, &[&target]).await?;
    let session = session.ok_or(ZatoError::NoSuchSession)?;
    if target != session.user && !session.super_user {
        return Err(ZatoError::NotAllowed);
    }
    let user = users
        .into_iter()
        .find(|u| u.id == target)
        .ok_or(ZatoError::NotAllowed)?;
    Ok(zato::ok(sso::user_fields(
        &user.details(),
        session.super_user,
    )))
}
