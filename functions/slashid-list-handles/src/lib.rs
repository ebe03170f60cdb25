//! `GET /persons/{person_id}/handles` — SlashID's `GetPersonsPersonIdHandles`: the person's
//! handles as `PersonHandlesResponse`, in the order they were added.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::persons;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let person = persons::get(&app.db, &ctx.org, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("person {id} not found")))?;
    Ok(slashid::result(200, &person.handles))
}
