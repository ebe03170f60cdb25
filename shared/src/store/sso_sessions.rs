//! What Zato tells about sessions beyond whether one is live: when and from where each was
//! opened and last renewed, a user's sessions listed, and ended all at once. A user's sessions
//! sit in their person partition beside their SSO record (`keys::sso_session`), so one Query of
//! that partition reads the record and every session.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::db::{Db, Item, QuerySpec};
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::{get_s, has_key, opt_s};
use crate::keys::{self, Key};
use crate::sso::input::Ust;
use crate::sso::time::now_us;
use crate::store::sso_users::{self, Origin, SsoUser, get_i64, session_key, user_from_item};

/// The most sessions one list reads: one Query request of small items. A user holding more
/// live sessions sees the first ones in key order (the UST hash's, so no particular ones).
pub const MAX_LISTED: i32 = 1000;

/// One live session as Zato's `Session.get` and `Session.get_list` describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDetails {
    pub user: PersonId,
    pub super_user: bool,
    /// `None` for a session opened before openings were recorded.
    pub created_us: Option<i64>,
    pub expires_us: i64,
    pub opened_from: Origin,
    /// How many times it was renewed, and the latest renewal's time and origin.
    pub renewals: u64,
    pub last_renewal: Option<(i64, Origin)>,
}

fn origin(item: &Item, addr: &str, agent: &str) -> Result<Origin, StoreError> {
    Ok(Origin {
        remote_addr: opt_s(item, addr)?.map(str::to_owned),
        user_agent: opt_s(item, agent)?.map(str::to_owned),
    })
}

/// The session item's details, if it is live at `now`.
fn details(item: &Item, user: &PersonId, now: i64) -> Result<Option<SessionDetails>, StoreError> {
    let expires_us = get_i64(item, "exp_us")?;
    if expires_us <= now {
        return Ok(None);
    }
    let renewals = match item.get("renewals") {
        Some(AttributeValue::N(v)) => v.parse().unwrap_or(0),
        _ => 0,
    };
    let last_renewal = match get_i64(item, "renewed_us") {
        Ok(at) => Some((at, origin(item, "renew_remote_addr", "renew_user_agent")?)),
        Err(_) => None,
    };
    Ok(Some(SessionDetails {
        user: user.clone(),
        super_user: matches!(item.get("super_user"), Some(AttributeValue::Bool(true))),
        created_us: get_i64(item, "created_us").ok(),
        expires_us,
        opened_from: origin(item, "remote_addr", "user_agent")?,
        renewals,
        last_renewal,
    }))
}

/// The caller's session and another one, in one BatchGetItem: what `Session.verify` and
/// `Session.get` need (each needs a super-user's session).
pub async fn caller_and_target(
    db: &Db,
    org: &OrgId,
    caller: &Ust,
    target: &Ust,
) -> Result<(Option<sso_users::Session>, Option<SessionDetails>), StoreError> {
    let target_key = session_key(org, target);
    let mut wanted = vec![session_key(org, caller), target_key.clone()];
    wanted.dedup();
    let items = db.batch_get(&wanted).await?;
    let now = now_us();
    let session = sso_users::session_in(&items, org, caller, now)?;
    let found = items.iter().find(|i| has_key(i, &target_key));
    let target = match found {
        Some(item) => details(item, target.person(), now)?,
        None => None,
    };
    Ok((session, target))
}

/// A user's SSO record and live sessions, in one Query of their partition (at most
/// `MAX_LISTED` sessions). `None` when the user has no record or is being deleted.
pub async fn user_sessions(
    db: &Db,
    org: &OrgId,
    user: &PersonId,
) -> Result<Option<(SsoUser, Vec<(Key, SessionDetails)>)>, StoreError> {
    let pk = keys::person_partition(org, user);
    let page = db
        .query_page(&QuerySpec {
            // The record (`SSO`) sorts just before its sessions (`SSO#SESSION#…`).
            prefix: Some(keys::SSO_USER_SK.to_owned()),
            limit: Some(MAX_LISTED + 1),
            ..QuerySpec::table(&pk)
        })
        .await?;
    let now = now_us();
    let mut record = None;
    let mut sessions = Vec::new();
    for item in &page.items {
        let sk = get_s(item, keys::SK)?;
        if sk == keys::SSO_USER_SK {
            record = user_from_item(item)?;
        } else if sk.starts_with(keys::SSO_SESSION_PREFIX)
            && let (Some(key), Some(d)) = (Key::of(item), details(item, user, now)?)
        {
            sessions.push((key, d));
        }
    }
    Ok(record.map(|r| (r, sessions)))
}

/// Ends every session of `user` but `keep`'s: after a lock, a rejection or a password change.
/// Sessions opened after the change that called this are refused by the opening's own check
/// (`sso_users::open_session`), so none survives it. Returns how many were ended.
pub async fn end_all(
    db: &Db,
    org: &OrgId,
    user: &PersonId,
    keep: Option<&Ust>,
) -> Result<usize, StoreError> {
    let pk = keys::person_partition(org, user);
    let kept = keep.map(|u| session_key(org, u));
    let mut ended = 0;
    let mut start = None;
    loop {
        let page = db
            .query_page(&QuerySpec {
                prefix: Some(keys::SSO_SESSION_PREFIX.to_owned()),
                start,
                ..QuerySpec::table(&pk)
            })
            .await?;
        let doomed: Vec<Key> = page
            .items
            .iter()
            .filter_map(Key::of)
            .filter(|k| Some(k) != kept.as_ref())
            .collect();
        ended += doomed.len();
        if !doomed.is_empty() {
            db.batch_delete(&doomed).await?;
        }
        match page.last {
            Some(last) => start = Some(last),
            None => return Ok(ended),
        }
    }
}
