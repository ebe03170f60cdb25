//! `PATCH /v3/roles/{id}` — a JSON Patch (RFC 6902) of the role, as SailPoint's spec has it;
//! a changed `IDENTITY_LIST` grants and revokes `ROLE_MEMBERSHIP` assignments. 200 with the role.

use idgraph::error::ApiError;
use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::request::json_body;
use idgraph::role::{RoleBody, RolePatch};
use idgraph::store::roles;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::Value;

idgraph::handler!(SailPoint, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::ROLE_MANAGE).await?;
    let id = sailpoint::role_id(&req)?;
    let patch = RolePatch::parse(json_body(&req)?)?;
    let current = roles::get(&app.db, &ctx.org, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("role {id} not found")))?;
    let old_members = RoleBody::parse(Value::Object(current.doc.clone()))?.members;
    let body = patch.apply(&current.doc)?;
    let role = roles::replace(
        &app.db,
        &ctx.org,
        &current,
        &old_members,
        body,
        &sailpoint::now_iso(),
    )
    .await?;
    Ok(sailpoint::ok(200, &Value::Object(role.doc)))
}
