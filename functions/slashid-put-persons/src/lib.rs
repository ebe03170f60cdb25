//! `PUT /persons` — SlashID's idempotent create-or-update: the person owning any of the handles
//! is updated (201 when none does and one is created, 200 otherwise), with `PersonRet`. `groups`,
//! when given, replace the person's groups (SlashID: "Previous groups are overwritten").

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::groups;
use idgraph::store::persons::{self, PutOutcome, PutPersonError};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (ctx, new, active_given) = slashid::person_request(app, &req).await?;
    // Checked before any write, so a missing group leaves the person as it was.
    if !new.groups.is_empty() {
        groups::joinable(&app.db, &ctx.org.id, &new.groups)
            .await
            .map_err(slashid::group_error)?;
    }
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
    if !new.groups.is_empty() {
        // A second write: an interrupted PUT is completed by its retry, as PUT is idempotent.
        groups::replace(&app.db, &ctx.org, &person.id, &new.groups)
            .await
            .map_err(slashid::group_error)?;
    }
    let status = if outcome == PutOutcome::Created {
        201
    } else {
        200
    };
    let mut result = slashid::person_json(&person, true);
    if !new.groups.is_empty() {
        result["groups"] = slashid::group_names(&new.groups);
    }
    Ok(slashid::result(status, &result))
}
