//! `GET /persons/{person_id}/permissions` — every permission the person holds: those assigned
//! directly and those of its roles. While the roles add nothing, the `ETag` is the direct set's,
//! which `If-Match` on the PUT refers to; once they do, it is one the PUT never matches
//! (`permission::effective_etag`), and `/additional-permissions` serves the direct set and its
//! `ETag`.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::permission::effective_etag;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let held = permissions::effective_permissions(&app.db, &ctx.org.id, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("person {id} not found")))?;
    let resp = slashid::result(200, &held.names);
    Ok(if held.from_roles {
        slashid::with_etag_value(resp, &effective_etag(held.direct_version, &held.names))
    } else {
        slashid::with_etag(resp, held.direct_version)
    })
}
