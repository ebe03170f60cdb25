//! `POST /zato/sso/user/reject` — a super-user rejects `user_id`: it cannot log in, and its
//! sessions end. One transaction (the super-user's session check and the rejection), then the
//! sessions go.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso;
use idgraph::store::sso_users::Decision;
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    sso::decide(app, &req, Decision::Reject).await?;
    Ok(zato::ok(Map::new()))
}
