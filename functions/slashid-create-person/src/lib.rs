//! `POST /persons` — SlashID's `PostPersons`: creates a person from `PersonCreateReq` and answers
//! 201 with `PersonRet`. A handle already used in the person pool is a 409; `groups` must
//! exist (400 naming the missing), and the person joins them in its creation's transaction.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::{App, Body, Request, Response};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (ctx, new, _) = slashid::person_request(app, &req).await?;
    slashid::create_person(&app.db, &ctx.org, &new).await?;
    let mut result = slashid::person_json(&new.person, true);
    if !new.attributes.is_empty() {
        result["attributes"] = slashid::attributes_json(&new.attributes);
    }
    if !new.groups.is_empty() {
        result["groups"] = slashid::group_names(&new.groups);
    }
    Ok(slashid::result(201, &result))
}
