//! `POST /zato/sso/user/approve` — a super-user approves `user_id`, so it can log in. One
//! transaction: the super-user's session check and the approval.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso;
use idgraph::store::sso_users::Decision;
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    sso::decide(app, &req, Decision::Approve).await?;
    Ok(zato::ok(Map::new()))
}
