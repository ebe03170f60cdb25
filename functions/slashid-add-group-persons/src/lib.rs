//! `POST /groups/{group_name}/persons` — adds `{persons: [id, ...]}` to the group. 201; the
//! group and every person (of this org) must exist, else 404 with nothing added. Persons
//! already in the group are left as they are.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::ids::PersonId;
use idgraph::request::json_body;
use idgraph::store::groups;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let name = slashid::group_param(&req)?;
    let persons = slashid::string_set(
        &json_body(&req)?,
        "persons",
        groups::MAX_PERSONS_PER_ADD,
        PersonId::parse,
    )?;
    let persons: Vec<PersonId> = persons.into_iter().collect();
    groups::add_persons(&app.db, &ctx.org, &name, &persons)
        .await
        .map_err(slashid::group_error)?;
    Ok(slashid::empty_envelope(201))
}
