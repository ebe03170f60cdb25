//! `GET /v3/roles` — the org's roles, filtered and sorted as `listRoles` specifies, paged with
//! `limit` (≤ 50) / `offset`, `count=true` for `X-Total-Count`.

use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::request::Query;
use idgraph::role::Paging;
use idgraph::role_listing::{self, RoleQuery};
use idgraph::store::roles;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::Value;

idgraph::handler!(SailPoint, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::ROLE_READ).await?;
    let query = Query::from_request(&req)?;
    let paging = Paging::parse_up_to(&query, role_listing::MAX_LIMIT)?;
    sailpoint::refuse_segments_and_subadmins(&query)?;
    let roles_query = RoleQuery::parse(query.single("filters")?, query.single("sorters")?)?;
    let (page, total) = roles::list(
        &app.db,
        &ctx.org,
        &roles_query,
        paging.offset,
        paging.limit,
        paging.count,
    )
    .await?;
    let body = Value::Array(page.into_iter().map(|r| Value::Object(r.doc)).collect());
    Ok(sailpoint::with_total(sailpoint::ok(200, &body), total))
}
