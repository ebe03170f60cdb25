//! SailPoint roles: the role document, its members (one partition per role, between two
//! sentinels that carry the exact member count) and the reverse `ROLEM#` items in each member's
//! person partition. Every membership change moves the count in the same transaction.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use serde_json::{Map, Value};

use crate::db::{Db, Item};
use crate::error::StoreError;
use crate::ids::{PersonId, RoleId};
use crate::item::{get_s, get_u64, n, opt_s, s};
use crate::keys::{self, Key};
use crate::person::Person;
use crate::role::{IdentityFields, Member, RoleBody, Source};
use crate::store::liveness::{self, ALIVE};
use crate::store::orgs::Organization;
use crate::store::persons;

#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    #[error("role {0} not found")]
    NotFound(RoleId),
    #[error("no identity {} in this organization", .0.iter().map(PersonId::as_str).collect::<Vec<_>>().join(", "))]
    UnknownIdentities(Vec<PersonId>),
    #[error("the role was changed concurrently; retry")]
    Conflict,
    #[error(
        "too many roles to count: count=true may count at most {} roles; leave count out",
        crate::role::MAX_COUNT
    )]
    TooManyToCount,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A role as stored: its document (with `id`, `created`, `modified`) and version.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRole {
    pub id: RoleId,
    pub doc: Map<String, Value>,
    pub version: u64,
}

impl StoredRole {
    pub fn name(&self) -> &str {
        self.doc.get("name").and_then(Value::as_str).unwrap_or("")
    }

    pub fn from_item(item: &Item) -> Result<Self, StoreError> {
        let corrupt = |e: String| StoreError::Internal(e);
        let doc = serde_json::from_str(get_s(item, "doc")?).map_err(|e| corrupt(e.to_string()))?;
        Ok(Self {
            id: RoleId::parse(get_s(item, "id")?).map_err(|e| corrupt(e.to_string()))?,
            doc,
            version: get_u64(item, "version")?,
        })
    }
}

/// Conflicting writes are retried from a fresh read this many times.
const ATTEMPTS: usize = 5;

fn role_item(org: &Organization, role: &StoredRole) -> Item {
    let mut item = keys::role(&org.id, role.id.as_str()).to_item();
    item.insert("id".into(), s(role.id.as_str()));
    item.insert("name".into(), s(role.name()));
    item.insert("doc".into(), s(Value::Object(role.doc.clone()).to_string()));
    item.insert("version".into(), n(role.version));
    item
}

fn sentinel_items(org: &Organization, role: &RoleId) -> [Item; 2] {
    let make = |key: Key, sort: &str| {
        let mut item = key.to_item();
        item.insert("member_count".into(), n(0));
        for lsi in [keys::LSI_NAME, keys::LSI_ALIAS, keys::LSI_EMAIL] {
            item.insert(lsi.into(), s(sort));
        }
        item
    };
    [
        make(
            keys::role_sentinel_low(&org.id, role.as_str()),
            keys::SENTINEL_LOW_SORT,
        ),
        make(
            keys::role_sentinel_high(&org.id, role.as_str()),
            keys::SENTINEL_HIGH_SORT,
        ),
    ]
}

/// The role, unless it is missing or being deleted.
pub async fn get(
    db: &Db,
    org: &Organization,
    id: &RoleId,
) -> Result<Option<StoredRole>, StoreError> {
    db.get(&keys::role(&org.id, id.as_str()))
        .await?
        .filter(|i| !i.contains_key("state"))
        .map(|i| StoredRole::from_item(&i))
        .transpose()
}

/// The persons named, all of which must belong to `org`.
async fn identities(
    db: &Db,
    org: &Organization,
    ids: &[PersonId],
) -> Result<Vec<Person>, RoleError> {
    let found = persons::get_many(db, org, ids).await?;
    let missing: Vec<PersonId> = ids
        .iter()
        .filter(|id| !found.iter().any(|p| &p.id == *id))
        .cloned()
        .collect();
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(RoleError::UnknownIdentities(missing))
    }
}

/// Creates the role with its `IDENTITY_LIST` members (`ROLE_MEMBERSHIP` assignments). Unknown
/// identities are refused before anything is written.
pub async fn create(
    db: &Db,
    org: &Organization,
    id: RoleId,
    body: RoleBody,
    now: &str,
) -> Result<StoredRole, RoleError> {
    let members = identities(db, org, &body.members).await?;
    let mut doc = body.doc;
    doc.insert("id".into(), Value::String(id.as_str().to_owned()));
    doc.insert("created".into(), Value::String(now.to_owned()));
    doc.insert("modified".into(), Value::String(now.to_owned()));
    let role = StoredRole {
        id,
        doc,
        version: 1,
    };
    let [low, high] = sentinel_items(org, &role.id);
    db.transact(vec![
        db.put(role_item(org, &role), Some("attribute_not_exists(pk)")),
        db.put(low, None),
        db.put(high, None),
    ])
    .await
    .map_err(|e| match e {
        StoreError::TransactionCancelled(_) => RoleError::Conflict,
        other => other.into(),
    })?;
    grant_persons(db, org, &role.id, &members, Source::RoleMembership).await?;
    Ok(role)
}

