//! `PATCH /zato/sso/user/session` — Zato's session renewal: `{target_ust, current_ust,
//! current_app}` → `{expiration_time}`. A user renews their own session (`target_ust` alone, or
//! equal to `current_ust`, or just `ust`); renewing another's takes a super-user's
//! `current_ust`, as Zato's doc says. No renewal extends a session past its absolute end
//! (`SSO_SESSION_MAX_MINUTES` after the login).

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::{self, time};
use idgraph::store::sso_users;
use idgraph::{App, Body, Request, Response};
use serde_json::{Map, json};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let caller = params.ust()?;
    let target = params.target_ust(&caller)?;
    if target != caller {
        sso::super_user(sso_users::session(&app.db, &org, &caller).await?)?;
    }
    let origin = sso::origin(&req);
    let expires =
        sso_users::renew_session(&app.db, &org, &target, app.config.sso_session_ttl, &origin)
            .await?
            .ok_or(ZatoError::NoSuchSession)?;
    if target != caller {
        idgraph::audit::event("session_renewed_for_another", target.person().as_str());
    }
    Ok(zato::ok(Map::from_iter([(
        "expiration_time".into(),
        json!(time::format(expires)),
    )])))
}
