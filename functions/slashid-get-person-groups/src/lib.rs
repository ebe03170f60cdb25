//! `GET /persons/{person_id}/groups` — the names of the person's groups in this org, in name
//! order; 404 if the person is not in this org.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::groups;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let person = slashid::person_id(&req)?;
    let Some(names) = groups::of_person(&app.db, &ctx.org, &person).await? else {
        return Err(ApiError::NotFound(format!("person {person} not found")));
    };
    Ok(slashid::result(200, &names))
}
