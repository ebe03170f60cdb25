//! Zato SSO users and their sessions. A user is a person of the shared graph, created through
//! `persons` with its username as a `username` handle, plus an `SSO` record in the person's
//! partition of the SSO organization. Sessions sit beside the record, keyed by the UST's hash.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use crate::db::{Condition, Db, Item};
use crate::digest::sha256_hex;
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::{get_bool, get_s, has_key, n, opt_s, s};
use crate::keys::{self, Key};
use crate::person::{Handle, HandleKind, Person};
use crate::sso::crypto::CryptoError;
use crate::sso::input::{Username, Ust};
use crate::sso::time::{now_us, ttl_seconds};
use crate::store::liveness;
use crate::store::lockout::Standing;
use crate::store::orgs::Organization;
use crate::store::persons::{self, CreatePersonError};

/// What the SSO stores can answer besides success. The Zato face maps each to its code.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("no such session")]
    NoSuchSession,
    #[error("not allowed")]
    NotAllowed,
    #[error("the username is taken")]
    UsernameTaken,
    #[error("the user id is taken")]
    UserIdTaken,
    #[error("the email is taken")]
    EmailTaken,
    #[error("an attribute already exists")]
    AttrExists,
    #[error("an attribute does not exist")]
    NoSuchAttr,
    #[error("the linked account belongs to a user already")]
    LinkTaken,
    #[error("no such linked account")]
    NoSuchLink,
    #[error("one request can change at most {0} attributes")]
    TooMany(usize),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
}

/// The profile's fields, as Zato names them.
pub const PROFILE_FIELDS: [&str; 5] = [
    "email",
    "display_name",
    "first_name",
    "middle_name",
    "last_name",
];

impl Profile {
    fn fields(&self) -> [(&'static str, &Option<String>); 5] {
        let f = [
            &self.email,
            &self.display_name,
            &self.first_name,
            &self.middle_name,
            &self.last_name,
        ];
        std::array::from_fn(|i| (PROFILE_FIELDS[i], f[i]))
    }
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.fields()
            .into_iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
    }
}

/// Where a user stands with the super-users: only an approved user logs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    BeforeDecision,
    Approved,
    Rejected,
}

impl Approval {
    /// Zato's `approval_status` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BeforeDecision => "before_decision",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
    /// The approval Zato's `approval_status` names, if it names one.
    pub fn named(raw: &str) -> Option<Self> {
        [Self::BeforeDecision, Self::Approved, Self::Rejected]
            .into_iter()
            .find(|a| a.as_str() == raw)
    }
    fn parse(raw: &str) -> Result<Self, StoreError> {
        Self::named(raw).ok_or_else(|| StoreError::Internal(format!("unknown approval {raw:?}")))
    }
}

#[derive(Clone)]
pub struct SsoUser {
    pub id: PersonId,
    pub username: String,
    pub password_hash: String,
    pub approval: Approval,
    pub approval_mod_by: String,
    pub approval_mod_time: i64,
    pub locked: bool,
    pub super_user: bool,
    /// The next login must set a new password (`E003007` without one).
    pub password_must_change: bool,
    pub created: i64,
    /// The user's data key, wrapped by the key-encryption key.
    pub wrapped_key: String,
    pub profile: Profile,
    pub totp: TotpState,
    /// Signed up and not yet confirmed by the token mailed to them: no login (`E005003`).
    pub awaiting_confirmation: bool,
    /// Where a password reset is mailed: the email the user was created or signed up with, or
    /// one a super-user set since. The user's own change of `email` does not move it, so a
    /// stolen session cannot redirect a reset to its thief.
    pub recovery_email: Option<String>,
}

/// A user's two-factor login: whether it is on, their key (sealed under their data key; none
/// until one is set or generated) and its label.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TotpState {
    pub enabled: bool,
    pub sealed_key: Option<String>,
    pub label: Option<String>,
}

impl std::fmt::Debug for SsoUser {
    // The password hash can be attacked offline and the wrapped key opens the user's sealed
    // attributes with one KMS call: neither belongs in a log line or a panic message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoUser")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("password_hash", &"<redacted>")
            .field("approval", &self.approval)
            .field("approval_mod_by", &self.approval_mod_by)
            .field("approval_mod_time", &self.approval_mod_time)
            .field("locked", &self.locked)
            .field("super_user", &self.super_user)
            .field("password_must_change", &self.password_must_change)
            .field("created", &self.created)
            .field("wrapped_key", &"<redacted>")
            .field("profile", &self.profile)
            .field("totp_enabled", &self.totp.enabled)
            .finish()
    }
}

impl SsoUser {
    /// What binds the user's data key to them (KMS encryption context / AES-GCM AAD).
    pub fn key_context(org: &OrgId, id: &PersonId) -> String {
        format!("{org}#{id}")
    }

    /// What the user's record shows, without its secrets.
    pub fn details(&self) -> UserDetails {
        UserDetails {
            id: self.id.clone(),
            username: self.username.clone(),
            approval: self.approval,
            approval_mod_by: self.approval_mod_by.clone(),
            approval_mod_time: self.approval_mod_time,
            locked: self.locked,
            super_user: self.super_user,
            password_must_change: self.password_must_change,
            created: self.created,
            profile: self.profile.clone(),
            totp_enabled: self.totp.enabled,
            totp_label: self.totp.label.clone(),
            awaiting_confirmation: self.awaiting_confirmation,
        }
    }
}

