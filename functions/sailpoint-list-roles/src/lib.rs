//! `GET /v3/roles` — the org's roles in id order, paged with `limit`/`offset`, `count=true`
//! for `X-Total-Count`.

use idgraph::error::ApiError;
use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::request::Query;
use idgraph::role::Paging;
use idgraph::store::roles;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::Value;

idgraph::handler!(SailPoint, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::ROLE_READ).await?;
    let query = Query::from_request(&req)?;
    let paging = Paging::parse(&query)?;
    for unsupported in ["filters", "sorters"] {
        if query.contains(unsupported) {
            return Err(ApiError::BadRequest(format!(
                "{unsupported} are not supported when listing roles; roles are listed in id order"
            ))
            .into());
        }
    }
    let (page, total) =
        roles::list(&app.db, &ctx.org, paging.offset, paging.limit, paging.count).await?;
    let body = Value::Array(page.into_iter().map(|r| Value::Object(r.doc)).collect());
    Ok(sailpoint::with_total(sailpoint::ok(200, &body), total))
}
