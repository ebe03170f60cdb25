//! `GET /persons/{person_id}/roles` — the person's role names, with the `ETag` that `If-Match`
//! on the PUT refers to.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let (names, version) = permissions::person_roles(&app.db, &ctx.org.id, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("person {id} not found")))?;
    Ok(slashid::with_etag(slashid::result(200, &names), version))
}