/// A user as Zato shows one: the record without its password hash, wrapped key and TOTP key.
/// The `sso_directory` index holds exactly this (and the directory's own attributes), so a
/// search reads no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDetails {
    pub id: PersonId,
    pub username: String,
    pub approval: Approval,
    pub approval_mod_by: String,
    pub approval_mod_time: i64,
    pub locked: bool,
    pub super_user: bool,
    pub password_must_change: bool,
    pub created: i64,
    pub profile: Profile,
    pub totp_enabled: bool,
    pub totp_label: Option<String>,
    /// Signed up and not yet confirmed by the token mailed to them: no login (`E005003`).
    pub awaiting_confirmation: bool,
}

/// The record's lowercase copy of a profile field, which `User.search` matches
/// case-insensitively (`dir_email`, `dir_display_name`, …).
pub fn directory_copy(field: &str) -> String {
    format!("dir_{field}")
}

/// What a profile value's lowercase copy holds.
pub fn directory_value(value: &str) -> String {
    value.to_lowercase()
}

/// The record's place in the `sso_directory` index: its partition and sort key.
fn directory_keys(org: &OrgId, u: &UserDetails) -> [(String, AttributeValue); 2] {
    [
        (keys::DIR_PK.into(), s(keys::sso_directory_partition(org))),
        (
            keys::DIR_SK.into(),
            s(keys::sso_directory_sort(
                u.profile.display_name.as_deref(),
                &u.username,
                u.created,
                &u.id,
            )),
        ),
    ]
}

