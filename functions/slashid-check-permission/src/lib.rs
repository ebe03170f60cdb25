//! `POST /rbac/check` — `{person_id, permission_name}` → `{granted}`, counting permissions held
//! directly and through the person's roles; an unknown person is a 404.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::ids::PersonId;
use idgraph::permission::PermissionName;
use idgraph::request::json_body;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;
use serde_json::json;

idgraph::handler!(SlashId, run);

#[derive(Deserialize)]
struct PostRbacCheckRequest {
    person_id: String,
    permission_name: String,
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let body: PostRbacCheckRequest = json_body(&req)?;
    let bad = |m: String| ApiError::BadRequest(m);
    let person = PersonId::parse(&body.person_id).map_err(|e| bad(e.to_string()))?;
    let name = PermissionName::parse(&body.permission_name).map_err(|e| bad(e.to_string()))?;
    let granted = permissions::grants(&app.db, &ctx.org.id, &person, &name)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("person {person} not found")))?;
    Ok(slashid::result(200, &json!({ "granted": granted })))
}
