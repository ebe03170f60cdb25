//! `PATCH /rbac/roles/{role_name}` — `{description?, permissions?}`: a given `permissions`
//! replaces the role's set (each must be in the catalog, else 400 naming them); an empty
//! `description` removes it. Both commit together. `If-Match` is the role's ETag from `GET
//! /rbac/roles/{name}`, compared in the write's condition: stale → 412. 204 with the new `ETag`.

use idgraph::consistency::Consistency;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::keys;
use idgraph::request::json_body;
use idgraph::store::permissions::{self, Description};
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;

idgraph::handler!(SlashId, run);

#[derive(Deserialize)]
struct PatchRoleRequest {
    description: Option<String>,
    permissions: Option<Vec<String>>,
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let name = slashid::role_param(&req)?;
    let consistency = Consistency::from_request(&req)?;
    let if_match = slashid::if_match(&req)?;
    let body: PatchRoleRequest = json_body(&req)?;
    let description = match body.description.as_deref() {
        None => None,
        Some(raw) => Some(match slashid::short_description(Some(raw))? {
            Some(d) => Description::Set(d.to_owned()),
            None => Description::Remove,
        }),
    };
    let permissions = body
        .permissions
        .as_deref()
        .map(|p| slashid::permission_set("permissions", p))
        .transpose()?;
    let version = permissions::patch_role(
        &app.db,
        &ctx.org.id,
        &name,
        description,
        permissions.as_ref(),
        if_match,
    )
    .await
    .map_err(|e| slashid::role_error(e, name.as_str()))?;
    consistency
        .wait(app, &keys::rbac_role(&ctx.org.id, name.as_str()), version)
        .await?;
    Ok(slashid::with_etag(slashid::no_content(), version))
}
