//! Persons: the profile lives in the person pool's partition, a membership item in each org the
//! person belongs to, and one uniqueness item per handle in the pool.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::attribute::{AttributeName, AttributeValue as AttrValue, Bucket};
use crate::db::{Condition, Db, Item, QuerySpec};
use crate::error::StoreError;
use crate::ids::PersonId;
use crate::item::{get_bool, get_list, get_s, get_u64, has_key, n, opt_s, s};
use crate::keys;
use crate::person::{DisplayName, Handle, HandleKind, Person};
use crate::store::attributes;
use crate::store::liveness;
use crate::store::orgs::Organization;

#[derive(Debug, thiserror::Error)]
pub enum CreatePersonError {
    #[error("handle {0:?} already belongs to a person")]
    HandleTaken(Option<Handle>),
    #[error("a person with this id already exists")]
    IdTaken,
    #[error("a person can be created with at most {0} handles and attributes together")]
    TooManyItems(usize),
    /// The `i`-th of the caller's extra writes (`create_with`) did not hold its condition.
    #[error("extra write {0} of the creation did not hold its condition")]
    ExtraFailed(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Items of a creation besides handles and attributes: profile, membership, permissions version.
const FIXED_ITEMS: usize = 3;

pub type NewAttribute = (Bucket, AttributeName, AttrValue);

/// Creates the person in `org` (profile in its pool), its handles and initial attributes, in one
/// transaction: a taken handle leaves nothing behind.
pub async fn create(
    db: &Db,
    org: &Organization,
    person: &Person,
    attrs: &[NewAttribute],
) -> Result<(), CreatePersonError> {
    create_with(db, org, person, attrs, Vec::new()).await
}

/// `create`, with the caller's `extra` writes in the same transaction (another face's record of
/// the person, a check of the caller's session), so the person exists with them or not at all.
pub async fn create_with(
    db: &Db,
    org: &Organization,
    person: &Person,
    attrs: &[NewAttribute],
    extra: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
) -> Result<(), CreatePersonError> {
    let max = db
        .max_transaction_items
        .saturating_sub(FIXED_ITEMS + extra.len());
    if person.handles.len() + attrs.len() > max {
        return Err(CreatePersonError::TooManyItems(max));
    }
    let mut writes = vec![
        db.put(profile_item(org, person), Condition::absent()),
        db.put(membership_item(org, &person.id), Condition::none()),
        // Present from membership on, so reading a person's permissions can tell "none" from 404.
        db.put(permissions_version_item(org, &person.id), Condition::none()),
    ];
    for handle in &person.handles {
        let mut item =
            keys::handle(&org.pool, handle.kind().as_str(), &handle.normalized()).to_item();
        item.insert("person_id".into(), s(person.id.as_str()));
        writes.push(db.put(item, Condition::absent()));
    }
    for (bucket, name, value) in attrs {
        writes.push(db.put(
            attributes::item(bucket.owner(org), &person.id, bucket, name, value),
            Condition::none(),
        ));
    }
    let first_extra = writes.len();
    writes.extend(extra);
    match db.transact(writes).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(reasons)) => {
            let failed = reasons.iter().position(|r| r == "ConditionalCheckFailed");
            Err(match failed {
                Some(0) => CreatePersonError::IdTaken,
                Some(i) if i >= first_extra => CreatePersonError::ExtraFailed(i - first_extra),
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

/// Every org of the pool the person belongs to (the profile's `orgs`), if it is a live member
/// of `org`. One BatchGetItem: membership and profile together, strongly consistent.
pub async fn orgs_of(
    db: &Db,
    org: &Organization,
    id: &PersonId,
) -> Result<Option<Vec<crate::ids::OrgId>>, StoreError> {
    let (member_key, profile_key) = (
        keys::person_membership(&org.pool, &org.id, id),
        keys::person_profile(&org.pool, id),
    );
    let items = db
        .batch_get(&[member_key.clone(), profile_key.clone()])
        .await?;
    let live = items
        .iter()
        .any(|i| has_key(i, &member_key) && liveness::is_alive(i));
    let Some(profile) = items
        .iter()
        .find(|i| has_key(i, &profile_key))
        .filter(|_| live)
    else {
        return Ok(None);
    };
    let orgs = profile
        .get("orgs")
        .and_then(|v| v.as_ss().ok())
        .map(|ss| {
            ss.iter()
                .map(|o| {
                    crate::ids::OrgId::parse(o).map_err(|e| StoreError::Internal(e.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(Some(orgs))
}

/// The persons of `ids` that belong to `org`, in no particular order (absent ones are left out).
pub async fn get_many(
    db: &Db,
    org: &Organization,
    ids: &[PersonId],
) -> Result<Vec<Person>, StoreError> {
    let keys: Vec<keys::Key> = ids
        .iter()
        .flat_map(|id| {
            [
                keys::person_membership(&org.pool, &org.id, id),
                keys::person_profile(&org.pool, id),
            ]
        })
        .collect();
    let items = db.batch_get_many(&keys).await?;
    let mut found = Vec::new();
    for id in ids {
        let member = keys::person_membership(&org.pool, &org.id, id);
        let profile = keys::person_profile(&org.pool, id);
        let live = items
            .iter()
            .any(|i| has_key(i, &member) && i.get("state").is_none());
        if let Some(p) = items.iter().find(|i| has_key(i, &profile)).filter(|_| live) {
            found.push(person_from_item(p)?);
        }
    }
    Ok(found)
}

/// The id of the person in `org`'s pool who owns `handle`, if any (strongly consistent). The
/// person may belong to other orgs of the pool only: `get`/`get_many` tell.
pub async fn handle_owner(
    db: &Db,
    org: &Organization,
    handle: &Handle,
) -> Result<Option<PersonId>, StoreError> {
    let key = keys::handle(&org.pool, handle.kind().as_str(), &handle.normalized());
    db.get(&key)
        .await?
        .map(|item| {
            PersonId::parse(get_s(&item, "person_id")?)
                .map_err(|e| StoreError::Internal(e.to_string()))
        })
        .transpose()
}

/// One page of the ids of `org`'s live members, in id order, from the `org_members` index
/// (eventually consistent): at most `limit`, after `start`; the second value is where the next
/// page starts, `None` at the end.
pub async fn member_ids_page(
    db: &Db,
    org: &Organization,
    limit: usize,
    start: Option<Item>,
) -> Result<(Vec<PersonId>, Option<Item>), StoreError> {
    let partition = keys::org_members_partition(&org.id);
    let page = db
        .query_page(&QuerySpec {
            limit: Some(i32::try_from(limit.max(1)).unwrap_or(i32::MAX)),
            start,
            ..QuerySpec::global_index(keys::ORG_MEMBERS_INDEX, keys::MEM_PK, &partition)
        })
        .await?;
    let ids = page
        .items
        .iter()
        .map(|i| {
            PersonId::parse(get_s(i, keys::MEM_SK)?)
                .map_err(|e| StoreError::Internal(e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    Ok((ids, page.last))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    Created,
    Updated,
}

#[derive(Debug, thiserror::Error)]
pub enum PutPersonError {
    #[error("the handles belong to different persons")]
    HandlesOfDifferentPersons,
    #[error(transparent)]
    Create(#[from] CreatePersonError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `PUT /persons`: the person owning any of the handles is updated (joining `org` if needed,
/// gaining the other handles, `active` and attributes merged); with none, one is created.
/// Running it twice changes nothing the second time.
pub async fn put(
    db: &Db,
    org: &Organization,
    new: &Person,
    attrs: &[NewAttribute],
    active_given: bool,
) -> Result<(Person, PutOutcome), PutPersonError> {
    for _ in 0..3 {
        let handle_keys: Vec<_> = new
            .handles
            .iter()
            .map(|h| keys::handle(&org.pool, h.kind().as_str(), &h.normalized()))
            .collect();
        let owners: std::collections::BTreeSet<String> = db
            .batch_get(&handle_keys)
            .await?
            .iter()
            .map(|i| get_s(i, "person_id").map(str::to_owned))
            .collect::<Result<_, _>>()?;
        let owner = match owners.len() {
            0 => match create(db, org, new, attrs).await {
                Ok(()) => return Ok((new.clone(), PutOutcome::Created)),
                // Someone claimed a handle meanwhile: look again.
                Err(CreatePersonError::HandleTaken(_)) => continue,
                Err(e) => return Err(e.into()),
            },
            1 => PersonId::parse(owners.first().expect("one"))
                .map_err(|e| StoreError::Internal(e.to_string()))?,
            _ => return Err(PutPersonError::HandlesOfDifferentPersons),
        };
        let profile_key = keys::person_profile(&org.pool, &owner);
        let Some(current) = db
            .get(&profile_key)
            .await?
            .as_ref()
            .map(person_from_item)
            .transpose()?
        else {
            continue;
        };
        let mut person = current.clone();
        if active_given {
            person.active = new.active;
        }
        let added: Vec<_> = new
            .handles
            .iter()
            .filter(|h| {
                !current
                    .handles
                    .iter()
                    .any(|c| c.kind() == h.kind() && c.normalized() == h.normalized())
            })
            .cloned()
            .collect();
        person.handles.extend(added.iter().cloned());
        person.version = current.version + 1;
        let mut profile = profile_item(org, &person);
        profile.remove("orgs");
        let update = db.update(
            &profile_key,
            "SET #a = :a, #h = :h, #v = :next ADD #orgs :org",
            Condition::new("#v = :read")
                .names(&[
                    ("#a", "active"),
                    ("#h", "handles"),
                    ("#v", "version"),
                    ("#orgs", "orgs"),
                ])
                .values(vec![
                    (":a", profile["active"].clone()),
                    (":h", profile["handles"].clone()),
                    (":next", n(person.version)),
                    (":read", n(current.version)),
                    (":org", AttributeValue::Ss(vec![org.id.to_string()])),
                ]),
        );
        let member = keys::person_membership(&org.pool, &org.id, &owner);
        let mut writes = vec![
            update,
            db.update(
                &member,
                "SET #org = :org, #mem_pk = :mem_pk, #mem_sk = :mem_sk",
                liveness::not_deleting()
                    .names(&[
                        ("#org", "org"),
                        ("#mem_pk", keys::MEM_PK),
                        ("#mem_sk", keys::MEM_SK),
                    ])
                    .values(vec![
                        (":org", s(org.id.as_str())),
                        (":mem_pk", s(keys::org_members_partition(&org.id))),
                        (":mem_sk", s(owner.as_str())),
                    ]),
            ),
            db.update(
                &keys::person_permissions(&org.id, &owner),
                "SET #v = if_not_exists(#v, :zero)",
                Condition::none()
                    .names(&[("#v", "version")])
                    .values(vec![(":zero", n(0))]),
            ),
        ];
        for handle in &added {
            let mut item =
                keys::handle(&org.pool, handle.kind().as_str(), &handle.normalized()).to_item();
            item.insert("person_id".into(), s(owner.as_str()));
            writes.push(db.put(item, Condition::absent()));
        }
        for (bucket, name, value) in attrs {
            writes.push(db.put(
                attributes::item(bucket.owner(org), &owner, bucket, name, value),
                Condition::none(),
            ));
        }
        if writes.len() > db.max_transaction_items {
            return Err(
                CreatePersonError::TooManyItems(db.max_transaction_items - FIXED_ITEMS).into(),
            );
        }
        match db.transact(writes).await {
            Ok(()) => return Ok((person, PutOutcome::Updated)),
            Err(StoreError::TransactionCancelled(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::ConditionFailed.into())
}

/// `PATCH /persons/{id}`: sets `active`. `None` when the person is not a member of `org`.
pub async fn patch(
    db: &Db,
    org: &Organization,
    id: &PersonId,
    active: Option<bool>,
    name: Option<&DisplayName>,
) -> Result<Option<Person>, StoreError> {
    let mut sets = vec!["#v = #v + :one"];
    let mut names = vec![("#v", "version"), ("#orgs", "orgs")];
    let mut values = vec![(":one", n(1)), (":org", s(org.id.as_str()))];
    if let Some(a) = active {
        sets.push("#a = :a");
        names.push(("#a", "active"));
        values.push((":a", AttributeValue::Bool(a)));
    }
    if let Some(name) = name {
        sets.push("#n = :n");
        names.push(("#n", "name"));
        values.push((":n", s(name.as_str())));
    }
    let item = db
        .update_returning(
            &keys::person_profile(&org.pool, id),
            &format!("SET {}", sets.join(", ")),
            Condition::new("attribute_exists(pk) AND contains(#orgs, :org)")
                .names(&names)
                .values(values),
        )
        .await?;
    item.as_ref().map(person_from_item).transpose()
}

/// Gives a live membership written before the `org_members` index existed its place there, so
/// `GET /persons` lists it; `item` is the membership as a Scan read it. `false` when there was
/// nothing to do (not a membership, tombstoned, already indexed, or gone meanwhile).
pub async fn backfill_membership(db: &Db, item: &Item) -> Result<bool, StoreError> {
    let Some(key) = keys::Key::of(item) else {
        return Ok(false);
    };
    let Some(org) = key.sk.strip_prefix(keys::membership_sk_prefix()) else {
        return Ok(false);
    };
    let Some(person) = key.pk.rsplit_once("#PERSON#").map(|(_, p)| p) else {
        return Ok(false);
    };
    if item.contains_key(keys::MEM_PK) || !liveness::is_alive(item) {
        return Ok(false);
    }
    let (Ok(org), Ok(person)) = (crate::ids::OrgId::parse(org), PersonId::parse(person)) else {
        return Ok(false);
    };
    let write = db.update(
        &key,
        "SET #mem_pk = :mem_pk, #mem_sk = :mem_sk",
        liveness::alive_where("attribute_exists(pk) AND attribute_not_exists(#mem_pk)")
            .names(&[("#mem_pk", keys::MEM_PK), ("#mem_sk", keys::MEM_SK)])
            .values(vec![
                (":mem_pk", s(keys::org_members_partition(&org))),
                (":mem_sk", s(person.as_str())),
            ]),
    );
    match db.transact(vec![write]).await {
        Ok(()) => Ok(true),
        Err(StoreError::TransactionCancelled(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A live membership: in the org's `org_members` index partition, so `GET /persons` lists it.
pub fn membership_item(org: &Organization, person: &PersonId) -> Item {
    let mut item = keys::person_membership(&org.pool, &org.id, person).to_item();
    item.insert("org".into(), s(org.id.as_str()));
    item.insert(keys::MEM_PK.into(), s(keys::org_members_partition(&org.id)));
    item.insert(keys::MEM_SK.into(), s(person.as_str()));
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
    if let Some(name) = &person.name {
        item.insert("name".into(), s(name.as_str()));
    }
    item.insert("handles".into(), handles_attribute(&person.handles));
    item
}

/// A profile's `handles`: a list of `{type, value}` maps, as `person_from_item` reads them.
pub(crate) fn handles_attribute(handles: &[Handle]) -> AttributeValue {
    AttributeValue::L(
        handles
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
            .collect(),
    )
}

pub fn person_from_item(item: &Item) -> Result<Person, StoreError> {
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
        name: opt_s(item, "name")?
            .map(DisplayName::parse)
            .transpose()
            .map_err(|e| corrupt(e.to_string()))?,
        version: get_u64(item, "version")?,
    })
}
