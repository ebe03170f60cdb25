//! `POST /v3/access-requests/cancel` — ISC cancels a request that has not passed its approval
//! step. Requests here are applied when they are made, so a known request is a 400 saying it
//! has completed, an unknown one a 404; nothing changes either way.

use idgraph::error::ApiError;
use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::request::json_body;
use idgraph::store::access_requests;
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;

idgraph::handler!(SailPoint, run);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CancelAccessRequest {
    account_activity_id: String,
    comment: String,
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::ACCESS_REQUEST).await?;
    let body: CancelAccessRequest = json_body(&req)?;
    if body.comment.trim().is_empty() {
        return Err(ApiError::BadRequest("comment is required".into()).into());
    }
    let id = body.account_activity_id;
    let valid = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    let found = if valid {
        access_requests::get(&app.db, &ctx.org.id, &id).await?
    } else {
        None
    };
    match found {
        None => Err(ApiError::NotFound(format!("access request {id:?} not found")).into()),
        Some(_) => Err(ApiError::BadRequest(format!(
            "access request {id} has completed and cannot be cancelled; only a request that has not passed its approval step can be"
        ))
        .into()),
    }
}
