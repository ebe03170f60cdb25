//! SlashID groups of an org and their members (docs/data-model.md, "Groups").
//!
//! A group is one item, `{org}/GROUP#{name}`, with its exact `member_count`. A member is
//! `{org}#GROUP#{name}/M#{person}` plus its reverse `{org}#PERSON#{person}/GROUPM#{name}`; the
//! two are written and deleted in one transaction, always. Every member change also moves the
//! person's `GROUPS` version, on which a replace of the person's set conditions its writes.
//! Adds carry the group's and the person's liveness, so a deletion that has begun (the group's
//! or the person's) sees every member there will ever be.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_sdk_dynamodb::types::TransactWriteItem;

use crate::db::{Condition, Db, Item};
use crate::error::StoreError;
use crate::ids::{GroupName, OrgId, PersonId};
use crate::item::{get_s, get_u64, n, opt_s, s};
use crate::keys::{self, Key};
use crate::store::liveness;
use crate::store::orgs::Organization;

/// The most members a group holds: `GET /groups/{name}/persons` answers them all, so this
/// bounds its reads (at most three 1 MB pages) and its answer.
pub const MAX_GROUP_MEMBERS: u64 = 10_000;
/// The most persons one `POST /groups/{name}/persons` adds.
pub const MAX_PERSONS_PER_ADD: usize = 100;
/// The most distinct groups one `PUT /persons/{id}/groups` names.
pub const MAX_GROUPS_PER_PUT: usize = 100;
/// A write that keeps losing races to concurrent ones gives up (409) after this many reads.
const ATTEMPTS: u32 = 6;

const CONDITION_FAILED: &str = "ConditionalCheckFailed";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: GroupName,
    pub description: Option<String>,
    pub created: String,
    pub member_count: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("group {0} not found")]
    GroupNotFound(GroupName),
    #[error("person {0} not found")]
    PersonNotFound(PersonId),
    #[error("person {person} is not in group {group}")]
    NotAMember { group: GroupName, person: PersonId },
    #[error("group {0} is being deleted; retry DELETE /groups/{0}, or create it once that is done")]
    BeingDeleted(GroupName),
    #[error("group {0} would have more than {MAX_GROUP_MEMBERS} members")]
    Full(GroupName),
    #[error("these groups do not exist: {}", .0.join(", "))]
    MissingGroups(Vec<String>),
    #[error("the groups were changed concurrently; retry")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(10 << attempt.min(5))
}

/// Whether a write lost a race (or met a deletion): the caller re-reads to learn which.
fn raced(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::ConditionFailed | StoreError::TransactionCancelled(_)
    )
}

fn failed_at(reasons: &[String], index: usize) -> bool {
    reasons.get(index).is_some_and(|r| r == CONDITION_FAILED)
}

fn group_from_item(item: &Item) -> Result<Group, StoreError> {
    Ok(Group {
        name: GroupName::parse(get_s(item, "name")?)
            .map_err(|e| StoreError::Internal(e.to_string()))?,
        description: opt_s(item, "description")?.map(str::to_owned),
        created: get_s(item, "created")?.to_owned(),
        member_count: get_u64(item, "member_count")?,
    })
}

fn find<'a>(items: &'a [Item], key: &Key) -> Option<&'a Item> {
    items.iter().find(|i| crate::item::has_key(i, key))
}

/// `POST /groups`: `true` when created, `false` when it already existed (the documented no-op).
pub async fn create(
    db: &Db,
    org: &OrgId,
    name: &GroupName,
    description: Option<&str>,
    created: &str,
) -> Result<bool, GroupError> {
    let key = keys::group(org, name);
    let mut item = key.to_item();
    item.insert("name".into(), s(name.as_str()));
    item.insert("created".into(), s(created));
    item.insert("member_count".into(), n(0));
    if let Some(d) = description {
        item.insert("description".into(), s(d));
    }
    match db.transact(vec![db.put(item, Condition::absent())]).await {
        Ok(()) => Ok(true),
        Err(StoreError::TransactionCancelled(_)) => match db.get(&key).await? {
            Some(existing) if liveness::is_alive(&existing) => Ok(false),
            Some(_) => Err(GroupError::BeingDeleted(name.clone())),
            // Deleted between the two requests: the caller may simply try again.
            None => Err(GroupError::Busy),
        },
        Err(e) => Err(e.into()),
    }
}

