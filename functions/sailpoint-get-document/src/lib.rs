//! `GET /v3/search/{index}/{id}` (and SDK 2.x's `/search/v1/{index}/{id}`) — SailPoint's
//! `searchGet`: the stored document, with `_type`. One GetItem.

use idgraph::error::ApiError;
use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::store::search;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SailPoint, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::SEARCH_READ).await?;
    let (index, id) = sailpoint::document_path(&req)?;
    let doc = search::get(&app.db, &ctx.org.id, index, &id)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(
                "The server did not find a current representation for the target resource.".into(),
            )
        })?;
    Ok(sailpoint::ok(200, &doc))
}
