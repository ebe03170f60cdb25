//! `DELETE /persons/{person_id}` — the person leaves the organization with all its attributes,
//! permissions and memberships there, however many. 204.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::person_deletion;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    if !person_deletion::delete(&app.db, &ctx.org, &id).await? {
        return Err(ApiError::NotFound(format!("person {id} not found")));
    }
    Ok(slashid::no_content())
}
