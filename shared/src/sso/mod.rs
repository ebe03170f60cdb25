//! The Zato SSO face's domain: its inputs as newtypes, its timestamps, and its secrets
//! (password hashes, USTs, envelope encryption of attribute values).

pub mod attrs;
pub mod crypto;
pub mod error;
pub mod input;
pub mod search;
pub mod time;
pub mod totp;

pub use input::{AppName, AuthType, LinkedAccount, Params, Password, Username, Ust, ZattrName};

use lambda_http::Request;

use crate::App;
use crate::ids::OrgId;
use crate::sso::error::ZatoError;

/// What every Zato request starts with: its parameters, a `current_app` from the allow-list
/// (missing: 400; not allowed: E004001), and the organization this deployment serves.
pub async fn begin(app: &App, req: &Request) -> Result<(OrgId, Params), ZatoError> {
    let params = Params::from_request(req)?;
    let org = app.sso_org()?.clone();
    crate::audit::org(&org);
    params.current_app(&app.config.sso_apps)?;
    app.admit(&org).await?;
    Ok((org, params))
}

/// The caller's session, as a super-user's: E007001 without a live one, E005001 for a
/// regular user's.
pub fn super_user(
    session: Option<crate::store::sso_users::Session>,
) -> Result<crate::store::sso_users::Session, ZatoError> {
    let session = session.ok_or(ZatoError::NoSuchSession)?;
    if session.super_user {
        Ok(session)
    } else {
        Err(ZatoError::NotAllowed)
    }
}

/// Where a request comes from, as API Gateway saw it: what a session records of its opening
/// and renewals. Zato's own `remote_addr`/`user_agent` inputs are not taken (its default
/// configuration refuses them too), so a client cannot write another origin into the record.
pub fn origin(req: &Request) -> crate::store::sso_users::Origin {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    let remote_addr = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.identity.source_ip.clone(),
        _ => None,
    };
    let user_agent = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    crate::store::sso_users::Origin {
        remote_addr,
        user_agent,
    }
}

/// A super-user's decision about `user_id` (approve, reject, lock, unlock), as Zato's four
/// endpoints take it: `{ust, current_app, user_id}`.
pub async fn decide(
    app: &App,
    req: &Request,
    decision: crate::store::sso_users::Decision,
) -> Result<(), ZatoError> {
    let (org, params) = begin(app, req).await?;
    let ust = params.ust()?;
    let user = params.required_user_id()?;
    change_user(
        app,
        &org,
        &ust,
        &user,
        &decision.change(),
        true,
        decision.event(),
    )
    .await
}

/// What `LinkedAuth.create` and `LinkedAuth.delete` both take: the caller's UST, the `user_id`
/// the link is about and the linked account (`auth_type`, `auth_username`); with the
/// organization's record, whose pool names the user's membership that the write checks.
pub struct LinkRequest {
    pub org: crate::store::orgs::Organization,
    pub params: Params,
    pub ust: Ust,
    pub user: crate::ids::PersonId,
    pub account: LinkedAccount,
}

pub async fn link_request(app: &App, req: &Request) -> Result<LinkRequest, ZatoError> {
    let (org, params) = begin(app, req).await?;
    let ust = params.ust()?;
    let user = params.required_user_id()?;
    let account = params.linked_account()?;
    let org = organization(app, &org).await?;
    Ok(LinkRequest {
        org,
        params,
        ust,
        user,
        account,
    })
}

/// One entry of `LinkedAuth.get`'s `result`.
pub fn link_fields(
    link: &crate::store::sso_links::Link,
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    serde_json::Map::from_iter([
        ("auth_type".into(), json!(link.account.auth_type().as_str())),
        ("auth_username".into(), json!(link.account.auth_username())),
        ("creation_time".into(), json!(time::format(link.created))),
        ("is_active".into(), json!(link.is_active)),
    ])
}

/// Applies `change` to `user` as the caller (`ust`; a super-user's when `as_super_user`),
/// records `event`, and, when it locks the user or takes their approval away, ends their
/// sessions: a session opened meanwhile is refused by its own check. A super-user cannot do
/// that to themselves (E008001): it could leave no one to undo it.
pub async fn change_user(
    app: &App,
    org: &OrgId,
    ust: &Ust,
    user: &crate::ids::PersonId,
    change: &crate::store::sso_users::UserUpdate,
    as_super_user: bool,
    event: &'static str,
) -> Result<(), ZatoError> {
    if change.ends_sessions() && user == ust.person() {
        return Err(ZatoError::Rule(error::INVALID_OPERATION));
    }
    crate::store::sso_users::update(&app.db, org, ust, user, change, as_super_user).await?;
    crate::audit::event(event, user.as_str());
    if change.ends_sessions() {
        crate::store::sso_sessions::end_all(&app.db, org, user, None).await?;
    }
    Ok(())
}

/// `user`'s data key, unwrapped: one KMS request in AWS.
pub async fn data_key(
    app: &App,
    org: &OrgId,
    user: &crate::store::sso_users::SsoUser,
) -> Result<crypto::DataKey, ZatoError> {
    use crate::store::sso_users::SsoUser;
    Ok(app
        .kek
        .unwrap(&SsoUser::key_context(org, &user.id), &user.wrapped_key)
        .await?)
}

