//! `GET /groups/{group_name}` — `{name, description?, members_count, created}`; 404 if absent.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::store::groups;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::json;

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let name = slashid::group_param(&req)?;
    let Some(group) = groups::get(&app.db, &ctx.org.id, &name).await? else {
        return Err(ApiError::NotFound(format!("group {name} not found")));
    };
    let mut out = json!({
        "name": group.name.as_str(),
        "members_count": group.member_count,
        "created": group.created,
    });
    if let Some(d) = &group.description {
        out["description"] = json!(d);
    }
    Ok(slashid::result(200, &out))
}
