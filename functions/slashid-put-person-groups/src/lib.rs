//! `PUT /persons/{person_id}/groups` — the person's groups become `{groups: [name, ...]}`
//! (duplicates ignored; `[]` leaves every group). 200 with the groups now held. Every group
//! must exist (else 400 naming the missing ones); 404 if the person is not in this org.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::ids::GroupName;
use idgraph::request::json_body;
use idgraph::store::groups;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let person = slashid::person_id(&req)?;
    let desired = slashid::string_set(
        &json_body(&req)?,
        "groups",
        groups::MAX_GROUPS_PER_PUT,
        GroupName::parse,
    )?;
    let names = groups::replace(&app.db, &ctx.org, &person, &desired)
        .await
        .map_err(slashid::group_error)?;
    Ok(slashid::result(200, &names))
}
