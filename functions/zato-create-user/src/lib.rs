//! `POST /zato/sso/user` — Zato's `User.create`: a super-user creates a user, who is a new
//! person of the identity graph. The user awaits approval (`POST /zato/sso/user/approve`), as
//! Zato's users do, unless `auto_approve` (Zato's own flag, in its source though not its REST
//! doc); without `password` one of 192 random bits is set. `password_must_change` makes the
//! first login set a new one.
//!
//! Two-factor login: `is_totp_enabled` with a `totp_key` (base32, at least 128 bits) uses
//! that key; without one a key is generated and answered as `totp_key`, the only time it is
//! shown. Unlike Zato, no key is generated for a user who does not ask for TOTP: a key nobody
//! has seen protects nothing, and `PATCH /zato/sso/user/totp` makes one when wanted.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::totp::{self, TotpKey};
use idgraph::sso::{self, Password, Username, crypto};
use idgraph::store::sso_users::{self, Approval, Profile, TotpState};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let ust = params.ust()?;
    let username = Username::parse(params.required_text("username")?)?;
    let password = match params.text("password")? {
        Some(p) => Password::new(p)?,
        None => Password::new(&crypto::random_token::<24>())?,
    };
    // An empty field is an absent one: DynamoDB Local refuses empty strings.
    let text = |k| -> Result<Option<String>, ZatoError> {
        Ok(match params.text(k)? {
            Some(v) => sso::profile_text(k, v)?,
            None => None,
        })
    };
    let profile = Profile {
        email: text("email")?,
        display_name: text("display_name")?,
        first_name: text("first_name")?,
        middle_name: text("middle_name")?,
        last_name: text("last_name")?,
    };
    let locked = params.flag("is_locked")?.unwrap_or(false);
    let must_change = params.flag("password_must_change")?.unwrap_or(false);
    let auto_approve = params.flag("auto_approve")?.unwrap_or(false);
    let two_factor = sso::totp_input(&params)?;
    // Refused early with the right code; the creating transaction checks it again.
    sso::super_user(sso_users::session(&app.db, &org, &ust).await?)?;
    let org = sso::organization(app, &org).await?;
    let (mut user, data_key) = sso::new_user(
        app,
        &org.id,
        sso::new_user_id(),
        &username,
        &password,
        ust.person().as_str(),
    )
    .await?;
    user.recovery_email = profile.email.clone();
    user.profile = profile;
    user.locked = locked;
    user.password_must_change = must_change;
    if auto_approve {
        user.approval = Approval::Approved;
    }
    let enabled = two_factor.enabled.unwrap_or(false);
    let generated = (enabled && two_factor.key.is_none()).then(TotpKey::generate);
    user.totp = TotpState {
        enabled,
        sealed_key: two_factor
            .key
            .as_ref()
            .or(generated.as_ref())
            .map(|k| k.seal(&data_key, &totp::context(&org.id, &user.id))),
        label: two_factor.label.flatten(),
    };
    let guard = sso_users::session_check(&app.db, &org.id, &ust, true);
    sso_users::create(
        &app.db,
        &org,
        &user,
        &app.config.default_person_region,
        Some(guard),
        false,
    )
    .await?;
    idgraph::audit::event("sso_user_created", user.id.as_str());
    let mut fields = sso::user_fields(&user.details(), true);
    if let Some(key) = generated {
        fields.insert("totp_key".into(), key.to_base32().into());
    }
    Ok(idgraph::faces::no_store(zato::ok(fields)))
}
