//! `DELETE /rbac/roles/{role_name}` — removes the role and revokes it from every person holding
//! it. 204; 404 if absent.

use idgraph::consistency::Consistency;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::keys;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let name = slashid::role_param(&req)?;
    let consistency = Consistency::from_request(&req)?;
    permissions::delete_role(&app.db, &ctx.org.id, &name)
        .await
        .map_err(|e| slashid::role_error(e, name.as_str()))?;
    consistency
        .wait_absent(app, &keys::rbac_role(&ctx.org.id, name.as_str()))
        .await?;
    Ok(slashid::no_content())
}
