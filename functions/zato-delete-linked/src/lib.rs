//! `DELETE /zato/sso/user/linked` — Zato's `LinkedAuth.delete`: a super-user removes the link
//! of a definition (`auth_type`, `auth_username`) from `user_id`, which frees the definition
//! for another user. A link the user does not have is E005001, as a missing target user is.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso;
use idgraph::store::sso_links;
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let link = sso::link_request(app, &req).await?;
    sso_links::delete(&app.db, &link.org, &link.ust, &link.user, &link.account).await?;
    idgraph::audit::event("sso_link_deleted", link.user.as_str());
    Ok(zato::ok(Map::new()))
}
