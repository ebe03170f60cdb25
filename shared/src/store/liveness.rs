//! The liveness protocol, stated once. An item that others hang off (a person's membership of
//! an org, a role, a catalog permission, a Zato user) is deleted in two steps: `Db::tombstone`
//! sets its `state` to `deleting`, then it and what hangs off it go. Every write that must not
//! outlive the item carries `ALIVE` on it — the item exists and has no `state` — so once the
//! deletion has begun such a write fails instead of leaving something behind.

use aws_sdk_dynamodb::types::TransactWriteItem;

use crate::db::Db;
use crate::ids::PersonId;
use crate::keys::{self, Key};
use crate::store::orgs::Organization;

/// The condition: the item exists and is not being deleted (with `STATE` among the names).
pub const ALIVE: &str = "attribute_exists(pk) AND attribute_not_exists(#state)";
/// The expression name `ALIVE` uses.
pub const STATE: (&str, &str) = ("#state", "state");

/// A transaction item that holds only while the item at `key` is alive.
pub fn check(db: &Db, key: &Key) -> TransactWriteItem {
    db.check_with(key, ALIVE, &[STATE], vec![])
}

/// A transaction item that holds only while `person` is a live member of `org`: every write
/// that must not outlive the person carries it.
pub fn live_membership_check(db: &Db, org: &Organization, person: &PersonId) -> TransactWriteItem {
    check(db, &keys::person_membership(&org.pool, &org.id, person))
}
