//! `PATCH /persons/{person_id}` — sets `active` (and, as an extension, the display `name`); 200 with `PersonRet`.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::person::DisplayName;
use idgraph::request::json_body;
use idgraph::store::persons;
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;

idgraph::handler!(SlashId, run);

#[derive(Deserialize)]
struct PersonPatchReq {
    active: Option<bool>,
    /// Extension: the display name, SailPoint's `name` of this identity.
    name: Option<String>,
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let body: PersonPatchReq = json_body(&req)?;
    let name = body.name.as_deref().map(DisplayName::parse).transpose()?;
    let person = persons::patch(&app.db, &ctx.org, &id, body.active, name.as_ref())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("person {id} not found")))?;
    Ok(slashid::result(200, &slashid::person_json(&person, false)))
}
