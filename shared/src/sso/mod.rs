//! The Zato SSO face's domain: its inputs as newtypes, its timestamps, and its secrets
//! (password hashes, USTs, envelope encryption of attribute values).

pub mod attrs;
pub mod crypto;
pub mod error;
pub mod input;
pub mod time;

pub use input::{AppName, Params, Password, Username, Ust, ZattrName};

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
    user: &crate::store::sso_users::SsoUser,
    full: bool,
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    let mut out = serde_json::Map::new();
    out.insert("user_id".into(), json!(user.id.as_str()));
    out.insert("username".into(), json!(user.username));
    for (k, v) in user.profile.iter() {
        out.insert(k.into(), json!(v));
    }
    if full {
        let approval = if user.approved {
            "approved"
        } else {
            "before_decision"
        };
        let created = time::format(user.created);
        for (k, v) in [
            ("is_active", json!(true)),
            ("is_internal", json!(false)),
            ("is_super_user", json!(user.super_user)),
            ("is_approval_needed", json!(true)),
            ("approval_status", json!(approval)),
            ("approval_status_mod_by", json!(user.approval_mod_by)),
            (
                "approval_status_mod_time",
                json!(time::format(user.approval_mod_time)),
            ),
            ("is_locked", json!(user.locked)),
            ("password_is_set", json!(true)),
            ("password_must_change", json!(false)),
            ("sign_up_status", json!("final")),
            ("sign_up_time", json!(created)),
        ] {
            out.insert(k.into(), v);
        }
    }
    out
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

/// A new user's record, with a fresh data key wrapped by the key-encryption key (none when the
/// deployment has none: then `encrypt: true` is refused for that user).
pub async fn new_user(
    app: &App,
    org: &OrgId,
    id: crate::ids::PersonId,
    username: &Username,
    password: &Password,
    by: &str,
) -> Result<crate::store::sso_users::SsoUser, ZatoError> {
    use crate::store::sso_users::{Profile, SsoUser};
    // Every user gets a data key at creation, so that a value can be sealed for them later.
    let (_, wrapped_key) = app
        .kek
        .new_data_key(&SsoUser::key_context(org, &id))
        .await
        .map_err(|e| ZatoError::Api(e.into()))?;
    let now = time::now_us();
    Ok(SsoUser {
        id,
        username: username.as_str().to_owned(),
        password_hash: crypto::hash_password(password.expose()),
        approved: false,
        approval_mod_by: by.to_owned(),
        approval_mod_time: now,
        locked: false,
        super_user: false,
        created: now,
        wrapped_key,
        profile: Profile::default(),
    })
}
