//! SlashID permissions: the org's catalog, each person's directly assigned set, RBAC roles (named
//! sets of permissions) and each person's roles.
//!
//! A person's set is one item, `PERMS`: the names and the version that is the ETag. Every
//! change of the set is one conditional write of that item, so readers see whole sets and
//! writers serialize on the version. The holder index (`{org}#PERM#{name}` / `HOLDER#{person}`)
//! says who *may* hold a name, so that a catalog delete finds every holder; a write puts a
//! name's holder entry before it commits the name, and a stale entry grants nothing.
//! docs/data-model.md proves that a concurrent catalog delete cannot leave a name assigned.

mod assigned;
mod catalog;
mod roles;

pub use assigned::*;
pub use catalog::*;
pub use roles::*;

use std::time::Duration;

use crate::permission::{MAX_DIRECT_PERMISSIONS, MAX_PERMISSION_NAME};

/// DynamoDB's item size limit, which a person's whole set must fit with its keys and version.
pub(super) const DYNAMODB_ITEM_BYTES: usize = 400 * 1024;
/// What a `PERMS` item holds beside its names, generously: the keys (at most 108 + 5 bytes),
/// the attribute names and the version.
pub(super) const PERMS_ITEM_OVERHEAD: usize = 1024;
const _: () = assert!(
    MAX_DIRECT_PERMISSIONS * MAX_PERMISSION_NAME + PERMS_ITEM_OVERHEAD <= DYNAMODB_ITEM_BYTES
);

/// A catalog item can be assigned while it is alive.
use crate::store::liveness;

/// The `PERMS` item's attributes.
const NAMES: &str = "names";
const VERSION: &str = "version";
/// On a role created with permissions, until their first commit (`create_role`).
const INCOMPLETE: &str = "incomplete";

/// Attempts of a replace (or a revoke) that keeps losing races before it gives up (409).
const ATTEMPTS: usize = 6;

fn backoff(attempt: usize) -> Duration {
    Duration::from_millis(20 << attempt.min(4))
}
