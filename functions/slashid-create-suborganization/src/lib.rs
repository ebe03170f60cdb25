//! `POST /organizations/suborganizations` — creates a sub-organization of the caller's org and
//! returns its id and API key (200, as SlashID documents). `persons_org_id` chooses whose person
//! pool it joins: only a pool its parent is in (naming the parent, or an ancestor in that same
//! pool); an ancestor whose pool the parent does not share is a 403. Without it, a pool of its own.
//! `admins` become persons of the new org (joining existing ones in a shared pool).

use idgraph::auth::sha256_hex;
use idgraph::consistency::Consistency;
use idgraph::error::ApiError;
use idgraph::faces::{no_store, slashid};
use idgraph::ids::{OrgId, PersonId};
use idgraph::keys;
use idgraph::person::{Handle, HandleKind, Person};
use idgraph::request::json_body;
use idgraph::store::orgs::{self, Organization};
use idgraph::store::persons;
use idgraph::{App, Body, Request, Response, auth};
use serde::Deserialize;
use serde_json::json;

idgraph::handler!(SlashId, run);

#[derive(Deserialize)]
struct SuborganizationCreateRequest {
    sub_org_name: String,
    admins: Vec<RawHandle>,
    persons_org_id: Option<String>,
    #[serde(default)]
    inherit_rbac_pools: bool,
}

#[derive(Deserialize)]
struct RawHandle {
    #[serde(rename = "type")]
    kind: HandleKind,
    value: String,
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let consistency = Consistency::from_request(&req)?;
    let body: SuborganizationCreateRequest = json_body(&req)?;
    let bad = |m: String| ApiError::BadRequest(m);
    let name = body.sub_org_name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(bad("sub_org_name must be 1 to 200 characters".into()));
    }
    if body.inherit_rbac_pools {
        return Err(bad("inherit_rbac_pools is not supported: every organization has its own permission catalog".into()));
    }
    let admins = body
        .admins
        .iter()
        .map(|h| Handle::parse(h.kind, &h.value).map_err(|e| bad(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let parent = &ctx.org;
    let pool = match body.persons_org_id.as_deref() {
        None => None,
        Some(raw) => {
            let id = OrgId::parse(raw).map_err(|e| bad(e.to_string()))?;
            let named = if id == parent.id {
                parent.clone()
            } else if parent.ancestors.contains(&id) {
                orgs::get(&app.db, &id)
                    .await?
                    .ok_or_else(|| bad("persons_org_id not found".into()))?
            } else {
                return Err(bad(orgs::PoolRefused::NotAnAncestor.to_string()));
            };
            Some(orgs::joinable_pool(parent, &named).map_err(|e| match e {
                orgs::PoolRefused::NotAnAncestor => bad(e.to_string()),
                orgs::PoolRefused::NotParentsPool => ApiError::Forbidden(e.to_string()),
            })?)
        }
    };
    let id = OrgId::new_random();
    let mut ancestors = parent.ancestors.clone();
    ancestors.push(parent.id.clone());
    let org = Organization {
        pool: pool.unwrap_or_else(|| id.clone()),
        id,
        name: name.to_owned(),
        ancestors,
    };
    let api_key = orgs::new_api_key();
    orgs::create(&app.db, &org, &sha256_hex(&api_key)).await?;
    for handle in admins {
        let admin = Person {
            id: PersonId::new_random(),
            active: true,
            region: app.config.default_person_region.clone(),
            handles: vec![handle],
            name: None,
            version: 1,
        };
        persons::put(&app.db, &org, &admin, &[], false)
            .await
            .map_err(|e| match e {
                persons::PutPersonError::Store(e) => e.into(),
                other => ApiError::Conflict(other.to_string()),
            })?;
    }
    consistency.wait(app, &keys::org(&org.id), 1).await?;
    idgraph::audit::event("suborganization_created", org.id.as_str());
    Ok(no_store(slashid::result(
        200,
        &json!({
            "id": org.id.as_str(),
            "org_name": org.name,
            "tenant_name": orgs::tenant_name(&org.name),
            "parent_id": parent.id.as_str(),
            "api_key": api_key,
        }),
    )))
}
