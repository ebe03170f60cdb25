//! Zato linked accounts: a Basic Auth or JWT definition recorded against a user, one
//! `ZLINK#{type}#{username}` item each in the user's partition of the SSO organization, and an
//! owner item per definition that makes it belong to at most one user of the organization.
//! Both are written and deleted together, in one transaction that also checks the caller is a
//! super-user and the user lives (record and membership), so neither is ever left alone — a
//! person's deletion, which begins by marking one of those two, removes both.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::db::{Condition, Db, Item};
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::{get_bool, get_s, n, s};
use crate::keys::{self, Key};
use crate::sso::input::{LinkedAccount, Ust};
use crate::sso::time::now_us;
use crate::store::liveness;
use crate::store::orgs::Organization;
use crate::store::sso_users::{SsoError, get_i64, live_user_check, session_check, why_refused};

/// A linked account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub account: LinkedAccount,
    /// Epoch microseconds.
    pub created: i64,
    pub is_active: bool,
}

fn link_key(org: &OrgId, user: &PersonId, account: &LinkedAccount) -> Key {
    keys::sso_link(
        org,
        user,
        account.auth_type().as_str(),
        account.auth_username(),
    )
}

fn owner_key(org: &OrgId, account: &LinkedAccount) -> Key {
    keys::sso_link_owner(org, account.auth_type().as_str(), account.auth_username())
}

/// The checks that open both writes: the caller's super-user session (first, so that its
/// failure is told apart), the user's SSO record and its membership of the organization.
fn checks(
    db: &Db,
    org: &Organization,
    ust: &Ust,
    user: &PersonId,
) -> Vec<aws_sdk_dynamodb::types::TransactWriteItem> {
    vec![
        session_check(db, &org.id, ust, true),
        live_user_check(db, &org.id, user),
        liveness::live_membership_check(db, org, user),
    ]
}

/// Runs `writes` (`checks` and then the link's own two), mapping a failed condition to who
/// refused: the session, the user, or the link (`link_failed`).
async fn transact(
    db: &Db,
    org: &OrgId,
    ust: &Ust,
    writes: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
    link_failed: SsoError,
) -> Result<(), SsoError> {
    match db.transact(writes).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(reasons)) => {
            match reasons.iter().position(|r| r == "ConditionalCheckFailed") {
                Some(0) => Err(why_refused(db, org, ust).await),
                Some(1 | 2) => Err(SsoError::NotAllowed),
                Some(_) => Err(link_failed),
                None => Err(StoreError::ConditionFailed.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// A super-user links `account` to `user`. `LinkTaken` when the definition is linked to any
/// user of the organization already, this one included.
pub async fn create(
    db: &Db,
    org: &Organization,
    ust: &Ust,
    user: &PersonId,
    account: &LinkedAccount,
    is_active: bool,
) -> Result<(), SsoError> {
    let mut link = link_key(&org.id, user, account).to_item();
    link.insert("auth_type".into(), s(account.auth_type().as_str()));
    link.insert("auth_username".into(), s(account.auth_username()));
    link.insert("created".into(), n(now_us()));
    link.insert("is_active".into(), AttributeValue::Bool(is_active));
    let mut owner = owner_key(&org.id, account).to_item();
    owner.insert("person_id".into(), s(user.as_str()));
    let mut writes = checks(db, org, ust, user);
    writes.push(db.put(link, Condition::absent()));
    writes.push(db.put(owner, Condition::absent()));
    transact(db, &org.id, ust, writes, SsoError::LinkTaken).await
}

/// A super-user removes `account` from `user`, and with it the definition's owner item.
/// `NoSuchLink` when the user has no such link.
pub async fn delete(
    db: &Db,
    org: &Organization,
    ust: &Ust,
    user: &PersonId,
    account: &LinkedAccount,
) -> Result<(), SsoError> {
    let mut writes = checks(db, org, ust, user);
    writes.push(db.delete(&link_key(&org.id, user, account), Condition::present()));
    writes.push(db.delete(
        &owner_key(&org.id, account),
        Condition::new("person_id = :p").values(vec![(":p", s(user.as_str()))]),
    ));
    transact(db, &org.id, ust, writes, SsoError::NoSuchLink).await
}

/// Every link of `user`, in key order (type, then username): one Query of their partition.
pub async fn list(db: &Db, org: &OrgId, user: &PersonId) -> Result<Vec<Link>, StoreError> {
    db.query_prefix(&keys::person_partition(org, user), keys::SSO_LINK_PREFIX)
        .await?
        .iter()
        .map(link_from_item)
        .collect()
}

fn link_from_item(item: &Item) -> Result<Link, StoreError> {
    let account = LinkedAccount::parse(get_s(item, "auth_type")?, get_s(item, "auth_username")?)
        .map_err(|_| StoreError::Internal("a stored linked account is invalid".into()))?;
    Ok(Link {
        account,
        created: get_i64(item, "created")?,
        is_active: get_bool(item, "is_active")?,
    })
}
