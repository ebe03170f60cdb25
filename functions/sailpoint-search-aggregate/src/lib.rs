//! `POST /v3/search/aggregate` (and `/search/v1/aggregate`) — SailPoint's `searchAggregate`:
//! `{aggregations, hits}` for the caller's documents (`limit` ≤ 250 hits), or, for SAILPOINT
//! aggregations asked for with `Accept: text/csv`, their CSV.

use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::faces::sailpoint_search::{self as search, bad};
use idgraph::search_aggregation;
use idgraph::search_request::MAX_AGGREGATE_LIMIT;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::{Value, json};

idgraph::handler!(SailPoint, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::SEARCH_READ).await?;
    let engine = search::engine(app)?;
    let (page, count) = search::paging(&req, MAX_AGGREGATE_LIMIT)?;
    let body = search::body(&req)?;
    let csv = search::wants_csv(&req)? && body.aggregation_type.as_deref() == Some("SAILPOINT");
    let types = engine.field_types().await?;
    let request = body
        .aggregate(
            ctx.org.id.as_str(),
            &page,
            count,
            search::whole_field(&types),
        )
        .map_err(bad)?;
    let mut fetched = search::fetch(engine, &request, count).await?;
    let aggregations = match fetched.rest["aggregations"].take() {
        Value::Null => json!({}),
        found => found,
    };
    if csv && let Some(spec) = &body.aggregations {
        let text = search_aggregation::csv(spec, &aggregations).unwrap_or_default();
        return Ok(sailpoint::with_total(
            search::csv_response(text)?,
            fetched.total,
        ));
    }
    let n = fetched.documents.len();
    let hits = fetched.documents;
    let resp = search::capped_json(&json!({"aggregations": aggregations, "hits": hits}), n)?;
    Ok(sailpoint::with_total(resp, fetched.total))
}
