//! `POST /persons` — SlashID's `PostPersons`: creates a person from `PersonCreateReq` and answers
//! 201 with `PersonRet`. A handle already used in the person pool is a 409.

use idgraph::auth;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::ids::PersonId;
use idgraph::person::PersonCreateReq;
use idgraph::request::json_body;
use idgraph::store::persons::{self, CreatePersonError};
use idgraph::{App, Body, Request, Response};
use serde_json::{Map, Value, json};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    run(app, req).await.unwrap_or_else(|e| slashid::error(&e))
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let body: PersonCreateReq = json_body(&req)?;
    let new = body.validate(PersonId::new_random(), &app.config.default_person_region)?;
    persons::create(&app.db, &ctx.org, &new.person, &new.attributes).await.map_err(|e| match e {
        CreatePersonError::HandleTaken(Some(h)) => {
            ApiError::Conflict(format!("handle {:?} already belongs to a person", h.value()))
        }
        CreatePersonError::HandleTaken(None) => ApiError::Conflict("a handle already belongs to a person".into()),
        CreatePersonError::IdTaken => ApiError::Conflict("a person with this id already exists".into()),
        CreatePersonError::TooManyItems(max) => ApiError::BadRequest(format!(
            "a person can be created with at most {max} handles and attributes; add more attributes afterwards"
        )),
        CreatePersonError::Store(e) => e.into(),
    })?;

    let mut attributes = Map::new();
    for (bucket, name, value) in &new.attributes {
        let entry = attributes
            .entry(bucket.name.as_str())
            .or_insert_with(|| json!({}));
        entry[name.as_str()] = value.to_json();
    }
    let p = &new.person;
    let mut result = json!({
        "active": p.active,
        "person_id": p.id.as_str(),
        "person_type": "regular",
        "region": p.region,
        "handles": p.handles,
    });
    if !attributes.is_empty() {
        result["attributes"] = Value::Object(attributes);
    }
    Ok(slashid::result(201, &result))
}
