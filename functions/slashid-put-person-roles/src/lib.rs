//! `PUT /persons/{person_id}/roles` — replaces the person's roles with `{roles: [...]}`.
//!
//! Every role must exist when the write commits (a role missing → 400 naming it); at most
//! `MAX_PERSON_ROLES` distinct roles (more → 400 saying so). `If-Match` is compared inside the
//! write's condition: stale → 412, `*` → any version, absent → unconditional. 204 with the new
//! `ETag`; with `SlashID-Required-Consistency: all_regions`, only once every replica shows it.

use idgraph::consistency::Consistency;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::keys;
use idgraph::request::json_body;
use idgraph::store::permissions::{self, ReplaceError};
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;

idgraph::handler!(SlashId, run);

#[derive(Deserialize)]
struct PutPersonRolesRequest {
    roles: Vec<String>,
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let consistency = Consistency::from_request(&req)?;
    let if_match = slashid::if_match(&req)?;
    let body: PutPersonRolesRequest = json_body(&req)?;
    let desired = slashid::role_set(&body.roles)?;
    let version = permissions::replace_person_roles(&app.db, &ctx.org.id, &id, &desired, if_match)
        .await
        .map_err(|e| match e {
            ReplaceError::NotFound => ApiError::NotFound(format!("person {id} not found")),
            ReplaceError::PreconditionFailed => ApiError::PreconditionFailed(e.to_string()),
            ReplaceError::NotInCatalog(names) => {
                ApiError::BadRequest(format!("roles not found: {}", names.join(", ")))
            }
            ReplaceError::Busy => ApiError::Conflict(e.to_string()),
            ReplaceError::Store(e) => e.into(),
        })?;
    consistency
        .wait(app, &keys::person_rbac_roles(&ctx.org.id, &id), version)
        .await?;
    Ok(slashid::with_etag(slashid::no_content(), version))
}
