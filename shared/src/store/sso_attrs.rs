//! Zato user and session attributes: one `ZATTR#{name}` item each in the user's partition of
//! the SSO organization, or `ZSATTR#{h(ust)}#{name}` for one of the user's sessions. Expired
//! items are absent to every read and write, whatever TTL has removed. Every write is one
//! transaction that also checks the caller's session and the owner (the target user's record,
//! or the target session), so a logged-out caller, a user being deleted or an ended session
//! never gains an attribute.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use serde_json::{Value, json};

use crate::db::{Condition, Db, Item};
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::{get_bool, get_s, n, s};
use crate::keys;
use crate::sso::crypto::{DataKey, Kek};
use crate::sso::input::{Ust, ZattrName};
use crate::sso::time::{self, now_us, ttl_seconds};
use crate::store::sso_users::{
    self, Session, SsoError, SsoUser, live_user_check, session_check, why_refused,
};

/// A value as stored: JSON text, or that text sealed under the user's data key.
#[derive(Debug, Clone)]
pub enum Stored {
    Plain(String),
    Sealed(String),
}

/// One change of a write request.
#[derive(Debug, Clone)]
pub enum Change {
    /// POST: the attribute must not exist (or have expired).
    Create {
        name: ZattrName,
        value: Stored,
        expires_us: Option<i64>,
    },
    /// PATCH: the attribute must exist; `None` leaves a part as it is.
    Update {
        name: ZattrName,
        value: Option<Stored>,
        expires_us: Option<i64>,
    },
    /// PUT: created or replaced; without an expiry it never expires.
    Set {
        name: ZattrName,
        value: Stored,
        expires_us: Option<i64>,
    },
    /// DELETE: gone, whether it existed or not.
    Delete { name: ZattrName },
}

/// Whose attributes: a user's, or one of a user's sessions' (which live as long as it does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    User(PersonId),
    Session(Ust),
}

impl Owner {
    /// The user the attributes belong to (a session's user for a session).
    pub fn person(&self) -> &PersonId {
        match self {
            Self::User(p) => p,
            Self::Session(ust) => ust.person(),
        }
    }

    fn key(&self, org: &OrgId, name: &ZattrName) -> keys::Key {
        match self {
            Self::User(p) => keys::sso_attribute(org, p, name.as_str()),
            Self::Session(ust) => {
                keys::sso_session_attribute(org, ust.person(), &ust.hash(), name.as_str())
            }
        }
    }

    fn prefix(&self) -> String {
        match self {
            Self::User(_) => keys::SSO_ATTRIBUTE_PREFIX.to_owned(),
            Self::Session(ust) => keys::sso_session_attribute_prefix(&ust.hash()),
        }
    }

    /// The write check that the owner lives: the user's record, or the target session
    /// unexpired — none when that session is the caller's, which its own check covers (one
    /// transaction may not name an item twice).
    fn check(&self, db: &Db, org: &OrgId, caller: &Ust) -> Option<TransactWriteItem> {
        match self {
            Self::User(p) => Some(live_user_check(db, org, p)),
            Self::Session(ust) if ust == caller => None,
            Self::Session(ust) => Some(session_check(db, org, ust, false)),
        }
    }

    /// What binds a sealed value to its attribute and owner.
    pub fn value_context(&self, org: &OrgId, name: &ZattrName) -> String {
        match self {
            Self::User(p) => format!("{org}#{p}#{}", name.as_str()),
            Self::Session(ust) => {
                format!("{org}#{}#{}#{}", ust.person(), ust.hash(), name.as_str())
            }
        }
    }
}

/// Who is asking about whose attributes, as one read established it.
pub struct Access {
    pub session: Session,
    pub owner: Owner,
    /// The target's record, when the read asked for it.
    pub record: Option<SsoUser>,
}

/// The most checks that go before the attribute items in a write.
pub const CHECKS: usize = 2;

