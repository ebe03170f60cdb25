//! `POST /zato/sso/user/login` — Zato's `User.login`: `{username, password, current_app}` →
//! `{ust}`. Wrong credentials answer E005001 whether or not the user exists, after the same
//! hashing work; a locked (E005002) or unapproved (E005004) account is named only once the
//! password was right, as Zato's default `inform_if_*` settings do.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::crypto::verify_password;
use idgraph::sso::{self, Username};
use idgraph::store::sso_users;
use idgraph::{App, Body, Request, Response};
use serde_json::{Map, json};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    zato::respond(run(app, req).await)
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req)?;
    let username = params.required_text("username")?;
    let password = params.required_text("password")?;
    let org = sso::organization(app, &org).await?;
    let user = match Username::parse(username) {
        Ok(u) => sso_users::find_by_username(&app.db, &org, &u).await?,
        Err(_) => None,
    };
    if !verify_password(password, user.as_ref().map(|u| u.password_hash.as_str())) {
        return Err(ZatoError::NotAllowed);
    }
    let user = user.ok_or(ZatoError::NotAllowed)?;
    if user.locked {
        return Err(ZatoError::Locked);
    }
    if !user.approved {
        return Err(ZatoError::NotApproved);
    }
    let (ust, _) =
        sso_users::open_session(&app.db, &org.id, &user, app.config.sso_session_ttl).await?;
    Ok(zato::ok(Map::from_iter([(
        "ust".into(),
        json!(ust.expose()),
    )])))
}
