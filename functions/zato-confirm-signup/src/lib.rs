//! `PATCH /zato/sso/user/signup` (3.2's `ref.txt`) and `POST /zato/sso/user/signup/confirm`
//! (its REST page's example) — Zato's `User.confirm_signup`: the token mailed at signup
//! confirms the account, once (a second time: E005007; an unknown or expired token: E005006).
//! The user still waits for a super-user's approval before logging in.

use idgraph::faces::zato::{self, NO_SUCH_SIGNUP_TOKEN, SIGNUP_CONFIRMED, ZatoError};
use idgraph::sso;
use idgraph::store::sso_tokens::{self, TokenError, TokenRefused};
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let token = params.required_text("confirm_token")?;
    let user = sso_tokens::confirm_signup(&app.db, &org, token)
        .await
        .map_err(|e| match e {
            TokenError::Refused(TokenRefused::Used) => ZatoError::Rule(SIGNUP_CONFIRMED),
            TokenError::Refused(TokenRefused::NoSuchToken) => ZatoError::Rule(NO_SUCH_SIGNUP_TOKEN),
            TokenError::Store(s) => s.into(),
        })?;
    idgraph::audit::event("sso_signup_confirmed", user.as_str());
    Ok(zato::ok(Map::new()))
}
