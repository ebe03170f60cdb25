//! `POST /organizations/attribute-buckets` — extension: defines a custom bucket
//! `{name, sharing_scope, end_user_permissions}`. 201 with the `AttributeBucket`; an existing
//! name is a 409.

use idgraph::attribute::{BucketName, EndUserPermissions, SharingScope};
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::request::json_body;
use idgraph::store::buckets::{self};
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;

idgraph::handler!(SlashId, run);

#[derive(Deserialize)]
struct CreateBucketReq {
    name: String,
    sharing_scope: SharingScope,
    #[serde(default = "read_write")]
    end_user_permissions: EndUserPermissions,
}

fn read_write() -> EndUserPermissions {
    EndUserPermissions::ReadWrite
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let body: CreateBucketReq = json_body(&req)?;
    let name = BucketName::parse(&body.name).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let bucket = buckets::create(
        app,
        &ctx.org,
        name,
        body.sharing_scope,
        body.end_user_permissions,
    )
    .await
    .map_err(slashid::bucket_error)?;
    Ok(slashid::result(201, &bucket.to_json(&ctx.org)))
}
