//! `POST /zato/sso/password/reset` — a password reset's first step, as Zato 3.2's service
//! `zato.sso.password-reset` takes it (3.2's REST reference has no page for it; the route and
//! fields are those of Zato's own tests): `{credential, current_app}`, the credential the email
//! a user signed up with, or a username. When it names an approved, unlocked, confirmed user
//! with a recovery email (the one they were created or signed up with, or one a super-user
//! set), a password reset token (PRT) goes there, working once for an hour.
//!
//! The answer tells nobody which accounts exist: it is the same `ok` whether or not a mail
//! went, also when sending failed (logged, and the user may ask again), and it never comes
//! sooner than `ANSWER_AFTER`, which covers the lookups, the write and the mail.

use std::time::Duration;

use idgraph::faces::zato::{self, APP_NO_SIGNUP, ZatoError};
use idgraph::notify::{Mail, Notifier};
use idgraph::sso::{self, crypto};
use idgraph::store::sso_tokens::{self, Purpose};
use idgraph::store::sso_users::{self, Approval};
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

/// Every answer's least latency: longer than a known user's lookups, token write and SES call
/// take (tens of milliseconds each), so their presence does not show in the timing.
const ANSWER_AFTER: Duration = Duration::from_millis(1500);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let started = tokio::time::Instant::now();
    let (org, params) = sso::begin(app, &req).await?;
    let credential = params.required_text("credential")?;
    let notifier = Notifier::shared().await;
    if !notifier.is_configured() {
        return Err(ZatoError::Rule(APP_NO_SIGNUP));
    }
    let outcome = mail_a_token(app, &org, credential, notifier).await;
    tokio::time::sleep_until(started + ANSWER_AFTER).await;
    outcome?;
    Ok(zato::ok(Map::new()))
}

async fn mail_a_token(
    app: &App,
    org: &idgraph::ids::OrgId,
    credential: &str,
    notifier: &Notifier,
) -> Result<(), ZatoError> {
    let org = sso::organization(app, org).await?;
    let user = sso_users::find_by_credential(&app.db, &org, credential).await?;
    let Some((user, email)) = user
        .filter(|u| u.approval == Approval::Approved && !u.locked && !u.awaiting_confirmation)
        .and_then(|u| u.recovery_email.clone().map(|e| (u, e)))
    else {
        return Ok(());
    };
    let token = crypto::random_token::<24>();
    let record = sso_tokens::issue(&app.db, &org.id, Purpose::PasswordReset, &token, &user.id);
    let alive =
        idgraph::store::liveness::check(&app.db, &idgraph::keys::sso_user(&org.id, &user.id));
    app.db.transact(vec![record, alive]).await?;
    let mail = Mail {
        to: email,
        subject: "Reset your password".into(),
        text: format!(
            "A password reset was asked for your account. To choose a new password, send this \
             token (it works once, for one hour):\n\n{token}\n\nIf it was not you, ignore \
             this message: your password is unchanged."
        ),
    };
    match notifier.send(&mail).await {
        Ok(()) => idgraph::audit::event("password_reset_requested", user.id.as_str()),
        // Answered as a sent one: a failure only a real account can have would name it.
        Err(e) => tracing::error!(error = %e, "a password reset mail was not sent"),
    }
    Ok(())
}