/// Replaces the role's document (`version = :read`), then brings its `ROLE_MEMBERSHIP`
/// assignments in line with the new identity list.
pub async fn replace(
    db: &Db,
    org: &Organization,
    current: &StoredRole,
    old_members: &[PersonId],
    body: RoleBody,
    now: &str,
) -> Result<StoredRole, RoleError> {
    let added: Vec<PersonId> = body
        .members
        .iter()
        .filter(|m| !old_members.contains(m))
        .cloned()
        .collect();
    let removed: Vec<PersonId> = old_members
        .iter()
        .filter(|m| !body.members.contains(m))
        .cloned()
        .collect();
    let newcomers = identities(db, org, &added).await?;
    let mut doc = body.doc;
    for field in crate::role::SERVER_FIELDS {
        if let Some(v) = current.doc.get(field) {
            doc.insert(field.into(), v.clone());
        }
    }
    doc.insert("modified".into(), Value::String(now.to_owned()));
    let role = StoredRole {
        id: current.id.clone(),
        doc,
        version: current.version + 1,
    };
    let write = db.put_with(
        role_item(org, &role),
        Some("#v = :read AND attribute_not_exists(#state)"),
        &[("#v", "version"), ("#state", "state")],
        vec![(":read", n(current.version))],
    );
    db.transact(vec![write]).await.map_err(|e| match e {
        StoreError::TransactionCancelled(_) | StoreError::ConditionFailed => RoleError::Conflict,
        other => other.into(),
    })?;
    grant_persons(db, org, &role.id, &newcomers, Source::RoleMembership).await?;
    revoke(db, org, &role.id, &removed, Source::RoleMembership).await?;
    Ok(role)
}

/// Deletes the role and every membership, however many: the role and its sentinels are
/// tombstoned first, so no grant commits afterwards and reads answer 404; then members go in
/// batches; then the sentinels and the role. `false` when there was no such role. A retried
/// delete resumes.
pub async fn delete(db: &Db, org: &Organization, id: &RoleId) -> Result<bool, StoreError> {
    let role_key = keys::role(&org.id, id.as_str());
    let Some(role) = db.get(&role_key).await? else {
        return Ok(false);
    };
    if !role.contains_key("state") {
        let mark = |key: &Key| {
            db.update(
                key,
                "SET #state = :deleting",
                Some("attribute_exists(pk)"),
                &[("#state", "state")],
                vec![(":deleting", s("deleting"))],
            )
        };
        db.transact(vec![
            mark(&role_key),
            mark(&keys::role_sentinel_low(&org.id, id.as_str())),
            mark(&keys::role_sentinel_high(&org.id, id.as_str())),
        ])
        .await
        .or_else(|e| match e {
            // Another delete got there first; carry on with it.
            StoreError::TransactionCancelled(_) => Ok(()),
            other => Err(other),
        })?;
    }
    let partition = keys::role_members_partition(&org.id, id.as_str());
    let mut start = None;
    loop {
        let page = db
            .query_page(&crate::db::QuerySpec {
                pk: &partition,
                index: None,
                sort_attr: keys::SK,
                prefix: Some(keys::ROLE_MEMBER_PREFIX),
                forward: true,
                limit: Some(500),
                start,
                count_only: false,
            })
            .await?;
        let mut doomed = Vec::with_capacity(page.items.len() * 2);
        for item in &page.items {
            let person = member_id(item)?;
            doomed.push(keys::role_member(&org.id, id.as_str(), &person));
            doomed.push(keys::person_role(&org.id, &person, id.as_str()));
        }
        db.batch_delete(&doomed).await?;
        match page.last {
            Some(last) => start = Some(last),
            None => break,
        }
    }
    db.batch_delete(&[
        keys::role_sentinel_low(&org.id, id.as_str()),
        keys::role_sentinel_high(&org.id, id.as_str()),
        role_key,
    ])
    .await?;
    Ok(true)
}

fn member_id(item: &Item) -> Result<PersonId, StoreError> {
    PersonId::parse(get_s(item, "id")?).map_err(|e| StoreError::Internal(e.to_string()))
}

