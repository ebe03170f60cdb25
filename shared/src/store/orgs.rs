//! Organizations and their API keys.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::db::{Condition, Db, Item};
use crate::error::StoreError;
use crate::ids::OrgId;
use crate::item::{get_list, get_s, opt_s, s};
use crate::keys;
use crate::store::liveness;

pub use crate::org::Organization;

// Its items: the value type lives below the store, in `crate::org`.
impl Organization {
    fn to_item(&self) -> Item {
        let mut item = keys::org(&self.id).to_item();
        item.insert("id".into(), s(self.id.as_str()));
        item.insert("name".into(), s(&self.name));
        item.insert("pool".into(), s(self.pool.as_str()));
        item.insert(
            "ancestors".into(),
            AttributeValue::L(self.ancestors.iter().map(|a| s(a.as_str())).collect()),
        );
        item
    }

    pub fn from_item(item: &Item) -> Result<Self, StoreError> {
        let org_id = |raw: &str| OrgId::parse(raw).map_err(|e| StoreError::Internal(e.to_string()));
        let ancestors = get_list(item, "ancestors")?
            .iter()
            .map(|v| match v {
                AttributeValue::S(raw) => org_id(raw),
                _ => Err(StoreError::Internal("ancestor is not a string".into())),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            id: org_id(get_s(item, "id")?)?,
            name: opt_s(item, "name")?.unwrap_or_default().to_owned(),
            ancestors,
            pool: org_id(get_s(item, "pool")?)?,
        })
    }
}

/// Creates an organization with one API key (given by its SHA-256), atomically. An existing
/// organization with that id is a `ConditionFailed`/`TransactionCancelled`.
pub async fn create(db: &Db, org: &Organization, api_key_hash: &str) -> Result<(), StoreError> {
    let mut writes = vec![
        db.put(org.to_item(), Condition::absent()),
        db.put(api_key_item(&org.id, api_key_hash), Condition::none()),
    ];
    if let Some(parent) = org.parent() {
        let mut child = keys::child_org(parent, &org.id).to_item();
        child.insert("id".into(), s(org.id.as_str()));
        child.insert("pool".into(), s(org.pool.as_str()));
        writes.push(db.put(child, Condition::none()));
        // The count a deletion conditions on: no sub-organization is born under an org being
        // deleted, and none is left behind by one.
        writes.push(
            db.update(
                &keys::org(parent),
                "ADD #children :one",
                liveness::alive()
                    .names(&[("#children", "children")])
                    .values(vec![(":one", AttributeValue::N("1".into()))]),
            ),
        );
    }
    if org.pool != org.id {
        let mut member = keys::pool_member_org(&org.pool, &org.id).to_item();
        member.insert("id".into(), s(org.id.as_str()));
        writes.push(db.put(member, Condition::none()));
    }
    db.transact(writes).await
}

/// Whose person pool a new sub-organization of `parent` may join, given the org it names in
/// `persons_org_id`: only a pool the parent is in. An ancestor that the parent does not share
/// persons with chose not to share them with the parent's subtree either, so naming it is
/// refused, however deep the caller sits.
pub fn joinable_pool(parent: &Organization, named: &Organization) -> Result<OrgId, PoolRefused> {
    if named.id != parent.id && !parent.ancestors.contains(&named.id) {
        return Err(PoolRefused::NotAnAncestor);
    }
    if named.pool != parent.pool {
        return Err(PoolRefused::NotParentsPool);
    }
    Ok(named.pool.clone())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolRefused {
    #[error("persons_org_id must be this organization or one of its ancestors")]
    NotAnAncestor,
    #[error(
        "persons_org_id names a person pool this organization is not in; a sub-organization can share only its parent's pool"
    )]
    NotParentsPool,
}

/// Every organization that joined `pool`'s person pool (at any depth), without the owner itself.
pub async fn pool_members(db: &Db, pool: &OrgId) -> Result<Vec<OrgId>, StoreError> {
    db.query_prefix(pool.as_str(), keys::POOL_MEMBER_PREFIX)
        .await?
        .iter()
        .map(|i| OrgId::parse(get_s(i, "id")?).map_err(|e| StoreError::Internal(e.to_string())))
        .collect()
}

