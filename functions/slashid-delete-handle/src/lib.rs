//! `DELETE /persons/{person_id}/handles/{handle}` — SlashID's
//! `DeletePersonsPersonIdHandlesHandle`: removes one handle, given in the path as `type:value`
//! (URL-encoded), from a person of the calling org, and frees it in the person pool. A person
//! keeps at least one handle, and a Zato SSO user keeps the username it logs in with. 204.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::person::HandleKind;
use idgraph::person_filter::parse_handle;
use idgraph::request::path_param;
use idgraph::store::{handles, orgs};
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let handle = parse_handle(&path_param(&req, "handle")?)?;
    // The Zato SSO org's users are persons of its pool; only there is a username a login name.
    let zato = match &app.config.sso_org {
        Some(sso) if handle.kind() == HandleKind::Username => {
            if *sso == ctx.org.id {
                Some(sso.clone())
            } else {
                orgs::get(&app.db, sso)
                    .await?
                    .filter(|o| o.pool == ctx.org.pool)
                    .map(|o| o.id)
            }
        }
        _ => None,
    };
    handles::remove(&app.db, &ctx.org, &id, &handle, zato.as_ref())
        .await
        .map_err(|e| slashid::handle_error(e, &id))?;
    Ok(slashid::no_content())
}
