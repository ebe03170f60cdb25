//! A role's members: grants, revocations and a person leaving, each moving the member count
//! in the same transaction.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use crate::db::{Db, Item};
use crate::error::StoreError;
use crate::ids::{PersonId, RoleId};
use crate::item::{get_s, get_u64, n, opt_s, s};
use crate::keys::{self, Key};
use crate::person::Person;
use crate::role::{IdentityFields, Member, Source};
use crate::store::liveness::{self, ALIVE};
use crate::store::orgs::Organization;

use super::*;

/// A member item of `role` (its denormalized identity fields and LSI keys), as grants write it.
pub fn member_item(
    org: &Organization,
    role: &RoleId,
    person: &PersonId,
    fields: &IdentityFields,
    source: Source,
) -> Item {
    let mut item = keys::role_member(&org.id, role.as_str(), person).to_item();
    item.insert("id".into(), s(person.as_str()));
    item.insert("source".into(), s(source.as_str()));
    item.insert(
        "sources".into(),
        AttributeValue::Ss(vec![source.as_str().into()]),
    );
    item.insert("mv".into(), n(1));
    set_fields(&mut item, person, fields);
    item
}

/// The reverse of a membership, in the person's partition: deleting the person finds its roles.
pub(super) fn reverse_item(org: &Organization, role: &RoleId, person: &PersonId) -> Item {
    let mut item = keys::person_role(&org.id, person, role.as_str()).to_item();
    item.insert("role".into(), s(role.as_str()));
    item
}

/// The denormalized identity fields of a member and its LSI sort keys.
pub(crate) fn set_fields(item: &mut Item, person: &PersonId, f: &IdentityFields) {
    for (attr, lsi, value) in [
        ("name", keys::LSI_NAME, &f.name),
        ("aliasName", keys::LSI_ALIAS, &f.alias),
        ("email", keys::LSI_EMAIL, &f.email),
    ] {
        match value {
            Some(v) => item.insert(attr.into(), s(v)),
            None => item.insert(attr.into(), AttributeValue::Null(true)),
        };
        item.insert(lsi.into(), s(keys::sort_key(value.as_deref(), person)));
    }
    item.insert("src_version".into(), n(f.version));
}

pub fn member_from_item(item: &Item) -> Result<Member, StoreError> {
    let corrupt = || StoreError::Internal("member has an unknown source".into());
    Ok(Member {
        id: member_id(item)?,
        name: opt_s(item, "name")?.map(str::to_owned),
        alias: opt_s(item, "aliasName")?.map(str::to_owned),
        email: opt_s(item, "email")?.map(str::to_owned),
        source: Source::parse(get_s(item, "source")?).ok_or_else(corrupt)?,
    })
}

pub fn sources_of(item: &Item) -> Vec<Source> {
    item.get("sources")
        .and_then(|v| v.as_ss().ok())
        .map(|ss| ss.iter().filter_map(|x| Source::parse(x)).collect())
        .unwrap_or_default()
}

/// Grants `role` to the identities `ids` of `org` from `source` (an access request, or the
/// role's identity list). Already-held assignments are left as they are.
pub async fn grant(
    db: &Db,
    org: &Organization,
    role: &RoleId,
    ids: &[PersonId],
    source: Source,
) -> Result<(), RoleError> {
    let found = identities(db, org, ids).await?;
    grant_persons(db, org, role, &found, source).await
}

pub(super) async fn grant_persons(
    db: &Db,
    org: &Organization,
    role: &RoleId,
    people: &[Person],
    source: Source,
) -> Result<(), RoleError> {
    if people.is_empty() {
        return Ok(());
    }
    for _ in 0..ATTEMPTS {
        let current = current_members(db, org, role, people.iter().map(|p| &p.id)).await?;
        let mut new_members = Vec::new();
        let mut updates = Vec::new();
        for p in people {
            match current
                .iter()
                .find(|i| get_s(i, "id").ok() == Some(p.id.as_str()))
            {
                None => new_members.push(p),
                Some(item) if !sources_of(item).contains(&source) => {
                    let mv = get_u64(item, "mv")?;
                    updates.push(db.update(
                        &keys::role_member(&org.id, role.as_str(), &p.id),
                        "ADD sources :src SET mv = mv + :one",
                        Some("mv = :mv"),
                        &[],
                        vec![
                            (":src", AttributeValue::Ss(vec![source.as_str().into()])),
                            (":one", n(1)),
                            (":mv", n(mv)),
                        ],
                    ));
                }
                Some(_) => {}
            }
        }
        // Per new member: the member, its reverse item, and a check that the person is still
        // in the org; per transaction: both sentinels, counting all its new members.
        let per_tx = ((db.max_transaction_items - 2) / 3).max(1);
        let mut batches = Vec::new();
        for chunk in new_members.chunks(per_tx) {
            let mut writes = Vec::with_capacity(chunk.len() * 3 + 2);
            for p in chunk {
                writes.push(db.put(
                    member_item(org, role, &p.id, &IdentityFields::of(p), source),
                    Some("attribute_not_exists(pk)"),
                ));
                writes.push(db.put(reverse_item(org, role, &p.id), None));
                writes.push(liveness::live_membership_check(db, org, &p.id));
            }
            batches.push((writes, chunk.len() as i64));
        }
        if commit(db, org, role, batches, updates).await? {
            return Ok(());
        }
    }
    Err(RoleError::Conflict)
}