/// `GET /groups/{name}`: one GetItem; a group being deleted is gone.
pub async fn get(db: &Db, org: &OrgId, name: &GroupName) -> Result<Option<Group>, StoreError> {
    match db.get(&keys::group(org, name)).await? {
        Some(item) if liveness::is_alive(&item) => Ok(Some(group_from_item(&item)?)),
        _ => Ok(None),
    }
}

/// `GET /groups`: the names of the org's live groups, in name order.
pub async fn list(db: &Db, org: &OrgId) -> Result<Vec<String>, StoreError> {
    let items = db.query_prefix(org.as_str(), keys::GROUP_PREFIX).await?;
    items
        .iter()
        .filter(|i| liveness::is_alive(i))
        .map(|i| get_s(i, "name").map(str::to_owned))
        .collect()
}

/// `GET /groups/{name}/persons`: the members' ids in id order, or `None` without such a group.
pub async fn members(
    db: &Db,
    org: &OrgId,
    name: &GroupName,
) -> Result<Option<Vec<String>>, StoreError> {
    let partition = keys::group_members_partition(org, name);
    let (group, items) = tokio::try_join!(
        get(db, org, name),
        db.query_prefix(&partition, keys::GROUP_MEMBER_PREFIX)
    )?;
    if group.is_none() {
        return Ok(None);
    }
    items
        .iter()
        .map(|i| get_s(i, "id").map(str::to_owned))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `GET /persons/{id}/groups`: the person's groups in name order, or `None` when it is not a
/// live member of the org.
pub async fn of_person(
    db: &Db,
    org: &Organization,
    person: &PersonId,
) -> Result<Option<Vec<String>>, StoreError> {
    let membership = keys::person_membership(&org.pool, &org.id, person);
    let partition = keys::person_partition(&org.id, person);
    let (member, items) = tokio::try_join!(
        db.get(&membership),
        db.query_prefix(&partition, keys::PERSON_GROUP_PREFIX)
    )?;
    if !member.as_ref().is_some_and(liveness::is_alive) {
        return Ok(None);
    }
    items
        .iter()
        .map(|i| get_s(i, "name").map(str::to_owned))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The writes that make `person` a member: the member item (it must not exist yet), its
/// reverse, and the person's version moved.
fn join_items(db: &Db, org: &OrgId, name: &GroupName, person: &PersonId) -> [TransactWriteItem; 2] {
    let mut member = keys::group_member(org, name, person).to_item();
    member.insert("id".into(), s(person.as_str()));
    let mut reverse = keys::person_group(org, person, name).to_item();
    reverse.insert("name".into(), s(name.as_str()));
    [
        db.put(member, Condition::absent()),
        db.put(reverse, Condition::none()),
    ]
}

/// The writes that end `person`'s membership: the member item (it must exist) and its reverse.
fn leave_items(
    db: &Db,
    org: &OrgId,
    name: &GroupName,
    person: &PersonId,
) -> [TransactWriteItem; 2] {
    [
        db.delete(&keys::group_member(org, name, person), Condition::present()),
        db.delete(&keys::person_group(org, person, name), Condition::none()),
    ]
}

/// Moves the group's count by `delta`: while it is alive and stays within the cap when adding,
/// while it exists when removing (a group being deleted still counts its leavers exactly).
fn count_item(db: &Db, org: &OrgId, name: &GroupName, delta: i64) -> TransactWriteItem {
    let condition = if delta > 0 {
        liveness::alive_where("member_count <= :room").values(vec![(
            ":room",
            n(MAX_GROUP_MEMBERS.saturating_sub(delta.unsigned_abs())),
        )])
    } else {
        Condition::present()
    };
    db.update(
        &keys::group(org, name),
        "ADD member_count :delta",
        condition.values(vec![(":delta", n(delta))]),
    )
}

/// Moves the person's group-set version (creating it on the first change).
fn bump_version(db: &Db, org: &OrgId, person: &PersonId) -> TransactWriteItem {
    db.update(
        &keys::person_groups_version(org, person),
        "ADD version :one",
        Condition::none().values(vec![(":one", n(1))]),
    )
}

/// The most groups a person joins at its creation (`POST /persons`, bulk import): their writes
/// share the creation's transaction, three items each.
pub const MAX_GROUPS_AT_CREATION: usize = 30;
/// The items one group takes in a creation's transaction.
pub const ITEMS_PER_JOIN: usize = 3;

/// The writes that put a person being created into `groups`, for its creation's transaction
/// (`persons::create_with`): per group its count (alive, with room), member and reverse. The
/// person exists with its groups or not at all. Its group-set version is not written: no
/// change of its groups can have been read before it exists, and the first one creates it.
pub fn joins_at_creation(
    db: &Db,
    org: &OrgId,
    person: &PersonId,
    groups: &BTreeSet<GroupName>,
) -> Vec<TransactWriteItem> {
    let mut writes = Vec::with_capacity(ITEMS_PER_JOIN * groups.len());
    for g in groups {
        writes.push(count_item(db, org, g, 1));
        writes.extend(join_items(db, org, g, person));
    }
    writes
}

/// Whether a person could join every one of `groups` now: each exists, is not being deleted
/// and has room. One BatchGetItem per 100 groups.
pub async fn joinable(
    db: &Db,
    org: &OrgId,
    groups: &BTreeSet<GroupName>,
) -> Result<(), GroupError> {
    let keys: Vec<Key> = groups.iter().map(|g| keys::group(org, g)).collect();
    let found = db.batch_get_many(&keys).await?;
    let mut missing = Vec::new();
    for g in groups {
        match find(&found, &keys::group(org, g)).filter(|i| liveness::is_alive(i)) {
            None => missing.push(g.to_string()),
            Some(item) if get_u64(item, "member_count")? >= MAX_GROUP_MEMBERS => {
                return Err(GroupError::Full(g.clone()));
            }
            Some(_) => {}
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(GroupError::MissingGroups(missing))
    }
}

/// Why a creation's joins were refused (a group went or filled meanwhile), read afresh.
pub async fn refused_joins(db: &Db, org: &OrgId, groups: &BTreeSet<GroupName>) -> GroupError {
    joinable(db, org, groups)
        .await
        .err()
        .unwrap_or(GroupError::Busy)
}

/// `POST /groups/{name}/persons`: adds the persons (distinct), skipping those already members.
/// The group and every person (a live member of the org) must exist, checked before any write;
/// a person whose deletion begins meanwhile stops the request with the earlier chunks applied.
pub async fn add_persons(
    db: &Db,
    org: &Organization,
    name: &GroupName,
    persons: &[PersonId],
) -> Result<(), GroupError> {
    let group_key = keys::group(&org.id, name);
    // The group's count, and per person its membership check, member, reverse and version.
    let per_transaction = db.max_transaction_items.saturating_sub(1) / 4;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(backoff(attempt)).await;
        }
        let mut wanted = vec![group_key.clone()];
        for p in persons {
            wanted.push(keys::person_membership(&org.pool, &org.id, p));
            wanted.push(keys::group_member(&org.id, name, p));
        }
        let found = db.batch_get_many(&wanted).await?;
        let Some(group) = find(&found, &group_key).filter(|g| liveness::is_alive(g)) else {
            return Err(GroupError::GroupNotFound(name.clone()));
        };
        let count = get_u64(group, "member_count")?;
        let mut new = Vec::new();
        for p in persons {
            let membership = keys::person_membership(&org.pool, &org.id, p);
            if !find(&found, &membership).is_some_and(liveness::is_alive) {
                return Err(GroupError::PersonNotFound(p.clone()));
            }
            if find(&found, &keys::group_member(&org.id, name, p)).is_none() {
                new.push(p);
            }
        }
        if count + new.len() as u64 > MAX_GROUP_MEMBERS {
            return Err(GroupError::Full(name.clone()));
        }
        let mut lost = false;
        for chunk in new.chunks(per_transaction.max(1)) {
            let mut writes = vec![count_item(db, &org.id, name, chunk.len() as i64)];
            for p in chunk {
                writes.extend(join_items(db, &org.id, name, p));
                writes.push(bump_version(db, &org.id, p));
                writes.push(liveness::live_membership_check(db, org, p));
            }
            match db.transact(writes).await {
                Ok(()) => {}
                Err(e) if raced(&e) => {
                    lost = true;
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
        if !lost {
            return Ok(());
        }
    }
    Err(GroupError::Busy)
}

/// `DELETE /groups/{name}/persons/{person}`.
pub async fn remove_person(
    db: &Db,
    org: &Organization,
    name: &GroupName,
    person: &PersonId,
) -> Result<(), GroupError> {
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(backoff(attempt)).await;
        }
        let [member, reverse] = leave_items(db, &org.id, name, person);
        let group = db.update(
            &keys::group(&org.id, name),
            "ADD member_count :delta",
            liveness::alive().values(vec![(":delta", n(-1))]),
        );
        let writes = vec![
            member,
            reverse,
            group,
            bump_version(db, &org.id, person),
            liveness::live_membership_check(db, org, person),
        ];
        match db.transact(writes).await {
            Ok(()) => return Ok(()),
            Err(StoreError::TransactionCancelled(reasons)) => {
                return Err(if failed_at(&reasons, 2) {
                    GroupError::GroupNotFound(name.clone())
                } else if failed_at(&reasons, 4) {
                    GroupError::PersonNotFound(person.clone())
                } else if failed_at(&reasons, 0) {
                    GroupError::NotAMember {
                        group: name.clone(),
                        person: person.clone(),
                    }
                } else {
                    StoreError::TransactionCancelled(reasons).into()
                });
            }
            Err(StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(GroupError::Busy)
}

/// The person leaves the group as its own deletion requires: with the count when the group is
/// still there, without it when the group is going too. Idempotent.
pub async fn leave(
    db: &Db,
    org: &OrgId,
    name: &GroupName,
    person: &PersonId,
) -> Result<(), StoreError> {
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(backoff(attempt)).await;
        }
        let mut writes = leave_items(db, org, name, person).to_vec();
        writes.push(count_item(db, org, name, -1));
        match db.transact(writes).await {
            Ok(()) => return Ok(()),
            Err(StoreError::TransactionCancelled(reasons)) if failed_at(&reasons, 0) => {
                // Not a member (any more): only the reverse item is left, if anything.
                return db
                    .batch_delete(&[keys::person_group(org, person, name)])
                    .await;
            }
            Err(StoreError::TransactionCancelled(reasons)) if failed_at(&reasons, 2) => {
                // The group item is gone: its deletion is removing the members, without counts.
                return db
                    .transact(vec![
                        db.delete(&keys::group_member(org, name, person), Condition::none()),
                        db.delete(&keys::person_group(org, person, name), Condition::none()),
                    ])
                    .await;
            }
            Err(StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::ConditionFailed)
}

/// `DELETE /groups/{name}`: every member leaves, then the group goes. The tombstone comes
/// first, so no member is added afterwards and the strongly consistent Query of the members
/// that follows sees them all. A retried DELETE resumes from the tombstone.
pub async fn delete(db: &Db, org: &OrgId, name: &GroupName) -> Result<(), GroupError> {
    let group_key = keys::group(org, name);
    if !liveness::tombstone(db, &group_key).await? {
        return Err(GroupError::GroupNotFound(name.clone()));
    }
    let partition = keys::group_members_partition(org, name);
    let items = db
        .query_prefix(&partition, keys::GROUP_MEMBER_PREFIX)
        .await?;
    let mut persons = Vec::with_capacity(items.len());
    for item in &items {
        persons.push(
            PersonId::parse(get_s(item, "id")?).map_err(|e| StoreError::Internal(e.to_string()))?,
        );
    }
    // Member and reverse item in one transaction each time, so neither is ever left without
    // the other; unconditional, as a leaving person may delete them first.
    let per_transaction = (db.max_transaction_items / 2).max(1);
    for chunk in persons.chunks(per_transaction) {
        let mut writes = Vec::with_capacity(chunk.len() * 2);
        for p in chunk {
            writes.push(db.delete(&keys::group_member(org, name, p), Condition::none()));
            writes.push(db.delete(&keys::person_group(org, p, name), Condition::none()));
        }
        db.transact(writes).await?;
    }
    db.transact(vec![db.delete(&group_key, Condition::none())])
        .await?;
    Ok(())
}

/// One change of a person's group set.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    Join(GroupName),
    Leave(GroupName),
}

/// What a replace changes, given the set held: pure, so tested without DynamoDB.
fn plan(held: &BTreeSet<GroupName>, desired: &BTreeSet<GroupName>) -> Vec<Change> {
    let mut changes: Vec<Change> = held
        .difference(desired)
        .cloned()
        .map(Change::Leave)
        .collect();
    changes.extend(desired.difference(held).cloned().map(Change::Join));
    changes
}

/// How many changes one transaction holds beside the version update and membership check.
fn changes_per_transaction(cap: usize) -> usize {
    (cap.saturating_sub(2) / 3).max(1)
}

/// `PUT /persons/{id}/groups`: the person's groups become `desired` (at most
/// `MAX_GROUPS_PER_PUT`, checked by the caller). Returns the set, in name order.
///
/// Each attempt reads the set and its version, then commits the difference in transactions
/// conditioned on that version (moving it by one each). A concurrent change of the person's
/// groups fails the condition, and the attempt starts again from what is there now, so the set
/// ends as the later of two racing replaces wants it.
pub async fn replace(
    db: &Db,
    org: &Organization,
    person: &PersonId,
    desired: &BTreeSet<GroupName>,
) -> Result<Vec<String>, GroupError> {
    let membership = keys::person_membership(&org.pool, &org.id, person);
    let partition = keys::person_partition(&org.id, person);
    let version_key = keys::person_groups_version(&org.id, person);
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(backoff(attempt)).await;
        }
        let (member, items) = tokio::try_join!(
            db.get(&membership),
            db.query_prefix(&partition, keys::PERSON_GROUPS_PREFIX)
        )?;
        if !member.as_ref().is_some_and(liveness::is_alive) {
            return Err(GroupError::PersonNotFound(person.clone()));
        }
        let mut held = BTreeSet::new();
        let mut version = 0;
        for item in &items {
            if crate::item::has_key(item, &version_key) {
                version = get_u64(item, "version")?;
            } else if get_s(item, keys::SK)?.starts_with(keys::PERSON_GROUP_PREFIX) {
                held.insert(
                    GroupName::parse(get_s(item, "name")?)
                        .map_err(|e| StoreError::Internal(e.to_string()))?,
                );
            }
        }
        let changes = plan(&held, desired);
        let joining: BTreeSet<GroupName> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Join(g) => Some(g.clone()),
                Change::Leave(_) => None,
            })
            .collect();
        if !joining.is_empty() {
            joinable(db, &org.id, &joining).await?;
        }
        let mut lost = false;
        for chunk in changes.chunks(changes_per_transaction(db.max_transaction_items)) {
            let guard = if version == 0 {
                Condition::absent()
            } else {
                Condition::new("version = :v").values(vec![(":v", n(version))])
            };
            let mut writes = vec![
                db.update(
                    &version_key,
                    "SET version = :next",
                    guard.values(vec![(":next", n(version + 1))]),
                ),
                liveness::check(db, &membership),
            ];
            for c in chunk {
                match c {
                    Change::Join(g) => {
                        writes.extend(join_items(db, &org.id, g, person));
                        writes.push(count_item(db, &org.id, g, 1));
                    }
                    Change::Leave(g) => {
                        writes.extend(leave_items(db, &org.id, g, person));
                        writes.push(count_item(db, &org.id, g, -1));
                    }
                }
            }
            match db.transact(writes).await {
                Ok(()) => version += 1,
                Err(e) if raced(&e) => {
                    lost = true;
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
        if !lost {
            return Ok(desired.iter().map(|g| g.to_string()).collect());
        }
    }
    Err(GroupError::Busy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(raw: &[&str]) -> BTreeSet<GroupName> {
        raw.iter().map(|r| GroupName::parse(r).unwrap()).collect()
    }

    #[test]
    fn a_replace_leaves_what_is_not_wanted_and_joins_what_is_not_held() {
        let changes = plan(&names(&["aa", "bb"]), &names(&["bb", "cc"]));
        assert_eq!(
            changes,
            vec![
                Change::Leave(GroupName::parse("aa").unwrap()),
                Change::Join(GroupName::parse("cc").unwrap())
            ]
        );
        assert!(plan(&names(&["aa"]), &names(&["aa"])).is_empty());
    }

    #[test]
    fn a_transaction_holds_the_version_the_membership_and_three_items_per_change() {
        assert_eq!(changes_per_transaction(10), 2);
        assert_eq!(changes_per_transaction(100), 32);
        assert!(2 + 3 * changes_per_transaction(10) <= 10);
        assert!(2 + 3 * changes_per_transaction(100) <= 100);
    }
}
