//! `DELETE /groups/{group_name}/persons/{person_id}` — removes the person from the group. 200;
//! 404 when the group or the person does not exist, or the person is not in the group.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::groups;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let name = slashid::group_param(&req)?;
    let person = slashid::person_id(&req)?;
    groups::remove_person(&app.db, &ctx.org, &name, &person)
        .await
        .map_err(slashid::group_error)?;
    Ok(slashid::empty_envelope(200))
}
