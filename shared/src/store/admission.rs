//! Per-organization admission: each org may make `per_second × WINDOW` requests per fixed
//! window, counted in one DynamoDB item per org and window, so one tenant's traffic cannot use up
//! the capacity every tenant shares (functions' concurrency, the table's throughput).
//!
//! A warm instance does not count each request there: it leases `LEASE` requests at a time with
//! one conditional `ADD`, and spends them locally until the window ends. An org that sends one
//! request per instance and window pays one UpdateItem for it; a busy one, one per `LEASE`.
//! Leases an instance does not spend are lost with the window, so an org spread over many
//! instances is admitted somewhat below its limit, never above it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::db::{Condition, Db};
use crate::error::StoreError;
use crate::ids::OrgId;
use crate::item::n;
use crate::keys::{self, EXPIRES_AT};
use crate::store::lockout::now;

/// The counting window, in seconds: long enough that a lease is worth taking, short enough that a
/// burst is bounded (an org's whole window may arrive at once).
pub const WINDOW: u64 = 10;
/// Requests an instance leases at a time.
pub const LEASE: u64 = 10;

/// What an instance still holds of each org's current window.
#[derive(Default)]
pub struct Admission {
    leases: Mutex<HashMap<OrgId, (u64, u64)>>,
}

/// Refused: the org has used its window; the next one starts after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverLimit {
    pub retry_after: Duration,
}

impl Admission {
    /// Admits one request of `org`, whose limit is `per_second` (0: no limit).
    pub async fn admit(
        &self,
        db: &Db,
        org: &OrgId,
        per_second: u32,
    ) -> Result<Result<(), OverLimit>, StoreError> {
        if per_second == 0 {
            return Ok(Ok(()));
        }
        let now = now();
        let window = now / WINDOW;
        if self.spend(org, window) {
            return Ok(Ok(()));
        }
        let limit = u64::from(per_second) * WINDOW;
        // A whole lease if the window has room for one, else the last few one by one.
        for size in [LEASE.min(limit), 1] {
            if take(db, org, window, size, limit).await? {
                self.hold(org, window, size - 1);
                return Ok(Ok(()));
            }
        }
        Ok(Err(OverLimit {
            retry_after: Duration::from_secs((window + 1) * WINDOW - now),
        }))
    }

    fn spend(&self, org: &OrgId, window: u64) -> bool {
        let mut leases = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        match leases.get_mut(org) {
            Some((w, left)) if *w == window && *left > 0 => {
                *left -= 1;
                true
            }
            _ => false,
        }
    }

    fn hold(&self, org: &OrgId, window: u64, left: u64) {
        let mut leases = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: an entry per org seen in this window at most.
        leases.retain(|_, (w, _)| *w == window);
        leases.insert(org.clone(), (window, left));
    }
}

/// Adds `size` to the window's count unless that would pass `limit`.
async fn take(
    db: &Db,
    org: &OrgId,
    window: u64,
    size: u64,
    limit: u64,
) -> Result<bool, StoreError> {
    let taken = db
        .update_returning(
            &keys::admission_window(org, window),
            "ADD #used :size SET #x = :expires",
            Condition::new("attribute_not_exists(#used) OR #used <= :room")
                .names(&[("#used", "used"), ("#x", EXPIRES_AT)])
                .values(vec![
                    (":size", n(size)),
                    (":room", n(limit.saturating_sub(size))),
                    (":expires", n((window + 2) * WINDOW)),
                ]),
        )
        .await?;
    Ok(taken.is_some())
}
