//! `DELETE /zato/sso/user/lock` — Zato's `User.unlock`: a super-user unlocks `user_id`, so it can
//! log in again. One transaction: the super-user's session check and the unlock.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso;
use idgraph::store::sso_users::Decision;
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    sso::decide(app, &req, Decision::Unlock).await?;
    Ok(zato::ok(Map::new()))
}
