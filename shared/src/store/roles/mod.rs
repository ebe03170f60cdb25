//! SailPoint roles: the role document, its members (one partition per role, between two
//! sentinels that carry the exact member count) and the reverse `ROLEM#` items in each member's
//! person partition. Every membership change moves the count in the same transaction.

use serde_json::{Map, Value};

use crate::db::{Condition, Db, Item};
use crate::error::StoreError;
use crate::ids::{PersonId, RoleId};
use crate::item::{get_s, get_u64, n, s};
use crate::keys::{self, Key};
use crate::person::Person;
use crate::role::{RoleBody, Source};
use crate::store::liveness;
use crate::store::orgs::Organization;
use crate::store::persons;

mod import;
mod listing;
mod members;

pub use import::*;
pub use listing::*;
pub use members::*;

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
    #[error(
        "this filter needs more than {} roles read; filter on the first sorter's field (name eq or sw, created or modified bounds) or by id",
        crate::role::MAX_COUNT
    )]
    TooBroad,
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
    for (attr, by) in listing::SORT_KEYS {
        item.insert(
            attr.into(),
            s(listing::sort_key(by, &role.doc, role.id.as_str())),
        );
    }
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
        .filter(liveness::is_alive)
        .map(|i| StoredRole::from_item(&i))
        .transpose()
}

/// Of `ids`, those that name no live role of `org` (one BatchGetItem per 100).
pub async fn missing(
    db: &Db,
    org: &Organization,
    ids: &[RoleId],
) -> Result<Vec<RoleId>, StoreError> {
    let keys: Vec<Key> = ids
        .iter()
        .map(|id| keys::role(&org.id, id.as_str()))
        .collect();
    let found = db.batch_get_many(&keys).await?;
    let live: Vec<&str> = found
        .iter()
        .filter(|i| liveness::is_alive(i))
        .filter_map(|i| get_s(i, "id").ok())
        .collect();
    Ok(ids
        .iter()
        .filter(|id| !live.contains(&id.as_str()))
        .cloned()
        .collect())
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
        db.put(role_item(org, &role), Condition::absent()),
        db.put(low, Condition::none()),
        db.put(high, Condition::none()),
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
    let write = db.put(
        role_item(org, &role),
        liveness::alive_where("#v = :read")
            .names(&[("#v", "version")])
            .values(vec![(":read", n(current.version))]),
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
    if liveness::is_alive(&role) {
        let mark = |key: &Key| liveness::mark(db, key);
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
                prefix: Some(keys::ROLE_MEMBER_PREFIX.to_owned()),
                between: None,
                forward: true,
                limit: Some(500),
                start,
                count_only: false,
                all_attributes: false,
                pk_attr: crate::keys::PK,
                consistent: true,
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
