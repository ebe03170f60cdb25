//! `GET /persons/{person_id}/attributes?buckets=a,b` — SlashID's `GetPersonsPersonIdAttributes`.
//! `{bucket: {attr: value}}` of the named buckets (all the org can access when `buckets` is
//! absent), in one DynamoDB request when the buckets share a partition.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::request::Query;
use idgraph::store::attributes::{self, Holder};
use idgraph::store::buckets;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let names = Query::from_request(&req)?.comma_list("buckets")?;
    let buckets = buckets::view(app, &ctx.org)
        .await?
        .resolve(names.as_deref())?;
    // Named buckets all appear, empty or not; without `buckets`, only those holding attributes.
    let result = attributes::read(
        &app.db,
        &ctx.org,
        Holder::Person(&id),
        &buckets,
        names.is_some(),
    )
    .await?
    .ok_or_else(|| ApiError::NotFound(format!("person {id} not found")))?;
    Ok(slashid::result(200, &result))
}
