//! `PATCH /persons/{person_id}` — sets `active`; 200 with `PersonRet`.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::request::json_body;
use idgraph::store::persons;
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    slashid::respond(run(app, req).await)
}

#[derive(Deserialize)]
struct PersonPatchReq {
    active: Option<bool>,
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let body: PersonPatchReq = json_body(&req)?;
    let person = persons::set_active(&app.db, &ctx.org, &id, body.active)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("person {id} not found")))?;
    Ok(slashid::result(200, &slashid::person_json(&person, false)))
}
