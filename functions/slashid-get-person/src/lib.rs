//! `GET /persons/{person_id}` — SlashID's `GetPersonsPersonId`: the person as `PersonRet`, with
//! the optional `fields=handles,groups,attributes`.

use idgraph::attribute::default_buckets;
use idgraph::auth;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::ids::PersonId;
use idgraph::request::{Query, path_param};
use idgraph::store::{attributes, persons};
use idgraph::{App, Body, Request, Response};
use serde_json::json;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    run(app, req).await.unwrap_or_else(|e| slashid::error(&e))
}

/// The optional parts of `PersonRet` that `fields=` selects.
#[derive(Debug, Default, PartialEq, Eq)]
struct Fields {
    handles: bool,
    groups: bool,
    attributes: bool,
}

impl Fields {
    fn parse(query: &Query) -> Result<Self, ApiError> {
        let mut fields = Self::default();
        for name in query.comma_list("fields")?.unwrap_or_default() {
            match name.as_str() {
                "handles" => fields.handles = true,
                "groups" => fields.groups = true,
                "attributes" => fields.attributes = true,
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "unknown field {other:?}; fields may be handles, groups, attributes"
                    )));
                }
            }
        }
        Ok(fields)
    }
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = PersonId::parse(&path_param(&req, "person_id")?)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let fields = Fields::parse(&Query::from_request(&req)?)?;
    let person = persons::get(&app.db, &ctx.org, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("person {id} not found")))?;

    let mut result = json!({
        "active": person.active,
        "person_id": person.id.as_str(),
        "person_type": "regular",
        "region": person.region,
    });
    if fields.handles {
        result["handles"] = json!(person.handles);
    }
    if fields.groups {
        // Groups are not modelled yet: a person belongs to none.
        result["groups"] = json!([]);
    }
    if fields.attributes {
        result["attributes"] =
            json!(attributes::read(&app.db, &ctx.org, &id, &default_buckets()).await?);
    }
    Ok(slashid::result(200, &result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_select_the_optional_parts() {
        let q = Query::parse("fields=handles,attributes").unwrap();
        assert_eq!(
            Fields::parse(&q).unwrap(),
            Fields {
                handles: true,
                groups: false,
                attributes: true
            }
        );
    }

    #[test]
    fn an_unknown_field_is_a_bad_request() {
        let q = Query::parse("fields=handles,password").unwrap();
        assert!(
            matches!(Fields::parse(&q), Err(ApiError::BadRequest(m)) if m.contains("password"))
        );
    }
}
