//! SlashID attributes of a holder: a person or the organization itself. One item per attribute.
//! A person's live in the partition of the bucket's owner (the pool for `person_pool` buckets,
//! the org for `organization` buckets); reads prove the person's membership in the same Query
//! and writes check it in the same transaction, so a person being deleted never gains an
//! attribute. An organization's live in its one `{org}#ORGATTR` partition, whatever the bucket's
//! scope; writes check the org is alive, so an org being deleted never gains one either.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::attribute::{AttributeName, AttributeValue, Bucket, SharingScope};
use crate::db::{Condition, Db, Item};
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::{get_s, get_u64, n, opt_s, s};
use crate::keys::{self, Key};
use crate::store::liveness;
use crate::store::orgs::Organization;

pub type BucketedAttributes = BTreeMap<String, Map<String, Value>>;

/// Whose attributes: a person of the org, or the org itself.
#[derive(Debug, Clone, Copy)]
pub enum Holder<'a> {
    Person(&'a PersonId),
    Organization,
}

impl std::fmt::Display for Holder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Holder::Person(id) => write!(f, "person {id}"),
            Holder::Organization => f.write_str("organization"),
        }
    }
}

impl Holder<'_> {
    /// The partition that holds this holder's values of `bucket`.
    fn partition(&self, org: &Organization, bucket: &Bucket) -> String {
        match self {
            Holder::Person(person) => keys::person_partition(bucket.owner(org), person),
            Holder::Organization => keys::org_attributes_partition(&org.id),
        }
    }
    fn attribute(&self, org: &Organization, bucket: &Bucket, name: &str) -> Key {
        keys::attribute_in(self.partition(org, bucket), bucket.name.as_str(), name)
    }
    fn guard(&self, org: &Organization, bucket: &Bucket) -> Key {
        keys::attribute_guard_in(self.partition(org, bucket), bucket.name.as_str())
    }
    /// The transaction item every write carries: the holder exists and is not being deleted.
    fn live_check(
        &self,
        db: &Db,
        org: &Organization,
    ) -> aws_sdk_dynamodb::types::TransactWriteItem {
        match self {
            Holder::Person(person) => liveness::live_membership_check(db, org, person),
            Holder::Organization => liveness::check(db, &keys::org(&org.id)),
        }
    }
}

pub fn item(
    owner: &OrgId,
    person: &PersonId,
    bucket: &Bucket,
    name: &AttributeName,
    value: &AttributeValue,
) -> Item {
    item_at(
        keys::attribute(owner, person, bucket.name.as_str(), name.as_str()),
        bucket,
        name,
        value,
    )
}

fn item_at(key: Key, bucket: &Bucket, name: &AttributeName, value: &AttributeValue) -> Item {
    let mut item = key.to_item();
    item.insert("bucket".into(), s(bucket.name.as_str()));
    item.insert("name".into(), s(name.as_str()));
    item.insert("v".into(), s(value.as_json_text()));
    // Deleting a person from its pool's owner org keeps what the pool's other orgs share.
    item.insert(
        "scope".into(),
        s(if bucket.scope == SharingScope::PersonPool {
            "person_pool"
        } else {
            "organization"
        }),
    );
    if let Some(generation) = bucket.generation() {
        item.insert("gen".into(), s(generation));
    }
    item
}

/// What a read of the person's partitions found: whether the person is a live member, the
/// stored attributes of the asked-for buckets, and the replace guards' versions.
struct Stored {
    member: bool,
    /// (bucket, name) → value, only of the asked-for buckets and their current generation.
    attributes: BTreeMap<(String, String), Value>,
    guards: BTreeMap<String, u64>,
}

