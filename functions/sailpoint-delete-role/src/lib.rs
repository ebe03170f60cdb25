//! `DELETE /v3/roles/{id}` — deletes the role and all its assignments, however many; 204.

use idgraph::error::ApiError;
use idgraph::faces::sailpoint::SailPointError;
use idgraph::faces::{empty_response, sailpoint};
use idgraph::store::roles;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SailPoint, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::ROLE_MANAGE).await?;
    let id = sailpoint::role_id(&req)?;
    if roles::delete(&app.db, &ctx.org, &id).await? {
        Ok(empty_response(204))
    } else {
        Err(ApiError::NotFound(format!("role {id} not found")).into())
    }
}
