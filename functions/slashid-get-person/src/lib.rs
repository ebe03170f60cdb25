//! `GET /persons/{person_id}` — SlashID's `GetPersonsPersonId`: the person as `PersonRet`, with
//! the optional `fields=handles,groups,attributes`.

use idgraph::error::ApiError;
use idgraph::faces::slashid::{self, PersonFields};
use idgraph::request::Query;
use idgraph::store::attributes::{self, Holder};
use idgraph::store::{buckets, groups, persons};
use idgraph::{App, Body, Request, Response, auth};
use serde_json::json;

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let fields = PersonFields::parse(&Query::from_request(&req)?)?;
    let not_found = || ApiError::NotFound(format!("person {id} not found"));
    let person = persons::get(&app.db, &ctx.org, &id)
        .await?
        .ok_or_else(not_found)?;
    let mut result = slashid::person_json(&person, fields.handles);
    if fields.groups {
        result["groups"] = json!(
            groups::of_person(&app.db, &ctx.org, &id)
                .await?
                .ok_or_else(not_found)?
        );
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
            PersonFields::parse(&q).unwrap(),
            PersonFields {
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
            matches!(PersonFields::parse(&q), Err(ApiError::BadRequest(m)) if m.contains("password"))
        );
    }
}
