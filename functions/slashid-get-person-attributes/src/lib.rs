//! `GET /persons/{person_id}/attributes?buckets=a,b` — SlashID's `GetPersonsPersonIdAttributes`.
//! `{bucket: {attr: value}}` of the named buckets (all the org can access when `buckets` is
//! absent), in one DynamoDB request when the buckets share a partition.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::attributes::{self, Holder};
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let (buckets, named) = slashid::requested_buckets(app, &req, &ctx.org).await?;
    let result = attributes::read(&app.db, &ctx.org, Holder::Person(&id), &buckets, named)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("person {id} not found")))?;
    Ok(slashid::result(200, &result))
}
