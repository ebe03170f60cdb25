//! `POST /zato/sso/password/reset` — a password reset's first step, as Zato 3.2's service
//! `zato.sso.password-reset` takes it (3.2's REST reference has no page for it; the route and
//! fields are those of Zato's own tests): `{credential, current_app}`, the credential a username
//! or the email a user signed up with. When it names an approved, unlocked user with an email,
//! a password reset token (PRT) goes to that email, working once for an hour. The answer is the
//! same `ok` whether or not anything was sent, so it tells nobody which accounts exist.

use idgraph::faces::zato::{self, APP_NO_SIGNUP, ZatoError};
use idgraph::notify::{Mail, Notifier};
use idgraph::sso::{self, crypto};
use idgraph::store::sso_tokens::{self, Purpose};
use idgraph::store::sso_users::{self, Approval};
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let credential = params.required_text("credential")?;
    let notifier = Notifier::shared().await;
    if !notifier.is_configured() {
        return Err(ZatoError::Rule(APP_NO_SIGNUP));
    }
    let org = sso::organization(app, &org).await?;
    let user = sso_users::find_by_credential(&app.db, &org, credential).await?;
    let Some((user, email)) = user
        .filter(|u| u.approval == Approval::Approved && !u.locked && !u.awaiting_confirmation)
        .and_then(|u| u.profile.email.clone().map(|e| (u, e)))
    else {
        return Ok(zato::ok(Map::new()));
    };
    let token = crypto::random_token::<24>();
    let record = sso_tokens::issue(&app.db, &org.id, Purpose::PasswordReset, &token, &user.id);
    app.db
        .transact(vec![
            record,
            idgraph::store::liveness::check(&app.db, &idgraph::keys::sso_user(&org.id, &user.id)),
        ])
        .await?;
    notifier
        .send(&Mail {
            to: email,
            subject: "Reset your password".into(),
            text: format!(
                "A password reset was asked for the account {}. To choose a new password, send \
                 this token (it works once, for one hour):\n\n{token}\n\nIf it was not you, \
                 ignore this message: your password is unchanged.",
                user.username
            ),
        })
        .await?;
    idgraph::audit::event("password_reset_requested", user.id.as_str());
    Ok(zato::ok(Map::new()))
}