/// The TOTP fields `User.create`, `User.update` and `User.reset_totp_key` take.
pub fn totp_input(params: &Params) -> Result<totp::TotpInput, ZatoError> {
    let label = match params.raw("totp_label") {
        None => None,
        Some(serde_json::Value::Null) => Some(None),
        Some(serde_json::Value::String(s)) => Some(profile_text("totp_label", s)?),
        Some(_) => return Err(ZatoError::InvalidInput("totp_label is text".into())),
    };
    Ok(totp::TotpInput {
        enabled: params.flag("is_totp_enabled")?,
        key: params
            .text("totp_key")?
            .map(totp::TotpKey::parse)
            .transpose()?,
        label,
    })
}

/// Adds `input`'s TOTP fields to `change`, for `user` as the caller (`ust`) may change them:
/// their own, or anyone's for a super-user. A given key is sealed under the user's data key.
/// Turning TOTP on takes a key, given now or set before (E008002 otherwise): a user without
/// one could never log in again.
pub async fn totp_change(
    app: &App,
    org: &OrgId,
    ust: &Ust,
    user: &crate::ids::PersonId,
    input: &totp::TotpInput,
    change: &mut crate::store::sso_users::UserUpdate,
) -> Result<(), ZatoError> {
    use crate::store::sso_users;
    let (session, users) = sso_users::session_and_users(&app.db, org, ust, &[user]).await?;
    let session = session.ok_or(ZatoError::NoSuchSession)?;
    if *user != session.user && !session.super_user {
        return Err(ZatoError::NotAllowed);
    }
    let record = users
        .into_iter()
        .find(|u| u.id == *user)
        .ok_or(ZatoError::NotAllowed)?;
    if input.enabled == Some(true) && input.key.is_none() && record.totp.sealed_key.is_none() {
        return Err(ZatoError::InvalidInput(
            "is_totp_enabled needs a totp_key: send one, or have one made (PATCH /zato/sso/user/totp)"
                .into(),
        ));
    }
    if let Some(key) = &input.key {
        let data_key = data_key(app, org, &record).await?;
        change.totp_sealed_key = Some(key.seal(&data_key, &totp::context(org, user)));
    }
    change.totp_enabled = input.enabled;
    change.totp_label = input.label.clone();
    Ok(())
}

/// A password reset token or key that does not work: `E005001`, as Zato 3.2 has no code of its
/// own for it.
pub fn reset_refused(e: crate::store::sso_tokens::TokenError) -> ZatoError {
    match e {
        crate::store::sso_tokens::TokenError::Refused(_) => ZatoError::NotAllowed,
        crate::store::sso_tokens::TokenError::Store(s) => s.into(),
    }
}

/// `approval_status`, if given: `before_decision`, `approved` or `rejected` (E008002 otherwise).
pub fn approval_status(
    params: &Params,
) -> Result<Option<crate::store::sso_users::Approval>, ZatoError> {
    params
        .text("approval_status")?
        .map(|raw| {
            crate::store::sso_users::Approval::named(raw).ok_or_else(|| {
                ZatoError::InvalidInput(
                    "approval_status is before_decision, approved or rejected".into(),
                )
            })
        })
        .transpose()
}

/// The SSO organization's record (its person pool), for the endpoints that create, find or
/// delete persons. A configured org that does not exist is a deployment fault.
pub async fn organization(
    app: &App,
    org: &OrgId,
) -> Result<crate::store::orgs::Organization, ZatoError> {
    crate::store::orgs::get(&app.db, org).await?.ok_or_else(|| {
        tracing::error!(org = %org, "SSO_ORG_ID names no organization");
        ZatoError::Api(crate::error::ApiError::Internal)
    })
}

/// Zato's user fields: what a user sees of themselves, and with `full` what a super-user sees.
pub fn user_fields(
    user: &crate::store::sso_users::UserDetails,
    full: bool,
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    let mut out = serde_json::Map::new();
    out.insert("user_id".into(), json!(user.id.as_str()));
    out.insert("username".into(), json!(user.username));
    for (k, v) in user.profile.iter() {
        out.insert(k.into(), json!(v));
    }
    // The key itself is never shown again after the answer that generated it.
    out.insert("is_totp_enabled".into(), json!(user.totp_enabled));
    if let Some(label) = &user.totp_label {
        out.insert("totp_label".into(), json!(label));
    }
    if full {
        let created = time::format(user.created);
        for (k, v) in [
            ("is_active", json!(true)),
            ("is_internal", json!(false)),
            ("is_super_user", json!(user.super_user)),
            ("is_approval_needed", json!(true)),
            ("approval_status", json!(user.approval.as_str())),
            ("approval_status_mod_by", json!(user.approval_mod_by)),
            (
                "approval_status_mod_time",
                json!(time::format(user.approval_mod_time)),
            ),
            ("is_locked", json!(user.locked)),
            ("password_is_set", json!(true)),
            ("password_must_change", json!(user.password_must_change)),
            (
                "sign_up_status",
                json!(if user.awaiting_confirmation {
                    "before_confirmation"
                } else {
                    "final"
                }),
            ),
            ("sign_up_time", json!(created)),
        ] {
            out.insert(k.into(), v);
        }
    }
    out
}

