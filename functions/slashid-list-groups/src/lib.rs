//! `GET /groups` — the names of the org's groups, in name order.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::groups;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let names = groups::list(&app.db, &ctx.org.id).await?;
    Ok(slashid::result(200, &names))
}
