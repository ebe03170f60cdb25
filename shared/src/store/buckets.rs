//! Attribute buckets an organization can see: the six defaults, its own `organization` buckets,
//! and its pool's `person_pool` buckets. The pool owner's `organization` buckets are known to
//! the pool's other orgs but private to the owner: asking for one is a 403.

use crate::attribute::{
    Bucket, BucketName, CustomBucket, EndUserPermissions, SharingScope, default_buckets,
};
use crate::cache::TtlCache;
use crate::db::{Condition, Db, Item};
use crate::error::{ApiError, StoreError};
use crate::ids::OrgId;
use crate::item::{get_s, s};
use crate::keys;
use crate::store::orgs::Organization;

/// Buckets as one org sees them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BucketView {
    pub accessible: Vec<Bucket>,
    /// Defined in the pool, private to another org.
    pub private_to_others: Vec<BucketName>,
}

impl BucketView {
    /// The buckets a request names (`None`: every accessible one). A bucket that does not exist
    /// is a 404, one that exists but is private to another org a 403.
    pub fn resolve(&self, names: Option<&[String]>) -> Result<Vec<Bucket>, ApiError> {
        let Some(names) = names else {
            return Ok(self.accessible.clone());
        };
        let mut out: Vec<Bucket> = Vec::with_capacity(names.len());
        for raw in names {
            let name = BucketName::parse(raw).map_err(|e| ApiError::BadRequest(e.to_string()))?;
            if let Some(b) = self.accessible.iter().find(|b| b.name == name) {
                if !out.contains(b) {
                    out.push(b.clone());
                }
            } else if self.private_to_others.contains(&name) {
                return Err(ApiError::Forbidden(format!(
                    "attribute bucket {name} is not accessible to this organization"
                )));
            } else {
                return Err(ApiError::NotFound(format!(
                    "attribute bucket {name} not found"
                )));
            }
        }
        Ok(out)
    }

    pub fn one(&self, raw: &str) -> Result<Bucket, ApiError> {
        Ok(self.resolve(Some(&[raw.to_owned()]))?.remove(0))
    }
}

/// This instance's cache of each org's custom buckets.
pub type BucketCache = TtlCache<OrgId, Vec<Bucket>>;

/// What the bucket functions need of their caller: the table, and this instance's cache of
/// each org's custom buckets (`App` gives both). A trait, so that the store does not depend
/// on the app above it.
pub trait BucketStore {
    fn db(&self) -> &Db;
    fn bucket_cache(&self) -> &BucketCache;
}

/// The view of `org`, from the warm instance's cache when it has one.
pub async fn view(app: &impl BucketStore, org: &Organization) -> Result<BucketView, StoreError> {
    let mut view = BucketView {
        accessible: default_buckets(),
        private_to_others: Vec::new(),
    };
    let customs = match app.bucket_cache().get(&org.id) {
        Some(customs) => customs,
        None => {
            let mut customs = custom_in(app.db(), &org.id).await?;
            if org.pool != org.id {
                customs.extend(custom_in(app.db(), &org.pool).await?);
            }
            app.bucket_cache().put(org.id.clone(), customs.clone());
            customs
        }
    };
    for b in customs {
        let owner = &b
            .custom
            .as_ref()
            .expect("custom buckets have an owner")
            .owner;
        match b.scope {
            SharingScope::Organization if *owner != org.id => view.private_to_others.push(b.name),
            _ => view.accessible.push(b),
        }
    }
    Ok(view)
}

async fn custom_in(db: &Db, partition_org: &OrgId) -> Result<Vec<Bucket>, StoreError> {
    db.query_prefix(partition_org.as_str(), keys::BUCKET_PREFIX)
        .await?
        .iter()
        .map(bucket_from_item)
        .collect()
}