/// `Session.get`'s fields: when the session was opened and expires, and from where.
pub fn session_fields(
    session: &crate::store::sso_sessions::SessionDetails,
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    let mut out = serde_json::Map::new();
    if let Some(created) = session.created_us {
        out.insert("creation_time".into(), json!(time::format(created)));
    }
    out.insert(
        "expiration_time".into(),
        json!(time::format(session.expires_us)),
    );
    origin_fields(&mut out, &session.opened_from);
    out
}

fn origin_fields(
    out: &mut serde_json::Map<String, serde_json::Value>,
    origin: &crate::store::sso_users::Origin,
) {
    for (k, v) in [
        ("remote_addr", &origin.remote_addr),
        ("user_agent", &origin.user_agent),
    ] {
        if let Some(v) = v {
            out.insert(k.into(), serde_json::json!(v));
        }
    }
}

/// One entry of `Session.get_list`'s `result`: `Session.get`'s fields, how the session was
/// opened (`auth_type`, always `default`: a login with a password; `auth_principal`, the
/// username), and its history: the login, then the latest renewal if any, whose `idx` counts
/// every renewal before it (we keep the latest renewal, not Zato's last 100).
pub fn session_list_entry(
    user: &crate::store::sso_users::SsoUser,
    session: &crate::store::sso_sessions::SessionDetails,
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    let mut out = serde_json::Map::new();
    out.insert("auth_type".into(), json!("default"));
    out.insert("auth_principal".into(), json!(user.username));
    out.extend(session_fields(session));
    let event = |at: Option<i64>, origin, source, idx: u64| {
        let mut e = serde_json::Map::new();
        origin_fields(&mut e, origin);
        if let Some(at) = at {
            e.insert("timestamp_utc".into(), json!(time::format(at)));
        }
        e.insert("ctx_source".into(), json!(source));
        e.insert("idx".into(), json!(idx));
        serde_json::Value::Object(e)
    };
    let mut changes = vec![event(session.created_us, &session.opened_from, "login", 1)];
    if let Some((at, origin)) = &session.last_renewal {
        changes.push(event(Some(*at), origin, "renew", 1 + session.renewals));
    }
    out.insert("session_state_change_list".into(), json!(changes));
    out
}

/// Longest profile text (`email`, `display_name`, the name fields): Zato's columns are 191.
pub const MAX_PROFILE_CHARS: usize = 191;

/// A profile field's new value: text up to `MAX_PROFILE_CHARS`; an empty one is none. A
/// `display_name` must also be a name the person can carry (SlashID's and SailPoint's), so
/// the two never disagree.
pub fn profile_text(field: &str, value: &str) -> Result<Option<String>, ZatoError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    if value.chars().count() > MAX_PROFILE_CHARS || value.chars().any(char::is_control) {
        return Err(ZatoError::InvalidInput(format!(
            "{field} is at most {MAX_PROFILE_CHARS} characters, without control characters"
        )));
    }
    if field == "display_name" {
        crate::person::DisplayName::parse(value)
            .map_err(|_| ZatoError::InvalidInput("display_name is not a valid name".into()))?;
    }
    Ok(Some(value.to_owned()))
}

/// A new user id as Zato mints them: `zusr` and 26 characters of a lowercase base32 alphabet
/// (130 random bits).
pub fn new_user_id() -> crate::ids::PersonId {
    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let bytes = crypto::random_bytes::<26>();
    let tail: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b % 32)] as char)
        .collect();
    crate::ids::PersonId::parse(&format!("zusr{tail}")).expect("zusr ids are valid person ids")
}

/// A new user's record, with a fresh data key wrapped by the key-encryption key, and that data
/// key, to seal what the user is created with (a TOTP key).
pub async fn new_user(
    app: &App,
    org: &OrgId,
    id: crate::ids::PersonId,
    username: &Username,
    password: &Password,
    by: &str,
) -> Result<(crate::store::sso_users::SsoUser, crypto::DataKey), ZatoError> {
    use crate::store::sso_users::{Profile, SsoUser, TotpState};
    // Every user gets a data key at creation, so that a value can be sealed for them later.
    let (data_key, wrapped_key) = app
        .kek
        .new_data_key(&SsoUser::key_context(org, &id))
        .await
        .map_err(|e| ZatoError::Api(e.into()))?;
    let now = time::now_us();
    let user = SsoUser {
        id,
        username: username.as_str().to_owned(),
        password_hash: crypto::hash_password(password.expose()),
        approval: crate::store::sso_users::Approval::BeforeDecision,
        approval_mod_by: by.to_owned(),
        approval_mod_time: now,
        locked: false,
        super_user: false,
        password_must_change: false,
        created: now,
        wrapped_key,
        profile: Profile::default(),
        totp: TotpState::default(),
        awaiting_confirmation: false,
        recovery_email: None,
    };
    Ok((user, data_key))
}
