//! `GET /organizations/attributes/{bucket_name}?attributes=a,b` — the calling organization's
//! own attributes of one bucket as a flat `{attr: value}`; `attributes=` selects names.

use idgraph::attribute::AttributeName;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::request::Query;
use idgraph::store::attributes::{self, Holder};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (ctx, bucket) = slashid::org_bucket(app, &req).await?;
    let wanted = slashid::attribute_names(&Query::from_request(&req)?)?;
    let mut all = attributes::read(
        &app.db,
        &ctx.org,
        Holder::Organization,
        std::slice::from_ref(&bucket),
        true,
    )
    .await?
    .unwrap_or_default();
    let mut result = all.remove(bucket.name.as_str()).unwrap_or_default();
    if let Some(wanted) = wanted {
        result.retain(|name, _| wanted.iter().any(|w: &AttributeName| w.as_str() == name));
    }
    Ok(slashid::result(200, &result))
}
