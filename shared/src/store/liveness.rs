//! The liveness protocol, stated once. An item that others hang off (a person's membership of
//! an org, a role, a catalog permission, a Zato user) is deleted in two steps: `tombstone` sets
//! its `state` to `deleting`, then it and what hangs off it go. Every write that must not
//! outlive the item carries `alive()` on it — the item exists and has no `state` — so once the
//! deletion has begun such a write fails instead of leaving something behind.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use crate::db::{Condition, Db, Item};
use crate::error::StoreError;
use crate::ids::PersonId;
use crate::keys::{self, Key};
use crate::org::Organization;

const STATE: (&str, &str) = ("#state", "state");
const NOT_DELETING: &str = "attribute_not_exists(#state)";

/// Whether a read item is alive: the read side of `alive()`. A tombstoned item (a deletion
/// under way, or an organization's kept record) has a `state`.
pub fn is_alive(item: &Item) -> bool {
    !item.contains_key(STATE.1)
}

/// The item exists and is not being deleted.
pub fn alive() -> Condition {
    alive_where("attribute_exists(pk)")
}

/// `expression` holds (which implies the item exists) and the item is not being deleted.
pub fn alive_where(expression: &str) -> Condition {
    Condition::new(format!("{expression} AND {NOT_DELETING}")).names(&[STATE])
}

/// The item is not being deleted, or not there yet: for a write that may create it.
pub fn not_deleting() -> Condition {
    Condition::new(NOT_DELETING).names(&[STATE])
}

/// A transaction item that holds only while the item at `key` is alive.
pub fn check(db: &Db, key: &Key) -> TransactWriteItem {
    db.check(key, alive())
}

/// A transaction item that holds only while `person` is a live member of `org`: every write
/// that must not outlive the person carries it.
pub fn live_membership_check(db: &Db, org: &Organization, person: &PersonId) -> TransactWriteItem {
    check(db, &keys::person_membership(&org.pool, &org.id, person))
}

/// The transaction item that begins the deletion of the item at `key` (which must exist).
pub fn mark(db: &Db, key: &Key) -> TransactWriteItem {
    db.update(
        key,
        "SET #state = :deleting",
        Condition::present()
            .names(&[STATE])
            .values(vec![(":deleting", AttributeValue::S("deleting".into()))]),
    )
}

/// Begins a person's deletion from `org`: tombstones the membership and takes it out of the
/// org's `org_members` index in the same write, so `GET /persons` stops listing the person
/// before anything of it goes. `false` when the person was not a member.
pub async fn tombstone_membership(
    db: &Db,
    org: &Organization,
    person: &PersonId,
) -> Result<bool, StoreError> {
    let write = db.update(
        &keys::person_membership(&org.pool, &org.id, person),
        "SET #state = :deleting REMOVE #mem_pk, #mem_sk",
        Condition::present()
            .names(&[STATE, ("#mem_pk", keys::MEM_PK), ("#mem_sk", keys::MEM_SK)])
            .values(vec![(":deleting", AttributeValue::S("deleting".into()))]),
    );
    match db.transact(vec![write]).await {
        Ok(()) => Ok(true),
        Err(StoreError::TransactionCancelled(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Begins the deletion of the item at `key` on its own, so that writes conditioned on its
/// liveness fail from now on. `false` when there is no such item.
pub async fn tombstone(db: &Db, key: &Key) -> Result<bool, StoreError> {
    match db.transact(vec![mark(db, key)]).await {
        Ok(()) => Ok(true),
        Err(StoreError::TransactionCancelled(_)) => Ok(false),
        Err(e) => Err(e),
    }
}
