//! `PUT /persons` — SlashID's idempotent create-or-update: the person owning any of the handles
//! is updated (201 when none does and one is created, 200 otherwise), with `PersonRet`.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::persons::{self, PutOutcome, PutPersonError};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (ctx, new, active_given) = slashid::person_request(app, &req).await?;
    let (person, outcome) = persons::put(
        &app.db,
        &ctx.org,
        &new.person,
        &new.attributes,
        active_given,
    )
    .await
    .map_err(|e| match e {
        PutPersonError::HandlesOfDifferentPersons => {
            ApiError::Conflict("the handles belong to different persons".into())
        }
        PutPersonError::Create(e) => slashid::creation_error(e),
        PutPersonError::Store(e) => e.into(),
    })?;
    let status = if outcome == PutOutcome::Created {
        201
    } else {
        200
    };
    Ok(slashid::result(
        status,
        &slashid::person_json(&person, true),
    ))
}
