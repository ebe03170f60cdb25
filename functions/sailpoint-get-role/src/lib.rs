//! `GET /v3/roles/{id}` — the role document. One GetItem.

use idgraph::error::ApiError;
use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::store::roles;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::Value;

idgraph::handler!(SailPoint, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::ROLE_READ).await?;
    let id = sailpoint::role_id(&req)?;
    let role = roles::get(&app.db, &ctx.org, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("role {id} not found")))?;
    Ok(sailpoint::ok(200, &Value::Object(role.doc)))
}
