//! `PUT /v3/search/{index}/{id}` — extension: ingests a document into one of the six indices
//! that are not projections of live data. The body's `id` and `_type` must agree with the path.

use idgraph::error::ApiError;
use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::request::{body_bytes, json_body};
use idgraph::store::search::{self, MAX_DOCUMENT_BYTES};
use idgraph::{App, Body, Request, Response, auth};
use serde_json::Value;

idgraph::handler!(SailPoint, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::SEARCH_WRITE).await?;
    let (index, id) = sailpoint::document_path(&req)?;
    let bad = |m: String| SailPointError::from(ApiError::BadRequest(m));
    if index.is_projection() {
        return Err(bad(format!(
            "{} documents are derived from live data and cannot be written",
            index.as_str()
        )));
    }
    if body_bytes(&req).len() > MAX_DOCUMENT_BYTES {
        return Err(bad(format!(
            "a document may be at most {MAX_DOCUMENT_BYTES} bytes"
        )));
    }
    let doc: Value = json_body(&req)?;
    if !doc.is_object() {
        return Err(bad("a document must be a JSON object".into()));
    }
    if doc.get("id").and_then(Value::as_str) != Some(id.as_str()) {
        return Err(bad(format!(
            "the document's id must be {:?}, as in the path",
            id.as_str()
        )));
    }
    if doc.get("_type").and_then(Value::as_str) != Some(index.doc_type()) {
        return Err(bad(format!(
            "the document's _type must be {:?} for index {}",
            index.doc_type(),
            index.as_str()
        )));
    }
    search::put(&app.db, &ctx.org.id, index, &id, &doc).await?;
    Ok(sailpoint::ok(200, &doc))
}
