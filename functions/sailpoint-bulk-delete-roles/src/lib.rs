//! `POST /v3/roles/bulk-delete` — deletes up to 50 roles and their assignments. ISC answers
//! 202 with the task that will do it; here the deletions are done before the answer, so the
//! task (`TaskResultDto`) is already complete. An unknown role is a 400 naming it, and then
//! nothing is deleted.

use idgraph::error::ApiError;
use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::ids::RoleId;
use idgraph::request::json_body;
use idgraph::store::roles;
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;
use serde_json::json;

idgraph::handler!(SailPoint, run);

/// The spec's bound: "up to a limit of 50 roles per request".
const MAX_ROLES: usize = 50;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleBulkDeleteRequest {
    role_ids: Vec<String>,
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::ROLE_MANAGE).await?;
    let body: RoleBulkDeleteRequest = json_body(&req)?;
    let bad = |m: String| SailPointError::from(ApiError::BadRequest(m));
    if body.role_ids.is_empty() {
        return Err(bad("roleIds must name at least one role".into()));
    }
    if body.role_ids.len() > MAX_ROLES {
        return Err(bad(format!(
            "roleIds count exceeded max limit of {MAX_ROLES} for bulk-delete."
        )));
    }
    let mut ids: Vec<RoleId> = Vec::with_capacity(body.role_ids.len());
    let mut unknown = Vec::new();
    for raw in &body.role_ids {
        match RoleId::parse(raw) {
            Ok(id) if !ids.contains(&id) => ids.push(id),
            Ok(_) => {}
            // Not a role id at all: it references no role either.
            Err(_) => unknown.push(raw.clone()),
        }
    }
    unknown.extend(
        roles::missing(&app.db, &ctx.org, &ids)
            .await?
            .iter()
            .map(|id| id.as_str().to_owned()),
    );
    if !unknown.is_empty() {
        return Err(sailpoint::referenced_not_found("roleIds", &unknown));
    }
    for id in &ids {
        // A role deleted meanwhile by someone else is gone either way.
        roles::delete(&app.db, &ctx.org, id).await?;
    }
    Ok(sailpoint::ok(
        202,
        &json!({"type": "TASK_RESULT", "id": sailpoint::task_id(), "name": null}),
    ))
}
