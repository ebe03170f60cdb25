//! A role's members: grants, revocations and a person leaving, each moving the member count
//! in the same transaction.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use crate::db::{Condition, Db, Item};
use crate::error::StoreError;
use crate::ids::{PersonId, RoleId};
use crate::item::{get_s, get_u64, n, opt_s, s};
use crate::keys::{self, Key};
use crate::person::Person;
use crate::role::{IdentityFields, Member, Source};
use crate::store::liveness;
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

/// As `grant`, for persons the caller has already read (and found in `org`).
pub async fn grant_persons(
    db: &Db,
    org: &Organization,
    role: &RoleId,
    people: &[Person],
    source: Source,
) -> Result<(), RoleError> {
    if people.is_empty() {
        return Ok(());
    }
    let ids: Vec<&PersonId> = people.iter().map(|p| &p.id).collect();
    apply(db, org, role, &ids, |current| {
        let diff = grant_diff(current, people, source)?;
        let updates = diff
            .gaining
            .iter()
            .map(|(id, mv)| {
                db.update(
                    &keys::role_member(&org.id, role.as_str(), id),
                    "ADD sources :src SET mv = mv + :one",
                    Condition::new("mv = :mv").values(vec![
                        (":src", AttributeValue::Ss(vec![source.as_str().into()])),
                        (":one", n(1)),
                        (":mv", n(*mv)),
                    ]),
                )
            })
            .collect();
        // Per new member: the member, its reverse item, and a check that the person is still
        // in the org; per transaction: both sentinels, counting all its new members.
        let per_tx = ((db.max_transaction_items - 2) / 3).max(1);
        let mut batches = Vec::new();
        for chunk in diff.joining.chunks(per_tx) {
            let mut writes = Vec::with_capacity(chunk.len() * 3 + 2);
            for p in chunk {
                writes.push(db.put(
                    member_item(org, role, &p.id, &IdentityFields::of(p), source),
                    Condition::absent(),
                ));
                writes.push(db.put(reverse_item(org, role, &p.id), Condition::none()));
                writes.push(liveness::live_membership_check(db, org, &p.id));
            }
            batches.push((writes, chunk.len() as i64));
        }
        Ok((batches, updates))
    })
    .await
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
    let ids: Vec<&PersonId> = ids.iter().collect();
    apply(db, org, role, &ids, |current| {
        let diff = revoke_diff(current, source)?;
        let updates = diff
            .keeping
            .iter()
            .map(|(id, mv, other)| {
                db.update(
                    &keys::role_member(&org.id, role.as_str(), id),
                    "DELETE sources :src SET #source = :other, mv = mv + :one",
                    Condition::new("mv = :mv")
                        .names(&[("#source", "source")])
                        .values(vec![
                            (":src", AttributeValue::Ss(vec![source.as_str().into()])),
                            (":other", s(other.as_str())),
                            (":one", n(1)),
                            (":mv", n(*mv)),
                        ]),
                )
            })
            .collect();
        let per_tx = ((db.max_transaction_items - 2) / 2).max(1);
        let mut batches = Vec::new();
        for chunk in diff.leaving.chunks(per_tx) {
            let mut writes = Vec::with_capacity(chunk.len() * 2 + 2);
            for (id, mv) in chunk {
                writes.push(db.delete(
                    &keys::role_member(&org.id, role.as_str(), id),
                    Condition::new("mv = :mv").values(vec![(":mv", n(*mv))]),
                ));
                writes.push(db.delete(
                    &keys::person_role(&org.id, id, role.as_str()),
                    Condition::none(),
                ));
            }
            batches.push((writes, -(chunk.len() as i64)));
        }
        Ok((batches, updates))
    })
    .await
}

/// What a grant of `source` changes, read off the current member items of `people`: who
/// joins the role, and which members gain the source (with the member version read).
#[derive(Debug, PartialEq)]
struct GrantDiff<'a> {
    joining: Vec<&'a Person>,
    gaining: Vec<(&'a PersonId, u64)>,
}

fn grant_diff<'a>(
    current: &[Item],
    people: &'a [Person],
    source: Source,
) -> Result<GrantDiff<'a>, StoreError> {
    let mut diff = GrantDiff {
        joining: Vec::new(),
        gaining: Vec::new(),
    };
    for p in people {
        match current
            .iter()
            .find(|i| get_s(i, "id").ok() == Some(p.id.as_str()))
        {
            None => diff.joining.push(p),
            Some(item) if !sources_of(item).contains(&source) => {
                diff.gaining.push((&p.id, get_u64(item, "mv")?));
            }
            Some(_) => {}
        }
    }
    Ok(diff)
}

/// What a revoke of `source` changes: the members left with no source (they leave the role)
/// and those that keep another one (it becomes their `source`), with the member version read.
#[derive(Debug, PartialEq)]
struct RevokeDiff {
    leaving: Vec<(PersonId, u64)>,
    keeping: Vec<(PersonId, u64, Source)>,
}

fn revoke_diff(current: &[Item], source: Source) -> Result<RevokeDiff, StoreError> {
    let mut diff = RevokeDiff {
        leaving: Vec::new(),
        keeping: Vec::new(),
    };
    for item in current {
        let sources = sources_of(item);
        if !sources.contains(&source) {
            continue;
        }
        let id = member_id(item)?;
        let mv = get_u64(item, "mv")?;
        match sources.into_iter().find(|x| *x != source) {
            None => diff.leaving.push((id, mv)),
            Some(other) => diff.keeping.push((id, mv, other)),
        }
    }
    Ok(diff)
}

