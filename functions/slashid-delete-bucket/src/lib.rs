//! `DELETE /organizations/attribute-buckets/{bucket_name}` — extension: deletes a custom bucket
//! the org defined; its attributes are never served again. Default buckets → 400. 204.

use idgraph::attribute::BucketName;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::request::path_param;
use idgraph::store::buckets;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let name = BucketName::parse(&path_param(&req, "bucket_name")?)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    buckets::delete(app, &ctx.org, name)
        .await
        .map_err(slashid::bucket_error)?;
    Ok(slashid::no_content())
}
