//! SlashID permissions: the org's catalog, and each person's directly assigned set.
//!
//! A person's set is versioned by its `PERMS` item, whose version is the ETag. `If-Match` is
//! enforced only by the write's `ConditionExpression`. A set that fits one transaction is
//! replaced by one; a larger one by lock → stage → commit on the `PERMS` item, with flags that
//! let every reader see either the old set or the new one, never a mix (docs/data-model.md).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use crate::db::{Db, Item};
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::{get_s, get_u64, n, opt_s, s};
use crate::keys::{self, Key};
use crate::permission::{IfMatch, PermissionName};
use crate::store::orgs::Organization;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

// ---- the catalog ------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    pub name: String,
    pub description: Option<String>,
    /// RFC 3339, UTC.
    pub created: String,
}

/// A catalog item can be assigned while it exists and is not being deleted.
const ASSIGNABLE: &str = "attribute_exists(pk) AND attribute_not_exists(#state)";

fn bump_catalog(db: &Db, org: &OrgId) -> TransactWriteItem {
    db.update(
        &keys::permission_catalog(org),
        "ADD #v :one",
        None,
        &[("#v", "version")],
        vec![(":one", n(1))],
    )
}

/// Adds a permission; `false` when it already existed (a no-op, as SlashID documents).
pub async fn create(
    db: &Db,
    org: &OrgId,
    name: &PermissionName,
    description: Option<&str>,
    created: &str,
) -> Result<bool, StoreError> {
    let mut item = keys::permission(org, name.as_str()).to_item();
    item.insert("name".into(), s(name.as_str()));
    item.insert("created".into(), s(created));
    if let Some(d) = description {
        item.insert("description".into(), s(d));
    }
    match db
        .transact(vec![
            db.put(item, Some("attribute_not_exists(pk)")),
            bump_catalog(db, org),
        ])
        .await
    {
        Ok(()) => Ok(true),
        Err(StoreError::TransactionCancelled(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The catalog's names (sorted) and version, in one Query.
pub async fn list(db: &Db, org: &OrgId) -> Result<(Vec<String>, u64), StoreError> {
    let items = db
        .query_prefix(org.as_str(), keys::PERMISSIONS_PREFIX)
        .await?;
    let mut names = Vec::new();
    let mut version = 0;
    for item in &items {
        if get_s(item, keys::SK)? == keys::permission_catalog(org).sk {
            version = get_u64(item, "version")?;
        } else if !item.contains_key("state") {
            names.push(get_s(item, "name")?.to_owned());
        }
    }
    Ok((names, version))
}

pub async fn get(
    db: &Db,
    org: &OrgId,
    name: &PermissionName,
) -> Result<Option<CatalogEntry>, StoreError> {
    let Some(item) = db.get(&keys::permission(org, name.as_str())).await? else {
        return Ok(None);
    };
    if item.contains_key("state") {
        return Ok(None);
    }
    Ok(Some(CatalogEntry {
        name: get_s(&item, "name")?.to_owned(),
        description: opt_s(&item, "description")?.map(str::to_owned),
        created: get_s(&item, "created")?.to_owned(),
    }))
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogWriteError {
    #[error("permission not found")]
    NotFound,
    #[error("the catalog has changed since that ETag")]
    PreconditionFailed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Changes a permission's description. `If-Match` is the catalog's ETag (the one `GET
/// /rbac/permissions` returns), checked in the write's condition.
pub async fn set_description(
    db: &Db,
    org: &OrgId,
    name: &PermissionName,
    description: Option<&str>,
    if_match: Option<IfMatch>,
) -> Result<u64, CatalogWriteError> {
    let key = keys::permission(org, name.as_str());
    let update = match description {
        Some(d) => db.update(
            &key,
            "SET #d = :d",
            Some(ASSIGNABLE),
            &[("#d", "description"), ("#state", "state")],
            vec![(":d", s(d))],
        ),
        None => db.update(
            &key,
            "REMOVE #d",
            Some(ASSIGNABLE),
            &[("#d", "description"), ("#state", "state")],
            vec![],
        ),
    };
    let (condition, values) = match if_match {
        None | Some(IfMatch::Any) => (None, vec![(":one", n(1))]),
        Some(IfMatch::Version(v)) => (Some("#v = :im"), vec![(":one", n(1)), (":im", n(v))]),
        Some(IfMatch::Never) => (Some("#v = :im"), vec![(":one", n(1)), (":im", s("never"))]),
    };
    let catalog = keys::permission_catalog(org);
    let bump = db.update(
        &catalog,
        "ADD #v :one",
        condition,
        &[("#v", "version")],
        values,
    );
    match db.transact(vec![update, bump]).await {
        Ok(()) => Ok(db
            .get(&catalog)
            .await?
            .map_or(Ok(0), |i| get_u64(&i, "version"))?),
        Err(StoreError::TransactionCancelled(r))
            if r.first().is_some_and(|c| c == "ConditionalCheckFailed") =>
        {
            Err(CatalogWriteError::NotFound)
        }
        Err(StoreError::TransactionCancelled(_)) => Err(CatalogWriteError::PreconditionFailed),
        Err(e) => Err(e.into()),
    }
}

/// Deletes a permission and revokes it from everyone holding it. The catalog item is tombstoned
/// first, so no new assignment can commit; then every holder (a strongly consistent Query of the
/// holder partition) loses it; then the item goes.
pub async fn delete(db: &Db, org: &OrgId, name: &PermissionName) -> Result<(), CatalogWriteError> {
    let key = keys::permission(org, name.as_str());
    if !db.tombstone(&key).await? {
        return Err(CatalogWriteError::NotFound);
    }
    let holders_pk = keys::permission_holders_partition(org, name.as_str());
    for holder in db.query_prefix(&holders_pk, keys::HOLDER_PREFIX).await? {
        let person =
            PersonId::parse(get_s(&holder, keys::SK)?.trim_start_matches(keys::HOLDER_PREFIX))
                .map_err(|e| StoreError::Internal(e.to_string()))?;
        revoke(db, org, &person, name).await?;
    }
    db.transact(vec![db.delete(&key), bump_catalog(db, org)])
        .await?;
    Ok(())
}

/// Removes one permission from one person, bumping the person's version (their ETag changes).
async fn revoke(
    db: &Db,
    org: &OrgId,
    person: &PersonId,
    name: &PermissionName,
) -> Result<(), StoreError> {
    let holder = keys::permission_holder(org, name.as_str(), person);
    let writes = vec![
        db.delete(&keys::person_permission(org, person, name.as_str())),
        db.delete(&holder),
        db.update(
            &keys::person_permissions(org, person),
            "ADD #v :one",
            Some("attribute_exists(pk)"),
            &[("#v", "version")],
            vec![(":one", n(1))],
        ),
    ];
    match db.transact(writes).await {
        // The person is gone (no PERMS item): only the stale holder entry is left to remove.
        Err(StoreError::TransactionCancelled(_)) => db.transact(vec![db.delete(&holder)]).await,
        other => other,
    }
}

// ---- a person's directly assigned permissions ----------------------------------------------

/// One stored `PERM#{name}` item of a person, with the flags of a large write.
#[derive(Debug, Clone)]
struct Assigned {
    pending: Option<String>,
    removing: Option<String>,
}

impl Assigned {
    fn flagged(&self) -> bool {
        self.pending.is_some() || self.removing.is_some()
    }
    /// Whether this item is part of the set, given the last committed large write.
    fn effective(&self, committed: Option<&str>) -> bool {
        let added = self.pending.as_deref().is_none_or(|p| Some(p) == committed);
        let removed = self
            .removing
            .as_deref()
            .is_some_and(|r| Some(r) == committed);
        added && !removed
    }
}

/// The person's set as one Query reads it.
#[derive(Debug, Clone)]
struct State {
    version: u64,
    committed: Option<String>,
    locked_until: Option<u64>,
    items: BTreeMap<String, Assigned>,
}

impl State {
    fn names(&self) -> BTreeSet<String> {
        let c = self.committed.as_deref();
        self.items
            .iter()
            .filter(|(_, a)| a.effective(c))
            .map(|(n, _)| n.clone())
            .collect()
    }
}

async fn read_state(db: &Db, org: &OrgId, person: &PersonId) -> Result<Option<State>, StoreError> {
    let items = db
        .query_prefix(
            &keys::person_partition(org, person),
            keys::PERMISSIONS_PREFIX,
        )
        .await?;
    let version_sk = keys::person_permissions(org, person).sk;
    let mut state = None;
    let mut assigned = BTreeMap::new();
    for item in &items {
        if get_s(item, keys::SK)? == version_sk {
            state = Some(State {
                version: get_u64(item, "version")?,
                committed: opt_s(item, "committed")?.map(str::to_owned),
                locked_until: item
                    .contains_key("lock")
                    .then(|| get_u64(item, "lock_until"))
                    .transpose()?,
                items: BTreeMap::new(),
            });
        } else {
            let a = Assigned {
                pending: opt_s(item, "pending")?.map(str::to_owned),
                removing: opt_s(item, "removing")?.map(str::to_owned),
            };
            assigned.insert(get_s(item, "name")?.to_owned(), a);
        }
    }
    Ok(state.map(|mut s| {
        s.items = assigned;
        s
    }))
}

/// The person's direct permissions (sorted) and their version; `None` when the person is not a
/// member of the org. One Query.
pub async fn of_person(
    db: &Db,
    org: &OrgId,
    person: &PersonId,
) -> Result<Option<(Vec<String>, u64)>, StoreError> {
    Ok(read_state(db, org, person)
        .await?
        .map(|s| (s.names().into_iter().collect(), s.version)))
}

/// Whether the person holds the permission directly; `None` when the person is not a member.
pub async fn holds(
    db: &Db,
    org: &Organization,
    person: &PersonId,
    name: &PermissionName,
) -> Result<Option<bool>, StoreError> {
    Ok(of_person(db, &org.id, person)
        .await?
        .map(|(names, _)| names.iter().any(|n| n == name.as_str())))
}

#[derive(Debug, thiserror::Error)]
pub enum ReplaceError {
    #[error("person not found")]
    PersonNotFound,
    #[error("If-Match does not match the current ETag")]
    PreconditionFailed,
    #[error("permissions not in the catalog: {}", .0.join(", "))]
    NotInCatalog(Vec<String>),
    #[error("the permissions are being changed concurrently; retry")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How long a large write may hold the lock before another writer may take it over.
const LOCK_SECONDS: u64 = 30;
const ATTEMPTS: usize = 6;

/// Replaces the person's direct permissions with `desired`. Returns the new version.
pub async fn replace(
    db: &Db,
    org: &OrgId,
    person: &PersonId,
    desired: &BTreeSet<PermissionName>,
    if_match: Option<IfMatch>,
) -> Result<u64, ReplaceError> {
    let desired: BTreeSet<String> = desired.iter().map(|p| p.as_str().to_owned()).collect();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20 << attempt.min(4))).await;
        }
        let Some(state) = read_state(db, org, person).await? else {
            return Err(ReplaceError::PersonNotFound);
        };
        let plan = Plan::new(&state, &desired);
        let outcome = if plan.fits_one_transaction(db) {
            plan.apply_at_once(db, org, person, &state, if_match).await
        } else {
            plan.apply_staged(db, org, person, &state, if_match).await
        };
        match outcome {
            Ok(version) => return Ok(version),
            // The version moved under us: without If-Match, try again on the new state; with it,
            // the client's ETag is now stale unless it named exactly the version we raced from.
            Err(Outcome::VersionMoved) => match if_match {
                Some(IfMatch::Version(_) | IfMatch::Never) => {
                    let current = read_state(db, org, person)
                        .await?
                        .ok_or(ReplaceError::PersonNotFound)?;
                    if if_match != Some(IfMatch::Version(current.version)) {
                        return Err(ReplaceError::PreconditionFailed);
                    }
                }
                _ => continue,
            },
            Err(Outcome::Locked) => continue,
            Err(Outcome::Failed(e)) => return Err(e),
        }
    }
    Err(ReplaceError::Busy)
}

enum Outcome {
    VersionMoved,
    Locked,
    Failed(ReplaceError),
}

impl From<StoreError> for Outcome {
    fn from(e: StoreError) -> Self {
        Outcome::Failed(e.into())
    }
}

/// What a replace must write, item by item.
struct Plan {
    /// Not in the set now, wanted: assign (checking the catalog).
    add: Vec<String>,
    /// In the set now, not wanted.
    remove: Vec<String>,
    /// In the set and wanted, but carrying flags of an earlier large write: rewrite clean.
    normalize: Vec<String>,
    /// Stored but not in the set (an aborted large write's leftovers), not wanted: delete.
    garbage: Vec<String>,
}

impl Plan {
    fn new(state: &State, desired: &BTreeSet<String>) -> Self {
        let current = state.names();
        let mut plan = Plan {
            add: Vec::new(),
            remove: Vec::new(),
            normalize: Vec::new(),
            garbage: Vec::new(),
        };
        for name in desired.difference(&current) {
            plan.add.push(name.clone());
        }
        for (name, a) in &state.items {
            match (current.contains(name), desired.contains(name)) {
                (true, false) => plan.remove.push(name.clone()),
                (true, true) if a.flagged() => plan.normalize.push(name.clone()),
                (false, false) => plan.garbage.push(name.clone()),
                _ => {}
            }
        }
        plan
    }

    /// One item for the version, three per added name (catalog check, assignment, holder),
    /// two per removed or leftover name, one per rewrite.
    fn items(&self) -> usize {
        1 + 3 * self.add.len() + 2 * (self.remove.len() + self.garbage.len()) + self.normalize.len()
    }

    fn fits_one_transaction(&self, db: &Db) -> bool {
        self.items() <= db.max_transaction_items
    }

    /// The version item's condition: unchanged since our read, unlocked, and If-Match.
    fn version_condition(
        state: &State,
        if_match: Option<IfMatch>,
        unlocked: bool,
    ) -> (String, Vec<(&'static str, AttributeValue)>) {
        let mut condition = String::from("#v = :read");
        let mut values = vec![(":read", n(state.version))];
        if unlocked {
            condition.push_str(" AND (attribute_not_exists(#lock) OR #until < :now)");
            values.push((":now", n(now())));
        }
        match if_match {
            Some(IfMatch::Version(v)) => {
                condition.push_str(" AND #v = :im");
                values.push((":im", n(v)));
            }
            Some(IfMatch::Never) => {
                condition.push_str(" AND #v = :im");
                values.push((":im", s("no-such-version")));
            }
            None | Some(IfMatch::Any) => {}
        }
        (condition, values)
    }

    fn assign(
        db: &Db,
        org: &OrgId,
        person: &PersonId,
        name: &str,
        pending: Option<&str>,
    ) -> [TransactWriteItem; 3] {
        let catalog_check = db.check_with(
            &keys::permission(org, name),
            ASSIGNABLE,
            &[("#state", "state")],
            vec![],
        );
        let mut item = keys::person_permission(org, person, name).to_item();
        item.insert("name".into(), s(name));
        if let Some(token) = pending {
            item.insert("pending".into(), s(token));
        }
        [
            catalog_check,
            db.put(item, None),
            db.put(keys::permission_holder(org, name, person).to_item(), None),
        ]
    }

    fn unassign(db: &Db, org: &OrgId, person: &PersonId, name: &str) -> [TransactWriteItem; 2] {
        [
            db.delete(&keys::person_permission(org, person, name)),
            db.delete(&keys::permission_holder(org, name, person)),
        ]
    }

    fn clean(db: &Db, org: &OrgId, person: &PersonId, name: &str) -> TransactWriteItem {
        let mut item = keys::person_permission(org, person, name).to_item();
        item.insert("name".into(), s(name));
        db.put(item, None)
    }

    /// Names of the catalog checks that failed, from a cancelled transaction's reasons.
    fn missing(reasons: &[String], checks: &[(usize, String)]) -> Vec<String> {
        checks
            .iter()
            .filter(|(i, _)| {
                reasons
                    .get(*i)
                    .is_some_and(|r| r == "ConditionalCheckFailed")
            })
            .map(|(_, n)| n.clone())
            .collect()
    }

    async fn apply_at_once(
        &self,
        db: &Db,
        org: &OrgId,
        person: &PersonId,
        state: &State,
        if_match: Option<IfMatch>,
    ) -> Result<u64, Outcome> {
        let (condition, values) = Self::version_condition(state, if_match, true);
        let mut writes = vec![db.update(
            &keys::person_permissions(org, person),
            "SET #v = :next REMOVE #lock, #until",
            Some(&condition),
            &[
                ("#v", "version"),
                ("#lock", "lock"),
                ("#until", "lock_until"),
            ],
            [values, vec![(":next", n(state.version + 1))]].concat(),
        )];
        let mut checks = Vec::new();
        for name in &self.add {
            checks.push((writes.len(), name.clone()));
            writes.extend(Self::assign(db, org, person, name, None));
        }
        for name in self.remove.iter().chain(&self.garbage) {
            writes.extend(Self::unassign(db, org, person, name));
        }
        for name in &self.normalize {
            writes.push(Self::clean(db, org, person, name));
        }
        match db.transact(writes).await {
            Ok(()) => Ok(state.version + 1),
            Err(StoreError::TransactionCancelled(reasons)) => {
                let missing = Self::missing(&reasons, &checks);
                if !missing.is_empty() {
                    Err(Outcome::Failed(ReplaceError::NotInCatalog(missing)))
                } else if state.locked_until.is_some_and(|until| until >= now()) {
                    Err(Outcome::Locked)
                } else {
                    Err(Outcome::VersionMoved)
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Lock, stage in chunks, commit, clean up. Until the commit, readers see the old set
    /// (staged additions are `pending`, removals merely flagged); after it, the new one.
    async fn apply_staged(
        &self,
        db: &Db,
        org: &OrgId,
        person: &PersonId,
        state: &State,
        if_match: Option<IfMatch>,
    ) -> Result<u64, Outcome> {
        let version_key = keys::person_permissions(org, person);
        let token = uuid::Uuid::new_v4().simple().to_string();
        let (condition, values) = Self::version_condition(state, if_match, true);
        let lock = db.update(
            &version_key,
            "SET #lock = :token, #until = :until",
            Some(&condition),
            &[
                ("#v", "version"),
                ("#lock", "lock"),
                ("#until", "lock_until"),
            ],
            [
                values,
                vec![(":token", s(&token)), (":until", n(now() + LOCK_SECONDS))],
            ]
            .concat(),
        );
        match db.transact(vec![lock]).await {
            Ok(()) => {}
            Err(StoreError::TransactionCancelled(_)) => {
                return Err(if state.locked_until.is_some_and(|u| u >= now()) {
                    Outcome::Locked
                } else {
                    Outcome::VersionMoved
                });
            }
            Err(e) => return Err(e.into()),
        }
        let holds_lock = || {
            db.check_with(
                &version_key,
                "#lock = :token",
                &[("#lock", "lock")],
                vec![(":token", s(&token))],
            )
        };

        // Stage: every write below keeps the reader-visible set unchanged.
        let mut units: Vec<(Vec<TransactWriteItem>, Option<String>)> = Vec::new();
        for name in &self.add {
            units.push((
                Self::assign(db, org, person, name, Some(&token)).into(),
                Some(name.clone()),
            ));
        }
        for name in &self.remove {
            let flag = db.update(
                &keys::person_permission(org, person, name),
                "SET #r = :token",
                None,
                &[("#r", "removing")],
                vec![(":token", s(&token))],
            );
            units.push((vec![flag], None));
        }
        for name in &self.garbage {
            units.push((Self::unassign(db, org, person, name).into(), None));
        }
        for name in &self.normalize {
            units.push((vec![Self::clean(db, org, person, name)], None));
        }
        let mut chunk: Vec<TransactWriteItem> = vec![holds_lock()];
        let mut checks: Vec<(usize, String)> = Vec::new();
        let mut missing = Vec::new();
        for (writes, added) in units {
            if chunk.len() + writes.len() > db.max_transaction_items {
                missing.extend(
                    self.stage(
                        db,
                        std::mem::replace(&mut chunk, vec![holds_lock()]),
                        &checks,
                    )
                    .await?,
                );
                checks.clear();
            }
            if let Some(name) = added {
                checks.push((chunk.len(), name));
            }
            chunk.extend(writes);
        }
        missing.extend(self.stage(db, chunk, &checks).await?);
        if !missing.is_empty() {
            // Abandon: release the lock; what was staged under this token is ignored by readers.
            let unlock = db.update(
                &version_key,
                "REMOVE #lock, #until",
                Some("#lock = :token"),
                &[("#lock", "lock"), ("#until", "lock_until")],
                vec![(":token", s(&token))],
            );
            let _ = db.transact(vec![unlock]).await;
            return Err(Outcome::Failed(ReplaceError::NotInCatalog(missing)));
        }

        // Commit: one conditional write flips the set.
        let commit = db.update(
            &version_key,
            "SET #v = :next, #committed = :token REMOVE #lock, #until",
            Some("#lock = :token AND #v = :read"),
            &[
                ("#v", "version"),
                ("#lock", "lock"),
                ("#until", "lock_until"),
                ("#committed", "committed"),
            ],
            vec![
                (":token", s(&token)),
                (":read", n(state.version)),
                (":next", n(state.version + 1)),
            ],
        );
        match db.transact(vec![commit]).await {
            Ok(()) => {}
            Err(StoreError::TransactionCancelled(_)) => return Err(Outcome::VersionMoved),
            Err(e) => return Err(e.into()),
        }

        // Clean up (best effort: flags that name the committed token already read correctly).
        let mut cleanup: Vec<TransactWriteItem> = Vec::new();
        for name in &self.add {
            cleanup.push(Self::clean(db, org, person, name));
        }
        for name in &self.remove {
            cleanup.extend(Self::unassign(db, org, person, name));
        }
        for part in cleanup.chunks(db.max_transaction_items) {
            if let Err(e) = db.transact(part.to_vec()).await {
                tracing::warn!(error = %e, "cleanup after a large permission write left flags behind");
                break;
            }
        }
        Ok(state.version + 1)
    }

    /// Writes one staging chunk; returns the names whose catalog check failed.
    async fn stage(
        &self,
        db: &Db,
        chunk: Vec<TransactWriteItem>,
        checks: &[(usize, String)],
    ) -> Result<Vec<String>, Outcome> {
        match db.transact(chunk).await {
            Ok(()) => Ok(Vec::new()),
            Err(StoreError::TransactionCancelled(reasons)) => {
                let missing = Self::missing(&reasons, checks);
                if missing.is_empty() {
                    Err(Outcome::VersionMoved)
                } else {
                    Ok(missing)
                }
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Builds an item map of a person's raw stored permission (tests use it to plant the leftovers
/// of an interrupted large write).
pub fn raw_assignment(
    org: &OrgId,
    person: &PersonId,
    name: &str,
    pending: Option<&str>,
    removing: Option<&str>,
) -> (Key, Item) {
    let key = keys::person_permission(org, person, name);
    let mut item = key.to_item();
    item.insert("name".into(), s(name));
    if let Some(p) = pending {
        item.insert("pending".into(), s(p));
    }
    if let Some(r) = removing {
        item.insert("removing".into(), s(r));
    }
    (key, item)
}
