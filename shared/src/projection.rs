//! The DynamoDB Streams consumer: keeps the denormalized copies of person and role fields (role
//! members, `identities` and `roles` search documents) current.
//!
//! Each record only says *what* changed (its keys); the consumer re-derives the projection from
//! the table as it is now, strongly consistent, and writes it under a source-version condition.
//! So a replayed record rewrites the same thing, an out-of-order one derives the newest state
//! anyway, and a stale write loses against a newer one.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::db::{Condition, Db};
use crate::error::StoreError;
use crate::ids::{DocumentId, OrgId, PersonId, RoleId};
use crate::indexer;
use crate::item::{get_s, get_u64, n};
use crate::keys;
use crate::role::IdentityFields;
use crate::store::orgs::Organization;
use crate::store::persons;
use crate::store::roles::{self, StoredRole};
use crate::store::search::{self, Index};
use crate::store::search_engine::SearchEngine;

/// The part of a Lambda DynamoDB Streams event the consumer reads.
#[derive(Debug, Deserialize)]
pub struct StreamEvent {
    #[serde(rename = "Records", default)]
    pub records: Vec<StreamRecord>,
}

#[derive(Debug, Deserialize)]
pub struct StreamRecord {
    pub dynamodb: StreamChange,
}

#[derive(Debug, Deserialize)]
pub struct StreamChange {
    #[serde(rename = "Keys")]
    pub keys: RecordKeys,
    #[serde(rename = "SequenceNumber", default)]
    pub sequence_number: String,
}

#[derive(Debug, Deserialize)]
pub struct RecordKeys {
    pub pk: StringValue,
    pub sk: StringValue,
}

#[derive(Debug, Deserialize)]
pub struct StringValue {
    #[serde(rename = "S")]
    pub s: String,
}

/// Lambda's partial-batch answer: processing resumes at the first failed record.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct BatchResponse {
    #[serde(rename = "batchItemFailures")]
    pub failures: Vec<ItemFailure>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ItemFailure {
    #[serde(rename = "itemIdentifier")]
    pub item_identifier: String,
}

/// What a changed item means for the projections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A profile: its fields feed every role membership and identity document of the person.
    Profile { pool: OrgId, person: PersonId },
    /// A membership, or a role assignment: the identity document of (org, person).
    Identity { org: OrgId, person: PersonId },
    /// A role or its member count: the role's document.
    Role { org: OrgId, role: RoleId },
    /// A search document (ingested or projected): its copy in the search engine.
    Document {
        org: OrgId,
        index: Index,
        id: DocumentId,
    },
}

/// Classifies a changed item by its key; `None` for items no projection depends on.
pub fn change_of(pk: &str, sk: &str) -> Option<Change> {
    let mut parts = pk.split('#');
    let org = OrgId::parse(parts.next()?).ok()?;
    match (parts.next(), parts.next(), parts.next()) {
        (None, _, _) => {
            let role = sk.strip_prefix(keys::ROLE_PREFIX)?;
            Some(Change::Role {
                org,
                role: RoleId::parse(role).ok()?,
            })
        }
        (Some("PERSON"), Some(person), None) => {
            let person = PersonId::parse(person).ok()?;
            if sk == "#PROFILE" {
                Some(Change::Profile { pool: org, person })
            } else if let Some(member_of) = sk.strip_prefix("#MEMBER#") {
                Some(Change::Identity {
                    org: OrgId::parse(member_of).ok()?,
                    person,
                })
            } else if sk.starts_with(keys::PERSON_ROLE_PREFIX) {
                Some(Change::Identity { org, person })
            } else {
                None
            }
        }
        (Some("ROLE"), Some(role), None) if sk == "#ROLE" => Some(Change::Role {
            org,
            role: RoleId::parse(role).ok()?,
        }),
        (Some("DOC"), _, _) => document_change(pk, sk),
        _ => None,
    }
}

/// A search document's change, from its key.
fn document_change(pk: &str, sk: &str) -> Option<Change> {
    let (org, index, id) = keys::parse_search_document(pk, sk)?;
    Some(Change::Document {
        org,
        index: Index::parse(index)?,
        id: DocumentId::parse(id).ok()?,
    })
}

