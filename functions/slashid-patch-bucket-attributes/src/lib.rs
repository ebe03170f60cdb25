//! `PATCH /persons/{person_id}/attributes/{bucket_name}` — merges the body's `{attr: value}`
//! into the bucket. 204.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::request::json_body;
use idgraph::store::attributes::{self, Holder};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (ctx, id, bucket) = slashid::person_bucket(app, &req).await?;
    let mut attrs = Vec::new();
    slashid::bucket_attributes(&bucket, json_body(&req)?, &mut attrs)?;
    attributes::patch(&app.db, &ctx.org, Holder::Person(&id), &attrs)
        .await
        .map_err(|e| slashid::attribute_error(e, Holder::Person(&id)))?;
    Ok(slashid::no_content())
}
