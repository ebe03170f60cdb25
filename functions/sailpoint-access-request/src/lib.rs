//! `POST /v3/access-requests` — `GRANT_ACCESS` / `REVOKE_ACCESS` of `ROLE` items, applied at
//! once (there is no approval engine here) as `ACCESS_REQUEST` assignments. 202.

use idgraph::error::ApiError;
use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::ids::{PersonId, RoleId};
use idgraph::request::json_body;
use idgraph::role::Source;
use idgraph::store::roles::{self, RoleError};
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;
use serde_json::json;

idgraph::handler!(SailPoint, run);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessRequest {
    requested_for: Vec<String>,
    request_type: Option<String>,
    requested_items: Vec<RequestedItem>,
}

#[derive(Deserialize)]
struct RequestedItem {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

/// ISC accepts up to 10 identities per request.
const MAX_IDENTITIES: usize = 10;
const MAX_ITEMS: usize = 25;

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::ACCESS_REQUEST).await?;
    let body: AccessRequest = json_body(&req)?;
    let bad = |m: String| SailPointError::from(ApiError::BadRequest(m));
    let grant = match body.request_type.as_deref() {
        None | Some("GRANT_ACCESS") => true,
        Some("REVOKE_ACCESS") => false,
        Some(other) => {
            return Err(bad(format!(
                "requestType {other:?} is not GRANT_ACCESS or REVOKE_ACCESS"
            )));
        }
    };
    if body.requested_for.is_empty() || body.requested_for.len() > MAX_IDENTITIES {
        return Err(bad(format!(
            "requestedFor must name 1 to {MAX_IDENTITIES} identities"
        )));
    }
    if body.requested_items.is_empty() || body.requested_items.len() > MAX_ITEMS {
        return Err(bad(format!(
            "requestedItems must hold 1 to {MAX_ITEMS} items"
        )));
    }
    let identities = body
        .requested_for
        .iter()
        .map(|raw| PersonId::parse(raw).map_err(|e| bad(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let mut role_ids = Vec::new();
    for item in &body.requested_items {
        if item.kind != "ROLE" {
            return Err(bad(format!(
                "requested item type {:?} is not supported; only ROLE items are",
                item.kind
            )));
        }
        role_ids.push(RoleId::parse(&item.id).map_err(|e| bad(e.to_string()))?);
    }
    for role in &role_ids {
        let outcome = if grant {
            roles::grant(&app.db, &ctx.org, role, &identities, Source::AccessRequest).await
        } else {
            roles::revoke(&app.db, &ctx.org, role, &identities, Source::AccessRequest).await
        };
        outcome.map_err(|e| match e {
            // The role is named in the body, so an unknown one is bad content, not a 404 path.
            RoleError::NotFound(r) => bad(format!("role {r} not found")),
            other => other.into(),
        })?;
    }
    let requests: Vec<_> = identities
        .iter()
        .map(|id| {
            json!({
                "requestedFor": {"type": "IDENTITY", "id": id.as_str()},
                "requestedItems": role_ids.iter().map(|r| json!({"type": "ROLE", "id": r.as_str()})).collect::<Vec<_>>(),
                "accessRequestIds": [uuid_like()],
            })
        })
        .collect();
    Ok(sailpoint::ok(
        202,
        &json!({"newRequests": requests, "existingRequests": []}),
    ))
}

fn uuid_like() -> String {
    idgraph::ids::RoleId::new_random().as_str().to_owned()
}
