//! `POST /v3/search/count` (and `/search/v1/count`) — SailPoint's `searchCount`: 204 with
//! `X-Total-Count`, how many of the caller's documents match the `Search` body's query and
//! filters. One engine request, and the field types (cached).

use idgraph::faces::empty_response;
use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::faces::sailpoint_search::{self as search, bad};
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SailPoint, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::SEARCH_READ).await?;
    let engine = search::engine(app)?;
    let body = search::body(&req)?;
    let types = engine.field_types().await?;
    let request = body
        .count(ctx.org.id.as_str(), search::whole_field(&types))
        .map_err(bad)?;
    let total = engine.count(&request.indices, &request.body).await?;
    Ok(sailpoint::with_total(empty_response(204), Some(total)))
}
