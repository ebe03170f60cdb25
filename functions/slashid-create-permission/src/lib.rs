//! `POST /rbac/permissions` — adds `{name, description?}` to the org's catalog. 204, also when it
//! already exists (a no-op, as SlashID documents).

use idgraph::consistency::Consistency;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::keys;
use idgraph::permission::PermissionName;
use idgraph::request::json_body;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;

idgraph::handler!(SlashId, run);

#[derive(Deserialize)]
struct PostPermissionRequest {
    name: String,
    description: Option<String>,
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let consistency = Consistency::from_request(&req)?;
    let body: PostPermissionRequest = json_body(&req)?;
    let name =
        PermissionName::parse(&body.name).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    permissions::create(
        &app.db,
        &ctx.org.id,
        &name,
        // An empty description is none: DynamoDB Local refuses empty strings, and the
        // answer would not differ.
        body.description.as_deref().filter(|d| !d.is_empty()),
        &slashid::now_rfc3339(),
    )
    .await?;
    consistency
        .wait(app, &keys::permission(&ctx.org.id, name.as_str()), 1)
        .await?;
    Ok(slashid::no_content())
}
