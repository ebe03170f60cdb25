//! `POST /zato/sso/user/login` — Zato's `User.login`: `{username, password, current_app}` →
//! `{ust}`. Wrong credentials answer E005001 whether or not the user exists, after the same
//! hashing work; a locked (E005002) or unapproved (E005004) account is named only once the
//! password was right, as Zato's default `inform_if_*` settings do; so is a signup not yet
//! confirmed with its mailed token (E005003).
//!
//! Brute force: `SSO_LOGIN_MAX_FAILURES` consecutive wrong passwords for a username (known or
//! not, alike) lock it for a growing wait, answered E005002 without checking the password; a
//! success resets the count. A person set inactive through SlashID cannot log in. A password
//! hash with weaker parameters than today's (an imported one) is replaced on success.
//!
//! `new_password` replaces the password as the login succeeds; a user whose password must
//! change (`password_must_change`) gets E003007 without one, as Zato's doc shows.
//!
//! A user with two-factor login on also sends `totp_code`. A missing or wrong code answers
//! E005001, as a wrong password does, and counts towards the same lockout: six digits would
//! otherwise fall to guessing. Each code opens one session at most (RFC 6238, 5.2).

use idgraph::audit;
use idgraph::faces::no_store;
use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::crypto::{hash_password, needs_rehash, verify_password};
use idgraph::sso::totp::{self, TotpKey};
use idgraph::sso::{self, Password};
use idgraph::store::lockout::{self, Failure};
use idgraph::store::sso_users::{self, Approval};
use idgraph::{App, Body, Request, Response};
use serde_json::{Map, json};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let username = params.required_text("username")?;
    let password = params.required_text("password")?;
    let new_password = params
        .text("new_password")?
        .map(Password::new)
        .transpose()?;
    let org = sso::organization(app, &org).await?;
    let policy = app.config.sso_login_lockout;
    let totp_code = params.text("totp_code")?;
    let found = sso_users::login_candidate(&app.db, &org, username).await?;
    let subject = found.user.as_ref().map_or_else(
        || format!("username:{}", &found.username_hash[..12]),
        |u| u.id.to_string(),
    );
    audit::principal(format!("zato:{subject}"));
    if found.standing.locked(&policy, lockout::now()).is_some() {
        audit::denied("locked_out");
        return Err(ZatoError::Locked);
    }
    let stored = found.user.as_ref().map(|u| u.password_hash.as_str());
    let refuse = async |why: &'static str| -> Result<Response<Body>, ZatoError> {
        audit::denied(why);
        audit::event("login_failed", &subject);
        Err(
            match lockout::record_failure(&app.db, &found.guard, &policy, found.standing).await? {
                Failure::Counted { locked_until: None } => ZatoError::NotAllowed,
                Failure::Counted {
                    locked_until: Some(_),
                } => {
                    audit::event("lockout", &subject);
                    ZatoError::NotAllowed
                }
                Failure::Locked { .. } => ZatoError::Locked,
            },
        )
    };
    if !verify_password(password, stored) {
        return refuse(if stored.is_some() {
            "wrong_password"
        } else {
            "unknown_user"
        })
        .await;
    }
    let Some(user) = found.user.clone() else {
        return Err(ZatoError::NotAllowed);
    };
    let totp_step = match (user.totp.enabled, totp_code, &user.totp.sealed_key) {
        (false, _, _) => None,
        (true, Some(code), Some(sealed)) => {
            let data_key = sso::data_key(app, &org.id, &user).await?;
            let key = TotpKey::open(&data_key, &totp::context(&org.id, &user.id), sealed)?;
            match key.check(code, totp::now_seconds()) {
                Some(step) => Some(step),
                None => return refuse("wrong_totp_code").await,
            }
        }
        (true, _, _) => return refuse("no_totp_code").await,
    };
    // Spent before anything changes: a code seen by someone else changes nothing either.
    if let Some(step) = totp_step
        && !sso_users::spend_totp_step(&app.db, &org.id, &user.id, step).await?
    {
        return refuse("totp_code_reused").await;
    }
    if user.locked {
        return Err(ZatoError::Locked);
    }
    if user.awaiting_confirmation {
        return Err(ZatoError::Rule(zato::INVALID_SIGNUP_STATUS));
    }
    if user.approval != Approval::Approved {
        return Err(ZatoError::NotApproved);
    }
    if !found.active {
        audit::denied("inactive_person");
        return Err(ZatoError::NotAllowed);
    }
    // The hash the session is opened against: a password changed meanwhile refuses it.
    let checked_hash = match new_password {
        Some(new) => {
            let hash = hash_password(new.expose());
            sso_users::set_password(
                &app.db,
                &org.id,
                &user.id,
                &user.password_hash,
                &hash,
                false,
                None,
            )
            .await?;
            audit::event("password_changed", &subject);
            hash
        }
        None if user.password_must_change => {
            return Err(ZatoError::Rule(zato::PASSWORD_MUST_SEND_NEW));
        }
        None if needs_rehash(&user.password_hash) => {
            let hash = hash_password(password);
            sso_users::rehash(&app.db, &org.id, &user, &hash).await?;
            hash
        }
        None => user.password_hash.clone(),
    };
    let (ust, _) = sso_users::open_session(
        &app.db,
        &org.id,
        &user,
        app.config.sso_session_ttl,
        app.config.sso_session_max,
        &sso::origin(&req),
        sso_users::Checked {
            password_hash: &checked_hash,
            totp_checked: totp_step.is_some(),
        },
    )
    .await?;
    // Only a login that succeeded resets the failure count.
    if !found.standing.is_clear() {
        lockout::clear(&app.db, &found.guard).await?;
    }
    audit::event("login_succeeded", &subject);
    Ok(no_store(zato::ok(Map::from_iter([(
        "ust".into(),
        json!(ust.expose()),
    )]))))
}
