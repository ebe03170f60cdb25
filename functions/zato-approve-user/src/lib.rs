//! `POST /zato/sso/user/approve` — a super-user approves `user_id`, so it can log in. One
//! transaction: the super-user's session check and the approval.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso;
use idgraph::store::sso_users;
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let ust = params.ust()?;
    let user = params
        .user_id()?
        .ok_or(ZatoError::MissingInput("user_id"))?;
    sso_users::approve(&app.db, &org, &ust, &user).await?;
    idgraph::audit::event("sso_user_approved", user.as_str());
    Ok(zato::ok(Map::new()))
}