/// Gives an existing organization one more API key (by its SHA-256): how a key is rotated in
/// before the old one is revoked. `false` when there is no such organization.
pub async fn add_api_key(db: &Db, org: &OrgId, api_key_hash: &str) -> Result<bool, StoreError> {
    let writes = vec![
        db.check(&keys::org(org), Condition::present()),
        db.put(api_key_item(org, api_key_hash), Condition::none()),
    ];
    match db.transact(writes).await {
        Ok(()) => Ok(true),
        Err(StoreError::TransactionCancelled(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The SHA-256 of each API key of the organization (the keys themselves are never stored).
pub async fn api_key_hashes(db: &Db, org: &OrgId) -> Result<Vec<String>, StoreError> {
    db.query_prefix(org.as_str(), keys::API_KEY_PREFIX)
        .await?
        .iter()
        .map(|i| {
            Ok(get_s(i, keys::SK)?
                .trim_start_matches(keys::API_KEY_PREFIX)
                .to_owned())
        })
        .collect()
}

/// Revokes the organization's API key with this hash. Warm instances that verified it keep
/// accepting it for at most `AUTH_CACHE_SECONDS`. `false` when there was no such key.
pub async fn revoke_api_key(db: &Db, org: &OrgId, api_key_hash: &str) -> Result<bool, StoreError> {
    let key = keys::api_key(org, api_key_hash);
    let delete = db.delete(&key, Condition::present());
    match db.transact(vec![delete]).await {
        Ok(()) => Ok(true),
        Err(StoreError::TransactionCancelled(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

fn api_key_item(org: &OrgId, key_hash: &str) -> Item {
    let mut item = keys::api_key(org, key_hash).to_item();
    item.insert(keys::LOOKUP.into(), s(keys::api_key_lookup(key_hash)));
    item
}

/// A new random API key: 244 random bits from the OS generator (two v4 UUIDs), as hex.
pub fn new_api_key() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The direct sub-organizations of `org`, each with its person pool.
pub async fn children(db: &Db, org: &OrgId) -> Result<Vec<(OrgId, OrgId)>, StoreError> {
    let parse = |raw: &str| OrgId::parse(raw).map_err(|e| StoreError::Internal(e.to_string()));
    db.query_prefix(org.as_str(), keys::CHILD_PREFIX)
        .await?
        .iter()
        .map(|i| Ok((parse(get_s(i, "id")?)?, parse(get_s(i, "pool")?)?)))
        .collect()
}

/// SlashID's `tenant_name`: the name in lowercase, spaces as hyphens.
pub fn tenant_name(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
}

/// The organization, unless there is none or it was deleted.
pub async fn get(db: &Db, id: &OrgId) -> Result<Option<Organization>, StoreError> {
    db.get(&keys::org(id))
        .await?
        .as_ref()
        .filter(|i| liveness::is_alive(i))
        .map(Organization::from_item)
        .transpose()
}

/// The organizations of `ids` that exist and are not deleted, in no particular order
/// (BatchGetItem, 100 a request).
pub async fn get_many(db: &Db, ids: &[OrgId]) -> Result<Vec<Organization>, StoreError> {
    let keys: Vec<keys::Key> = ids.iter().map(keys::org).collect();
    db.batch_get_many(&keys)
        .await?
        .iter()
        .filter(|item| liveness::is_alive(item))
        .map(Organization::from_item)
        .collect()
}

/// At most this many descendants are listed or deleted by one request.
pub const MAX_SUBORGANIZATIONS: usize = 1000;

/// Every live descendant of `org`, parents before their children (breadth first). `None` when
/// there are more than `MAX_SUBORGANIZATIONS`. One strongly consistent Query of `CHILD#` links
/// per org of the subtree, then their records for names and ancestry.
pub async fn descendants(db: &Db, org: &OrgId) -> Result<Option<Vec<Organization>>, StoreError> {
    let mut ids: Vec<OrgId> = Vec::new();
    let mut next = 0;
    let mut frontier = vec![org.clone()];
    while let Some(parent) = frontier.pop() {
        for (child, _) in children(db, &parent).await? {
            if ids.len() == MAX_SUBORGANIZATIONS {
                return Ok(None);
            }
            ids.push(child);
        }
        if next < ids.len() {
            frontier.push(ids[next].clone());
            next += 1;
        }
    }
    let keys: Vec<_> = ids.iter().map(keys::org).collect();
    let items = db.batch_get_many(&keys).await?;
    let mut found: Vec<Organization> = items
        .iter()
        .filter(|i| liveness::is_alive(i))
        .map(Organization::from_item)
        .collect::<Result<_, _>>()?;
    // BatchGetItem answers in no particular order; keep the walk's.
    found.sort_by_key(|o| ids.iter().position(|i| *i == o.id));
    Ok(Some(found))
}

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("organization not found")]
    NotFound,
    #[error("the organization's keys were changed concurrently; retry")]
    Conflict,
    #[error(
        "the organization has more API keys than one request can revoke; revoke them with idgraph-admin"
    )]
    TooManyKeys,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Replaces every API key of the live organization `org` with the one of hash `new_hash`, in one
/// transaction: the new key works from the commit on, the old ones stop (warm instances that
/// verified one keep accepting it for at most `AUTH_CACHE_SECONDS`). Returns the revoked hashes.
pub async fn rotate_api_key(
    db: &Db,
    org: &OrgId,
    new_hash: &str,
) -> Result<Vec<String>, RotateError> {
    const ATTEMPTS: usize = 4;
    for _ in 0..ATTEMPTS {
        let old = api_key_hashes(db, org).await?;
        if old.len() + 2 > db.max_transaction_items {
            return Err(RotateError::TooManyKeys);
        }
        let mut writes = vec![
            db.check(&keys::org(org), liveness::alive()),
            db.put(api_key_item(org, new_hash), Condition::absent()),
        ];
        for h in &old {
            writes.push(db.delete(&keys::api_key(org, h), Condition::present()));
        }
        match db.transact(writes).await {
            Ok(()) => return Ok(old),
            Err(StoreError::TransactionCancelled(r))
                if r.first().is_some_and(|c| c == "ConditionalCheckFailed") =>
            {
                return Err(RotateError::NotFound);
            }
            // Another rotation revoked a key this one read: read again.
            Err(StoreError::TransactionCancelled(_) | StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(RotateError::Conflict)
}

/// The organization whose API key has this hash, if any. Through the `lookup` index, which is
/// eventually consistent: use it only to tell "wrong org" (403) from "no such key" (401).
pub async fn api_key_owner(db: &Db, key_hash: &str) -> Result<Option<OrgId>, StoreError> {
    lookup_owner(db, &keys::api_key_lookup(key_hash)).await
}

/// The organization that owns the credential with this `lookup` value (keys only).
pub async fn lookup_owner(db: &Db, lookup: &str) -> Result<Option<OrgId>, StoreError> {
    let found = db
        .first_by_index(keys::LOOKUP_INDEX, keys::LOOKUP, lookup)
        .await?;
    found
        .map(|item| {
            OrgId::parse(get_s(&item, keys::PK)?).map_err(|e| StoreError::Internal(e.to_string()))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(pool: Option<&Organization>, parent: Option<&Organization>) -> Organization {
        let id = OrgId::new_random();
        let ancestors = parent
            .map(|p| [p.ancestors.clone(), vec![p.id.clone()]].concat())
            .unwrap_or_default();
        Organization {
            pool: pool.map_or_else(|| id.clone(), |p| p.pool.clone()),
            id,
            name: "o".into(),
            ancestors,
        }
    }

    #[test]
    fn a_sub_organization_may_join_its_parents_pool_by_naming_the_parent() {
        let root = org(None, None);
        let a = org(Some(&root), Some(&root));
        assert_eq!(joinable_pool(&a, &a), Ok(root.id.clone()));
    }

    #[test]
    fn an_ancestor_in_the_parents_pool_names_the_same_pool() {
        let root = org(None, None);
        let a = org(Some(&root), Some(&root));
        assert_eq!(joinable_pool(&a, &root), Ok(root.id.clone()));
    }

    #[test]
    fn an_ancestor_whose_pool_the_parent_left_is_refused() {
        let root = org(None, None);
        let a = org(None, Some(&root));
        assert_eq!(joinable_pool(&a, &root), Err(PoolRefused::NotParentsPool));
    }

    #[test]
    fn an_organization_outside_the_ancestry_is_refused() {
        let root = org(None, None);
        let a = org(Some(&root), Some(&root));
        let stranger = org(None, None);
        assert_eq!(
            joinable_pool(&a, &stranger),
            Err(PoolRefused::NotAnAncestor)
        );
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeleteOrgError {
    #[error("a root organization cannot be deleted through the API")]
    Root,
    #[error(
        "the organization has sub-organizations; delete them first, or pass delete_suborganizations=true with a confirmation_timestamp"
    )]
    HasChildren,
    #[error(
        "the organization has more than {MAX_SUBORGANIZATIONS} sub-organizations, more than one request deletes"
    )]
    TooMany,
    #[error(
        "the organization changed while it was being deleted (a sub-organization was created?); retry"
    )]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Deletes the non-root organization `org` (and, with `with_descendants`, its whole subtree,
/// deepest first). Each org is cut off in one transaction: its record is marked deleted (which
/// authentication refuses), its link from its parent and its pool membership go, and its API
/// keys and OAuth clients are deleted. Its other data stays, unreachable (docs/data-model.md).
/// Answers the orgs cut, `org` last.
pub async fn delete(
    db: &Db,
    org: &Organization,
    with_descendants: bool,
) -> Result<Vec<OrgId>, DeleteOrgError> {
    if org.ancestors.is_empty() {
        return Err(DeleteOrgError::Root);
    }
    let mut done = Vec::new();
    if !children(db, &org.id).await?.is_empty() {
        if !with_descendants {
            return Err(DeleteOrgError::HasChildren);
        }
        let below = descendants(db, &org.id)
            .await?
            .ok_or(DeleteOrgError::TooMany)?;
        // Breadth-first lists parents first: reversed, every child goes before its parent.
        for d in below.iter().rev() {
            cut(db, d).await?;
            done.push(d.id.clone());
        }
    }
    cut(db, org).await?;
    done.push(org.id.clone());
    Ok(done)
}

/// The one transaction that makes `org` unreachable, then what did not fit in it.
async fn cut(db: &Db, org: &Organization) -> Result<(), DeleteOrgError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut writes = vec![
        db.update(
            &keys::org(&org.id),
            "SET #state = :deleted, deleted_at = :now",
            Condition::new(
                "attribute_exists(pk) AND attribute_not_exists(#state) \
             AND (attribute_not_exists(#children) OR #children <= :zero)",
            )
            .names(&[("#state", "state"), ("#children", "children")])
            .values(vec![
                (":deleted", s("deleted")),
                (":now", AttributeValue::N(now.to_string())),
                (":zero", AttributeValue::N("0".into())),
            ]),
        ),
    ];
    if let Some(parent) = org.parent() {
        writes.push(db.delete(&keys::child_org(parent, &org.id), Condition::none()));
        // Parents created before the count was kept have none: theirs starts at zero and goes
        // below it as their older children go, so a cut accepts any count up to zero; for them
        // only the strongly consistent read of `CHILD#` links before the cut guards a racing
        // creation.
        writes.push(
            db.update(
                &keys::org(parent),
                "SET #children = if_not_exists(#children, :one) - :one",
                Condition::present()
                    .names(&[("#children", "children")])
                    .values(vec![(":one", AttributeValue::N("1".into()))]),
            ),
        );
    }
    if org.pool != org.id {
        writes.push(db.delete(
            &keys::pool_member_org(&org.pool, &org.id),
            Condition::none(),
        ));
    }
    let mut credentials: Vec<keys::Key> = api_key_hashes(db, &org.id)
        .await?
        .iter()
        .map(|h| keys::api_key(&org.id, h))
        .collect();
    for item in db
        .query_prefix(org.id.as_str(), keys::OAUTH_CLIENT_PREFIX)
        .await?
    {
        let sk = get_s(&item, keys::SK)?;
        let client = sk.trim_start_matches(keys::OAUTH_CLIENT_PREFIX);
        credentials.push(keys::oauth_client(&org.id, client));
        credentials.push(keys::oauth_client_owner(client));
    }
    let room = db.max_transaction_items.saturating_sub(writes.len());
    let rest = credentials.split_off(room.min(credentials.len()));
    for key in &credentials {
        writes.push(db.delete(key, Condition::none()));
    }
    match db.transact(writes).await {
        Ok(()) => {}
        Err(StoreError::TransactionCancelled(r))
            if r.first().is_some_and(|c| c == "ConditionalCheckFailed") =>
        {
            // Already deleted (a retry resumes), or a sub-organization appeared.
            if get(db, &org.id).await?.is_none() {
                return Ok(());
            }
            return Err(DeleteOrgError::Conflict);
        }
        Err(StoreError::TransactionCancelled(_) | StoreError::ConditionFailed) => {
            return Err(DeleteOrgError::Conflict);
        }
        Err(e) => return Err(e.into()),
    }
    // Authentication already refuses the org: these only stop mattering sooner.
    db.batch_delete(&rest).await?;
    Ok(())
}