/// Gives a record written before the `sso_directory` index existed its place there (its keys
/// and lowercase copies), as `user_item` writes them today; `false` when it has one already, is
/// being deleted, or changed since `item` was read (its next write keeps it right then).
pub async fn backfill_directory(db: &Db, org: &OrgId, item: &Item) -> Result<bool, StoreError> {
    if item.contains_key(keys::DIR_PK) {
        return Ok(false);
    }
    let Some(d) = details_from_item(item)? else {
        return Ok(false);
    };
    let mut sets = vec![];
    let mut values: Vec<(String, AttributeValue)> = vec![];
    let mut names: Vec<(String, String)> = vec![];
    let mut unchanged = vec![format!("attribute_not_exists({})", keys::DIR_PK)];
    for (i, (k, v)) in directory_keys(org, &d).into_iter().enumerate() {
        sets.push(format!("#k{i} = :k{i}"));
        names.push((format!("#k{i}"), k));
        values.push((format!(":k{i}"), v));
    }
    for (i, field) in PROFILE_FIELDS.iter().enumerate() {
        names.push((format!("#f{i}"), (*field).to_owned()));
        match d.profile.iter().find(|(k, _)| k == field).map(|(_, v)| v) {
            Some(v) => {
                sets.push(format!("#c{i} = :c{i}"));
                names.push((format!("#c{i}"), directory_copy(field)));
                values.push((format!(":c{i}"), s(directory_value(v))));
                unchanged.push(format!("#f{i} = :f{i}"));
                values.push((format!(":f{i}"), s(v)));
            }
            None => unchanged.push(format!("attribute_not_exists(#f{i})")),
        }
    }
    let write = db.update(
        &keys::sso_user(org, &d.id),
        &format!("SET {}", sets.join(", ")),
        liveness::alive_where(&unchanged.join(" AND ")).bind(names, values),
    );
    match db.transact(vec![write]).await {
        Ok(()) => Ok(true),
        Err(StoreError::TransactionCancelled(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn user_item(org: &OrgId, u: &SsoUser) -> Item {
    let mut item = keys::sso_user(org, &u.id).to_item();
    item.insert("id".into(), s(u.id.as_str()));
    item.insert("username".into(), s(&u.username));
    item.insert("password_hash".into(), s(&u.password_hash));
    item.insert("approval".into(), s(u.approval.as_str()));
    item.insert("approval_mod_by".into(), s(&u.approval_mod_by));
    item.insert("approval_mod_time".into(), n(u.approval_mod_time));
    item.insert("locked".into(), AttributeValue::Bool(u.locked));
    item.insert("super_user".into(), AttributeValue::Bool(u.super_user));
    if u.password_must_change {
        item.insert("must_change".into(), AttributeValue::Bool(true));
    }
    item.insert("created".into(), n(u.created));
    item.insert("dek".into(), s(&u.wrapped_key));
    for (k, v) in u.profile.iter() {
        item.insert(k.into(), s(v));
        item.insert(directory_copy(k), s(directory_value(v)));
    }
    item.extend(directory_keys(org, &u.details()));
    if u.totp.enabled {
        item.insert(TOTP_ENABLED.into(), AttributeValue::Bool(true));
    }
    if let Some(key) = &u.totp.sealed_key {
        item.insert(TOTP_KEY.into(), s(key));
    }
    if let Some(label) = &u.totp.label {
        item.insert(TOTP_LABEL.into(), s(label));
    }
    if u.awaiting_confirmation {
        item.insert(SIGN_UP.into(), s(BEFORE_CONFIRMATION));
    }
    if let Some(email) = &u.recovery_email {
        item.insert(RECOVERY_EMAIL.into(), s(email));
    }
    item
}

const RECOVERY_EMAIL: &str = "recovery_email";

/// Present only on a user who signed up and has not confirmed yet.
pub(crate) const SIGN_UP: &str = "sign_up";
pub(crate) const BEFORE_CONFIRMATION: &str = "before_confirmation";

const TOTP_ENABLED: &str = "totp_enabled";
const TOTP_KEY: &str = "totp_key";
const TOTP_LABEL: &str = "totp_label";
/// The time step of the last code a login accepted: no code is accepted twice.
const TOTP_STEP: &str = "totp_step";

pub(crate) fn get_i64(item: &Item, name: &str) -> Result<i64, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v
            .parse()
            .map_err(|_| StoreError::Internal(format!("{name} is not a number"))),
        _ => Err(StoreError::Internal(format!("item lacks {name}"))),
    }
}

/// The user of a record; `None` for a record being deleted.
pub fn user_from_item(item: &Item) -> Result<Option<SsoUser>, StoreError> {
    let Some(d) = details_from_item(item)? else {
        return Ok(None);
    };
    Ok(Some(SsoUser {
        password_hash: get_s(item, "password_hash")?.to_owned(),
        wrapped_key: get_s(item, "dek")?.to_owned(),
        totp: TotpState {
            enabled: d.totp_enabled,
            sealed_key: opt_s(item, TOTP_KEY)?.map(str::to_owned),
            label: d.totp_label,
        },
        id: d.id,
        username: d.username,
        approval: d.approval,
        approval_mod_by: d.approval_mod_by,
        approval_mod_time: d.approval_mod_time,
        locked: d.locked,
        super_user: d.super_user,
        password_must_change: d.password_must_change,
        created: d.created,
        profile: d.profile,
        awaiting_confirmation: d.awaiting_confirmation,
        recovery_email: opt_s(item, RECOVERY_EMAIL)?.map(str::to_owned),
    }))
}

/// What a record, or its `sso_directory` entry, shows; `None` for one being deleted.
pub fn details_from_item(item: &Item) -> Result<Option<UserDetails>, StoreError> {
    if !liveness::is_alive(item) {
        return Ok(None);
    }
    let text = |k: &str| opt_s(item, k).map(|v| v.map(str::to_owned));
    Ok(Some(UserDetails {
        id: PersonId::parse(get_s(item, "id")?).map_err(|e| StoreError::Internal(e.to_string()))?,
        username: get_s(item, "username")?.to_owned(),
        approval: Approval::parse(get_s(item, "approval")?)?,
        approval_mod_by: get_s(item, "approval_mod_by")?.to_owned(),
        approval_mod_time: get_i64(item, "approval_mod_time")?,
        locked: get_bool(item, "locked")?,
        super_user: get_bool(item, "super_user")?,
        password_must_change: get_bool(item, "must_change").unwrap_or(false),
        created: get_i64(item, "created")?,
        profile: Profile {
            email: text("email")?,
            display_name: text("display_name")?,
            first_name: text("first_name")?,
            middle_name: text("middle_name")?,
            last_name: text("last_name")?,
        },
        totp_enabled: get_bool(item, TOTP_ENABLED).unwrap_or(false),
        totp_label: text(TOTP_LABEL)?,
        awaiting_confirmation: item.contains_key(SIGN_UP),
    }))
}

pub fn live_user_check(db: &Db, org: &OrgId, user: &PersonId) -> TransactWriteItem {
    db.check(&keys::sso_user(org, user), liveness::alive())
}

/// The caller's session is live, and belongs to a super-user when `super_user` is asked for.
pub fn session_check(db: &Db, org: &OrgId, ust: &Ust, super_user: bool) -> TransactWriteItem {
    let mut condition = "attribute_exists(pk) AND exp_us > :now".to_owned();
    let mut values = vec![(":now", n(now_us()))];
    if super_user {
        condition.push_str(" AND super_user = :t");
        values.push((":t", AttributeValue::Bool(true)));
    }
    db.check(
        &session_key(org, ust),
        Condition::new(condition).values(values),
    )
}

pub fn session_key(org: &OrgId, ust: &Ust) -> Key {
    keys::sso_session(org, ust.person(), &ust.hash())
}

/// Creates the person and its SSO record in one transaction; `guard` (the creating
/// super-user's session check, or a signup's confirmation token) joins it. With
/// `email_handle` the user's email becomes the person's `email_address` handle too: unique in
/// the pool (`SsoError::EmailTaken`), and how a password reset finds the user by email.
pub async fn create(
    db: &Db,
    org: &Organization,
    user: &SsoUser,
    region: &str,
    guard: Option<TransactWriteItem>,
    email_handle: bool,
) -> Result<(), SsoError> {
    let handle =
        Handle::parse(HandleKind::Username, &user.username).map_err(|_| SsoError::UsernameTaken)?;
    let mut handles = vec![handle];
    if email_handle {
        let email = user.profile.email.as_deref().unwrap_or_default();
        handles.push(
            Handle::parse(HandleKind::EmailAddress, email).map_err(|_| SsoError::EmailTaken)?,
        );
    }
    let person = Person {
        id: user.id.clone(),
        active: true,
        region: region.to_owned(),
        handles,
        // One identity graph: Zato's display name is the person's (SailPoint's `name`).
        name: user
            .profile
            .display_name
            .as_deref()
            .and_then(|n| crate::person::DisplayName::parse(n).ok()),
        version: 0,
    };
    let has_guard = guard.is_some();
    let mut extra: Vec<_> = guard.into_iter().collect();
    extra.push(db.put(user_item(&org.id, user), Condition::absent()));
    match persons::create_with(db, org, &person, &[], extra).await {
        Ok(()) => Ok(()),
        Err(CreatePersonError::HandleTaken(Some(h))) if h.kind() == HandleKind::EmailAddress => {
            Err(SsoError::EmailTaken)
        }
        Err(CreatePersonError::HandleTaken(_)) => Err(SsoError::UsernameTaken),
        Err(CreatePersonError::IdTaken) => Err(SsoError::UserIdTaken),
        Err(CreatePersonError::ExtraFailed(0)) if has_guard => Err(SsoError::NotAllowed),
        Err(CreatePersonError::ExtraFailed(_)) => Err(SsoError::UserIdTaken),
        Err(CreatePersonError::TooManyItems(_)) => {
            Err(StoreError::Internal("a user creation exceeds one transaction".into()).into())
        }
        Err(CreatePersonError::Store(e)) => Err(e.into()),
    }
}

/// What a login needs before it checks the password, in two reads: the failure counter of the
/// username as typed (also for usernames that exist nowhere, so they lock alike) with its
/// `username` handle, then the user's SSO record with the person's profile.
pub struct LoginCandidate {
    pub user: Option<SsoUser>,
    /// The person's SlashID `active` flag: an inactive person cannot log in.
    pub active: bool,
    pub guard: Key,
    pub standing: Standing,
    /// The SHA-256 of the lowercase username as typed: what names an unknown one in the log.
    pub username_hash: String,
}

pub async fn login_candidate(
    db: &Db,
    org: &Organization,
    username: &str,
) -> Result<LoginCandidate, StoreError> {
    let username_hash = sha256_hex(&username.to_lowercase());
    let guard = keys::login_failures(&org.id, &username_hash);
    let handle = Username::parse(username)
        .ok()
        .map(|u| username_handle(org, &u));
    let mut wanted = vec![guard.clone()];
    wanted.extend(handle.clone());
    let items = db.batch_get(&wanted).await?;
    let standing = Standing::of(items.iter().find(|i| has_key(i, &guard)))?;
    let person = handle.and_then(|h| handle_owner(&items, &h));
    let (mut user, mut active) = (None, false);
    if let Some(id) = person {
        let (record, profile) = (
            keys::sso_user(&org.id, &id),
            keys::person_profile(&org.pool, &id),
        );
        let items = db.batch_get(&[record.clone(), profile.clone()]).await?;
        if let Some(item) = items.iter().find(|i| has_key(i, &record)) {
            user = user_from_item(item)?;
        }
        active = items
            .iter()
            .find(|i| has_key(i, &profile))
            .is_some_and(|p| get_bool(p, "active").unwrap_or(false));
    }
    Ok(LoginCandidate {
        user,
        active,
        guard,
        standing,
        username_hash,
    })
}

/// The user `credential` names: the email they signed up with (the person's `email_address`
/// handle), or else their username. Two reads: the handles, then the record.
pub async fn find_by_credential(
    db: &Db,
    org: &Organization,
    credential: &str,
) -> Result<Option<SsoUser>, StoreError> {
    // An email is looked up as one first: a username that looks like someone's email cannot
    // stand in front of that person's account.
    let mut handles = vec![];
    if let Ok(h) = Handle::parse(HandleKind::EmailAddress, credential) {
        let kind = HandleKind::EmailAddress.as_str();
        handles.push(keys::handle(&org.pool, kind, &h.normalized()));
    }
    if let Ok(u) = Username::parse(credential) {
        handles.push(username_handle(org, &u));
    }
    if handles.is_empty() {
        return Ok(None);
    }
    let items = db.batch_get(&handles).await?;
    let Some(id) = handles.iter().find_map(|h| handle_owner(&items, h)) else {
        return Ok(None);
    };
    match db.get(&keys::sso_user(&org.id, &id)).await? {
        Some(item) => user_from_item(&item),
        None => Ok(None),
    }
}

/// The `username` handle item that maps `username` to its person, in the org's person pool.
pub fn username_handle(org: &Organization, username: &Username) -> Key {
    keys::handle(
        &org.pool,
        HandleKind::Username.as_str(),
        &username.as_str().to_lowercase(),
    )
}

/// The person that handle item `handle` among `items` (one read's results) names, if read.
pub fn handle_owner(items: &[Item], handle: &Key) -> Option<PersonId> {
    let item = items.iter().find(|i| has_key(i, handle))?;
    PersonId::parse(get_s(item, "person_id").ok()?).ok()
}

/// Replaces a password hash made with weaker parameters than today's (an imported one) by a new
/// one of the same password, unless the hash changed meanwhile.
pub async fn rehash(
    db: &Db,
    org: &OrgId,
    user: &SsoUser,
    new_hash: &str,
) -> Result<(), StoreError> {
    let write = db.update(
        &keys::sso_user(org, &user.id),
        "SET password_hash = :new",
        liveness::alive_where("password_hash = :old").values(vec![
            (":new", s(new_hash)),
            (":old", s(&user.password_hash)),
        ]),
    );
    match db.transact(vec![write]).await {
        Ok(()) | Err(StoreError::TransactionCancelled(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Sets `user`'s password hash, unless it changed since `old_hash` was read (two changes
/// never both win) or the user is being deleted; `guard` (a caller's session check) joins
/// the transaction. `must_change` makes the next login set another.
pub async fn set_password(
    db: &Db,
    org: &OrgId,
    user: &PersonId,
    old_hash: &str,
    new_hash: &str,
    must_change: bool,
    guard: Option<TransactWriteItem>,
) -> Result<(), SsoError> {
    let write = db.update(
        &keys::sso_user(org, user),
        "SET password_hash = :new, must_change = :must",
        liveness::alive_where("password_hash = :old").values(vec![
            (":new", s(new_hash)),
            (":old", s(old_hash)),
            (":must", AttributeValue::Bool(must_change)),
        ]),
    );
    let mut writes: Vec<_> = guard.into_iter().collect();
    writes.push(write);
    match db.transact(writes).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(_)) => Err(SsoError::NotAllowed),
        Err(e) => Err(e.into()),
    }
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: PersonId,
    pub super_user: bool,
    pub expires_us: i64,
}

/// The session among `items` (one read's results), if it is there and unexpired.
pub fn session_in(
    items: &[Item],
    org: &OrgId,
    ust: &Ust,
    now: i64,
) -> Result<Option<Session>, StoreError> {
    let key = session_key(org, ust);
    let Some(item) = items.iter().find(|i| has_key(i, &key)) else {
        return Ok(None);
    };
    let expires_us = get_i64(item, "exp_us")?;
    Ok((expires_us > now).then(|| Session {
        user: ust.person().clone(),
        super_user: get_bool(item, "super_user").unwrap_or(false),
        expires_us,
    }))
}

pub async fn session(db: &Db, org: &OrgId, ust: &Ust) -> Result<Option<Session>, StoreError> {
    let items: Vec<Item> = db.get(&session_key(org, ust)).await?.into_iter().collect();
    session_in(&items, org, ust, now_us())
}

/// Where a session was opened or renewed from, as API Gateway saw the request: written with
/// the session, and read back by `sso_sessions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub remote_addr: Option<String>,
    pub user_agent: Option<String>,
}

impl Origin {
    /// Longer values are cut: a session item stays small whatever a client sends.
    const MAX_LEN: usize = 512;

    /// `(remote_addr, user_agent)`'s attribute values, each when there is one.
    fn values(&self) -> [Option<AttributeValue>; 2] {
        [&self.remote_addr, &self.user_agent].map(|v| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| s(v.chars().take(Self::MAX_LEN).collect::<String>()))
        })
    }
}

/// The user may hold a session: alive, unlocked, approved, confirmed and, for a login, still
/// with the password hash it checked and either with TOTP off or with a code it checked
/// (`totp_checked`). Every session opening and renewal carries it, so a lock, a rejection, a
/// password change or TOTP turned on, and the end of the user's sessions after it, are never
/// overtaken by a login that read the user before.
fn may_log_in(
    db: &Db,
    org: &OrgId,
    user: &PersonId,
    login: Option<Checked<'_>>,
) -> TransactWriteItem {
    let mut condition =
        format!("#locked = :unlocked AND approval = :approved AND attribute_not_exists({SIGN_UP})");
    let mut values = vec![
        (":unlocked", AttributeValue::Bool(false)),
        (":approved", s(Approval::Approved.as_str())),
    ];
    if let Some(checked) = login {
        condition.push_str(" AND password_hash = :checked");
        values.push((":checked", s(checked.password_hash)));
        if !checked.totp_checked {
            condition.push_str(&format!(
                " AND (attribute_not_exists({TOTP_ENABLED}) OR {TOTP_ENABLED} = :totp_off)"
            ));
            values.push((":totp_off", AttributeValue::Bool(false)));
        }
    }
    db.check(
        &keys::sso_user(org, user),
        liveness::alive_where(&condition)
            .names(&[("#locked", "locked")])
            .values(values),
    )
}

/// Spends the time step of a TOTP code a login accepted, before the login changes anything:
/// only a later step than the last one spent is taken (RFC 6238, 5.2), so a code seen by
/// someone else opens nothing and changes nothing. `false` when the step was spent already.
pub async fn spend_totp_step(
    db: &Db,
    org: &OrgId,
    user: &PersonId,
    step: u64,
) -> Result<bool, StoreError> {
    let write = db.update(
        &keys::sso_user(org, user),
        "SET #step = :step",
        liveness::alive_where("(attribute_not_exists(#step) OR #step < :step)")
            .names(&[("#step", TOTP_STEP)])
            .values(vec![(":step", n(step as i64))]),
    );
    match db.transact(vec![write]).await {
        Ok(()) => Ok(true),
        Err(StoreError::TransactionCancelled(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// What a login checked before it opens a session: the password hash the password matched, and
/// whether it checked a TOTP code (its step spent by `spend_totp_step`).
#[derive(Debug, Clone, Copy)]
pub struct Checked<'a> {
    pub password_hash: &'a str,
    pub totp_checked: bool,
}

/// Opens a session for `user`, unless meanwhile its record is being deleted, it was locked, it
/// is no longer approved, its password hash is no longer the one `checked`, or TOTP was turned
/// on since a login that checked no code read it. It lasts `idle` unless renewed, and never past `absolute` from now:
/// renewals stop extending it there, and the user logs in again.
pub async fn open_session(
    db: &Db,
    org: &OrgId,
    user: &SsoUser,
    idle: std::time::Duration,
    absolute: std::time::Duration,
    meta: &Origin,
    checked: Checked<'_>,
) -> Result<(Ust, i64), SsoError> {
    let ust = Ust::issue(&user.id);
    let now = now_us();
    let max_us = now + absolute.as_micros() as i64;
    let expires_us = (now + idle.as_micros() as i64).min(max_us);
    let mut item = session_key(org, &ust).to_item();
    item.insert("super_user".into(), AttributeValue::Bool(user.super_user));
    item.insert("exp_us".into(), n(expires_us));
    item.insert("max_exp_us".into(), n(max_us));
    item.insert("created_us".into(), n(now));
    for (name, value) in ["remote_addr", "user_agent"].into_iter().zip(meta.values()) {
        item.extend(value.map(|v| (name.to_owned(), v)));
    }
    item.insert(keys::EXPIRES_AT.into(), n(ttl_seconds(expires_us)));
    let writes = vec![
        may_log_in(db, org, &user.id, Some(checked)),
        db.put(item, Condition::none()),
    ];
    match db.transact(writes).await {
        Ok(()) => Ok((ust, expires_us)),
        Err(StoreError::TransactionCancelled(_)) => Err(SsoError::NotAllowed),
        Err(e) => Err(e.into()),
    }
}

pub async fn close_session(db: &Db, org: &OrgId, ust: &Ust) -> Result<(), StoreError> {
    db.transact(vec![db.delete(&session_key(org, ust), Condition::none())])
        .await
}

/// Extends a live session to `idle` from now, but never past its absolute end; `None` when it
/// is unknown or expired. A session from before absolute ends existed cannot be renewed. The
/// renewal is counted, and where it came from kept, for the session list. A locked or no longer
/// approved user's session is not renewed (`None`), whether or not it was ended yet.
pub async fn renew_session(
    db: &Db,
    org: &OrgId,
    ust: &Ust,
    idle: std::time::Duration,
    meta: &Origin,
) -> Result<Option<i64>, StoreError> {
    let now = now_us();
    let wanted = now + idle.as_micros() as i64;
    let key = session_key(org, ust);
    // Where the latest renewal came from replaces the previous one's, or clears it.
    let mut sets = vec!["exp_us = :e", "#ttl = :t", "renewed_us = :now"];
    let mut removes = vec![];
    let mut origin = vec![];
    for ((attr, placeholder), value) in [
        ("renew_remote_addr = :addr", ":addr"),
        ("renew_user_agent = :agent", ":agent"),
    ]
    .into_iter()
    .zip(meta.values())
    {
        match value {
            Some(v) => {
                sets.push(attr);
                origin.push((placeholder, v));
            }
            None => removes.push(&attr[..attr.find(' ').unwrap_or(attr.len())]),
        }
    }
    let mut update = format!("SET {} ADD renewals :one", sets.join(", "));
    if !removes.is_empty() {
        update.push_str(&format!(" REMOVE {}", removes.join(", ")));
    }
    let extend = |expires_us: i64, condition: &'static str| {
        let mut values = vec![
            (":e", n(expires_us)),
            (":t", n(ttl_seconds(expires_us))),
            (":now", n(now)),
            (":one", n(1)),
        ];
        values.extend(origin.iter().cloned());
        let writes = vec![
            may_log_in(db, org, ust.person(), None),
            db.update(
                &key,
                &update,
                Condition::new(condition)
                    .names(&[("#ttl", keys::EXPIRES_AT)])
                    .values(values),
            ),
        ];
        async move {
            match db.transact(writes).await {
                Ok(()) => Ok(Some(())),
                Err(StoreError::TransactionCancelled(_)) => Ok(None),
                Err(e) => Err(e),
            }
        }
    };
    let live = "attribute_exists(pk) AND exp_us > :now AND max_exp_us >= :e";
    if extend(wanted, live).await?.is_some() {
        return Ok(Some(wanted));
    }
    // Refused: unknown, expired, or the absolute end comes first. Only the last one renews,
    // up to that end.
    let Some(item) = db.get(&key).await? else {
        return Ok(None);
    };
    let (Ok(expires_us), Ok(max_us)) = (get_i64(&item, "exp_us"), get_i64(&item, "max_exp_us"))
    else {
        return Ok(None);
    };
    if expires_us <= now || max_us >= wanted {
        return Ok(None);
    }
    Ok(extend(max_us, live).await?.map(|_| max_us))
}

/// The caller's session and, in the same read, the records of `users`.
pub async fn session_and_users(
    db: &Db,
    org: &OrgId,
    ust: &Ust,
    users: &[&PersonId],
) -> Result<(Option<Session>, Vec<SsoUser>), StoreError> {
    let mut wanted = vec![session_key(org, ust)];
    wanted.extend(users.iter().map(|u| keys::sso_user(org, u)));
    wanted.dedup();
    let items = db.batch_get(&wanted).await?;
    let session = session_in(&items, org, ust, now_us())?;
    let mut found = Vec::new();
    for item in &items {
        if get_s(item, keys::SK)? == "SSO" {
            found.extend(user_from_item(item)?);
        }
    }
    Ok((session, found))
}

/// What a super-user decides about another user's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    Lock,
    Unlock,
}

impl Decision {
    /// The audit event that records it.
    pub fn event(self) -> &'static str {
        match self {
            Self::Approve => "sso_user_approved",
            Self::Reject => "sso_user_rejected",
            Self::Lock => "sso_user_locked",
            Self::Unlock => "sso_user_unlocked",
        }
    }

    /// The change it makes to the user's record.
    pub fn change(self) -> UserUpdate {
        let (locked, approval) = match self {
            Self::Approve => (None, Some(Approval::Approved)),
            Self::Reject => (None, Some(Approval::Rejected)),
            Self::Lock => (Some(true), None),
            Self::Unlock => (Some(false), None),
        };
        UserUpdate {
            locked,
            approval,
            ..UserUpdate::default()
        }
    }
}

/// What `PATCH /zato/sso/user` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    /// Profile fields (`PROFILE_FIELDS`' names): `Some(text)` sets, `None` removes.
    pub profile: Vec<(&'static str, Option<String>)>,
    /// The person's display name, kept equal to the profile's.
    pub person_name: Option<PersonRename>,
    pub locked: Option<bool>,
    pub must_change: Option<bool>,
    pub approval: Option<Approval>,
    pub totp_enabled: Option<bool>,
    /// A new TOTP key, sealed (`sso::totp::TotpKey::seal`).
    pub totp_sealed_key: Option<String>,
    /// `Some(None)` removes the label.
    pub totp_label: Option<Option<String>>,
    /// Where resets are mailed (a super-user's change of `email`); `Some(None)` removes it.
    pub recovery_email: Option<Option<String>>,
}

/// The person's display name in its pool's partition (`None` removes it).
#[derive(Debug, Clone)]
pub struct PersonRename {
    pub pool: OrgId,
    pub name: Option<String>,
}

impl UserUpdate {
    /// Whether the update takes a super-user.
    pub fn is_administrative(&self) -> bool {
        self.locked.is_some() || self.must_change.is_some() || self.approval.is_some()
    }

    /// Whether the user's sessions must end after it: a lock, or any approval but `approved`.
    pub fn ends_sessions(&self) -> bool {
        self.locked == Some(true) || self.approval.is_some_and(|a| a != Approval::Approved)
    }
}

/// Applies `change` to `user` (and their person's display name), in one transaction with the
/// caller's session check (a super-user's when `as_super_user`).
pub async fn update(
    db: &Db,
    org: &OrgId,
    ust: &Ust,
    user: &PersonId,
    change: &UserUpdate,
    as_super_user: bool,
) -> Result<(), SsoError> {
    let mut sets: Vec<String> = vec![];
    let mut removes: Vec<String> = vec![];
    let mut names: Vec<(String, String)> = vec![];
    let mut values: Vec<(String, AttributeValue)> = vec![];
    for (i, (field, value)) in change.profile.iter().enumerate() {
        let (name, copy) = (format!("#p{i}"), format!("#c{i}"));
        match value {
            Some(v) => {
                sets.push(format!("{name} = :p{i}, {copy} = :c{i}"));
                values.push((format!(":p{i}"), s(v)));
                values.push((format!(":c{i}"), s(directory_value(v))));
            }
            None => removes.extend([name.clone(), copy.clone()]),
        }
        names.push((name, (*field).to_owned()));
        names.push((copy, directory_copy(field)));
    }
    if let Some((_, display_name)) = change.profile.iter().find(|(f, _)| *f == "display_name") {
        // The new name moves the user in the directory; a record that is gone or going gets no
        // place, and the transaction's live check refuses the update anyway.
        if let Some([(pk_attr, pk), (sk_attr, sk)]) =
            directory_place(db, org, user, display_name.as_deref()).await?
        {
            sets.push("#dir_pk = :dir_pk, #dir_sk = :dir_sk".into());
            names.extend([("#dir_pk".into(), pk_attr), ("#dir_sk".into(), sk_attr)]);
            values.extend([(":dir_pk".into(), pk), (":dir_sk".into(), sk)]);
        }
    }
    if let Some(locked) = change.locked {
        sets.push("#locked = :locked".into());
        names.push(("#locked".into(), "locked".into()));
        values.push((":locked".into(), AttributeValue::Bool(locked)));
    }
    if let Some(must) = change.must_change {
        sets.push("must_change = :must".into());
        values.push((":must".into(), AttributeValue::Bool(must)));
    }
    if let Some(enabled) = change.totp_enabled {
        sets.push(format!("{TOTP_ENABLED} = :totp_on"));
        values.push((":totp_on".into(), AttributeValue::Bool(enabled)));
    }
    if let Some(key) = &change.totp_sealed_key {
        sets.push(format!("{TOTP_KEY} = :totp_key"));
        values.push((":totp_key".into(), s(key)));
    }
    match &change.recovery_email {
        Some(Some(email)) => {
            sets.push(format!("{RECOVERY_EMAIL} = :recovery"));
            values.push((":recovery".into(), s(email)));
        }
        Some(None) => removes.push(RECOVERY_EMAIL.into()),
        None => {}
    }
    match &change.totp_label {
        Some(Some(label)) => {
            sets.push(format!("{TOTP_LABEL} = :totp_label"));
            values.push((":totp_label".into(), s(label)));
        }
        Some(None) => removes.push(TOTP_LABEL.into()),
        None => {}
    }
    if let Some(approval) = change.approval {
        sets.push("approval = :a, approval_mod_by = :by, approval_mod_time = :now".into());
        values.push((":a".into(), s(approval.as_str())));
        values.push((":by".into(), s(ust.person().as_str())));
        values.push((":now".into(), n(now_us())));
    }
    let mut writes = vec![session_check(db, org, ust, as_super_user)];
    let key = keys::sso_user(org, user);
    if sets.is_empty() && removes.is_empty() {
        writes.push(live_user_check(db, org, user));
    } else {
        let mut expression = String::new();
        if !sets.is_empty() {
            expression.push_str(&format!("SET {}", sets.join(", ")));
        }
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        writes.push(db.update(
            &key,
            expression.trim(),
            liveness::alive().bind(names, values),
        ));
    }
    if let Some(rename) = &change.person_name {
        let (expression, values) = match &rename.name {
            Some(n_) => (
                "SET #v = #v + :one, #n = :n",
                vec![(":one", n(1)), (":n", s(n_))],
            ),
            None => ("SET #v = #v + :one REMOVE #n", vec![(":one", n(1))]),
        };
        writes.push(
            db.update(
                &keys::person_profile(&rename.pool, user),
                expression,
                Condition::present()
                    .names(&[("#v", "version"), ("#n", "name")])
                    .values(values),
            ),
        );
    }
    match db.transact(writes).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(_)) => Err(why_refused(db, org, ust).await),
        Err(e) => Err(e.into()),
    }
}

