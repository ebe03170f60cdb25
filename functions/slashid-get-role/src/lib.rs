//! `GET /rbac/roles/{role_name}` — `{name, description?, created, permissions}` with the role's
//! `ETag` (what `If-Match` on its PATCH refers to); 404 if absent.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::json;

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let name = slashid::role_param(&req)?;
    let role = permissions::get_role(&app.db, &ctx.org.id, &name)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("role {name} not found")))?;
    let mut result = json!({
        "name": role.name,
        "created": role.created,
        "permissions": role.permissions,
    });
    if let Some(d) = role.description {
        result["description"] = json!(d);
    }
    Ok(slashid::with_etag(
        slashid::result(200, &result),
        role.version,
    ))
}
