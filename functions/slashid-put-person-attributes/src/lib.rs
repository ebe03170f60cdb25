//! `PUT /persons/{person_id}/attributes` — replaces the contents of every bucket named in the
//! body (`{bucket: {attr: value}}`); buckets not named are untouched. 204.

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
    let (buckets, attrs) = slashid::bucketed_attributes(&view, json_body(&req)?)?;
    attributes::replace(&app.db, &ctx.org, Holder::Person(&id), &buckets, &attrs)
        .await
        .map_err(|e| slashid::attribute_error(e, Holder::Person(&id)))?;
    Ok(slashid::no_content())
}
