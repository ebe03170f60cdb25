//! `GET /persons/{person_id}/permissions` — every permission the person holds: those assigned
//! directly and those of its roles. The `ETag` is the direct set's, which `If-Match` on the PUT
//! refers to (`/additional-permissions` serves the direct set alone).

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let (names, version) = permissions::effective_permissions(&app.db, &ctx.org.id, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("person {id} not found")))?;
    Ok(slashid::with_etag(slashid::result(200, &names), version))
}
