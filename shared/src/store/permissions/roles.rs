//! SlashID RBAC roles: the org's roles (each a named set of catalog permissions), a person's
//! roles, and the effective permissions they grant. A role's permissions and a person's roles are
//! sets written by the same protocol as a person's direct permissions ([`Subject`]); what a
//! person may do is derived when read, so a role edit is one write, seen by every member's next
//! check (docs/data-model.md, "RBAC roles").

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::db::{Condition, Db, Item};
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::{get_s, get_u64, n, opt_s, s};
use crate::keys;
use crate::permission::{IfMatch, PermissionName, PermissionSet, RoleName, RoleSet};

use super::*;

/// A role as `GET /rbac/roles/{name}` shows it, with its version (the ETag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    pub description: Option<String>,
    /// RFC 3339, UTC.
    pub created: String,
    /// Sorted.
    pub permissions: Vec<String>,
    pub version: u64,
}

fn role_from_item(item: &Item) -> Result<Role, StoreError> {
    let held = Held::from_item(item)?;
    Ok(Role {
        name: get_s(item, "name")?.to_owned(),
        description: opt_s(item, "description")?.map(str::to_owned),
        created: get_s(item, "created")?.to_owned(),
        permissions: held.names.into_iter().collect(),
        version: held.version,
    })
}

fn bump_role_list(db: &Db, org: &OrgId) -> aws_sdk_dynamodb::types::TransactWriteItem {
    db.update(
        &keys::rbac_role_list(org),
        "ADD #v :one",
        Condition::none()
            .names(&[("#v", VERSION)])
            .values(vec![(":one", n(1))]),
    )
}

