//! `DELETE /persons/{person_id}/attributes/{bucket_name}?attributes=a,b` — deletes the named
//! attributes, or without `attributes=` every attribute of the bucket. 204.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::request::Query;
use idgraph::store::attributes::{self, Holder};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (ctx, id, bucket) = slashid::person_bucket(app, &req).await?;
    let names = slashid::attribute_names(&Query::from_request(&req)?)?;
    attributes::delete(
        &app.db,
        &ctx.org,
        Holder::Person(&id),
        &bucket,
        names.as_deref(),
    )
    .await
    .map_err(|e| slashid::attribute_error(e, Holder::Person(&id)))?;
    Ok(slashid::no_content())
}
