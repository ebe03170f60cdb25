//! `DELETE /zato/sso/password/reset` — a password reset's last step (Zato 3.2): `token`,
//! `reset_key` and the new `password` (the password rules apply). The token is spent and the
//! password set in one transaction; then the user's sessions end, as after any password
//! change. A token or key that does not work is E005001.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::crypto::hash_password;
use idgraph::sso::{self, Password};
use idgraph::store::sso_sessions;
use idgraph::store::sso_tokens;
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let token = params.required_text("token")?;
    let reset_key = params.required_text("reset_key")?;
    let password = Password::new(params.required_text("password")?)?;
    // The token and key first: a request without them costs no password hash.
    let user = sso_tokens::reset_holder(&app.db, &org, token, reset_key)
        .await
        .map_err(sso::reset_refused)?;
    sso_tokens::complete_reset(
        &app.db,
        &org,
        token,
        reset_key,
        &user,
        &hash_password(password.expose()),
    )
    .await
    .map_err(sso::reset_refused)?;
    idgraph::audit::event("password_changed", user.as_str());
    sso_sessions::end_all(&app.db, &org, &user, None).await?;
    Ok(zato::ok(Map::new()))
}