fn names_of(set: &PermissionSet) -> BTreeSet<String> {
    set.iter().map(|p| p.as_str().to_owned()).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum RoleWriteError {
    #[error("role not found")]
    NotFound,
    #[error("a role with this name exists already")]
    Exists,
    #[error("If-Match does not match the role's current ETag")]
    PreconditionFailed,
    #[error("permissions not in the catalog: {}", .0.join(", "))]
    NotInCatalog(Vec<String>),
    #[error("the role is being changed concurrently; retry")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ReplaceError> for RoleWriteError {
    fn from(e: ReplaceError) -> Self {
        match e {
            ReplaceError::NotFound => Self::NotFound,
            ReplaceError::PreconditionFailed => Self::PreconditionFailed,
            ReplaceError::NotInCatalog(names) => Self::NotInCatalog(names),
            ReplaceError::Busy => Self::Busy,
            ReplaceError::Store(e) => Self::Store(e),
        }
    }
}

/// Which of `names` are not live catalog permissions now; strongly consistent BatchGetItems.
async fn missing_permissions(
    db: &Db,
    org: &OrgId,
    names: &BTreeSet<String>,
) -> Result<Vec<String>, StoreError> {
    let keys: Vec<keys::Key> = names.iter().map(|n| keys::permission(org, n)).collect();
    let mut live = BTreeSet::new();
    for item in db.batch_get_many(&keys).await? {
        if liveness::is_alive(&item) {
            live.insert(get_s(&item, "name")?.to_owned());
        }
    }
    Ok(names.difference(&live).cloned().collect())
}

/// `POST /rbac/roles`. The role is created without permissions, then its set is written as a
/// person's is: a catalog delete racing it either refuses the name (400, and the role is deleted
/// again) or revokes it after. A name that exists already → `Exists`, nothing changed.
pub async fn create_role(
    db: &Db,
    org: &OrgId,
    name: &RoleName,
    description: Option<&str>,
    permissions: &PermissionSet,
    created: &str,
) -> Result<u64, RoleWriteError> {
    let desired = names_of(permissions);
    let missing = missing_permissions(db, org, &desired).await?;
    if !missing.is_empty() {
        return Err(RoleWriteError::NotInCatalog(missing));
    }
    let key = keys::rbac_role(org, name.as_str());
    let mut item = key.to_item();
    item.insert("name".into(), s(name.as_str()));
    item.insert("created".into(), s(created));
    item.insert(VERSION.into(), n(0));
    if let Some(d) = description {
        item.insert("description".into(), s(d));
    }
    if !desired.is_empty() {
        // Until the permissions' commit removes it: a POST that finds it resumes the creation,
        // so a creation interrupted between its two writes is completed by the client's retry.
        item.insert(INCOMPLETE.into(), AttributeValue::Bool(true));
    }
    let resumed = match db
        .transact(vec![
            db.put(item, Condition::absent()),
            bump_role_list(db, org),
        ])
        .await
    {
        Ok(()) => false,
        Err(StoreError::TransactionCancelled(_)) => {
            let unfinished = db
                .get(&key)
                .await?
                .is_some_and(|i| i.contains_key(INCOMPLETE) && liveness::is_alive(&i));
            if !unfinished {
                return Err(RoleWriteError::Exists);
            }
            true
        }
        Err(e) => return Err(e.into()),
    };
    // A resumed creation commits this request's body even without permissions: the commit is
    // what removes the mark and sets the description.
    if desired.is_empty() && !resumed {
        return Ok(0);
    }
    let subject = Subject::RolePermissions(name.clone());
    let description = Some(description.map_or(Description::Remove, |d| Description::Set(d.into())));
    match replace_set(db, org, &subject, &desired, None, description).await {
        Ok(version) => Ok(version),
        Err(ReplaceError::NotInCatalog(missing)) => {
            // Lost to a catalog delete after the check above: the creation does not stand.
            delete_role(db, org, name).await?;
            Err(RoleWriteError::NotInCatalog(missing))
        }
        Err(e) => Err(e.into()),
    }
}

/// The org's role names (sorted) and the list's version, in one Query.
pub async fn list_roles(db: &Db, org: &OrgId) -> Result<(Vec<String>, u64), StoreError> {
    let items = db
        .query_prefix(org.as_str(), keys::RBAC_ROLES_PREFIX)
        .await?;
    let list = keys::rbac_role_list(org).sk;
    let mut names = Vec::new();
    let mut version = 0;
    for item in &items {
        if get_s(item, keys::SK)? == list {
            version = get_u64(item, VERSION)?;
        } else if liveness::is_alive(item) {
            names.push(get_s(item, "name")?.to_owned());
        }
    }
    Ok((names, version))
}

/// One role; `None` when absent or being deleted. One GetItem.
pub async fn get_role(db: &Db, org: &OrgId, name: &RoleName) -> Result<Option<Role>, StoreError> {
    match db.get(&keys::rbac_role(org, name.as_str())).await? {
        Some(item) if liveness::is_alive(&item) => Ok(Some(role_from_item(&item)?)),
        _ => Ok(None),
    }
}

/// `PATCH /rbac/roles/{name}`: the description and/or the permissions, in one commit, under
/// `If-Match` (the role's ETag). Returns the new version.
pub async fn patch_role(
    db: &Db,
    org: &OrgId,
    name: &RoleName,
    description: Option<Description>,
    permissions: Option<&PermissionSet>,
    if_match: Option<IfMatch>,
) -> Result<u64, RoleWriteError> {
    let subject = Subject::RolePermissions(name.clone());
    if let Some(permissions) = permissions {
        let desired = names_of(permissions);
        return Ok(replace_set(db, org, &subject, &desired, if_match, description).await?);
    }
    // The description alone: one conditional update.
    let mut condition = String::from("attribute_exists(pk) AND attribute_not_exists(#state)");
    let mut values = vec![(":one", n(1))];
    match if_match {
        None | Some(IfMatch::Any) => {}
        Some(IfMatch::Version(v)) => {
            condition.push_str(" AND #v = :im");
            values.push((":im", n(v)));
        }
        Some(IfMatch::Never) => {
            condition.push_str(" AND #v = :im");
            values.push((":im", s("no-such-version")));
        }
    }
    let update = match &description {
        Some(Description::Set(d)) => {
            values.push((":d", s(d)));
            "SET #d = :d ADD #v :one"
        }
        Some(Description::Remove) => "REMOVE #d ADD #v :one",
        None => "ADD #v :one",
    };
    let key = keys::rbac_role(org, name.as_str());
    let mut names = vec![("#state", "state"), ("#v", VERSION)];
    if description.is_some() {
        names.push(("#d", "description"));
    }
    match db
        .update_returning(
            &key,
            update,
            Condition::new(condition).names(&names).values(values),
        )
        .await?
    {
        Some(item) => Ok(get_u64(&item, VERSION)?),
        // Absent, being deleted, or a stale If-Match: a read tells which.
        None => match get_role(db, org, name).await? {
            None => Err(RoleWriteError::NotFound),
            Some(_) => Err(RoleWriteError::PreconditionFailed),
        },
    }
}

/// `DELETE /rbac/roles/{name}`: the role is tombstoned, so from then on no check counts it, no
/// person-roles PUT adds it and no PATCH commits; then every member loses it (found through the
/// member holder entries, strongly consistent); then its own permission holder entries go, and
/// the role. A retried delete resumes from the tombstone. `NotFound` when there is no such role.
pub async fn delete_role(db: &Db, org: &OrgId, name: &RoleName) -> Result<(), RoleWriteError> {
    let key = keys::rbac_role(org, name.as_str());
    if !liveness::tombstone(db, &key).await? {
        return Err(RoleWriteError::NotFound);
    }
    let members = keys::rbac_role_members_partition(org, name.as_str());
    for member in db.query_prefix(&members, keys::HOLDER_PREFIX).await? {
        let person =
            PersonId::parse(get_s(&member, keys::SK)?.trim_start_matches(keys::HOLDER_PREFIX))
                .map_err(|e| StoreError::Internal(e.to_string()))?;
        revoke(db, org, &Subject::PersonRoles(person), name.as_str()).await?;
    }
    // No commit adds a permission to a role being deleted, so its holder entries can go now; a
    // re-created role of this name (possible only once the item below is gone) writes its own.
    if let Some(item) = db.get(&key).await? {
        let subject = Subject::RolePermissions(name.clone());
        let holders: Vec<keys::Key> = Held::from_item(&item)?
            .names
            .iter()
            .map(|p| subject.holder(org, p))
            .collect();
        db.batch_delete(&holders).await?;
    }
    db.transact(vec![
        db.delete(&key, Condition::none()),
        bump_role_list(db, org),
    ])
    .await?;
    Ok(())
}

/// A person's direct set and roles, read together; `None` when the person is not a member.
async fn person_sets(
    db: &Db,
    org: &OrgId,
    person: &PersonId,
) -> Result<Option<(Held, Held)>, StoreError> {
    let (perms, roles) = (
        keys::person_permissions(org, person),
        keys::person_rbac_roles(org, person),
    );
    let items = db.batch_get(&[perms.clone(), roles.clone()]).await?;
    let find = |k: &keys::Key| items.iter().find(|i| keys::Key::of(i).as_ref() == Some(k));
    let Some(direct) = find(&perms) else {
        return Ok(None);
    };
    let roles = find(&roles).map(Held::from_item).transpose()?;
    Ok(Some((Held::from_item(direct)?, roles.unwrap_or_default())))
}

/// `GET /persons/{id}/roles`: the person's role names (sorted) and their version (0 before the
/// first PUT); `None` when the person is not a member. One BatchGetItem.
pub async fn person_roles(
    db: &Db,
    org: &OrgId,
    person: &PersonId,
) -> Result<Option<(Vec<String>, u64)>, StoreError> {
    Ok(person_sets(db, org, person)
        .await?
        .map(|(_, roles)| (roles.names.into_iter().collect(), roles.version)))
}

/// `PUT /persons/{id}/roles`: replaces the person's roles. Returns the new version.
pub async fn replace_person_roles(
    db: &Db,
    org: &OrgId,
    person: &PersonId,
    desired: &RoleSet,
    if_match: Option<IfMatch>,
) -> Result<u64, ReplaceError> {
    let desired: BTreeSet<String> = desired.iter().map(|r| r.as_str().to_owned()).collect();
    replace_set(
        db,
        org,
        &Subject::PersonRoles(person.clone()),
        &desired,
        if_match,
        None,
    )
    .await
}

/// The live roles among `names`, read in one BatchGetItem (a person holds at most 100).
async fn live_roles(
    db: &Db,
    org: &OrgId,
    names: &BTreeSet<String>,
) -> Result<Vec<Held>, StoreError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<keys::Key> = names.iter().map(|r| keys::rbac_role(org, r)).collect();
    db.batch_get_many(&keys)
        .await?
        .iter()
        .filter(|item| liveness::is_alive(item))
        .map(Held::from_item)
        .collect()
}

