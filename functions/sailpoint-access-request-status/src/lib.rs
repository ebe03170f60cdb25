//! `GET /v3/access-request-status` — the statuses of the requested items of access requests,
//! for one identity (`requested-for` or `regarding-identity`) or the whole org, filtered,
//! sorted and paged (`limit` ≤ 250), `count=true` for `X-Total-Count`.

use idgraph::access_request::{self, StatusQuery};
use idgraph::error::ApiError;
use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::ids::PersonId;
use idgraph::request::Query;
use idgraph::role::Paging;
use idgraph::store::access_requests;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::Value;

idgraph::handler!(SailPoint, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::ACCESS_REQUEST_READ).await?;
    let query = Query::from_request(&req)?;
    let paging = Paging::parse_up_to(&query, access_request::MAX_LIMIT)?;
    let bad = |m: &str| SailPointError::from(ApiError::BadRequest(m.to_owned()));
    let requested_for = query.single("requested-for")?;
    let requested_by = query.single("requested-by")?;
    let regarding = query.single("regarding-identity")?;
    if regarding.is_some() && (requested_for.is_some() || requested_by.is_some()) {
        return Err(bad(
            "regarding-identity cannot be combined with requested-for or requested-by",
        ));
    }
    let status_query = StatusQuery::parse(query.single("filters")?, query.single("sorters")?)?;
    let person = match requested_for.or(regarding) {
        None => None,
        Some("me") => {
            return Err(bad(
                "me names the calling identity, and this token is an API client's: name the identity's id",
            ));
        }
        Some(raw) => Some(PersonId::parse(raw).map_err(|e| bad(&e.to_string()))?),
    };
    // Requests here are made by API clients and complete when made: none is by an identity
    // other than the client, none has a work item, none is still executing.
    let none_match = requested_by.is_some_and(|by| by != "me" && by != ctx.client_id)
        || query.single("assigned-to")?.is_some()
        || match query.single("request-state")? {
            None => false,
            Some("EXECUTING") => true,
            Some(other) => {
                return Err(bad(&format!(
                    "request-state {other:?} is not valid; the only valid value is EXECUTING"
                )));
            }
        };
    let (page, total) = if none_match {
        (vec![], paging.count.then_some(0))
    } else {
        access_requests::list(
            &app.db,
            &ctx.org.id,
            person.as_ref(),
            &status_query,
            paging.offset,
            paging.limit,
            paging.count,
        )
        .await?
    };
    let body = Value::Array(page.into_iter().map(Value::Object).collect());
    Ok(sailpoint::with_total(sailpoint::ok(200, &body), total))
}
