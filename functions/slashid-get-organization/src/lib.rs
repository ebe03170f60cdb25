//! `GET /organizations` — the caller's organization as SlashID's `OrganizationResponse`.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::orgs;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::json;

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let org = &ctx.org;
    // Orgs this one shares persons with. A pool's owner sees every org in its pool, however
    // deep, so it can audit who reads and writes its persons; an org in another's pool sees the
    // owner and its own sub-organizations in that pool.
    let pool_orgs: Vec<String> = if org.pool == org.id {
        orgs::pool_members(&app.db, &org.id)
            .await?
            .iter()
            .map(ToString::to_string)
            .collect()
    } else {
        let mut seen = vec![org.pool.to_string()];
        for (child, pool) in orgs::children(&app.db, &org.id).await? {
            if pool == org.pool {
                seen.push(child.to_string());
            }
        }
        seen
    };
    let mut result = json!({
        "id": org.id.as_str(),
        "org_name": org.name,
        "tenant_name": orgs::tenant_name(&org.name),
        "persons_pool_org_ids": pool_orgs,
        "group_pool_org_ids": [],
        "inherits_rbac_pools": false,
    });
    if let Some(parent) = org.parent() {
        result["parent_id"] = json!(parent.as_str());
    }
    Ok(slashid::result(200, &result))
}