/// `user`'s directory keys once their display name is `display_name`. The rest of the sort key
/// (username, creation time, id) never changes, so reading it outside the update's transaction
/// cannot race with another write.
async fn directory_place(
    db: &Db,
    org: &OrgId,
    user: &PersonId,
    display_name: Option<&str>,
) -> Result<Option<[(String, AttributeValue); 2]>, StoreError> {
    let Some(item) = db.get(&keys::sso_user(org, user)).await? else {
        return Ok(None);
    };
    Ok(details_from_item(&item)?.map(|mut d| {
        d.profile.display_name = display_name.map(str::to_owned);
        directory_keys(org, &d)
    }))
}

/// Removes a signup whose confirmation could not be mailed: nobody could ever confirm it, and
/// it would hold its username and email.
pub async fn discard(db: &Db, org: &Organization, user: &PersonId) -> Result<(), SsoError> {
    db.transact(vec![liveness::mark(db, &keys::sso_user(&org.id, user))])
        .await?;
    crate::store::person_deletion::delete(db, org, user).await?;
    Ok(())
}

/// A super-user deletes `user`: the record is marked first, so no write about the user commits
/// afterwards (each checks it); then the person leaves the SSO organization with everything it
/// had there — sessions, attributes, the record — as `DELETE /persons/{id}` does.
pub async fn delete(
    db: &Db,
    org: &Organization,
    ust: &Ust,
    user: &PersonId,
) -> Result<(), SsoError> {
    let writes = vec![
        session_check(db, &org.id, ust, true),
        liveness::mark(db, &keys::sso_user(&org.id, user)),
    ];
    match db.transact(writes).await {
        Ok(()) => {}
        Err(StoreError::TransactionCancelled(_)) => return Err(why_refused(db, &org.id, ust).await),
        Err(e) => return Err(e.into()),
    }
    crate::store::person_deletion::delete(db, org, user).await?;
    Ok(())
}