fn bucket_from_item(item: &Item) -> Result<Bucket, StoreError> {
    let bad = |e: String| StoreError::Internal(e);
    let json =
        |field: &str| serde_json::Value::String(get_s(item, field).unwrap_or_default().to_owned());
    Ok(Bucket {
        name: BucketName::parse(get_s(item, "name")?).map_err(|e| bad(e.to_string()))?,
        scope: serde_json::from_value(json("scope")).map_err(|e| bad(e.to_string()))?,
        end_user: serde_json::from_value(json("end_user_permissions"))
            .map_err(|e| bad(e.to_string()))?,
        custom: Some(CustomBucket {
            owner: OrgId::parse(get_s(item, "owner")?).map_err(|e| bad(e.to_string()))?,
            generation: get_s(item, "generation")?.to_owned(),
        }),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum BucketWriteError {
    #[error("attribute bucket {0} already exists")]
    Exists(BucketName),
    #[error("attribute bucket {0} not found")]
    NotFound(BucketName),
    #[error("attribute bucket {0} is a default bucket and cannot be deleted")]
    Default(BucketName),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Defines a custom bucket: `organization` buckets in the org's partition, `person_pool` ones
/// in the pool's, where every org of the pool sees them.
pub async fn create(
    app: &impl BucketStore,
    org: &Organization,
    name: BucketName,
    scope: SharingScope,
    end_user: EndUserPermissions,
) -> Result<Bucket, BucketWriteError> {
    let current = view(app, org).await?;
    let taken = current.accessible.iter().any(|b| b.name == name)
        || current.private_to_others.contains(&name);
    if taken {
        return Err(BucketWriteError::Exists(name));
    }
    let home = match scope {
        SharingScope::PersonPool => &org.pool,
        SharingScope::Organization => &org.id,
    };
    let bucket = Bucket {
        name,
        scope,
        end_user,
        custom: Some(CustomBucket {
            owner: org.id.clone(),
            generation: uuid::Uuid::new_v4().simple().to_string(),
        }),
    };
    let mut item = keys::bucket(home, bucket.name.as_str()).to_item();
    let text = |v: serde_json::Value| s(v.as_str().unwrap_or_default());
    item.insert("name".into(), s(bucket.name.as_str()));
    item.insert("scope".into(), text(serde_json::json!(scope)));
    item.insert(
        "end_user_permissions".into(),
        text(serde_json::json!(end_user)),
    );
    item.insert("owner".into(), s(org.id.as_str()));
    item.insert(
        "generation".into(),
        s(bucket.generation().unwrap_or_default()),
    );
    match app
        .db()
        .transact(vec![app.db().put(item, Condition::absent())])
        .await
    {
        Ok(()) => {
            app.bucket_cache().forget(&org.id);
            Ok(bucket)
        }
        Err(StoreError::TransactionCancelled(_) | StoreError::ConditionFailed) => {
            Err(BucketWriteError::Exists(bucket.name))
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes a custom bucket the org defined. Its attributes are never served again: they carry
/// the deleted bucket's generation.
pub async fn delete(
    app: &impl BucketStore,
    org: &Organization,
    name: BucketName,
) -> Result<(), BucketWriteError> {
    if default_buckets().iter().any(|b| b.name == name) {
        return Err(BucketWriteError::Default(name));
    }
    let current = view(app, org).await?;
    let Some(bucket) = current
        .accessible
        .iter()
        .find(|b| b.name == name && b.custom.as_ref().is_some_and(|c| c.owner == org.id))
    else {
        return Err(BucketWriteError::NotFound(name));
    };
    let home = bucket.owner(org);
    let key = keys::bucket(home, name.as_str());
    let write = app.db().delete(&key, Condition::present());
    match app.db().transact(vec![write]).await {
        Ok(()) => {
            app.bucket_cache().forget(&org.id);
            Ok(())
        }
        Err(StoreError::TransactionCancelled(_) | StoreError::ConditionFailed) => {
            Err(BucketWriteError::NotFound(name))
        }
        Err(e) => Err(e.into()),
    }
}
