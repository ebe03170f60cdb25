//! `GET /v3/roles/{id}/assigned-identities` (and SDK 2.x's `/roles/v1/{id}/assigned-identities`)
//! — SailPoint's `getRoleAssignedIdentities`: the role's members as `RoleIdentity`, filtered,
//! sorted and paged, with `X-Total-Count` when `count=true`.

use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::request::Query;
use idgraph::role::{MemberFilter, Paging, Sorters};
use idgraph::store::assignments;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::Value;

idgraph::handler!(SailPoint, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::ROLE_READ).await?;
    let role = sailpoint::role_id(&req)?;
    let query = Query::from_request(&req)?;
    let paging = Paging::parse(&query)?;
    let filter = query
        .single("filters")?
        .map(MemberFilter::parse)
        .transpose()?;
    let sorters = Sorters::parse(query.single("sorters")?)?;
    let page =
        assignments::assigned(&app.db, &ctx.org, &role, filter.as_ref(), &sorters, paging).await?;
    let body = Value::Array(page.members.iter().map(|m| m.to_json()).collect());
    Ok(sailpoint::with_total(sailpoint::ok(200, &body), page.total))
}
