//! `GET /rbac/roles` — the org's role names, with the list's `ETag` (it moves with every create
//! and delete).

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let (names, version) = permissions::list_roles(&app.db, &ctx.org.id).await?;
    Ok(slashid::with_etag(slashid::result(200, &names), version))
}