/// The writes of one attempt: batches of member writes with the count they move, and the
/// updates that leave the count alone.
type Writes = (Vec<(Vec<TransactWriteItem>, i64)>, Vec<TransactWriteItem>);

/// Reads the members `ids` of `role`, plans the writes from what it read, and commits them;
/// again from the read when a member changed in between, up to `ATTEMPTS` times.
async fn apply(
    db: &Db,
    org: &Organization,
    role: &RoleId,
    ids: &[&PersonId],
    plan: impl Fn(&[Item]) -> Result<Writes, RoleError>,
) -> Result<(), RoleError> {
    for _ in 0..ATTEMPTS {
        let current = current_members(db, org, role, ids.iter().copied()).await?;
        let (batches, updates) = plan(&current)?;
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
        db.delete(
            &keys::role_member(&org.id, role.as_str(), person),
            Condition::present(),
        ),
        db.delete(
            &keys::person_role(&org.id, person, role.as_str()),
            Condition::none(),
        ),
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
            liveness::alive().values(vec![(":d", n(delta))]),
        )
    };
    [
        bump(keys::role_sentinel_low(&org.id, role.as_str())),
        bump(keys::role_sentinel_high(&org.id, role.as_str())),
    ]
}

fn alive_check(db: &Db, org: &Organization, role: &RoleId) -> TransactWriteItem {
    db.check(
        &keys::role_sentinel_low(&org.id, role.as_str()),
        liveness::alive(),
    )
}

async fn exists(db: &Db, org: &Organization, role: &RoleId) -> Result<bool, StoreError> {
    Ok(db
        .get(&keys::role_sentinel_low(&org.id, role.as_str()))
        .await?
        .is_some_and(|i| liveness::is_alive(&i)))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn person(n: u8) -> Person {
        Person {
            id: PersonId::parse(&format!("064a1c2e-0000-7000-8000-0000000000{n:02x}")).unwrap(),
            active: true,
            region: "us-iowa".into(),
            handles: Vec::new(),
            name: None,
            version: 1,
        }
    }

    /// A member item as the store holds it: its id, its sources and its version.
    fn member(p: &Person, sources: &[Source], mv: u64) -> Item {
        Item::from([
            ("id".to_owned(), s(p.id.as_str())),
            (
                "sources".to_owned(),
                AttributeValue::Ss(sources.iter().map(|x| x.as_str().to_owned()).collect()),
            ),
            ("mv".to_owned(), n(mv)),
        ])
    }

    #[test]
    fn a_grant_adds_whoever_is_not_a_member_yet() {
        let people = [person(1), person(2)];
        let current = [member(&people[1], &[Source::AccessRequest], 3)];

        let diff = grant_diff(&current, &people, Source::AccessRequest).unwrap();

        assert_eq!(diff.joining, [&people[0]]);
        assert!(diff.gaining.is_empty());
    }

    #[test]
    fn a_grant_from_a_new_source_adds_it_to_the_member_at_the_version_read() {
        let people = [person(1)];
        let current = [member(&people[0], &[Source::RoleMembership], 7)];

        let diff = grant_diff(&current, &people, Source::AccessRequest).unwrap();

        assert!(diff.joining.is_empty());
        assert_eq!(diff.gaining, [(&people[0].id, 7)]);
    }

    #[test]
    fn a_grant_already_held_from_that_source_changes_nothing() {
        let people = [person(1)];
        let current = [member(
            &people[0],
            &[Source::AccessRequest, Source::RoleMembership],
            2,
        )];

        let diff = grant_diff(&current, &people, Source::RoleMembership).unwrap();

        assert_eq!(
            diff,
            GrantDiff {
                joining: vec![],
                gaining: vec![]
            }
        );
    }

    #[test]
    fn a_revoke_of_the_only_source_makes_the_member_leave() {
        let p = person(1);
        let current = [member(&p, &[Source::AccessRequest], 4)];

        let diff = revoke_diff(&current, Source::AccessRequest).unwrap();

        assert_eq!(diff.leaving, [(p.id.clone(), 4)]);
        assert!(diff.keeping.is_empty());
    }

    #[test]
    fn a_revoke_keeps_a_member_with_another_source_under_that_source() {
        let p = person(1);
        let current = [member(
            &p,
            &[Source::AccessRequest, Source::RoleMembership],
            5,
        )];

        let diff = revoke_diff(&current, Source::AccessRequest).unwrap();

        assert!(diff.leaving.is_empty());
        assert_eq!(diff.keeping, [(p.id.clone(), 5, Source::RoleMembership)]);
    }

    #[test]
    fn a_revoke_leaves_members_from_other_sources_alone() {
        let p = person(1);
        let current = [member(&p, &[Source::RoleMembership], 1)];

        let diff = revoke_diff(&current, Source::AccessRequest).unwrap();

        assert!(diff.leaving.is_empty() && diff.keeping.is_empty());
    }

    #[test]
    fn a_member_without_a_version_is_reported_not_guessed() {
        let p = person(1);
        let mut item = member(&p, &[Source::AccessRequest], 1);
        item.remove("mv");

        assert!(revoke_diff(&[item], Source::AccessRequest).is_err());
    }
}
