//! `POST /zato/sso/user/signup` — Zato's `User.signup`: someone without an account signs up
//! through an app that allows it (`SSO_SIGNUP_APPS`; others: E004002), with a username, a
//! password and an email (E002005 without one). The user is created awaiting confirmation and
//! a super-user's approval; the confirmation token goes to that email and nowhere else — not
//! into the answer, as Zato's would — so only whoever reads that mailbox can confirm it. The
//! email becomes the person's `email_address` handle: unique in the pool (E002002), and how a
//! password reset finds the user.
//!
//! The user and the token are written first, so a taken username or email is refused before
//! any mail goes; if the mail cannot be sent (503) the signup is removed again, so it holds
//! neither name and can be sent again. The mail names nothing the caller chose but the
//! address: it cannot carry someone else's text to that mailbox.

use idgraph::faces::zato::{self, APP_NO_SIGNUP, EMAIL_MISSING, ZatoError};
use idgraph::notify::{Mail, Notifier};
use idgraph::person::{Handle, HandleKind};
use idgraph::sso::{self, Password, Username, crypto};
use idgraph::store::sso_tokens::{self, Purpose};
use idgraph::store::sso_users;
use idgraph::{App, Body, Request, Response};
use serde_json::{Map, Value};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let current_app = params.required_text("current_app")?;
    let notifier = Notifier::shared().await;
    if !app.config.sso_signup_apps.iter().any(|a| a == current_app) || !notifier.is_configured() {
        return Err(ZatoError::Rule(APP_NO_SIGNUP));
    }
    let username = Username::parse(params.required_text("username")?)?;
    let password = Password::new(params.required_text("password")?)?;
    let email = params
        .text("email")?
        .filter(|e| !e.is_empty())
        .ok_or(ZatoError::Rule(EMAIL_MISSING))?;
    Handle::parse(HandleKind::EmailAddress, email)
        .map_err(|_| ZatoError::InvalidInput("email is not an email address".into()))?;
    let email = sso::profile_text("email", email)?.ok_or(ZatoError::Rule(EMAIL_MISSING))?;
    check_app_list(app, params.raw("app_list"))?;

    let org = sso::organization(app, &org).await?;
    let (mut user, _) = sso::new_user(
        app,
        &org.id,
        sso::new_user_id(),
        &username,
        &password,
        "signup",
    )
    .await?;
    user.awaiting_confirmation = true;
    user.profile.email = Some(email.clone());
    user.recovery_email = Some(email.clone());
    let token = crypto::random_token::<24>();
    let record = sso_tokens::issue(&app.db, &org.id, Purpose::Signup, &token, &user.id);
    sso_users::create(
        &app.db,
        &org,
        &user,
        &app.config.default_person_region,
        Some(record),
        true,
    )
    .await?;
    let mail = Mail {
        to: email,
        subject: "Confirm your signup".into(),
        text: format!(
            "Someone signed up with this address. To confirm it, send this confirmation \
             token (it works once, for 24 hours):\n\n{token}\n\nIf it was not you, ignore \
             this message: nothing happens without it."
        ),
    };
    if let Err(e) = notifier.send(&mail).await {
        sso_users::discard(&app.db, &org, &user.id).await?;
        return Err(e.into());
    }
    idgraph::audit::event("sso_user_signed_up", user.id.as_str());
    Ok(zato::ok(Map::new()))
}

/// `app_list`: the apps the user signs up to, each one the deployment serves (E004001).
fn check_app_list(app: &App, list: Option<&Value>) -> Result<(), ZatoError> {
    let list = match list {
        None | Some(Value::Null) => return Err(ZatoError::MissingInput("app_list")),
        Some(Value::Array(list)) => list,
        // A query string carries one value; Zato's clients send a list in the body.
        Some(Value::String(one)) => &vec![Value::String(one.clone())],
        Some(_) => return Err(ZatoError::InvalidInput("app_list is a list".into())),
    };
    if list.is_empty() {
        return Err(ZatoError::MissingInput("app_list"));
    }
    for name in list {
        match name.as_str() {
            Some(n) if app.config.sso_apps.iter().any(|a| a == n) => {}
            Some(_) => return Err(ZatoError::InvalidApp),
            None => return Err(ZatoError::InvalidInput("app_list holds names".into())),
        }
    }
    Ok(())
}