/// What `GET /persons/{id}/permissions` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    /// The direct set ∪ every live role's permissions, sorted.
    pub names: Vec<String>,
    /// The direct set's version (the ETag the PUT compares).
    pub direct_version: u64,
    /// Whether the roles add a permission the direct set lacks.
    pub from_roles: bool,
}

/// A person's effective permissions; `None` when the person is not a member. One or two
/// BatchGetItems.
pub async fn effective_permissions(
    db: &Db,
    org: &OrgId,
    person: &PersonId,
) -> Result<Option<Effective>, StoreError> {
    let Some((direct, roles)) = person_sets(db, org, person).await? else {
        return Ok(None);
    };
    let direct_count = direct.names.len();
    let mut names = direct.names;
    for role in live_roles(db, org, &roles.names).await? {
        names.extend(role.names);
    }
    Ok(Some(Effective {
        from_roles: names.len() > direct_count,
        names: names.into_iter().collect(),
        direct_version: direct.version,
    }))
}

/// `POST /rbac/check`: whether the person holds the permission, directly or through a live role;
/// `None` when the person is not a member. One BatchGetItem, and a second only when the direct
/// set does not grant it and the person has roles.
pub async fn grants(
    db: &Db,
    org: &OrgId,
    person: &PersonId,
    name: &PermissionName,
) -> Result<Option<bool>, StoreError> {
    let Some((direct, roles)) = person_sets(db, org, person).await? else {
        return Ok(None);
    };
    if direct.names.contains(name.as_str()) {
        return Ok(Some(true));
    }
    Ok(Some(
        live_roles(db, org, &roles.names)
            .await?
            .iter()
            .any(|role| role.names.contains(name.as_str())),
    ))
}

/// The role names a removed person held, so its deletion removes their member holder entries.
pub fn role_names(item: &Item) -> Result<BTreeSet<String>, StoreError> {
    Ok(Held::from_item(item)?.names)
}
