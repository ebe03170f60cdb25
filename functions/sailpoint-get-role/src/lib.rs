//! `GET /v3/roles/{id}` — the role document. One GetItem.

use idgraph::error::ApiError;
use idgraph::faces::sailpoint;
use idgraph::store::roles;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::Value;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    sailpoint::respond(run(app, req).await)
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::ROLE_READ).await?;
    let id = sailpoint::role_id(&req)?;
    let role = roles::get(&app.db, &ctx.org, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("role {id} not found")))?;
    Ok(sailpoint::ok(200, &Value::Object(role.doc)))
}
