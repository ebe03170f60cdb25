//! `POST /v3/search` (and `/search/v1`) — SailPoint's `searchPost`: one page of the caller's
//! documents matching a `Search` body, from the search engine; `count=true` adds
//! `X-Total-Count`. Two engine requests at most: the field types (cached) and the search.

use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::faces::sailpoint_search::{self as search, bad};
use idgraph::search_request::MAX_LIMIT;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SailPoint, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::SEARCH_READ).await?;
    let engine = search::engine(app)?;
    let (page, count) = search::paging(&req, MAX_LIMIT)?;
    let body = search::body(&req)?;
    let types = engine.field_types().await?;
    let request = body
        .search(
            ctx.org.id.as_str(),
            &page,
            count,
            search::whole_field(&types),
        )
        .map_err(bad)?;
    let fetched = search::fetch(engine, &request, count).await?;
    let n = fetched.documents.len();
    let resp = search::capped_json(&fetched.documents.into(), n)?;
    Ok(sailpoint::with_total(resp, fetched.total))
}
