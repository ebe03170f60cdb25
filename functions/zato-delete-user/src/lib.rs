//! `DELETE /zato/sso/user` — a super-user deletes `user_id`: its sessions, attributes and
//! record go, and the person leaves the SSO organization (see `sso_users::delete`).

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso;
use idgraph::store::sso_users;
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let ust = params.ust()?;
    let user = params.required_user_id()?;
    let org = sso::organization(app, &org).await?;
    sso_users::delete(&app.db, &org, &ust, &user).await?;
    idgraph::audit::event("sso_user_deleted", user.as_str());
    Ok(zato::ok(Map::new()))
}
