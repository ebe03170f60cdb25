//! `POST /persons` — SlashID's `PostPersons`: creates a person from `PersonCreateReq` and answers
//! 201 with `PersonRet`. A handle already used in the person pool is a 409.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::persons::{self};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (ctx, new, _) = slashid::person_request(app, &req).await?;
    persons::create(&app.db, &ctx.org, &new.person, &new.attributes)
        .await
        .map_err(slashid::creation_error)?;
    let mut result = slashid::person_json(&new.person, true);
    if !new.attributes.is_empty() {
        result["attributes"] = slashid::attributes_json(&new.attributes);
    }
    Ok(slashid::result(201, &result))
}