/// Tells a dead session from a live one that lacked a right (or met no such target), after a
/// write's checks failed.
pub async fn why_refused(db: &Db, org: &OrgId, ust: &Ust) -> SsoError {
    match session(db, org, ust).await {
        Ok(Some(_)) => SsoError::NotAllowed,
        Ok(None) => SsoError::NoSuchSession,
        Err(e) => e.into(),
    }
}

/// Gives an existing person of `org` its SSO record (the import tool: the person came first,
/// with its `username` handle). `UserIdTaken` when it already has one; `NotAllowed` when the
/// person is not a live member of the org.
pub async fn attach(db: &Db, org: &Organization, user: &SsoUser) -> Result<(), SsoError> {
    let writes = vec![
        db.put(user_item(&org.id, user), Condition::absent()),
        liveness::live_membership_check(db, org, &user.id),
    ];
    match db.transact(writes).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(reasons)) => {
            if reasons
                .first()
                .is_some_and(|r| r == "ConditionalCheckFailed")
            {
                Err(SsoError::UserIdTaken)
            } else {
                Err(SsoError::NotAllowed)
            }
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_users_debug_shows_neither_its_password_hash_nor_its_wrapped_keys() {
        let user = SsoUser {
            id: PersonId::new_random(),
            username: "jdoe".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".into(),
            approval: Approval::Approved,
            approval_mod_by: "admin".into(),
            approval_mod_time: 1,
            locked: false,
            super_user: false,
            password_must_change: false,
            created: 1,
            wrapped_key: "local:v1:d3JhcHBlZC1kYXRhLWtleQ==".into(),
            profile: Profile::default(),
            totp: TotpState {
                enabled: true,
                sealed_key: Some("v1:c2VhbGVkLXRvdHAta2V5".into()),
                label: None,
            },
            awaiting_confirmation: false,
            recovery_email: None,
        };
        let shown = format!("{user:?}");
        assert!(shown.contains("jdoe"), "{shown}");
        for secret in [
            "aGFzaGhhc2g",
            "argon2id",
            "d3JhcHBlZC1kYXRhLWtleQ",
            "local:v1",
            "c2VhbGVkLXRvdHAta2V5",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
}