/// Reads the holder's liveness and the attributes of `buckets`. A person: one Query when the org
/// is its own pool, or when only `person_pool` buckets are asked for; two for a sub-org's
/// `organization` buckets. The org: one Query of its partition (authentication proved it alive).
async fn read_stored(
    db: &Db,
    org: &Organization,
    holder: Holder<'_>,
    buckets: &[Bucket],
    with_guards: bool,
) -> Result<Stored, StoreError> {
    // Guards (`ATTRV#…`) sort after every `ATTR#…`; plain reads stop before them.
    let upper = if with_guards {
        keys::ATTRIBUTE_GUARDS_END
    } else {
        keys::ATTRIBUTES_END
    };
    let (items, member_sk) = match holder {
        Holder::Person(person) => {
            let member_key = keys::person_membership(&org.pool, &org.id, person);
            let mut items = db
                .query_range(&member_key.pk, &member_key.sk, upper)
                .await?;
            if org.pool != org.id
                && buckets
                    .iter()
                    .any(|b| b.scope == SharingScope::Organization)
            {
                items.extend(
                    db.query_prefix(
                        &keys::person_partition(&org.id, person),
                        keys::ATTRIBUTES_AND_GUARDS_PREFIX,
                    )
                    .await?,
                );
            }
            (items, Some(member_key.sk))
        }
        Holder::Organization => {
            let items = db
                .query_range(
                    &keys::org_attributes_partition(&org.id),
                    keys::ATTRIBUTE_PREFIX,
                    upper,
                )
                .await?;
            (items, None)
        }
    };
    let mut stored = Stored {
        member: member_sk.is_none(),
        attributes: BTreeMap::new(),
        guards: BTreeMap::new(),
    };
    for item in &items {
        let sk = get_s(item, keys::SK)?;
        if Some(sk) == member_sk.as_deref() {
            stored.member = liveness::is_alive(item);
        } else if let Some(bucket) = sk.strip_prefix(keys::ATTRIBUTE_GUARD_PREFIX) {
            stored
                .guards
                .insert(bucket.to_owned(), get_u64(item, "version")?);
        } else if sk.starts_with(keys::ATTRIBUTE_PREFIX) {
            let name = get_s(item, "bucket")?;
            let Some(bucket) = buckets.iter().find(|b| b.name.as_str() == name) else {
                continue;
            };
            let owner_pk = holder.partition(org, bucket);
            if get_s(item, keys::PK)? != owner_pk || opt_s(item, "gen")? != bucket.generation() {
                continue;
            }
            let value = AttributeValue::from_stored(get_s(item, "v")?.to_owned()).to_json();
            stored
                .attributes
                .insert((name.to_owned(), get_s(item, "name")?.to_owned()), value);
        }
    }
    Ok(stored)
}

/// The holder's attributes in `buckets`, or `None` when the person is not a member of `org`.
/// With `include_empty`, every asked-for bucket appears, also without attributes.
pub async fn read(
    db: &Db,
    org: &Organization,
    holder: Holder<'_>,
    buckets: &[Bucket],
    include_empty: bool,
) -> Result<Option<BucketedAttributes>, StoreError> {
    let stored = read_stored(db, org, holder, buckets, false).await?;
    if !stored.member {
        return Ok(None);
    }
    let mut result = BucketedAttributes::new();
    if include_empty {
        for b in buckets {
            result.insert(b.name.to_string(), Map::new());
        }
    }
    for ((bucket, name), value) in stored.attributes {
        result.entry(bucket).or_default().insert(name, value);
    }
    Ok(Some(result))
}

pub type NewAttributes = Vec<(Bucket, AttributeName, AttributeValue)>;

