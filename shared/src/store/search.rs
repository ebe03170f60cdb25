//! SailPoint search documents, one item each. `identities` and `roles` documents are
//! projections the stream consumer derives from live data; the other indices are ingested.

use serde_json::Value;

use crate::db::{Condition, Db};
use crate::error::StoreError;
use crate::ids::{DocumentId, OrgId};
use crate::item::{get_s, n, s};
use crate::keys;

/// The search indices this service holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    AccessProfiles,
    AccountActivities,
    Accounts,
    Aggregations,
    Entitlements,
    Events,
    Identities,
    Roles,
}

pub const INDICES: [Index; 8] = [
    Index::AccessProfiles,
    Index::AccountActivities,
    Index::Accounts,
    Index::Aggregations,
    Index::Entitlements,
    Index::Events,
    Index::Identities,
    Index::Roles,
];

impl Index {
    pub fn parse(raw: &str) -> Option<Self> {
        INDICES.into_iter().find(|i| i.as_str() == raw)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessProfiles => "accessprofiles",
            Self::AccountActivities => "accountactivities",
            Self::Accounts => "accounts",
            Self::Aggregations => "aggregations",
            Self::Entitlements => "entitlements",
            Self::Events => "events",
            Self::Identities => "identities",
            Self::Roles => "roles",
        }
    }
    /// The document's `_type`: the index name in the singular, as ISC writes it.
    pub fn doc_type(self) -> &'static str {
        match self {
            Self::AccessProfiles => "accessprofile",
            Self::AccountActivities => "accountactivity",
            Self::Accounts => "account",
            Self::Aggregations => "aggregation",
            Self::Entitlements => "entitlement",
            Self::Events => "event",
            Self::Identities => "identity",
            Self::Roles => "role",
        }
    }
    /// Derived from live data by the stream consumer, so never written through the API.
    pub fn is_projection(self) -> bool {
        matches!(self, Self::Identities | Self::Roles)
    }
}

/// The largest document accepted (DynamoDB items stop at 400 KB).
pub const MAX_DOCUMENT_BYTES: usize = 350 * 1024;

pub async fn get(
    db: &Db,
    org: &OrgId,
    index: Index,
    id: &DocumentId,
) -> Result<Option<Value>, StoreError> {
    let Some(item) = db
        .get(&keys::search_document(org, index.as_str(), id.as_str()))
        .await?
    else {
        return Ok(None);
    };
    serde_json::from_str(get_s(&item, "doc")?)
        .map(Some)
        .map_err(|e| StoreError::Internal(e.to_string()))
}

/// Stores an ingested document as given.
pub async fn put(
    db: &Db,
    org: &OrgId,
    index: Index,
    id: &DocumentId,
    doc: &Value,
) -> Result<(), StoreError> {
    let mut item = keys::search_document(org, index.as_str(), id.as_str()).to_item();
    item.insert("doc".into(), s(doc.to_string()));
    db.transact(vec![db.put(item, Condition::none())]).await
}

/// Writes a projection unless a newer one (by source version) is already there: a replayed or
/// late stream record then changes nothing. `false` when it was stale.
pub async fn project(
    db: &Db,
    org: &OrgId,
    index: Index,
    id: &str,
    doc: &Value,
    version: u64,
) -> Result<bool, StoreError> {
    let mut item = keys::search_document(org, index.as_str(), id).to_item();
    item.insert("doc".into(), s(doc.to_string()));
    item.insert("src_version".into(), n(version));
    let write = db.put(
        item,
        Condition::new("attribute_not_exists(pk) OR src_version <= :v")
            .values(vec![(":v", n(version))]),
    );
    match db.transact(vec![write]).await {
        Ok(()) => Ok(true),
        Err(StoreError::TransactionCancelled(_) | StoreError::ConditionFailed) => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn remove(db: &Db, org: &OrgId, index: Index, id: &str) -> Result<(), StoreError> {
    db.batch_delete(&[keys::search_document(org, index.as_str(), id)])
        .await
}
