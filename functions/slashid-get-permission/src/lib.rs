//! `GET /rbac/permissions/{permission_name}` — `{name, description?, created}`; 404 if absent.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::json;

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let name = slashid::permission_param(&req)?;
    let entry = permissions::get(&app.db, &ctx.org.id, &name)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("permission {name} not found")))?;
    let mut result = json!({ "name": entry.name, "created": entry.created });
    if let Some(d) = entry.description {
        result["description"] = json!(d);
    }
    Ok(slashid::result(200, &result))
}
