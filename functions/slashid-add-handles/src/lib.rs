//! `POST /persons/{person_id}/handles` — SlashID's `PostPersonsPersonIdHandles`: adds handles
//! (`PersonHandlesReq`) to a person of the calling org. Each must be free in the person pool
//! (409 naming the taken one, as `POST /persons` answers); handles the person already has are
//! left as they are. 204.

use idgraph::error::ApiError;
use idgraph::faces::slashid::{self, RawHandle};
use idgraph::person::Handle;
use idgraph::request::json_body;
use idgraph::store::handles;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let body: Vec<RawHandle> = json_body(&req)?;
    let new = parse(body)?;
    handles::add(&app.db, &ctx.org, &id, &new)
        .await
        .map_err(|e| slashid::handle_error(e, &id))?;
    Ok(slashid::no_content())
}

/// The handles of the body, each valid for its type and given once.
fn parse(body: Vec<RawHandle>) -> Result<Vec<Handle>, ApiError> {
    let bad = ApiError::BadRequest;
    if body.is_empty() {
        return Err(bad("give at least one handle".into()));
    }
    let mut out: Vec<Handle> = Vec::with_capacity(body.len());
    for raw in body {
        let h = Handle::parse(raw.kind, &raw.value).map_err(|e| bad(e.to_string()))?;
        if out
            .iter()
            .any(|o| o.kind() == h.kind() && o.normalized() == h.normalized())
        {
            return Err(bad(format!("handle {:?} is given twice", raw.value)));
        }
        out.push(h);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: serde_json::Value) -> Vec<RawHandle> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_specs_example_parses() {
        let b = body(json!([
            {"type": "email_address", "value": "user@user.com"},
            {"type": "phone_number", "value": "+13475043201"},
            {"type": "username", "value": "john_smith"}
        ]));
        assert_eq!(parse(b).unwrap().len(), 3);
    }

    #[test]
    fn empty_repeated_and_invalid_handles_are_refused() {
        assert!(parse(Vec::new()).is_err());
        assert!(
            parse(body(
                json!([{"type": "username", "value": "Jo"}, {"type": "username", "value": "jo"}])
            ))
            .is_err()
        );
        assert!(parse(body(json!([{"type": "email_address", "value": "nope"}]))).is_err());
    }
}
