//! `POST /v3/roles` — creates a role; an `IDENTITY_LIST` membership assigns its identities
//! (`ROLE_MEMBERSHIP`). 201 with the role.

use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::ids::RoleId;
use idgraph::request::json_body;
use idgraph::role::RoleBody;
use idgraph::store::roles;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::Value;

idgraph::handler!(SailPoint, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::ROLE_MANAGE).await?;
    let body = RoleBody::parse(json_body(&req)?)?;
    let role = roles::create(
        &app.db,
        &ctx.org,
        RoleId::new_random(),
        body,
        &sailpoint::now_iso(),
    )
    .await?;
    Ok(sailpoint::ok(201, &Value::Object(role.doc)))
}
