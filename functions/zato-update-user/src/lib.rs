//! `PATCH /zato/sso/user` — Zato's `User.update`: with the UST alone a user updates their own
//! profile (`email`, `display_name`, the name fields); with `user_id` a super-user updates
//! another's, and only a super-user may set `is_locked`, `password_must_change` and
//! `approval_status`. An absent field is kept, `null` (or an empty text) clears it. One
//! transaction: the session check, the record, and the person's display name, which is the
//! one SlashID and SailPoint show. A lock or a rejection then ends the user's sessions.
//!
//! `is_totp_enabled`, `totp_key` and `totp_label` set the user's two-factor login, as
//! `PATCH /zato/sso/user/totp` does; turning it on takes a key, sent now or set before.
//!
//! Refused with E008002 rather than ignored: `password_expiry` (passwords do not expire
//! here) and a `sign_up_status` other than `final`.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::person::DisplayName;
use idgraph::sso::{self, Params};
use idgraph::store::sso_users::{PROFILE_FIELDS, PersonRename, UserUpdate};
use idgraph::{App, Body, Request, Response};
use serde_json::{Map, Value};

idgraph::handler!(Zato, run);

const UNSERVED: [&str; 1] = ["password_expiry"];

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let ust = params.ust()?;
    let target = params.user_id()?.unwrap_or_else(|| ust.person().clone());
    let mut change = parse(&params)?;
    let two_factor = sso::totp_input(&params)?;
    if !two_factor.is_empty() {
        sso::totp_change(app, &org, &ust, &target, &two_factor, &mut change).await?;
    }
    // The display name is the person's too, in the pool's partition: only a rename reads the
    // organization for it.
    if let Some((_, name)) = change.profile.iter().find(|(f, _)| *f == "display_name") {
        change.person_name = Some(PersonRename {
            pool: sso::organization(app, &org).await?.pool,
            name: name
                .as_deref()
                .and_then(|n| DisplayName::parse(n).ok())
                .map(|n| n.as_str().to_owned()),
        });
    }
    let as_super_user = target != *ust.person() || change.is_administrative();
    // A super-user's change of another user's email is where that user's resets go from now;
    // a user's own is not (a stolen session must not redirect a reset).
    if target != *ust.person()
        && let Some((_, email)) = change.profile.iter().find(|(f, _)| *f == "email")
    {
        change.recovery_email = Some(email.clone());
    }
    sso::change_user(
        app,
        &org,
        &ust,
        &target,
        &change,
        as_super_user,
        "sso_user_updated",
    )
    .await?;
    Ok(zato::ok(Map::new()))
}

fn invalid(reason: &str) -> ZatoError {
    ZatoError::InvalidInput(reason.into())
}

fn parse(params: &Params) -> Result<UserUpdate, ZatoError> {
    if let Some(field) = UNSERVED.iter().find(|f| params.get(f).is_some()) {
        return Err(invalid(&format!("{field} is not served")));
    }
    let mut change = UserUpdate::default();
    for field in PROFILE_FIELDS {
        // Absent keeps; null or "" clears; text sets.
        let value = match params.raw(field) {
            None => continue,
            Some(Value::Null) => None,
            Some(Value::String(s)) => sso::profile_text(field, s)?,
            Some(_) => return Err(invalid("profile fields are text")),
        };
        change.profile.push((field, value));
    }
    change.locked = params.flag("is_locked")?;
    change.must_change = params.flag("password_must_change")?;
    change.approval = sso::approval_status(params)?;
    match params.text("sign_up_status")? {
        None | Some("final") => {}
        Some(_) => return Err(invalid("sign_up_status can only be final")),
    }
    Ok(change)
}