/// `GET /v3/roles`: a page in id order, and the number of roles when asked. Roles before
/// `offset` are read (DynamoDB has no cheaper skip) but not kept; the count reads at most
/// `MAX_COUNT + 1` items and refuses past `MAX_COUNT`.
pub async fn list(
    db: &Db,
    org: &Organization,
    offset: usize,
    limit: usize,
    count: bool,
) -> Result<(Vec<StoredRole>, Option<u64>), RoleError> {
    let partition = org.id.to_string();
    let spec = crate::db::QuerySpec {
        pk: &partition,
        index: None,
        sort_attr: keys::SK,
        prefix: Some(keys::ROLE_PREFIX),
        forward: true,
        limit: None,
        start: None,
        count_only: false,
    };
    let mut roles = Vec::new();
    let mut seen = 0usize;
    let mut start = None;
    while roles.len() < limit {
        let page = db
            .query_page(&crate::db::QuerySpec {
                limit: Some(
                    i32::try_from(offset + limit - seen)
                        .unwrap_or(i32::MAX)
                        .max(1),
                ),
                start,
                ..spec.clone()
            })
            .await?;
        for item in page.items.iter().filter(|i| !i.contains_key("state")) {
            if seen >= offset && roles.len() < limit {
                roles.push(StoredRole::from_item(item)?);
            }
            seen += 1;
        }
        match page.last {
            Some(last) => start = Some(last),
            None => break,
        }
    }
    let total = if count {
        let cap = crate::role::MAX_COUNT as u64;
        let mut total = 0;
        let mut start = None;
        loop {
            let page = db
                .query_page(&crate::db::QuerySpec {
                    count_only: true,
                    limit: Some(i32::try_from(cap + 1 - total).unwrap_or(i32::MAX)),
                    start,
                    ..spec.clone()
                })
                .await?;
            total += page.count;
            if total > cap {
                return Err(RoleError::TooManyToCount);
            }
            match page.last {
                Some(last) => start = Some(last),
                None => break Some(total),
            }
        }
    } else {
        None
    };
    Ok((roles, total))
}

// ---- memberships ----------------------------------------------------------------------------

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
fn reverse_item(org: &Organization, role: &RoleId, person: &PersonId) -> Item {
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

async fn grant_persons(
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

// ---- bulk import ----------------------------------------------------------------------------

/// Writes memberships of `role` in bulk (BatchWriteItem: member and reverse items), for the
/// import tool. Persons not in the org are returned, not written. The sentinels' count is not
/// touched here: `recount` sets it once the role's members are in.
pub async fn import_members(
    db: &Db,
    org: &Organization,
    role: &RoleId,
    members: &[(PersonId, Vec<Source>)],
) -> Result<Vec<PersonId>, StoreError> {
    let ids: Vec<PersonId> = members.iter().map(|(p, _)| p.clone()).collect();
    let found = persons::get_many(db, org, &ids).await?;
    let mut items = Vec::with_capacity(members.len() * 2);
    let mut missing = Vec::new();
    for (id, sources) in members {
        let Some(person) = found.iter().find(|p| &p.id == id) else {
            missing.push(id.clone());
            continue;
        };
        let mut sources = sources.clone();
        sources.sort_by_key(|s| s.as_str());
        sources.dedup();
        let Some(first) = sources.first().copied() else {
            continue;
        };
        let mut member = member_item(org, role, id, &IdentityFields::of(person), first);
        member.insert(
            "sources".into(),
            AttributeValue::Ss(sources.iter().map(|s| s.as_str().to_owned()).collect()),
        );
        items.push(member);
        items.push(reverse_item(org, role, id));
    }
    db.batch_put(items).await?;
    Ok(missing)
}

/// Sets the sentinels' `member_count` to the number of member items, counted with a strongly
/// consistent Query. The count is committed on condition that it did not move while counting,
/// so a grant or revoke through the API meanwhile makes it count again.
pub async fn recount(db: &Db, org: &Organization, role: &RoleId) -> Result<u64, RoleError> {
    for _ in 0..ATTEMPTS {
        let before = stored_member_count(db, org, role).await?;
        let counted = db
            .count_prefix(
                &keys::role_members_partition(&org.id, role.as_str()),
                keys::ROLE_MEMBER_PREFIX,
            )
            .await?;
        match commit_member_count(db, org, role, before, counted).await {
            Ok(()) => return Ok(counted),
            Err(StoreError::TransactionCancelled(_) | StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(RoleError::Conflict)
}

/// The `member_count` the role's sentinels carry.
pub async fn stored_member_count(
    db: &Db,
    org: &Organization,
    role: &RoleId,
) -> Result<u64, RoleError> {
    let Some(sentinel) = db
        .get(&keys::role_sentinel_low(&org.id, role.as_str()))
        .await?
    else {
        return Err(RoleError::NotFound(role.clone()));
    };
    Ok(get_u64(&sentinel, "member_count")?)
}

/// Writes `count` to both sentinels, on condition that they still carry `before` and the role
/// is not being deleted.
pub async fn commit_member_count(
    db: &Db,
    org: &Organization,
    role: &RoleId,
    before: u64,
    count: u64,
) -> Result<(), StoreError> {
    let set = |key: Key| {
        db.update(
            &key,
            "SET member_count = :c",
            Some("member_count = :before AND attribute_not_exists(#state)"),
            &[("#state", "state")],
            vec![(":c", n(count)), (":before", n(before))],
        )
    };
    db.transact(vec![
        set(keys::role_sentinel_low(&org.id, role.as_str())),
        set(keys::role_sentinel_high(&org.id, role.as_str())),
    ])
    .await
}
