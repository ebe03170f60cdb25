//! `POST /v3/access-requests` — `GRANT_ACCESS` / `REVOKE_ACCESS` of `ROLE` items, applied at
//! once (there is no approval engine here) as `ACCESS_REQUEST` assignments, each requested item
//! recorded for `GET /v3/access-request-status`. 202 with `AccessRequestResponse`.

use idgraph::error::ApiError;
use idgraph::faces::sailpoint::{self, SailPointError};
use idgraph::ids::{PersonId, RoleId};
use idgraph::request::json_body;
use idgraph::role::{IdentityFields, Source};
use idgraph::store::access_requests::{self, Status};
use idgraph::store::roles::RoleError;
use idgraph::store::{persons, roles};
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;
use serde_json::{Map, Value, json};

idgraph::handler!(SailPoint, run);

/// The v3 `AccessRequest`. Optional fields may arrive as explicit nulls (the Python SDK sends
/// them so when a model is built from a dict).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessRequest {
    requested_for: Option<Vec<String>>,
    request_type: Option<String>,
    requested_items: Option<Vec<RequestedItem>>,
    client_metadata: Option<Map<String, Value>>,
    requested_for_with_requested_items: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestedItem {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    comment: Option<String>,
    client_metadata: Option<Map<String, Value>>,
    remove_date: Option<String>,
    start_date: Option<String>,
}

/// ISC accepts up to 10 identities and 25 items per request.
const MAX_IDENTITIES: usize = 10;
const MAX_ITEMS: usize = 25;

async fn run(app: &App, req: Request) -> Result<Response<Body>, SailPointError> {
    let ctx = auth::sailpoint(app, &req, sailpoint::ACCESS_REQUEST).await?;
    let body: AccessRequest = json_body(&req)?;
    let bad = |m: String| SailPointError::from(ApiError::BadRequest(m));
    if body
        .requested_for_with_requested_items
        .is_some_and(|v| !v.is_null())
    {
        return Err(bad(
            "requestedForWithRequestedItems is not supported: there are no machine identities here; use requestedFor and requestedItems".into(),
        ));
    }
    let grant = match body.request_type.as_deref() {
        None | Some("GRANT_ACCESS") => true,
        Some("REVOKE_ACCESS") => false,
        Some(other) => {
            return Err(bad(format!(
                "requestType {other:?} is not supported; GRANT_ACCESS and REVOKE_ACCESS are"
            )));
        }
    };
    let requested_for = body.requested_for.unwrap_or_default();
    let items = body.requested_items.unwrap_or_default();
    if requested_for.is_empty() || requested_for.len() > MAX_IDENTITIES {
        return Err(bad(format!(
            "requestedFor must name 1 to {MAX_IDENTITIES} identities"
        )));
    }
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(bad(format!(
            "requestedItems must hold 1 to {MAX_ITEMS} items"
        )));
    }
    if !grant && requested_for.len() > 1 {
        return Err(bad("a REVOKE_ACCESS request names one identity".into()));
    }
    let identities = requested_for
        .iter()
        .map(|raw| PersonId::parse(raw).map_err(|e| bad(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let mut requested = Vec::new();
    for item in &items {
        if item.kind != "ROLE" {
            return Err(bad(format!(
                "requested item type {:?} is not supported; only ROLE items are",
                item.kind
            )));
        }
        if !grant && item.comment.as_deref().is_none_or(str::is_empty) {
            return Err(bad(
                "comment is required on every item of a REVOKE_ACCESS request".into(),
            ));
        }
        if !grant && item.start_date.is_some() {
            return Err(bad("a REVOKE_ACCESS request takes no startDate".into()));
        }
        let id = RoleId::parse(&item.id).map_err(|e| bad(e.to_string()))?;
        // The role is named in the body, so an unknown one is bad content, not a 404 path.
        let role = roles::get(&app.db, &ctx.org, &id)
            .await?
            .ok_or_else(|| bad(format!("role {id} not found")))?;
        requested.push((item, role));
    }
    let people = persons::get_many(&app.db, &ctx.org, &identities).await?;
    // Checked here for revokes too, which would otherwise find no member and record a status
    // for an identity that does not exist.
    let unknown: Vec<PersonId> = identities
        .iter()
        .filter(|id| !people.iter().any(|p| &p.id == *id))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(RoleError::UnknownIdentities(unknown).into());
    }
    for (_, role) in &requested {
        if grant {
            // The identities were read above: grant them without reading them again per role.
            roles::grant_persons(&app.db, &ctx.org, &role.id, &people, Source::AccessRequest)
                .await?;
        } else {
            roles::revoke(
                &app.db,
                &ctx.org,
                &role.id,
                &identities,
                Source::AccessRequest,
            )
            .await?;
        }
    }
    let now = sailpoint::now_iso();
    let now_ms = access_requests::now_ms();
    let mut statuses = Vec::new();
    let mut tracking = Vec::new();
    for person in &identities {
        let name = people
            .iter()
            .find(|p| &p.id == person)
            .and_then(|p| IdentityFields::of(p).name)
            .unwrap_or_else(|| person.as_str().to_owned());
        let mut ids = Vec::new();
        for (item, role) in &requested {
            let id = access_requests::new_id(now_ms + statuses.len() as u64);
            let doc = json!({
                "id": id,
                "accessRequestId": id,
                "accountActivityItemId": id,
                "name": role.name(),
                "type": "ROLE",
                "state": "REQUEST_COMPLETED",
                "requestType": if grant { "GRANT_ACCESS" } else { "REVOKE_ACCESS" },
                "created": now,
                "modified": now,
                "requester": {"type": "IDENTITY", "id": ctx.client_id, "name": ctx.client_id},
                "requestedFor": {"type": "IDENTITY", "id": person.as_str(), "name": name},
                "requesterComment": item.comment.as_ref().map(|c| json!({"comment": c, "created": now})),
                "approvalDetails": [],
                "cancelable": false,
                "clientMetadata": item.client_metadata.clone().or_else(|| body.client_metadata.clone()),
                "removeDate": item.remove_date,
                "startDate": item.start_date,
            });
            let Value::Object(doc) = doc else {
                unreachable!("built as an object")
            };
            statuses.push(Status {
                id: id.clone(),
                person: person.clone(),
                doc,
            });
            ids.push(id);
        }
        tracking.push(json!({
            "requestedFor": person.as_str(),
            "requestedItemsDetails": requested.iter().map(|(_, r)| json!({"type": "ROLE", "id": r.id.as_str()})).collect::<Vec<_>>(),
            "attributesHash": attributes_hash(&requested.iter().map(|(_, r)| r.id.as_str()).collect::<Vec<_>>()),
            "accessRequestIds": ids,
        }));
    }
    access_requests::record(&app.db, &ctx.org.id, &statuses).await?;
    Ok(sailpoint::ok(
        202,
        &json!({"newRequests": tracking, "existingRequests": []}),
    ))
}

/// ISC's `attributesHash` (an int32) identifies the requested items: here the first four bytes
/// of the SHA-256 of their sorted ids.
fn attributes_hash(ids: &[&str]) -> i32 {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    let hex = idgraph::digest::sha256_hex(&sorted.join(","));
    u32::from_str_radix(&hex[..8], 16).map_or(0, |h| h as i32)
}
