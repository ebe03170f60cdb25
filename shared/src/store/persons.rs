//! Persons: the profile lives in the person pool's partition, a membership item in each org the
//! person belongs to, and one uniqueness item per handle in the pool.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::attribute::{AttributeName, AttributeValue as AttrValue, Bucket};
use crate::db::{Db, Item, MAX_TRANSACTION_ITEMS};
use crate::error::StoreError;
use crate::ids::PersonId;
use crate::item::{get_bool, get_list, get_s, get_u64, has_key, n, s};
use crate::keys;
use crate::person::{Handle, HandleKind, Person};
use crate::store::attributes;
use crate::store::orgs::Organization;

#[derive(Debug, thiserror::Error)]
pub enum CreatePersonError {
    #[error("handle {0:?} already belongs to a person")]
    HandleTaken(Option<Handle>),
    #[error("a person with this id already exists")]
    IdTaken,
    #[error("a person can be created with at most {0} handles and attributes together")]
    TooManyItems(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Items of a creation besides handles and attributes: profile, membership, permissions version.
const FIXED_ITEMS: usize = 3;
pub const MAX_CREATION_ITEMS: usize = MAX_TRANSACTION_ITEMS - FIXED_ITEMS;

pub type NewAttribute = (Bucket, AttributeName, AttrValue);

/// Creates the person in `org` (profile in its pool), its handles and initial attributes, in one
/// transaction: a taken handle leaves nothing behind.
pub async fn create(
    db: &Db,
    org: &Organization,
    person: &Person,
    attrs: &[NewAttribute],
) -> Result<(), CreatePersonError> {
    if person.handles.len() + attrs.len() > MAX_CREATION_ITEMS {
        return Err(CreatePersonError::TooManyItems(MAX_CREATION_ITEMS));
    }
    let mut writes = vec![
        db.put(profile_item(org, person), Some("attribute_not_exists(pk)")),
        db.put(membership_item(org, &person.id), None),
        // Present from membership on, so reading a person's permissions can tell "none" from 404.
        db.put(permissions_version_item(org, &person.id), None),
    ];
    for handle in &person.handles {
        let mut item =
            keys::handle(&org.pool, handle.kind().as_str(), &handle.normalized()).to_item();
        item.insert("person_id".into(), s(person.id.as_str()));
        writes.push(db.put(item, Some("attribute_not_exists(pk)")));
    }
    for (bucket, name, value) in attrs {
        writes.push(db.put(
            attributes::item(bucket.owner(org), &person.id, bucket, name, value),
            None,
        ));
    }
    match db.transact(writes).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(reasons)) => {
            let failed = reasons.iter().position(|r| r == "ConditionalCheckFailed");
            Err(match failed {
                Some(0) => CreatePersonError::IdTaken,
                Some(i) => {
                    CreatePersonError::HandleTaken(person.handles.get(i - FIXED_ITEMS).cloned())
                }
                None => CreatePersonError::HandleTaken(None),
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// The person, if it belongs to `org`. One BatchGetItem: membership and profile together.
pub async fn get(db: &Db, org: &Organization, id: &PersonId) -> Result<Option<Person>, StoreError> {
    let (member_key, profile_key) = (
        keys::person_membership(&org.pool, &org.id, id),
        keys::person_profile(&org.pool, id),
    );
    let items = db
        .batch_get(&[member_key.clone(), profile_key.clone()])
        .await?;
    if !items.iter().any(|i| has_key(i, &member_key)) {
        return Ok(None);
    }
    items
        .iter()
        .find(|i| has_key(i, &profile_key))
        .map(person_from_item)
        .transpose()
}

fn membership_item(org: &Organization, person: &PersonId) -> Item {
    let mut item = keys::person_membership(&org.pool, &org.id, person).to_item();
    item.insert("org".into(), s(org.id.as_str()));
    item
}

fn permissions_version_item(org: &Organization, person: &PersonId) -> Item {
    let mut item = keys::person_permissions(&org.id, person).to_item();
    item.insert("version".into(), n(0));
    item
}

fn profile_item(org: &Organization, person: &Person) -> Item {
    let mut item = keys::person_profile(&org.pool, &person.id).to_item();
    item.insert("orgs".into(), AttributeValue::Ss(vec![org.id.to_string()]));
    item.insert("id".into(), s(person.id.as_str()));
    item.insert("active".into(), AttributeValue::Bool(person.active));
    item.insert("region".into(), s(&person.region));
    item.insert("version".into(), n(person.version));
    let handles = person
        .handles
        .iter()
        .map(|h| {
            AttributeValue::M(
                [
                    ("type".to_owned(), s(h.kind().as_str())),
                    ("value".to_owned(), s(h.value())),
                ]
                .into(),
            )
        })
        .collect();
    item.insert("handles".into(), AttributeValue::L(handles));
    item
}

fn person_from_item(item: &Item) -> Result<Person, StoreError> {
    let corrupt = |e: String| StoreError::Internal(e);
    let handles = get_list(item, "handles")?
        .iter()
        .map(|h| {
            let AttributeValue::M(m) = h else {
                return Err(corrupt("handle is not a map".into()));
            };
            let kind: HandleKind =
                serde_json::from_value(serde_json::Value::String(get_s(m, "type")?.to_owned()))
                    .map_err(|e| corrupt(e.to_string()))?;
            Handle::parse(kind, get_s(m, "value")?).map_err(|e| corrupt(e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    Ok(Person {
        id: PersonId::parse(get_s(item, "id")?).map_err(|e| corrupt(e.to_string()))?,
        active: get_bool(item, "active")?,
        region: get_s(item, "region")?.to_owned(),
        handles,
        version: get_u64(item, "version")?,
    })
}