/// Applies a batch in order; on a failure, reports it and stops, so Lambda retries from there.
/// Search documents are collected and indexed together (one `_bulk`) when `engine` is given,
/// before any failure is reported, so the retry's starting point is the earliest record not done.
pub async fn apply(db: &Db, engine: Option<&SearchEngine>, event: &StreamEvent) -> BatchResponse {
    let mut seen: Vec<Change> = Vec::new();
    let mut documents = indexer::Pending::default();
    let mut failed: Option<&str> = None;
    for record in &event.records {
        let keys = &record.dynamodb.keys;
        let Some(change) = change_of(&keys.pk.s, &keys.sk.s) else {
            continue;
        };
        // A batch often names the same thing many times; deriving it once is enough.
        if seen.contains(&change) {
            continue;
        }
        if let Change::Document { org, index, id } = &change {
            if engine.is_some() {
                documents.add(&record.dynamodb.sequence_number, org, *index, id);
            }
        } else if let Err(e) = project(db, &change).await {
            tracing::warn!(error = %e, "projection failed; the batch resumes from this record");
            failed = Some(&record.dynamodb.sequence_number);
            break;
        }
        seen.push(change);
    }
    if let Some(engine) = engine
        && let Err(sequence_number) = indexer::index(db, engine, &documents).await
    {
        failed = Some(sequence_number);
    }
    match failed {
        None => BatchResponse::default(),
        Some(sequence_number) => BatchResponse {
            failures: vec![ItemFailure {
                item_identifier: sequence_number.to_owned(),
            }],
        },
    }
}

pub async fn project(db: &Db, change: &Change) -> Result<(), StoreError> {
    match change {
        Change::Profile { pool, person } => {
            let Some(profile) = db.get(&keys::person_profile(pool, person)).await? else {
                return Ok(());
            };
            let orgs: Vec<OrgId> = profile
                .get("orgs")
                .and_then(|v| v.as_ss().ok())
                .map(|ss| ss.iter().filter_map(|o| OrgId::parse(o).ok()).collect())
                .unwrap_or_default();
            for org in orgs {
                let org = Organization::in_pool(org, pool.clone());
                refresh_memberships(db, &org, person).await?;
                identity_document(db, &org, person).await?;
            }
            Ok(())
        }
        Change::Identity { org, person } => {
            let Some(org) = crate::store::orgs::get(db, org).await? else {
                return Ok(());
            };
            identity_document(db, &org, person).await
        }
        Change::Role { org, role } => role_document(db, org, role).await,
        // Indexed in bulk by `apply`; the table already holds it.
        Change::Document { .. } => Ok(()),
    }
}

