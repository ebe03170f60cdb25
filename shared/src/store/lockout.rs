//! Failed-credential counters: `max_failures` consecutive failures lock a credential (a Zato
//! username, an OAuth client) for a growing wait. One item per credential in its org's
//! partition; every failure is one conditional UpdateItem, so concurrent failures are neither
//! lost nor counted past the threshold, and no lock depends on a second write landing.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::LockoutPolicy;
use crate::db::{Condition, Db, Item};
use crate::error::StoreError;
use crate::item::n;
use crate::keys::{EXPIRES_AT, Key};

/// How long a counter outlives its last failure (or its lock): then TTL removes it.
const KEEP_SECONDS: u64 = 24 * 60 * 60;

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A credential's counter as stored: failures since the last success or lockout, lockouts since
/// the last success, and when the lock that the last counted failure would start ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub failures: u32,
    pub lockouts: u32,
    locked_until: u64,
}

impl Standing {
    pub fn of(item: Option<&Item>) -> Result<Self, StoreError> {
        let Some(item) = item else {
            return Ok(Self::default());
        };
        let number = |name: &str| match item.get(name) {
            None => Ok(0),
            Some(v) => v
                .as_n()
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| StoreError::Internal(format!("{name} is not a number"))),
        };
        Ok(Self {
            failures: u32::try_from(number("failures")?).unwrap_or(u32::MAX),
            lockouts: u32::try_from(number("lockouts")?).unwrap_or(u32::MAX),
            locked_until: number("locked_until")?,
        })
    }

    /// When the lock ends, if the credential is locked at `now`.
    pub fn locked(&self, policy: &LockoutPolicy, now: u64) -> Option<u64> {
        (self.failures >= policy.max_failures && now < self.locked_until)
            .then_some(self.locked_until)
    }

    /// Whether a success has anything to reset.
    pub fn is_clear(&self) -> bool {
        self.failures == 0 && self.lockouts == 0
    }
}

/// What a failed attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Counted; `Some(until)` when this failure reached the threshold and locked the credential.
    Counted { locked_until: Option<u64> },
    /// Not counted: the credential is locked until then.
    Locked { until: u64 },
}

/// Counts one failure of the credential at `key`, given its standing as last read.
pub async fn record_failure(
    db: &Db,
    key: &Key,
    policy: &LockoutPolicy,
    seen: Standing,
) -> Result<Failure, StoreError> {
    let now = now();
    let mut seen = seen;
    for _ in 0..3 {
        if let Some(until) = seen.locked(policy, now) {
            return Ok(Failure::Locked { until });
        }
        // Below the threshold, count on. At it (a lock that has ended), start over with the
        // next, longer lock. Each update's condition is the other's negation, so of two
        // concurrent failures at most the right one applies; the loser re-reads.
        let restart = seen.failures >= policy.max_failures;
        let lockouts = if restart {
            seen.lockouts + 1
        } else {
            seen.lockouts
        };
        let until = now + policy.wait(lockouts).as_secs();
        let (update, condition) = if restart {
            (
                "SET #f = :one, #l = if_not_exists(#l, :zero) + :one, #u = :until, #x = :expires",
                "#f >= :max AND #u <= :now",
            )
        } else {
            (
                "SET #f = if_not_exists(#f, :zero) + :one, #u = :until, #x = :expires",
                "attribute_not_exists(#f) OR #f < :max",
            )
        };
        let mut values = vec![
            (":one", n(1)),
            (":zero", n(0)),
            (":until", n(until)),
            (":expires", n(until + KEEP_SECONDS)),
            (":max", n(policy.max_failures)),
        ];
        let mut names = vec![
            ("#f", "failures"),
            ("#u", "locked_until"),
            ("#x", EXPIRES_AT),
        ];
        if restart {
            values.push((":now", n(now)));
            names.push(("#l", "lockouts"));
        }
        match db
            .update_returning(
                key,
                update,
                Condition::new(condition).names(&names).values(values),
            )
            .await?
        {
            Some(item) => {
                let after = Standing::of(Some(&item))?;
                return Ok(Failure::Counted {
                    locked_until: after.locked(policy, now),
                });
            }
            None => seen = Standing::of(db.get(key).await?.as_ref())?,
        }
    }
    // Three lost races in a row: the credential is under attack; refuse without counting.
    Ok(Failure::Locked { until: now + 1 })
}

/// A success: the count and the growth start over.
pub async fn clear(db: &Db, key: &Key) -> Result<(), StoreError> {
    db.transact(vec![db.delete(key, Condition::none())]).await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn policy() -> LockoutPolicy {
        LockoutPolicy {
            max_failures: 5,
            first_wait: Duration::from_secs(60),
            max_wait: Duration::from_secs(900),
        }
    }

    #[test]
    fn a_credential_below_the_threshold_is_open() {
        let s = Standing {
            failures: 4,
            lockouts: 0,
            locked_until: 2_000,
        };
        assert_eq!(s.locked(&policy(), 1_000), None);
    }

    #[test]
    fn a_credential_at_the_threshold_is_locked_until_its_lock_ends() {
        let s = Standing {
            failures: 5,
            lockouts: 0,
            locked_until: 2_000,
        };
        assert_eq!(s.locked(&policy(), 1_999), Some(2_000));
        assert_eq!(s.locked(&policy(), 2_000), None);
    }

    #[test]
    fn no_counter_is_a_clear_standing() {
        let s = Standing::of(None).unwrap();
        assert!(s.is_clear());
        assert_eq!(s.locked(&policy(), 0), None);
    }
}