#[derive(Debug, thiserror::Error)]
pub enum AttributeWriteError {
    /// The person is not a live member of the org, or the org is being deleted.
    #[error("not found")]
    NotFound,
    #[error("one request can change at most {0} attributes")]
    TooMany(usize),
    #[error("the attributes were changed concurrently; retry")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

async fn commit(
    db: &Db,
    writes: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
) -> Result<(), AttributeWriteError> {
    if writes.len() > db.max_transaction_items {
        return Err(AttributeWriteError::TooMany(db.max_transaction_items - 1));
    }
    match db.transact(writes).await {
        Ok(()) => Ok(()),
        // The liveness check comes first: its failure means no such (live) holder.
        Err(StoreError::TransactionCancelled(r))
            if r.first().is_some_and(|c| c == "ConditionalCheckFailed") =>
        {
            Err(AttributeWriteError::NotFound)
        }
        Err(StoreError::TransactionCancelled(_) | StoreError::ConditionFailed) => {
            Err(AttributeWriteError::Conflict)
        }
        Err(e) => Err(e.into()),
    }
}

/// Merges `attrs` into the holder's buckets; attributes not named are untouched.
pub async fn patch(
    db: &Db,
    org: &Organization,
    holder: Holder<'_>,
    attrs: &NewAttributes,
) -> Result<(), AttributeWriteError> {
    let mut writes = vec![holder.live_check(db, org)];
    for (bucket, name, value) in attrs {
        writes.push(db.put(
            item_at(
                holder.attribute(org, bucket, name.as_str()),
                bucket,
                name,
                value,
            ),
            Condition::none(),
        ));
    }
    commit(db, writes).await
}

/// Replaces the contents of `buckets` with `attrs`: what is not named is deleted. A guard per
/// bucket serializes concurrent replaces, so two of them never merge.
pub async fn replace(
    db: &Db,
    org: &Organization,
    holder: Holder<'_>,
    buckets: &[Bucket],
    attrs: &NewAttributes,
) -> Result<(), AttributeWriteError> {
    const ATTEMPTS: usize = 4;
    for _ in 0..ATTEMPTS {
        let stored = read_stored(db, org, holder, buckets, true).await?;
        if !stored.member {
            return Err(AttributeWriteError::NotFound);
        }
        let mut writes = vec![holder.live_check(db, org)];
        for bucket in buckets {
            let guard = holder.guard(org, bucket);
            let (condition, values) = match stored.guards.get(bucket.name.as_str()) {
                Some(v) => ("#v = :old", vec![(":old", n(*v)), (":one", n(1))]),
                None => ("attribute_not_exists(#v)", vec![(":one", n(1))]),
            };
            writes.push(
                db.update(
                    &guard,
                    "ADD #v :one",
                    Condition::new(condition)
                        .names(&[("#v", "version")])
                        .values(values),
                ),
            );
        }
        let keep: BTreeSet<(&str, &str)> = attrs
            .iter()
            .map(|(b, name, _)| (b.name.as_str(), name.as_str()))
            .collect();
        for (bucket_name, name) in stored.attributes.keys() {
            if !keep.contains(&(bucket_name.as_str(), name.as_str())) {
                let bucket = buckets
                    .iter()
                    .find(|b| b.name.as_str() == bucket_name)
                    .expect("read only asked-for buckets");
                writes.push(db.delete(&holder.attribute(org, bucket, name), Condition::none()));
            }
        }
        for (bucket, name, value) in attrs {
            writes.push(db.put(
                item_at(
                    holder.attribute(org, bucket, name.as_str()),
                    bucket,
                    name,
                    value,
                ),
                Condition::none(),
            ));
        }
        match commit(db, writes).await {
            Err(AttributeWriteError::Conflict) => continue,
            other => return other,
        }
    }
    Err(AttributeWriteError::Conflict)
}

/// Deletes the named attributes of `bucket` (missing ones are no error), or with `None` all of
/// them.
pub async fn delete(
    db: &Db,
    org: &Organization,
    holder: Holder<'_>,
    bucket: &Bucket,
    names: Option<&[AttributeName]>,
) -> Result<(), AttributeWriteError> {
    let Some(names) = names else {
        return replace(db, org, holder, std::slice::from_ref(bucket), &Vec::new()).await;
    };
    let mut writes = vec![holder.live_check(db, org)];
    for name in names {
        writes.push(db.delete(
            &holder.attribute(org, bucket, name.as_str()),
            Condition::none(),
        ));
    }
    commit(db, writes).await
}