/// Reads the caller's session, the owner's record (when the owner is another user, or
/// `with_record`), the target session when the owner is another session, and the items of
/// `names`, in one BatchGetItem; enforces who may see what: a user their own, a super-user
/// anyone's.
pub async fn read(
    db: &Db,
    org: &OrgId,
    ust: &Ust,
    owner: Owner,
    with_record: bool,
    names: &[ZattrName],
) -> Result<(Access, BTreeMap<ZattrName, Attr>), SsoError> {
    let person = owner.person().clone();
    let other = &person != ust.person();
    let mut wanted = vec![sso_users::session_key(org, ust)];
    if let Owner::Session(target) = &owner
        && target != ust
    {
        wanted.push(sso_users::session_key(org, target));
    }
    if other || with_record {
        wanted.push(keys::sso_user(org, &person));
    }
    wanted.extend(names.iter().map(|name| owner.key(org, name)));
    let items = db.batch_get(&wanted).await?;
    let now = now_us();
    let session = sso_users::session_in(&items, org, ust, now)?.ok_or(SsoError::NoSuchSession)?;
    if other && !session.super_user {
        return Err(SsoError::NotAllowed);
    }
    if let Owner::Session(target) = &owner
        && sso_users::session_in(&items, org, target, now)?.is_none()
    {
        return Err(SsoError::NoSuchSession);
    }
    let record_key = keys::sso_user(org, &person);
    let record = match items.iter().find(|i| crate::item::has_key(i, &record_key)) {
        Some(item) => sso_users::user_from_item(item)?,
        None => None,
    };
    if other && record.is_none() {
        return Err(SsoError::NotAllowed);
    }
    let mut found = BTreeMap::new();
    for item in &items {
        if let Some(attr) = Attr::from_item(item, now)? {
            found.insert(attr.name.clone(), attr);
        }
    }
    Ok((
        Access {
            session,
            owner,
            record,
        },
        found,
    ))
}

/// The names of the owner's unexpired attributes: the access read, then 1 Query.
pub async fn names(db: &Db, org: &OrgId, ust: &Ust, owner: Owner) -> Result<Vec<String>, SsoError> {
    let (access, _) = read(db, org, ust, owner, false, &[]).await?;
    let now = now_us();
    let mut names = Vec::new();
    for item in db
        .query_prefix(
            &keys::person_partition(org, access.owner.person()),
            &access.owner.prefix(),
        )
        .await?
    {
        if let Some(attr) = Attr::from_item(&item, now)? {
            names.push(attr.name.as_str().to_owned());
        }
    }
    Ok(names)
}

/// The target's data key, from a read that included its record.
pub async fn data_key(kek: &Kek, org: &OrgId, access: &Access) -> Result<DataKey, SsoError> {
    let record = access.record.as_ref().ok_or(SsoError::NotAllowed)?;
    Ok(kek
        .unwrap(&SsoUser::key_context(org, &record.id), &record.wrapped_key)
        .await?)
}

