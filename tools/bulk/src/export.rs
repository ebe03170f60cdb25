//! `export ORG`: every record of one organization, in canonical order, so that importing the
//! output and exporting again gives the same file. It scans the table (filtered to the org's
//! partitions): an offline tool's read, never an API's. Derived items (handle uniqueness, reverse
//! memberships, holder indexes, sentinels, projections, sessions) are not records: import
//! rebuilds them.

use std::collections::{BTreeMap, BTreeSet};

use idgraph::App;
use idgraph::db::Item;
use idgraph::ids::OrgId;
use idgraph::item::{get_s, opt_s};
use idgraph::keys;
use idgraph::role::SERVER_FIELDS;
use idgraph::store::orgs;
use idgraph::store::search::Index;
use idgraph::store::{buckets, permissions, persons, roles, sso_users};
use serde_json::Value;

use crate::record::{Handle, Record};
use crate::sso;

/// Parallel scan segments: enough to keep DynamoDB busy, few enough for one process.
const SEGMENTS: i32 = 4;

pub async fn export(app: &App, org_id: &OrgId) -> Result<Vec<Record>, String> {
    let db = &app.db;
    let org = orgs::get(db, org_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or(format!("organization {org_id} does not exist"))?;
    let view = buckets::view(app, &org).await.map_err(|e| e.to_string())?;
    let mut prefixes = vec![org.id.as_str().to_owned()];
    if org.pool != org.id {
        prefixes.push(keys::person_partitions_prefix(&org.pool));
    }
    let items = db
        .scan_partitions(&prefixes, SEGMENTS)
        .await
        .map_err(|e| e.to_string())?;

    let person_prefix = keys::person_partitions_prefix;
    let role_prefix = keys::role_members_partitions_prefix(&org.id);
    let doc_prefix = keys::search_documents_prefix(&org.id);
    let member_sk = keys::membership_sk(&org.id);

    let mut records = Vec::new();
    let mut api_keys = BTreeSet::new();
    let mut members = BTreeSet::new();
    let mut profiles = BTreeMap::new();
    let mut attributes: BTreeMap<(String, String), serde_json::Map<String, Value>> =
        BTreeMap::new();
    let mut direct_permissions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut sso_records = BTreeMap::new();
    let mut sso_attrs: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    let bad = |e: idgraph::error::StoreError| e.to_string();

    for item in &items {
        let pk = get_s(item, keys::PK).map_err(bad)?;
        let sk = get_s(item, keys::SK).map_err(bad)?;
        if item.contains_key("state") {
            continue; // being deleted: not part of the directory any more
        }
        if pk == org.id.as_str() {
            if let Some(hash) = sk.strip_prefix(keys::API_KEY_PREFIX) {
                api_keys.insert(hash.to_owned());
            } else if let Some(name) = sk.strip_prefix(keys::PERMISSION_PREFIX) {
                records.push(Record::Permission {
                    org: org.id.as_str().to_owned(),
                    name: name.to_owned(),
                    description: opt_s(item, "description").map_err(bad)?.map(str::to_owned),
                });
            } else if sk.starts_with(keys::ROLE_PREFIX) {
                let role = roles::StoredRole::from_item(item).map_err(bad)?;
                let mut doc = role.doc;
                for f in SERVER_FIELDS {
                    doc.remove(f);
                }
                records.push(Record::Role {
                    org: org.id.as_str().to_owned(),
                    id: role.id.as_str().to_owned(),
                    role: Value::Object(doc),
                });
            }
        } else if let Some(rest) = pk.strip_prefix(&role_prefix) {
            if sk.starts_with(keys::ROLE_MEMBER_PREFIX) {
                let mut sources: Vec<String> = roles::sources_of(item)
                    .iter()
                    .map(|s| s.as_str().to_owned())
                    .collect();
                sources.sort();
                records.push(Record::Assignment {
                    org: org.id.as_str().to_owned(),
                    role: rest.to_owned(),
                    person: get_s(item, "id").map_err(bad)?.to_owned(),
                    sources,
                });
            }
        } else if let Some(rest) = pk.strip_prefix(&doc_prefix) {
            let (index, _) = rest.split_once('#').unwrap_or((rest, ""));
            if Index::parse(index).is_some_and(|i| !i.is_projection()) {
                records.push(Record::Document {
                    org: org.id.as_str().to_owned(),
                    index: index.to_owned(),
                    doc: serde_json::from_str(get_s(item, "doc").map_err(bad)?)
                        .map_err(|e| e.to_string())?,
                });
            }
        } else {
            // A person partition of the org or of its pool.
            let (owner, person) = if let Some(p) = pk.strip_prefix(&person_prefix(&org.pool)) {
                (&org.pool, p)
            } else if let Some(p) = pk.strip_prefix(&person_prefix(&org.id)) {
                (&org.id, p)
            } else {
                continue;
            };
            let person = person.to_owned();
            if owner == &org.pool && sk == keys::PROFILE_SK {
                profiles.insert(person, persons::person_from_item(item).map_err(bad)?);
            } else if owner == &org.pool && sk == member_sk {
                members.insert(person);
            } else if sk.starts_with(keys::ATTRIBUTE_PREFIX) {
                let bucket_name = get_s(item, "bucket").map_err(bad)?;
                let Some(bucket) = view
                    .accessible
                    .iter()
                    .find(|b| b.name.as_str() == bucket_name)
                else {
                    continue;
                };
                // Another org's private bucket in the shared pool partition, or a deleted
                // bucket's leftovers (an older generation): not this org's data.
                if bucket.owner(&org) != owner
                    || opt_s(item, "gen").map_err(bad)? != bucket.generation()
                {
                    continue;
                }
                let value = serde_json::from_str(get_s(item, "v").map_err(bad)?)
                    .map_err(|e| e.to_string())?;
                attributes
                    .entry((person, bucket_name.to_owned()))
                    .or_default()
                    .insert(get_s(item, "name").map_err(bad)?.to_owned(), value);
            } else if owner == &org.id && sk == keys::PERSON_PERMISSIONS_SK {
                let held = permissions::Held::from_item(item).map_err(bad)?;
                direct_permissions.insert(person, held.names.into_iter().collect());
            } else if owner == &org.id && sk == keys::SSO_USER_SK {
                if let Some(user) = sso_users::user_from_item(item).map_err(bad)? {
                    sso_records.insert(person, user);
                }
            } else if owner == &org.id && sk.starts_with(keys::SSO_ATTRIBUTE_PREFIX) {
                sso_attrs.entry(person).or_default().push(item.clone());
            }
        }
    }

    records.push(Record::Organization {
        id: org.id.as_str().to_owned(),
        name: org.name.clone(),
        parent: org.parent().map(|p| p.as_str().to_owned()),
        shares_parent_pool: org.pool != org.id,
        api_key: None,
        api_key_sha256: api_keys.into_iter().next(),
    });
    let member = |p: &String| members.contains(p) && profiles.contains_key(p);
    for (id, p) in &profiles {
        if !member(id) {
            continue;
        }
        records.push(Record::Person {
            org: org.id.as_str().to_owned(),
            id: id.clone(),
            active: p.active,
            region: p.region.clone(),
            name: p.name.as_ref().map(|n| n.as_str().to_owned()),
            handles: p
                .handles
                .iter()
                .map(|h| Handle {
                    kind: h.kind().as_str().to_owned(),
                    value: h.value().to_owned(),
                })
                .collect(),
        });
    }
    for ((person, bucket), attrs) in attributes {
        if member(&person) {
            records.push(Record::Attributes {
                org: org.id.as_str().to_owned(),
                person,
                bucket,
                attributes: attrs,
            });
        }
    }
    for (person, names) in direct_permissions {
        if member(&person) && !names.is_empty() {
            records.push(Record::PersonPermissions {
                org: org.id.as_str().to_owned(),
                person,
                permissions: names,
            });
        }
    }
    for (person, user) in sso_records {
        if member(&person) {
            let attrs =
                sso::stored_attributes(sso_attrs.get(&person).map_or(&[][..], Vec::as_slice))?;
            records.push(sso::user_record(&org, user, attrs));
        }
    }
    records.sort_by_key(Record::sort_key);
    Ok(records)
}

/// The organization's own id from a raw argument.
pub fn org_id(raw: &str) -> Result<OrgId, String> {
    OrgId::parse(raw).map_err(|e| e.to_string())
}
