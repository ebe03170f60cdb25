//! SlashID person attributes: one item per attribute, in the partition of the bucket's owner
//! (the pool for `person_pool` buckets, the org for `organization` buckets).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::attribute::{AttributeName, AttributeValue, Bucket};
use crate::db::{Db, Item};
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::{get_s, s};
use crate::keys;
use crate::store::orgs::Organization;

pub type BucketedAttributes = BTreeMap<String, Map<String, Value>>;

pub fn item(
    owner: &OrgId,
    person: &PersonId,
    bucket: &Bucket,
    name: &AttributeName,
    value: &AttributeValue,
) -> Item {
    let mut item = keys::attribute(owner, person, bucket.name.as_str(), name.as_str()).to_item();
    item.insert("bucket".into(), s(bucket.name.as_str()));
    item.insert("name".into(), s(name.as_str()));
    item.insert("v".into(), s(value.as_json_text()));
    item
}

/// The person's attributes in `buckets`, one Query per owning partition (one in all when the
/// org is its own pool). Buckets without attributes are absent from the result.
pub async fn read(
    db: &Db,
    org: &Organization,
    person: &PersonId,
    buckets: &[Bucket],
) -> Result<BucketedAttributes, StoreError> {
    let mut owners: Vec<&OrgId> = buckets.iter().map(|b| b.owner(org)).collect();
    owners.sort();
    owners.dedup();
    let mut result = BucketedAttributes::new();
    for owner in owners {
        let items = db
            .query_prefix(
                &keys::person_partition(owner, person),
                keys::ATTRIBUTE_PREFIX,
            )
            .await?;
        for item in items {
            let bucket = get_s(&item, "bucket")?;
            if !buckets
                .iter()
                .any(|b| b.name.as_str() == bucket && b.owner(org) == owner)
            {
                continue;
            }
            let value = AttributeValue::from_stored(get_s(&item, "v")?.to_owned()).to_json();
            result
                .entry(bucket.to_owned())
                .or_default()
                .insert(get_s(&item, "name")?.to_owned(), value);
        }
    }
    Ok(result)
}
