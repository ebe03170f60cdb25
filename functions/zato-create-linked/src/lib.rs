//! `POST /zato/sso/user/linked` — Zato's `LinkedAuth.create`: a super-user links a Basic Auth
//! or JWT definition (`auth_type`, `auth_username`) to `user_id`, active or not. A definition
//! belongs to at most one user of the organization. One transaction (see `sso_links::create`).

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso;
use idgraph::store::sso_links;
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let link = sso::link_request(app, &req).await?;
    let is_active = link
        .params
        .flag("is_active")?
        .ok_or(ZatoError::MissingInput("is_active"))?;
    sso_links::create(
        &app.db,
        &link.org,
        &link.ust,
        &link.user,
        &link.account,
        is_active,
    )
    .await?;
    idgraph::audit::event("sso_link_created", link.user.as_str());
    Ok(zato::ok(Map::new()))
}
