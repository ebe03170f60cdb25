//! `PATCH /zato/sso/user/password` — Zato's `User.change_password`. A user changes their own
//! password with `old_password`; a super-user sets another's by `user_id`, and may make its
//! next login set a new one (`must_change`). Either way the user's other sessions end, so a
//! password changed because it leaked shuts out whoever used it.
//!
//! A wrong `old_password` counts towards the username's login lockout, as a wrong login
//! does: a stolen UST cannot be used to guess the password faster than a login could.
//! Passwords do not expire here, so `password_expiry` is refused (E008002) rather than
//! ignored.

use idgraph::audit;
use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::crypto::{hash_password, verify_password};
use idgraph::sso::{self, Password};
use idgraph::store::lockout::{self, Failure, Standing};
use idgraph::store::{sso_sessions, sso_users};
use idgraph::{App, Body, Request, Response, keys};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let ust = params.ust()?;
    let new = Password::new(params.required_text("new_password")?)?;
    let must_change = params.flag("must_change")?;
    if params.get("password_expiry").is_some() {
        return Err(ZatoError::InvalidInput(
            "password_expiry: passwords do not expire in this deployment".into(),
        ));
    }
    let target = params.user_id()?.unwrap_or_else(|| ust.person().clone());
    let (session, users) = sso_users::session_and_users(&app.db, &org, &ust, &[&target]).await?;
    let session = session.ok_or(ZatoError::NoSuchSession)?;
    let own = target == session.user;
    if (!own || must_change.is_some()) && !session.super_user {
        return Err(ZatoError::NotAllowed);
    }
    let user = users
        .into_iter()
        .find(|u| u.id == target)
        .ok_or(ZatoError::NotAllowed)?;
    if own {
        let old = params
            .text("old_password")?
            .ok_or(ZatoError::MissingInput("old_password"))?;
        let policy = app.config.sso_login_lockout;
        let guard = keys::login_failures(
            &org,
            &idgraph::digest::sha256_hex(&user.username.to_lowercase()),
        );
        let standing = Standing::of(app.db.get(&guard).await?.as_ref())?;
        if standing.locked(&policy, lockout::now()).is_some() {
            return Err(ZatoError::Locked);
        }
        if !verify_password(old, Some(&user.password_hash)) {
            audit::event("password_change_failed", user.id.as_str());
            return Err(
                match lockout::record_failure(&app.db, &guard, &policy, standing).await? {
                    Failure::Counted { .. } => ZatoError::NotAllowed,
                    Failure::Locked { .. } => ZatoError::Locked,
                },
            );
        }
    }
    let guard = sso_users::session_check(&app.db, &org, &ust, !own);
    sso_users::set_password(
        &app.db,
        &org,
        &user.id,
        &user.password_hash,
        &hash_password(new.expose()),
        must_change.unwrap_or(false),
        Some(guard),
    )
    .await?;
    audit::event("password_changed", user.id.as_str());
    sso_sessions::end_all(&app.db, &org, &user.id, own.then_some(&ust)).await?;
    Ok(zato::ok(Map::new()))
}
