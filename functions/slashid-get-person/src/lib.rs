//! `GET /persons/{person_id}` — SlashID's `GetPersonsPersonId`: the person as `PersonRet`, with
//! the optional `fields=handles,groups,attributes`.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::request::Query;
use idgraph::store::attributes::{self, Holder};
use idgraph::store::{buckets, persons};
use idgraph::{App, Body, Request, Response, auth};
use serde_json::json;

idgraph::handler!(SlashId, run);

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
    let id = slashid::person_id(&req)?;
    let fields = Fields::parse(&Query::from_request(&req)?)?;
    let not_found = || ApiError::NotFound(format!("person {id} not found"));
    let person = persons::get(&app.db, &ctx.org, &id)
        .await?
        .ok_or_else(not_found)?;
    let mut result = slashid::person_json(&person, fields.handles);
    if fields.groups {
        // Groups are not modelled yet: a person belongs to none.
        result["groups"] = json!([]);
    }
    if fields.attributes {
        let all = buckets::view(app, &ctx.org).await?.accessible;
        result["attributes"] = json!(
            attributes::read(&app.db, &ctx.org, Holder::Person(&id), &all, false)
                .await?
                .ok_or_else(not_found)?
        );
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
