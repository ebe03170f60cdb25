//! `GET /rbac/permissions` — the catalog's names, with the catalog's `ETag` (the version that
//! `If-Match` on `PATCH /rbac/permissions/{name}` refers to).

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let (names, version) = permissions::list(&app.db, &ctx.org.id).await?;
    Ok(slashid::with_etag(slashid::result(200, &names), version))
}
