//! Zato SSO users and their attributes, both directions. Values travel as stored: plain JSON, or
//! sealed text with the wrapped data key that opens it, so no key material is needed here.

use std::collections::BTreeMap;

use idgraph::App;
use idgraph::db::Item;
use idgraph::ids::PersonId;
use idgraph::keys;
use idgraph::sso::{Password, Username, ZattrName, crypto};
use idgraph::store::orgs::Organization;
use idgraph::store::sso_attrs::{self, Attr, Change, Stored};
use idgraph::store::sso_users::{self, Approval, Profile, SsoError, SsoUser};

use crate::record::{Record, SsoAttribute};

/// Writes the user (unless it has its record already) and whichever attributes differ from
/// what is stored. `true` when anything was written.
pub async fn import_user(app: &App, org: &Organization, record: Record) -> Result<bool, String> {
    let Record::SsoUser {
        id,
        username,
        password,
        password_hash,
        approved,
        super_user,
        locked,
        created,
        approval_mod_by,
        approval_mod_time,
        profile,
        wrapped_key,
        attributes,
        ..
    } = record
    else {
        unreachable!("called with SSO users only")
    };
    let why = |e: idgraph::faces::zato::ZatoError| e.to_string();
    let id = PersonId::parse(&id).map_err(|e| e.to_string())?;
    let username = Username::parse(&username).map_err(why)?;
    let password_hash = match (password, password_hash) {
        (Some(p), None) => crypto::hash_password(Password::new(&p).map_err(why)?.expose()),
        (None, Some(h)) if h.starts_with("$argon2") => h,
        (None, Some(_)) => return Err("password_hash must be an argon2 PHC string".into()),
        _ => return Err("give exactly one of password and password_hash".into()),
    };
    let mut p = Profile::default();
    for (k, v) in profile {
        let slot = match k.as_str() {
            "email" => &mut p.email,
            "display_name" => &mut p.display_name,
            "first_name" => &mut p.first_name,
            "middle_name" => &mut p.middle_name,
            "last_name" => &mut p.last_name,
            other => return Err(format!("unknown profile field {other:?}")),
        };
        *slot = Some(v);
    }
    // A user given without a data key (a generated or hand-written file) gets a fresh one,
    // as Zato's create does; values sealed under another key could not be opened, so those
    // need theirs.
    let wrapped_key = if wrapped_key.is_empty() {
        if attributes.values().any(|a| a.sealed.is_some()) {
            return Err("sealed attributes need the wrapped_key that opens them".into());
        }
        match app
            .kek
            .new_data_key(&SsoUser::key_context(&org.id, &id))
            .await
        {
            Ok((_, wrapped)) => wrapped,
            Err(e) => return Err(e.to_string()),
        }
    } else {
        wrapped_key
    };
    // The imported email is where the user's resets go, as for a user a super-user made.
    let recovery_email = p.email.clone();
    let user = SsoUser {
        id: id.clone(),
        username: username.as_str().to_owned(),
        password_hash,
        // The record's flag: a rejected user travels as one not approved.
        approval: if approved {
            Approval::Approved
        } else {
            Approval::BeforeDecision
        },
        approval_mod_by,
        approval_mod_time,
        locked,
        super_user,
        password_must_change: false,
        created,
        wrapped_key,
        profile: p,
        // Two-factor login is set up by the user after the import, not carried by it.
        totp: Default::default(),
        awaiting_confirmation: false,
        recovery_email,
    };
    let db = &app.db;
    let mut written = match sso_users::attach(db, org, &user).await {
        Ok(()) => true,
        Err(SsoError::UserIdTaken) => false,
        // No such person yet: the user brings its person, as Zato's create does.
        Err(SsoError::NotAllowed) => {
            match sso_users::create(
                db,
                org,
                &user,
                &app.config.default_person_region,
                None,
                false,
            )
            .await
            {
                Ok(()) => true,
                Err(e) => return Err(e.to_string()),
            }
        }
        Err(e) => return Err(e.to_string()),
    };
    let stored = stored_attributes(
        &db.query_prefix(
            &keys::person_partition(&org.id, &id),
            keys::SSO_ATTRIBUTE_PREFIX,
        )
        .await
        .map_err(|e| e.to_string())?,
    )?;
    let mut changes = Vec::new();
    for (name, attr) in attributes {
        if stored.get(&name) == Some(&attr) {
            continue;
        }
        let value = match (&attr.value, &attr.sealed) {
            (Some(v), None) => Stored::Plain(v.to_string()),
            (None, Some(text)) => Stored::Sealed(text.clone()),
            _ => {
                return Err(format!(
                    "attribute {name:?} needs exactly one of value and sealed"
                ));
            }
        };
        changes.push(Change::Set {
            name: ZattrName::parse(&name).map_err(why)?,
            value,
            expires_us: attr.expires_us,
        });
    }
    // One transaction holds the user's liveness check and the rest.
    for chunk in changes.chunks(db.max_transaction_items.saturating_sub(1).max(1)) {
        sso_attrs::import(db, &org.id, &id, chunk)
            .await
            .map_err(|e| e.to_string())?;
        written = true;
    }
    Ok(written)
}

/// The live attributes among `items`, as records carry them.
pub fn stored_attributes(items: &[Item]) -> Result<BTreeMap<String, SsoAttribute>, String> {
    let now = idgraph::sso::time::now_us();
    let mut out = BTreeMap::new();
    for item in items {
        let Some(a) = Attr::from_item(item, now).map_err(|e| e.to_string())? else {
            continue;
        };
        let (value, sealed) = match a.value {
            Stored::Plain(text) => (
                Some(serde_json::from_str(&text).map_err(|e| e.to_string())?),
                None,
            ),
            Stored::Sealed(text) => (None, Some(text)),
        };
        out.insert(
            a.name.as_str().to_owned(),
            SsoAttribute {
                value,
                sealed,
                expires_us: a.expires_us,
            },
        );
    }
    Ok(out)
}

/// The record of a stored user with its attributes.
pub fn user_record(
    org: &Organization,
    user: SsoUser,
    attributes: BTreeMap<String, SsoAttribute>,
) -> Record {
    Record::SsoUser {
        org: org.id.as_str().to_owned(),
        id: user.id.as_str().to_owned(),
        username: user.username,
        password: None,
        password_hash: Some(user.password_hash),
        approved: user.approval == Approval::Approved,
        super_user: user.super_user,
        locked: user.locked,
        created: user.created,
        approval_mod_by: user.approval_mod_by,
        approval_mod_time: user.approval_mod_time,
        profile: user
            .profile
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        wrapped_key: user.wrapped_key,
        attributes,
    }
}