/// Revokes the assignments of `source` from `ids`; a member with no source left is removed.
pub async fn revoke(
    db: &Db,
    org: &Organization,
    role: &RoleId,
    ids: &[PersonId],
    source: Source,
) -> Result<(), RoleError> {
    if ids.is_empty() {
        return Ok(());
    }
    for _ in 0..ATTEMPTS {
        let current = current_members(db, org, role, ids.iter()).await?;
        let mut leaving = Vec::new();
        let mut updates = Vec::new();
        for item in &current {
            let sources = sources_of(item);
            if !sources.contains(&source) {
                continue;
            }
            let id = member_id(item)?;
            let mv = get_u64(item, "mv")?;
            let rest: Vec<Source> = sources.into_iter().filter(|x| *x != source).collect();
            match rest.first() {
                None => leaving.push((id, mv)),
                Some(other) => updates.push(db.update(
                    &keys::role_member(&org.id, role.as_str(), &id),
                    "DELETE sources :src SET #source = :other, mv = mv + :one",
                    Some("mv = :mv"),
                    &[("#source", "source")],
                    vec![
                        (":src", AttributeValue::Ss(vec![source.as_str().into()])),
                        (":other", s(other.as_str())),
                        (":one", n(1)),
                        (":mv", n(mv)),
                    ],
                )),
            }
        }
        let per_tx = ((db.max_transaction_items - 2) / 2).max(1);
        let mut batches = Vec::new();
        for chunk in leaving.chunks(per_tx) {
            let mut writes = Vec::with_capacity(chunk.len() * 2 + 2);
            for (id, mv) in chunk {
                writes.push(db.delete_if_with(
                    &keys::role_member(&org.id, role.as_str(), id),
                    "mv = :mv",
                    vec![(":mv", n(*mv))],
                ));
                writes.push(db.delete(&keys::person_role(&org.id, id, role.as_str())));
            }
            batches.push((writes, -(chunk.len() as i64)));
        }
        if commit(db, org, role, batches, updates).await? {
            return Ok(());
        }
    }
    Err(RoleError::Conflict)
}

/// Runs one attempt of a grant or revoke: each batch of member writes with both sentinels
/// moved by its count, then the source-only updates with a check that the role is alive.
/// `Ok(false)` when a condition failed on a live role, so the caller re-reads and retries.
async fn commit(
    db: &Db,
    org: &Organization,
    role: &RoleId,
    batches: Vec<(Vec<TransactWriteItem>, i64)>,
    updates: Vec<TransactWriteItem>,
) -> Result<bool, RoleError> {
    let mut outcome = Ok(());
    for (mut writes, delta) in batches {
        writes.extend(count_writes(db, org, role, delta));
        outcome = outcome.and(db.transact(writes).await);
    }
    for chunk in updates.chunks(db.max_transaction_items - 1) {
        let mut writes = chunk.to_vec();
        writes.push(alive_check(db, org, role));
        outcome = outcome.and(db.transact(writes).await);
    }
    match outcome {
        Ok(()) => Ok(true),
        Err(StoreError::TransactionCancelled(_) | StoreError::ConditionFailed) => {
            if exists(db, org, role).await? {
                Ok(false)
            } else {
                Err(RoleError::NotFound(role.clone()))
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes `person` from `role` whatever its sources (the person is leaving the org).
pub async fn remove_person(
    db: &Db,
    org: &Organization,
    role: &RoleId,
    person: &PersonId,
) -> Result<(), StoreError> {
    let mut writes = vec![
        db.delete_if(
            &keys::role_member(&org.id, role.as_str(), person),
            Some("attribute_exists(pk)"),
        ),
        db.delete(&keys::person_role(&org.id, person, role.as_str())),
    ];
    writes.extend(count_writes(db, org, role, -1));
    match db.transact(writes).await {
        // Not a member any more, or the role is being deleted (which removes the rest).
        Err(StoreError::TransactionCancelled(_)) => {
            db.batch_delete(&[
                keys::role_member(&org.id, role.as_str(), person),
                keys::person_role(&org.id, person, role.as_str()),
            ])
            .await
        }
        other => other,
    }
}

/// Both sentinels move by `delta`, on condition that the role is alive.
fn count_writes(db: &Db, org: &Organization, role: &RoleId, delta: i64) -> [TransactWriteItem; 2] {
    let bump = |key: Key| {
        db.update(
            &key,
            "ADD member_count :d",
            Some(ALIVE),
            &[("#state", "state")],
            vec![(":d", n(delta))],
        )
    };
    [
        bump(keys::role_sentinel_low(&org.id, role.as_str())),
        bump(keys::role_sentinel_high(&org.id, role.as_str())),
    ]
}

fn alive_check(db: &Db, org: &Organization, role: &RoleId) -> TransactWriteItem {
    db.check_with(
        &keys::role_sentinel_low(&org.id, role.as_str()),
        ALIVE,
        &[("#state", "state")],
        vec![],
    )
}

async fn exists(db: &Db, org: &Organization, role: &RoleId) -> Result<bool, StoreError> {
    Ok(db
        .get(&keys::role_sentinel_low(&org.id, role.as_str()))
        .await?
        .is_some_and(|i| !i.contains_key("state")))
}

async fn current_members<'a>(
    db: &Db,
    org: &Organization,
    role: &RoleId,
    ids: impl Iterator<Item = &'a PersonId>,
) -> Result<Vec<Item>, StoreError> {
    let keys: Vec<Key> = ids
        .map(|id| keys::role_member(&org.id, role.as_str(), id))
        .collect();
    db.batch_get_many(&keys).await
}
