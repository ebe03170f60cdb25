//! `PUT /persons/{person_id}/attributes/{bucket_name}` — replaces the bucket's contents with the
//! body's `{attr: value}`. 204.

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
    attributes::replace(
        &app.db,
        &ctx.org,
        Holder::Person(&id),
        std::slice::from_ref(&bucket),
        &attrs,
    )
    .await
    .map_err(|e| slashid::attribute_error(e, Holder::Person(&id)))?;
    Ok(slashid::no_content())
}