/// Copies the person's current fields into each role membership older than them.
async fn refresh_memberships(
    db: &Db,
    org: &Organization,
    person: &PersonId,
) -> Result<(), StoreError> {
    let Some(p) = persons::get(db, org, person).await? else {
        return Ok(());
    };
    let fields = IdentityFields::of(&p);
    for role in role_ids(db, &org.id, person).await? {
        let mut item = crate::db::Item::new();
        roles::set_fields(&mut item, person, &fields);
        let mut sets = Vec::new();
        let mut names = Vec::new();
        let mut values = Vec::new();
        let placeholders: Vec<(String, String)> = (0..item.len())
            .map(|i| (format!("#a{i}"), format!(":v{i}")))
            .collect();
        for ((attr, value), (name, val)) in item.iter().zip(&placeholders) {
            sets.push(format!("{name} = {val}"));
            names.push((name.as_str(), attr.as_str()));
            values.push((val.as_str(), value.clone()));
        }
        values.push((":version", n(fields.version)));
        let write = db.update(
            &keys::role_member(&org.id, role.as_str(), person),
            &format!("SET {}", sets.join(", ")),
            Condition::new("attribute_exists(pk) AND src_version < :version")
                .names(&names)
                .values(values),
        );
        match db.transact(vec![write]).await {
            Ok(()) | Err(StoreError::TransactionCancelled(_) | StoreError::ConditionFailed) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn role_ids(db: &Db, org: &OrgId, person: &PersonId) -> Result<Vec<RoleId>, StoreError> {
    db.query_prefix(
        &keys::person_partition(org, person),
        keys::PERSON_ROLE_PREFIX,
    )
    .await?
    .iter()
    .map(|i| RoleId::parse(get_s(i, "role")?).map_err(|e| StoreError::Internal(e.to_string())))
    .collect()
}

/// The `identities` document of (org, person): the identity's fields and its roles as access.
async fn identity_document(
    db: &Db,
    org: &Organization,
    person: &PersonId,
) -> Result<(), StoreError> {
    let Some(p) = persons::get(db, org, person).await? else {
        return search::remove(db, &org.id, Index::Identities, person.as_str()).await;
    };
    let fields = IdentityFields::of(&p);
    let role_keys: Vec<keys::Key> = role_ids(db, &org.id, person)
        .await?
        .iter()
        .map(|r| keys::role(&org.id, r.as_str()))
        .collect();
    let mut access = Vec::new();
    for item in db.batch_get_many(&role_keys).await? {
        if !crate::store::liveness::is_alive(&item) {
            continue;
        }
        let name = get_s(&item, "name")?;
        access.push(json!({
            "id": get_s(&item, "id")?,
            "name": name,
            "displayName": name,
            "type": "ROLE",
        }));
    }
    access.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let doc = json!({
        "id": person.as_str(),
        "name": fields.alias.clone().or_else(|| fields.email.clone()).unwrap_or_else(|| person.as_str().to_owned()),
        "displayName": fields.name,
        "email": fields.email,
        "inactive": !p.active,
        "access": access,
        "accessCount": access.len(),
        "roleCount": access.len(),
        "entitlementCount": 0,
        "accessProfileCount": 0,
        "_type": "identity",
        "type": "identity",
        "_version": "v1",
    });
    search::project(
        db,
        &org.id,
        Index::Identities,
        person.as_str(),
        &doc,
        fields.version,
    )
    .await
    .map(|_| ())
}

/// The `roles` document of a role: its own fields plus its exact member count.
async fn role_document(db: &Db, org: &OrgId, role: &RoleId) -> Result<(), StoreError> {
    // Roles live in the org's own partition; the pool plays no part in reading one.
    let Some(stored) =
        roles::get(db, &Organization::in_pool(org.clone(), org.clone()), role).await?
    else {
        return search::remove(db, org, Index::Roles, role.as_str()).await;
    };
    let count = db
        .get(&keys::role_sentinel_low(org, role.as_str()))
        .await?
        .map(|i| get_u64(&i, "member_count"))
        .transpose()?
        .unwrap_or(0);
    let StoredRole { doc, version, .. } = stored;
    let mut doc = Value::Object(doc);
    doc["identityCount"] = json!(count);
    doc["_type"] = json!("role");
    doc["type"] = json!("role");
    doc["_version"] = json!("v1");
    if let Some(m) = doc.get_mut("membership") {
        // The document lists who the role names, not every member: that is what the
        // assigned-identities endpoint pages through.
        if let Some(ids) = m.get_mut("identities") {
            *ids = json!(ids.as_array().map_or(0, Vec::len));
        }
    }
    search::project(db, org, Index::Roles, role.as_str(), &doc, version)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "af5fbd30-7ce7-4548-8b30-4cd59cb2aba1";

    #[test]
    fn a_profile_change_is_recognised_by_its_key() {
        let c = change_of(&format!("{ORG}#PERSON#p1"), "#PROFILE").unwrap();
        assert!(matches!(c, Change::Profile { person, .. } if person.as_str() == "p1"));
    }

    #[test]
    fn a_role_assignment_changes_the_identity_document_of_its_org() {
        let c = change_of(&format!("{ORG}#PERSON#p1"), "ROLEM#r1").unwrap();
        assert!(matches!(c, Change::Identity { org, .. } if org.as_str() == ORG));
    }

    #[test]
    fn a_member_count_change_rederives_the_role_document() {
        let c = change_of(&format!("{ORG}#ROLE#r1"), "#ROLE").unwrap();
        assert!(matches!(c, Change::Role { role, .. } if role.as_str() == "r1"));
        assert_eq!(change_of(&format!("{ORG}#ROLE#r1"), "M#p1"), None);
    }

    #[test]
    fn a_search_document_change_names_its_index_and_id() {
        let c = change_of(&format!("{ORG}#DOC#entitlements#e1"), "#DOC").unwrap();

        assert!(
            matches!(c, Change::Document { index: Index::Entitlements, id, .. }
            if id.as_str() == "e1")
        );
    }

    #[test]
    fn items_no_projection_reads_are_ignored() {
        assert_eq!(change_of(ORG, "KEY#abc"), None);
        assert_eq!(change_of(&format!("{ORG}#PERSON#p1"), "ATTR#b#a"), None);
        assert_eq!(change_of("not-an-org", "#PROFILE"), None);
    }
}
