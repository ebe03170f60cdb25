//! `DELETE /groups/{group_name}` — removes every person from the group and deletes it. 200;
//! 404 if absent. A retry after a failure part-way resumes the deletion.

use idgraph::consistency::Consistency;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::keys;
use idgraph::store::groups;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let name = slashid::group_param(&req)?;
    let consistency = Consistency::from_request(&req)?;
    groups::delete(&app.db, &ctx.org.id, &name)
        .await
        .map_err(slashid::group_error)?;
    consistency
        .wait_absent(app, &keys::group(&ctx.org.id, &name))
        .await?;
    Ok(slashid::empty_envelope(200))
}
