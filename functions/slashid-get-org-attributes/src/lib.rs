//! `GET /organizations/attributes?buckets=a,b` — SlashID's `GetOrganizationsAttributes`: the
//! calling organization's own `{bucket: {attr: value}}` of the named buckets (without `buckets`,
//! every bucket that holds attributes), in one DynamoDB request.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::attributes::{self, Holder};
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let (buckets, named) = slashid::requested_buckets(app, &req, &ctx.org).await?;
    let result = attributes::read(&app.db, &ctx.org, Holder::Organization, &buckets, named)
        .await?
        .unwrap_or_default();
    Ok(slashid::result(200, &result))
}
