//! `PATCH /persons/{person_id}/attributes` — merges `{bucket: {attr: value}}` into the person's
//! buckets; attributes not named are untouched. 204.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::request::json_body;
use idgraph::store::attributes::{self, Holder};
use idgraph::store::buckets;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let view = buckets::view(app, &ctx.org).await?;
    let (_, attrs) = slashid::bucketed_attributes(&view, json_body(&req)?)?;
    attributes::patch(&app.db, &ctx.org, Holder::Person(&id), &attrs)
        .await
        .map_err(|e| slashid::attribute_error(e, Holder::Person(&id)))?;
    Ok(slashid::no_content())
}
