//! `GET /organizations/attribute-buckets` — every bucket the org can access: the six defaults,
//! its own `organization` buckets and its pool's `person_pool` buckets.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::buckets;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let view = buckets::view(app, &ctx.org).await?;
    let list: Vec<_> = view
        .accessible
        .iter()
        .map(|b| b.to_json(&ctx.org))
        .collect();
    Ok(slashid::result(200, &list))
}
