//! The org's permission catalog: what may be assigned, and its deletion (which revokes).

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use crate::db::{Condition, Db};
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::{get_s, get_u64, n, opt_s, s};
use crate::keys;
use crate::permission::{IfMatch, PermissionName, RoleName};

use super::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    pub name: String,
    pub description: Option<String>,
    /// RFC 3339, UTC.
    pub created: String,
}

fn bump_catalog(db: &Db, org: &OrgId) -> TransactWriteItem {
    db.update(
        &keys::permission_catalog(org),
        "ADD #v :one",
        Condition::none()
            .names(&[("#v", "version")])
            .values(vec![(":one", n(1))]),
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
            db.put(item, Condition::absent()),
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
        } else if liveness::is_alive(item) {
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
    if !liveness::is_alive(&item) {
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
            liveness::alive()
                .names(&[("#d", "description")])
                .values(vec![(":d", s(d))]),
        ),
        None => db.update(
            &key,
            "REMOVE #d",
            liveness::alive().names(&[("#d", "description")]),
        ),
    };
    let guard = match if_match {
        None | Some(IfMatch::Any) => Condition::none(),
        Some(IfMatch::Version(v)) => Condition::new("#v = :im").values(vec![(":im", n(v))]),
        Some(IfMatch::Never) => Condition::new("#v = :im").values(vec![(":im", s("never"))]),
    };
    let catalog = keys::permission_catalog(org);
    let bump = db.update(
        &catalog,
        "ADD #v :one",
        guard
            .names(&[("#v", "version")])
            .values(vec![(":one", n(1))]),
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
/// first, so no assignment that checks the catalog from now on can commit; then every holder (a
/// strongly consistent Query of the holder partition) loses it; then the item goes. A retried
/// delete resumes: the tombstoned item still exists.
pub async fn delete(db: &Db, org: &OrgId, name: &PermissionName) -> Result<(), CatalogWriteError> {
    let key = keys::permission(org, name.as_str());
    if !liveness::tombstone(db, &key).await? {
        return Err(CatalogWriteError::NotFound);
    }
    let holders_pk = keys::permission_holders_partition(org, name.as_str());
    let bad = |e: String| StoreError::Internal(e);
    for holder in db.query_all(&holders_pk).await? {
        let sk = get_s(&holder, keys::SK)?;
        let subject = if let Some(person) = sk.strip_prefix(keys::HOLDER_PREFIX) {
            Subject::PersonPermissions(PersonId::parse(person).map_err(|e| bad(e.to_string()))?)
        } else if let Some(role) = sk.strip_prefix(keys::RBAC_ROLE_PREFIX) {
            Subject::RolePermissions(RoleName::parse(role).map_err(|e| bad(e.to_string()))?)
        } else {
            continue;
        };
        revoke(db, org, &subject, name.as_str()).await?;
    }
    db.transact(vec![
        db.delete(&key, Condition::none()),
        bump_catalog(db, org),
    ])
    .await?;
    Ok(())
}

/// Removes one name from a subject's set, with its holder entry. The set's version moves whether
/// or not it held the name: a write that put this holder entry but has not committed yet holds
/// the old version in its condition, and must fail and re-check the catalog.
///
/// A person's roles item may be absent (no roles yet): the revoke creates it at a new version
/// then, guarded by the person's `PERMS`, so that a first PUT that holds the old "absent" state
/// fails too. When the subject is gone, only the stale holder entry is left to remove.
pub(crate) async fn revoke(
    db: &Db,
    org: &OrgId,
    subject: &Subject,
    name: &str,
) -> Result<(), StoreError> {
    let holder = subject.holder(org, name);
    let update = |condition: Condition| {
        db.update(
            &subject.set(org),
            "DELETE #names :name ADD #v :one",
            condition
                .names(&[("#names", NAMES), ("#v", VERSION)])
                .values(vec![
                    (":name", AttributeValue::Ss(vec![name.to_owned()])),
                    (":one", n(1)),
                ]),
        )
    };
    let mut writes = match subject {
        Subject::PersonRoles(p) => vec![
            update(Condition::none()),
            db.check(&keys::person_permissions(org, p), Condition::present()),
        ],
        Subject::PersonPermissions(_) | Subject::RolePermissions(_) => {
            vec![update(Condition::present())]
        }
    };
    writes.push(db.delete(&holder, Condition::none()));
    for attempt in 0..ATTEMPTS {
        match db.transact(writes.clone()).await {
            // The subject is gone: only the stale holder entry is left to remove.
            Err(StoreError::TransactionCancelled(_)) => {
                return db
                    .transact(vec![db.delete(&holder, Condition::none())])
                    .await;
            }
            // A transaction on the same items was in flight: this one did nothing, so try again.
            Err(StoreError::ConditionFailed) if attempt + 1 < ATTEMPTS => {
                tokio::time::sleep(backoff(attempt)).await;
            }
            other => return other,
        }
    }
    Err(StoreError::ConditionFailed)
}
