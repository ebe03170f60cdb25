//! `DELETE /organizations/attributes/{bucket_name}?attributes=a,b` — deletes the named
//! attributes of the calling organization's own, or without `attributes=` all of the bucket. 204.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::request::Query;
use idgraph::store::attributes::{self, Holder};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (ctx, bucket) = slashid::org_bucket(app, &req).await?;
    let names = slashid::attribute_names(&Query::from_request(&req)?)?;
    attributes::delete(
        &app.db,
        &ctx.org,
        Holder::Organization,
        &bucket,
        names.as_deref(),
    )
    .await
    .map_err(|e| slashid::attribute_error(e, Holder::Organization))?;
    Ok(slashid::no_content())
}
