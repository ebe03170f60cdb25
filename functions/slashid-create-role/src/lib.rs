//! `POST /rbac/roles` — creates `{name, description?, permissions?}`. Every permission must be in
//! the catalog (else 400 naming them). 204; a name that exists already → 409, the role unchanged.

use idgraph::consistency::Consistency;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::keys;
use idgraph::permission::RoleName;
use idgraph::request::json_body;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;

idgraph::handler!(SlashId, run);

#[derive(Deserialize)]
struct PostRoleRequest {
    name: String,
    description: Option<String>,
    #[serde(default)]
    permissions: Vec<String>,
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let consistency = Consistency::from_request(&req)?;
    let body: PostRoleRequest = json_body(&req)?;
    let name = RoleName::parse(&body.name).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let description = slashid::short_description(body.description.as_deref())?;
    let permissions = slashid::permission_set("permissions", &body.permissions)?;
    let version = permissions::create_role(
        &app.db,
        &ctx.org.id,
        &name,
        description,
        &permissions,
        &slashid::now_rfc3339(),
    )
    .await
    .map_err(|e| slashid::role_error(e, name.as_str()))?;
    consistency
        .wait(app, &keys::rbac_role(&ctx.org.id, name.as_str()), version)
        .await?;
    Ok(slashid::no_content())
}
