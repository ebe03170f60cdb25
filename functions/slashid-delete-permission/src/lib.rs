//! `DELETE /rbac/permissions/{permission_name}` — removes the permission from the catalog and
//! revokes it from every person holding it. 204; 404 if absent.

use idgraph::consistency::Consistency;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::keys;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let name = slashid::permission_param(&req)?;
    let consistency = Consistency::from_request(&req)?;
    permissions::delete(&app.db, &ctx.org.id, &name)
        .await
        .map_err(|e| slashid::catalog_error(e, name.as_str()))?;
    consistency
        .wait(app, &keys::permission_catalog(&ctx.org.id), 1)
        .await?;
    Ok(slashid::no_content())
}