/// Applies `changes` to the owner's attributes, all or none. A session's attributes expire
/// (TTL) no later than `session_max` from now, past which the session has surely ended.
pub async fn write(
    db: &Db,
    org: &OrgId,
    ust: &Ust,
    owner: &Owner,
    changes: &[Change],
    session_max: std::time::Duration,
) -> Result<(), SsoError> {
    let max = db.max_transaction_items - CHECKS;
    if changes.len() > max {
        return Err(SsoError::TooMany(max));
    }
    let now = now_us();
    let ttl_cap = match owner {
        Owner::User(_) => None,
        Owner::Session(_) => Some(now + session_max.as_micros() as i64),
    };
    let mut writes = vec![session_check(db, org, ust, owner.person() != ust.person())];
    writes.extend(owner.check(db, org, ust));
    let checks = writes.len();
    writes.extend(
        changes
            .iter()
            .map(|c| change_write(db, org, owner, c, now, ttl_cap)),
    );
    match db.transact(writes).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(reasons)) => {
            let failed = reasons.iter().position(|r| r == "ConditionalCheckFailed");
            Err(match failed {
                Some(0) => why_refused(db, org, ust).await,
                Some(i) if i < checks && matches!(owner, Owner::Session(_)) => {
                    SsoError::NoSuchSession
                }
                Some(i) if i < checks => SsoError::NotAllowed,
                Some(i) => match changes.get(i - checks) {
                    Some(Change::Create { .. }) => SsoError::AttrExists,
                    _ => SsoError::NoSuchAttr,
                },
                None => StoreError::ConditionFailed.into(),
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Unexpired, as a write condition: no expiry, or one still ahead.
const UNEXPIRED: &str = "(attribute_not_exists(exp_us) OR exp_us > :now)";

/// The epoch seconds TTL removes an item at: its own expiry, but no later than `cap` (a session
/// attribute outlives no session).
fn ttl(expires_us: Option<i64>, cap: Option<i64>) -> Option<i64> {
    match (expires_us, cap) {
        (Some(e), Some(c)) => Some(ttl_seconds(e.min(c))),
        (e, c) => e.or(c).map(ttl_seconds),
    }
}

fn change_write(
    db: &Db,
    org: &OrgId,
    owner: &Owner,
    change: &Change,
    now: i64,
    ttl_cap: Option<i64>,
) -> TransactWriteItem {
    let key = |name: &ZattrName| owner.key(org, name);
    match change {
        Change::Create {
            name,
            value,
            expires_us,
        } => {
            let mut item = key(name).to_item();
            item.insert("name".into(), s(name.as_str()));
            item.insert("created".into(), n(now));
            item.insert("modified".into(), n(now));
            put_value(&mut item, value);
            if let Some(e) = expires_us {
                item.insert("exp_us".into(), n(e));
            }
            if let Some(t) = ttl(*expires_us, ttl_cap) {
                item.insert(keys::EXPIRES_AT.into(), n(t));
            }
            let mut put = db.put(item, Condition::none());
            if let Some(p) = put.put.as_mut() {
                p.condition_expression = Some("attribute_not_exists(pk) OR exp_us <= :now".into());
                p.expression_attribute_values = Some([(":now".to_owned(), n(now))].into());
            }
            put
        }
        Change::Update {
            name,
            value,
            expires_us,
        } => {
            let mut sets = vec!["modified = :now"];
            let mut values = vec![(":now", n(now))];
            if let Some(v) = value {
                sets.push("v = :v, is_encrypted = :enc");
                let (text, enc) = stored_parts(v);
                values.push((":v", s(text)));
                values.push((":enc", AttributeValue::Bool(enc)));
            }
            if let Some(e) = expires_us {
                sets.push("exp_us = :e, #ttl = :t");
                values.push((":e", n(e)));
                values.push((":t", n(ttl(Some(*e), ttl_cap).unwrap_or_default())));
            }
            let names: &[(&str, &str)] = if expires_us.is_some() {
                &[("#ttl", keys::EXPIRES_AT)]
            } else {
                &[]
            };
            db.update(
                &key(name),
                &format!("SET {}", sets.join(", ")),
                Condition::new(format!("attribute_exists(pk) AND {UNEXPIRED}"))
                    .names(names)
                    .values(values),
            )
        }
        Change::Set {
            name,
            value,
            expires_us,
        } => {
            let (text, enc) = stored_parts(value);
            let mut values = vec![
                (":now", n(now)),
                (":name", s(name.as_str())),
                (":v", s(text)),
                (":enc", AttributeValue::Bool(enc)),
            ];
            let update = match (expires_us, ttl(*expires_us, ttl_cap)) {
                (Some(e), Some(t)) => {
                    values.push((":e", n(e)));
                    values.push((":t", n(t)));
                    "SET #n = :name, v = :v, is_encrypted = :enc, created = if_not_exists(created, :now), modified = :now, exp_us = :e, #ttl = :t"
                }
                (None, Some(t)) => {
                    values.push((":t", n(t)));
                    "SET #n = :name, v = :v, is_encrypted = :enc, created = if_not_exists(created, :now), modified = :now, #ttl = :t REMOVE exp_us"
                }
                _ => {
                    "SET #n = :name, v = :v, is_encrypted = :enc, created = if_not_exists(created, :now), modified = :now REMOVE exp_us, #ttl"
                }
            };
            db.update(
                &key(name),
                update,
                Condition::none()
                    .names(&[("#n", "name"), ("#ttl", keys::EXPIRES_AT)])
                    .values(values),
            )
        }
        Change::Delete { name } => db.delete(&key(name), Condition::none()),
    }
}

fn stored_parts(value: &Stored) -> (&str, bool) {
    match value {
        Stored::Plain(t) => (t, false),
        Stored::Sealed(t) => (t, true),
    }
}

fn put_value(item: &mut Item, value: &Stored) {
    let (text, enc) = stored_parts(value);
    item.insert("v".into(), s(text));
    item.insert("is_encrypted".into(), AttributeValue::Bool(enc));
}

/// A stored, unexpired attribute.
#[derive(Debug, Clone)]
pub struct Attr {
    pub name: ZattrName,
    pub value: Stored,
    pub created: i64,
    pub modified: i64,
    pub expires_us: Option<i64>,
}

impl Attr {
    /// The attribute in `item`, if `item` is one and has not expired by `now`.
    pub fn from_item(item: &Item, now: i64) -> Result<Option<Self>, StoreError> {
        let sk = get_s(item, keys::SK)?;
        if !sk.starts_with(keys::SSO_ATTRIBUTE_PREFIX)
            && !sk.starts_with(keys::SSO_SESSION_ATTRIBUTE_PREFIX)
        {
            return Ok(None);
        }
        let num = |k: &str| -> Result<Option<i64>, StoreError> {
            match item.get(k) {
                None => Ok(None),
                Some(AttributeValue::N(v)) => v
                    .parse()
                    .map(Some)
                    .map_err(|_| StoreError::Internal(format!("{k} is not a number"))),
                Some(_) => Err(StoreError::Internal(format!("{k} is not a number"))),
            }
        };
        let expires_us = num("exp_us")?;
        if expires_us.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        let name = ZattrName::parse(get_s(item, "name")?)
            .map_err(|_| StoreError::Internal("a stored attribute name is invalid".into()))?;
        let text = get_s(item, "v")?.to_owned();
        Ok(Some(Self {
            name,
            value: if get_bool(item, "is_encrypted")? {
                Stored::Sealed(text)
            } else {
                Stored::Plain(text)
            },
            created: num("created")?.unwrap_or_default(),
            modified: num("modified")?.unwrap_or_default(),
            expires_us,
        }))
    }

    /// Zato's attribute fields; `value` as stored or, with `key`, opened.
    pub fn to_json(
        &self,
        org: &OrgId,
        owner: &Owner,
        key: Option<&DataKey>,
    ) -> Result<Value, SsoError> {
        let (value, is_encrypted) = match (&self.value, key) {
            (Stored::Plain(text), _) => (parse_json_text(text)?, false),
            (Stored::Sealed(sealed), Some(key)) => {
                let plain = key.open(&owner.value_context(org, &self.name), sealed)?;
                let text = String::from_utf8(plain)
                    .map_err(|_| StoreError::Internal("a sealed value is not UTF-8".into()))?;
                (parse_json_text(&text)?, true)
            }
            (Stored::Sealed(sealed), None) => (json!(sealed), true),
        };
        Ok(json!({
            "name": self.name.as_str(),
            "value": value,
            "creation_time": time::format(self.created),
            "last_modified": time::format(self.modified),
            "expiration_time": self.expires_us.map_or(time::NEVER.to_owned(), time::format),
            "is_encrypted": is_encrypted,
        }))
    }
}

fn parse_json_text(text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text)
        .map_err(|_| StoreError::Internal("a stored value is not JSON text".into()))
}

/// Sets attributes of `user` without a session: for the seed and import tools, never an API.
pub async fn import(
    db: &Db,
    org: &OrgId,
    user: &PersonId,
    changes: &[Change],
) -> Result<(), SsoError> {
    let now = now_us();
    let owner = Owner::User(user.clone());
    let mut writes = vec![live_user_check(db, org, user)];
    writes.extend(
        changes
            .iter()
            .map(|c| change_write(db, org, &owner, c, now, None)),
    );
    db.transact(writes).await?;
    Ok(())
}
