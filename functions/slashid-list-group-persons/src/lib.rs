//! `GET /groups/{group_name}/persons` — the ids of the group's persons, in id order; 404 if
//! there is no such group.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::groups;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let name = slashid::group_param(&req)?;
    let Some(ids) = groups::members(&app.db, &ctx.org.id, &name).await? else {
        return Err(ApiError::NotFound(format!("group {name} not found")));
    };
    Ok(slashid::result(200, &ids))
}
