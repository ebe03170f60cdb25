//! One-time tokens mailed to Zato users: a signup's confirmation, and a password reset's token
//! (PRT) with the reset key its first use hands out. Stored by the token's SHA-256, with the
//! user it is for and when it expires (TTL removes it later); every use is one transaction
//! whose conditions make the token work once, before it expires, and only while the user is
//! alive.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use crate::db::{Condition, Db};
use crate::digest::sha256_hex;
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::{get_s, n, s};
use crate::keys;
use crate::sso::time::{now_us, ttl_seconds};
use crate::store::liveness;
use crate::store::sso_users::{BEFORE_CONFIRMATION, SIGN_UP};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Signup,
    PasswordReset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Signup => "SIGNUP",
            Self::PasswordReset => "RESET",
        }
    }

    /// How long a mailed token works: a day to confirm a signup (mail may wait overnight);
    /// an hour for a password reset, whose token is a credential.
    pub fn lifetime_us(self) -> i64 {
        match self {
            Self::Signup => 24 * 3600 * 1_000_000,
            Self::PasswordReset => 3600 * 1_000_000,
        }
    }
}

/// Why a token did not work.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenRefused {
    /// Unknown, expired, or its user is gone.
    NoSuchToken,
    /// It worked once already.
    Used,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token refused: {0:?}")]
    Refused(TokenRefused),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn key(org: &OrgId, purpose: Purpose, token: &str) -> keys::Key {
    keys::sso_token(org, purpose.as_str(), &sha256_hex(token))
}

/// The write that records a new `token` for `user`, for a transaction of the caller's.
pub fn issue(
    db: &Db,
    org: &OrgId,
    purpose: Purpose,
    token: &str,
    user: &PersonId,
) -> TransactWriteItem {
    let expires_us = now_us() + purpose.lifetime_us();
    let mut item = key(org, purpose, token).to_item();
    item.insert("user".into(), s(user.as_str()));
    item.insert("exp_us".into(), n(expires_us));
    item.insert(keys::EXPIRES_AT.into(), n(ttl_seconds(expires_us)));
    db.put(item, Condition::absent())
}

/// A live, unused token's item and the user it is for; why not otherwise.
async fn live(
    db: &Db,
    org: &OrgId,
    purpose: Purpose,
    token: &str,
) -> Result<(PersonId, crate::db::Item), TokenError> {
    let item = db
        .get(&key(org, purpose, token))
        .await?
        .ok_or(TokenError::Refused(TokenRefused::NoSuchToken))?;
    if item.contains_key("used") {
        return Err(TokenError::Refused(TokenRefused::Used));
    }
    if crate::store::sso_users::get_i64(&item, "exp_us")? <= now_us() {
        return Err(TokenError::Refused(TokenRefused::NoSuchToken));
    }
    let user = PersonId::parse(get_s(&item, "user")?)
        .map_err(|e| TokenError::Store(StoreError::Internal(e.to_string())))?;
    Ok((user, item))
}

/// The user a live, unused token is for.
async fn holder(
    db: &Db,
    org: &OrgId,
    purpose: Purpose,
    token: &str,
) -> Result<PersonId, TokenError> {
    Ok(live(db, org, purpose, token).await?.0)
}

/// Spends the token: unused, unexpired, and with the extra `condition` on it.
fn spend(
    db: &Db,
    org: &OrgId,
    purpose: Purpose,
    token: &str,
    condition: &str,
    values: Vec<(&str, AttributeValue)>,
) -> TransactWriteItem {
    let mut all = vec![(":now", n(now_us())), (":t", AttributeValue::Bool(true))];
    all.extend(values);
    db.update(
        &key(org, purpose, token),
        "SET used = :t",
        Condition::new(format!(
            "attribute_exists(pk) AND attribute_not_exists(used) AND exp_us > :now{condition}"
        ))
        .values(all),
    )
}

/// Runs `writes` (the token's spending first); a cancelled transaction is told apart by
/// reading the token again.
async fn commit(
    db: &Db,
    org: &OrgId,
    purpose: Purpose,
    token: &str,
    writes: Vec<TransactWriteItem>,
) -> Result<(), TokenError> {
    match db.transact(writes).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(_)) => {
            Err(match holder(db, org, purpose, token).await {
                Err(e) => e,
                // The token is fine: its user changed under it (deleted, or confirmed otherwise).
                Ok(_) => TokenError::Refused(TokenRefused::NoSuchToken),
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Confirms the signup `token` was mailed for: the user may log in once approved.
pub async fn confirm_signup(db: &Db, org: &OrgId, token: &str) -> Result<PersonId, TokenError> {
    let purpose = Purpose::Signup;
    let user = holder(db, org, purpose, token).await?;
    let confirm = db.update(
        &keys::sso_user(org, &user),
        &format!("REMOVE {SIGN_UP}"),
        liveness::alive_where(&format!("{SIGN_UP} = :before"))
            .values(vec![(":before", s(BEFORE_CONFIRMATION))]),
    );
    let writes = vec![spend(db, org, purpose, token, "", vec![]), confirm];
    commit(db, org, purpose, token, writes).await?;
    Ok(user)
}

/// A password reset token's first use: records the hash of `reset_key`, which completing the
/// reset then takes with the token. A token is accessed once.
pub async fn access_reset(
    db: &Db,
    org: &OrgId,
    token: &str,
    reset_key: &str,
) -> Result<PersonId, TokenError> {
    let purpose = Purpose::PasswordReset;
    let user = holder(db, org, purpose, token).await?;
    let access = db.update(
        &key(org, purpose, token),
        "SET reset_key = :k",
        Condition::new("attribute_exists(pk) AND attribute_not_exists(reset_key) AND attribute_not_exists(used) AND exp_us > :now")
            .values(vec![(":k", s(sha256_hex(reset_key))), (":now", n(now_us()))]),
    );
    let writes = vec![access, liveness::check(db, &keys::sso_user(org, &user))];
    commit(db, org, purpose, token, writes).await?;
    Ok(user)
}

/// The user a live reset token accessed with `reset_key` is for: what the last step checks
/// before it spends a password hash's work on the request.
pub async fn reset_holder(
    db: &Db,
    org: &OrgId,
    token: &str,
    reset_key: &str,
) -> Result<PersonId, TokenError> {
    let (user, item) = live(db, org, Purpose::PasswordReset, token).await?;
    if get_s(&item, "reset_key").ok() != Some(sha256_hex(reset_key).as_str()) {
        return Err(TokenError::Refused(TokenRefused::NoSuchToken));
    }
    Ok(user)
}

/// Completes a password reset for `user`, whom `reset_holder` found for the token: the token,
/// accessed with `reset_key`, is spent, and the user's password hash becomes `new_hash` in the
/// same transaction (no change is required at the next login: the user just chose it).
pub async fn complete_reset(
    db: &Db,
    org: &OrgId,
    token: &str,
    reset_key: &str,
    user: &PersonId,
    new_hash: &str,
) -> Result<(), TokenError> {
    let purpose = Purpose::PasswordReset;
    let set = db.update(
        &keys::sso_user(org, user),
        "SET password_hash = :new, must_change = :f",
        liveness::alive().values(vec![
            (":new", s(new_hash)),
            (":f", AttributeValue::Bool(false)),
        ]),
    );
    let spent = spend(
        db,
        org,
        purpose,
        token,
        " AND reset_key = :k",
        vec![(":k", s(sha256_hex(reset_key)))],
    );
    commit(db, org, purpose, token, vec![spent, set]).await
}
