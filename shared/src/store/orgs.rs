//! Organizations and their API keys.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::db::{Db, Item};
use crate::error::StoreError;
use crate::ids::OrgId;
use crate::item::{get_list, get_s, opt_s, s};
use crate::keys;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    /// Root first, parent last; empty for a root organization.
    pub ancestors: Vec<OrgId>,
    /// Whose person pool this org's persons live in (its own id unless it joined another's).
    pub pool: OrgId,
}

impl Organization {
    pub fn root(id: OrgId, name: impl Into<String>) -> Self {
        Self {
            pool: id.clone(),
            id,
            name: name.into(),
            ancestors: Vec::new(),
        }
    }

    /// An org known only by id and person pool (from a SailPoint token or a stream record):
    /// enough for every store call, which never reads its name or ancestors.
    pub fn in_pool(id: OrgId, pool: OrgId) -> Self {
        Self {
            id,
            pool,
            name: String::new(),
            ancestors: Vec::new(),
        }
    }

    pub fn parent(&self) -> Option<&OrgId> {
        self.ancestors.last()
    }

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
        db.put(org.to_item(), Some("attribute_not_exists(pk)")),
        db.put(api_key_item(&org.id, api_key_hash), None),
    ];
    if let Some(parent) = org.parent() {
        let mut child = keys::child_org(parent, &org.id).to_item();
        child.insert("id".into(), s(org.id.as_str()));
        child.insert("pool".into(), s(org.pool.as_str()));
        writes.push(db.put(child, None));
        writes.push(db.check(&keys::org(parent), "attribute_exists(pk)"));
    }
    db.transact(writes).await
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

pub async fn get(db: &Db, id: &OrgId) -> Result<Option<Organization>, StoreError> {
    db.get(&keys::org(id))
        .await?
        .as_ref()
        .map(Organization::from_item)
        .transpose()
}

/// The organization whose API key has this hash, if any. Through the `lookup` index, which is
/// eventually consistent: use it only to tell "wrong org" (403) from "no such key" (401).
pub async fn api_key_owner(db: &Db, key_hash: &str) -> Result<Option<OrgId>, StoreError> {
    lookup_owner(db, &keys::api_key_lookup(key_hash)).await
}

/// The organization that owns the credential with this `lookup` value (keys only).
pub async fn lookup_owner(db: &Db, lookup: &str) -> Result<Option<OrgId>, StoreError> {
    let out = db
        .client
        .query()
        .table_name(&db.table)
        .index_name(keys::LOOKUP_INDEX)
        .key_condition_expression("#l = :l")
        .expression_attribute_names("#l", keys::LOOKUP)
        .expression_attribute_values(":l", s(lookup))
        .limit(1)
        .return_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total)
        .send()
        .await
        .map_err(|e| crate::db::classify(&e))?;
    crate::metrics::record(
        out.consumed_capacity()
            .and_then(|c| c.capacity_units)
            .unwrap_or(0.0),
    );
    out.items()
        .first()
        .map(|item| {
            OrgId::parse(get_s(item, keys::PK)?).map_err(|e| StoreError::Internal(e.to_string()))
        })
        .transpose()
}
