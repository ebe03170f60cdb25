//! `GET /persons/{person_id}/additional-permissions` — the person's directly assigned
//! permissions, without those from roles, with the `ETag` that `If-Match` on the PUT refers to.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let (names, version) = permissions::of_person(&app.db, &ctx.org.id, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("person {id} not found")))?;
    Ok(slashid::with_etag(slashid::result(200, &names), version))
}
