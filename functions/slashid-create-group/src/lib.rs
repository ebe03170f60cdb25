//! `POST /groups` — creates the org's group `{name, description?}`. 201, also when it already
//! exists (a no-op, as SlashID documents); 409 while a deletion of that name is under way.

use idgraph::consistency::Consistency;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::ids::GroupName;
use idgraph::keys;
use idgraph::request::json_body;
use idgraph::store::groups;
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;

idgraph::handler!(SlashId, run);

#[derive(Deserialize)]
struct PostGroupReq {
    name: String,
    description: Option<String>,
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let consistency = Consistency::from_request(&req)?;
    let body: PostGroupReq = json_body(&req)?;
    let name = GroupName::parse(&body.name).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    groups::create(
        &app.db,
        &ctx.org.id,
        &name,
        slashid::short_description(body.description.as_deref())?,
        &slashid::now_rfc3339(),
    )
    .await
    .map_err(slashid::group_error)?;
    consistency
        .wait(app, &keys::group(&ctx.org.id, &name), 1)
        .await?;
    Ok(slashid::empty_envelope(201))
}
