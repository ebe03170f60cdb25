//! `POST /persons` — SlashID's `PostPersons`: creates a person from `PersonCreateReq` and answers
//! 201 with `PersonRet`. A handle already used in the person pool is a 409.

use idgraph::auth::RequestContext;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::ids::PersonId;
use idgraph::person::{NewPerson, PersonCreateReq};
use idgraph::request::json_body;
use idgraph::store::buckets;
use idgraph::store::persons::{self, CreatePersonError};
use idgraph::{App, Body, Request, Response, auth};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    slashid::respond(run(app, req).await)
}

/// A `PersonCreateReq` (as `POST` and `PUT /persons` take it) from the caller, checked: the
/// caller, the new person with a fresh id, and whether the body said `active`.
pub async fn person_request(
    app: &App,
    req: &Request,
) -> Result<(RequestContext, NewPerson, bool), ApiError> {
    let ctx = auth::slashid(app, req).await?;
    let body: PersonCreateReq = json_body(req)?;
    let active_given = body.active.is_some();
    let view = buckets::view(app, &ctx.org).await?;
    let new = body.validate(
        PersonId::new_random(),
        &app.config.default_person_region,
        &view,
    )?;
    Ok((ctx, new, active_given))
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let (ctx, new, _) = person_request(app, &req).await?;
    persons::create(&app.db, &ctx.org, &new.person, &new.attributes)
        .await
        .map_err(creation_error)?;
    let mut result = slashid::person_json(&new.person, true);
    if !new.attributes.is_empty() {
        result["attributes"] = slashid::attributes_json(&new.attributes);
    }
    Ok(slashid::result(201, &result))
}

/// A failed creation in SlashID's terms.
pub fn creation_error(e: CreatePersonError) -> ApiError {
    match e {
        CreatePersonError::HandleTaken(Some(h)) => ApiError::Conflict(format!(
            "handle {:?} already belongs to a person",
            h.value()
        )),
        CreatePersonError::HandleTaken(None) => {
            ApiError::Conflict("a handle already belongs to a person".into())
        }
        CreatePersonError::IdTaken => {
            ApiError::Conflict("a person with this id already exists".into())
        }
        CreatePersonError::TooManyItems(max) => ApiError::BadRequest(format!(
            "a person can be created with at most {max} handles and attributes; add more attributes afterwards"
        )),
        CreatePersonError::Store(e) => e.into(),
        // SlashID creations add no extra writes.
        CreatePersonError::ExtraFailed(_) => ApiError::Internal,
    }
}
