//! `PATCH /rbac/permissions/{permission_name}` — sets `description`. `If-Match` is the catalog
//! ETag from `GET /rbac/permissions`, compared in the write's condition: stale → 412. 204.

use idgraph::consistency::Consistency;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::keys;
use idgraph::request::json_body;
use idgraph::store::permissions::{self};
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;

idgraph::handler!(SlashId, run);

#[derive(Deserialize)]
struct PatchPermissionRequest {
    description: Option<String>,
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let name = slashid::permission_param(&req)?;
    let consistency = Consistency::from_request(&req)?;
    let if_match = slashid::if_match(&req)?;
    let body: PatchPermissionRequest = json_body(&req)?;
    let version = permissions::set_description(
        &app.db,
        &ctx.org.id,
        &name,
        // An empty description removes it, as no description does (DynamoDB Local refuses
        // empty strings).
        body.description.as_deref().filter(|d| !d.is_empty()),
        if_match,
    )
    .await
    .map_err(|e| slashid::catalog_error(e, name.as_str()))?;
    consistency
        .wait(app, &keys::permission_catalog(&ctx.org.id), version)
        .await?;
    Ok(slashid::with_etag(slashid::no_content(), version))
}
