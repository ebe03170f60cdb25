//! `import FILE.ndjson`: each line a `Record`, validated by the API's own newtypes and written
//! through the store layer. Consecutive records of one kind form a group whose records are
//! written concurrently; a kind's group ends where the next kind begins, so the file's order
//! is the dependency order. Records without invariants across items (attributes, documents,
//! memberships) go out in BatchWriteItem batches; the rest through the API's transactions.
//! Every write is idempotent: importing a file twice changes nothing the second time.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::BufRead;
use std::sync::Mutex;

use futures_util::{StreamExt, stream};
use idgraph::App;
use idgraph::attribute::{AttributeName, AttributeValue};
use idgraph::auth::sha256_hex;
use idgraph::error::StoreError;
use idgraph::faces::slashid::PersonCreateReq;
use idgraph::ids::{DocumentId, OrgId, PersonId, RoleId};
use idgraph::keys;
use idgraph::permission::{PermissionName, PermissionSet};
use idgraph::role::{RoleBody, Source};
use idgraph::store::buckets::{self, BucketView};
use idgraph::store::orgs::{self, Organization};
use idgraph::store::search::{Index, MAX_DOCUMENT_BYTES};
use idgraph::store::{permissions, persons, roles};
use indicatif::ProgressBar;
use serde_json::Value;

use crate::record::Record;

/// Records of one kind written together; bounds memory on any file size.
const GROUP: usize = 500;

#[derive(Debug, Clone)]
pub struct Options {
    /// Stop at the first bad line instead of skipping it.
    pub strict: bool,
    /// Records of a group in flight at once.
    pub concurrency: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            strict: false,
            concurrency: 16,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub lines: usize,
    /// Records that wrote something new.
    pub written: usize,
    /// Records already in the table as given.
    pub unchanged: usize,
    pub bad: Vec<BadLine>,
    /// Set when `strict` stopped the import at a bad line.
    pub stopped: bool,
    /// Role member counts set after the memberships were written.
    pub recounted: BTreeMap<String, u64>,
}

enum Outcome {
    Written,
    Unchanged,
}

type Applied = Result<Outcome, String>;

pub async fn import(
    app: &App,
    input: impl BufRead,
    opts: &Options,
    progress: &ProgressBar,
) -> Result<Summary, String> {
    let importer = Importer {
        app,
        opts,
        orgs: Mutex::new(HashMap::new()),
        views: Mutex::new(HashMap::new()),
        touched_roles: Mutex::new(BTreeSet::new()),
    };
    let mut summary = Summary::default();
    let mut group: Vec<(usize, Record)> = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|e| format!("line {line_no}: {e}"))?;
        summary.lines = line_no;
        if line.trim().is_empty() {
            progress.inc(1);
            continue;
        }
        match serde_json::from_str::<Record>(&line) {
            Ok(record) => {
                if group
                    .first()
                    .is_some_and(|(_, r)| r.kind() != record.kind())
                    || group.len() >= GROUP
                {
                    importer
                        .flush(std::mem::take(&mut group), &mut summary, progress)
                        .await?;
                    if summary.stopped {
                        break;
                    }
                }
                group.push((line_no, record));
            }
            Err(e) => {
                progress.inc(1);
                summary.bad.push(BadLine {
                    line: line_no,
                    reason: e.to_string(),
                });
                if opts.strict {
                    summary.stopped = true;
                    break;
                }
            }
        }
    }
    if !summary.stopped {
        importer.flush(group, &mut summary, progress).await?;
    }
    // Member counts once per role, after all its memberships: never once per batch.
    let touched = std::mem::take(&mut *importer.touched_roles.lock().expect("not poisoned"));
    for (org, role) in touched {
        let org = importer
            .org(&org)
            .await
            .map_err(|e| format!("recount: {e}"))?;
        let id = RoleId::parse(&role).map_err(|e| e.to_string())?;
        let count = roles::recount(&app.db, &org, &id)
            .await
            .map_err(|e| format!("recounting role {role}: {e}"))?;
        summary.recounted.insert(role, count);
    }
    summary.bad.sort_by_key(|b| b.line);
    Ok(summary)
}

struct Importer<'a> {
    app: &'a App,
    opts: &'a Options,
    orgs: Mutex<HashMap<String, Organization>>,
    views: Mutex<HashMap<String, BucketView>>,
    touched_roles: Mutex<BTreeSet<(String, String)>>,
}

impl Importer<'_> {
    async fn flush(
        &self,
        group: Vec<(usize, Record)>,
        summary: &mut Summary,
        progress: &ProgressBar,
    ) -> Result<(), String> {
        if group.is_empty() {
            return Ok(());
        }
        let results: Vec<(usize, Applied)> = match group[0].1.kind() {
            "attributes" => self.attributes(group).await,
            "assignment" => self.assignments(group).await,
            "document" => self.documents(group).await,
            _ => {
                stream::iter(group)
                    .map(|(line, record)| async move { (line, self.apply(record).await) })
                    .buffer_unordered(self.opts.concurrency.max(1))
                    .collect()
                    .await
            }
        };
        let mut results = results;
        results.sort_by_key(|(line, _)| *line);
        for (line, result) in results {
            progress.inc(1);
            match result {
                Ok(Outcome::Written) => summary.written += 1,
                Ok(Outcome::Unchanged) => summary.unchanged += 1,
                Err(reason) => {
                    summary.bad.push(BadLine { line, reason });
                    if self.opts.strict {
                        summary.stopped = true;
                    }
                }
            }
        }
        Ok(())
    }

    async fn org(&self, raw: &str) -> Result<Organization, String> {
        if let Some(o) = self.orgs.lock().expect("not poisoned").get(raw) {
            return Ok(o.clone());
        }
        let id = OrgId::parse(raw).map_err(|e| e.to_string())?;
        let org = orgs::get(&self.app.db, &id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or(format!("organization {id} does not exist"))?;
        self.orgs
            .lock()
            .expect("not poisoned")
            .insert(raw.to_owned(), org.clone());
        Ok(org)
    }

    async fn view(&self, org: &Organization) -> Result<BucketView, String> {
        if let Some(v) = self
            .views
            .lock()
            .expect("not poisoned")
            .get(org.id.as_str())
        {
            return Ok(v.clone());
        }
        let view = buckets::view(self.app, org)
            .await
            .map_err(|e| e.to_string())?;
        self.views
            .lock()
            .expect("not poisoned")
            .insert(org.id.as_str().to_owned(), view.clone());
        Ok(view)
    }

    /// One record of a kind written through the API's own transactions.
    async fn apply(&self, record: Record) -> Applied {
        let db = &self.app.db;
        match record {
            Record::Organization {
                id,
                name,
                parent,
                shares_parent_pool,
                api_key,
                api_key_sha256,
            } => {
                let org_id = OrgId::parse(&id).map_err(|e| e.to_string())?;
                let hash = match (api_key, api_key_sha256) {
                    (Some(k), None) => sha256_hex(&k),
                    (None, Some(h))
                        if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) =>
                    {
                        h
                    }
                    (None, Some(_)) => return Err("api_key_sha256 must be 64 hex digits".into()),
                    _ => return Err("give exactly one of api_key and api_key_sha256".into()),
                };
                let org = match parent {
                    None if shares_parent_pool => {
                        return Err("shares_parent_pool needs a parent".into());
                    }
                    None => Organization::root(org_id, name),
                    Some(parent) => {
                        let parent = self.org(&parent).await?;
                        let mut ancestors = parent.ancestors.clone();
                        ancestors.push(parent.id.clone());
                        Organization {
                            pool: if shares_parent_pool {
                                parent.pool.clone()
                            } else {
                                org_id.clone()
                            },
                            id: org_id,
                            name,
                            ancestors,
                        }
                    }
                };
                match orgs::create(db, &org, &hash).await {
                    Ok(()) => Ok(Outcome::Written),
                    Err(StoreError::ConditionFailed | StoreError::TransactionCancelled(_)) => {
                        Ok(Outcome::Unchanged)
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            Record::Person {
                org,
                id,
                active,
                region,
                name,
                handles,
            } => {
                let org = self.org(&org).await?;
                let id = PersonId::parse(&id).map_err(|e| e.to_string())?;
                let raw = serde_json::json!({
                    "active": active, "region": region, "name": name,
                    "handles": handles.iter().map(|h| serde_json::json!({"type": h.kind, "value": h.value})).collect::<Vec<_>>(),
                });
                let req: PersonCreateReq =
                    serde_json::from_value(raw).map_err(|e| e.to_string())?;
                let view = self.view(&org).await?;
                let new = req
                    .validate(id, &self.app.config.default_person_region, &view)
                    .map_err(|e| e.to_string())?;
                // PUT /persons bumps the profile's version even when nothing changes; a
                // re-import must not, so a person already as given is left alone.
                let current = persons::get(db, &org, &new.person.id)
                    .await
                    .map_err(|e| e.to_string())?;
                if current.is_some_and(|c| same_person(&c, &new.person))
                    && new.attributes.is_empty()
                {
                    return Ok(Outcome::Unchanged);
                }
                match persons::put(db, &org, &new.person, &new.attributes, true).await {
                    Ok((_, persons::PutOutcome::Created)) => Ok(Outcome::Written),
                    Ok((stored, persons::PutOutcome::Updated)) if stored.id != new.person.id => {
                        Err(format!("its handles belong to person {}", stored.id))
                    }
                    Ok((_, persons::PutOutcome::Updated)) => Ok(Outcome::Written),
                    Err(e) => Err(e.to_string()),
                }
            }
            Record::Permission {
                org,
                name,
                description,
            } => {
                let org = self.org(&org).await?;
                let name = PermissionName::parse(&name).map_err(|e| e.to_string())?;
                let now = idgraph::faces::slashid::now_rfc3339();
                match permissions::create(db, &org.id, &name, description.as_deref(), &now).await {
                    Ok(true) => Ok(Outcome::Written),
                    Ok(false) => Ok(Outcome::Unchanged),
                    Err(e) => Err(e.to_string()),
                }
            }
            Record::PersonPermissions {
                org,
                person,
                permissions: names,
            } => {
                let org = self.org(&org).await?;
                let person = PersonId::parse(&person).map_err(|e| e.to_string())?;
                let names = names
                    .iter()
                    .map(|n| PermissionName::parse(n).map_err(|e| e.to_string()))
                    .collect::<Result<BTreeSet<_>, _>>()?;
                let names = PermissionSet::new(names).map_err(|e| e.to_string())?;
                let current = permissions::of_person(db, &org.id, &person)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or(format!("person {person} is not in organization {}", org.id))?;
                let wanted: Vec<String> = names.iter().map(|n| n.as_str().to_owned()).collect();
                if current.0 == wanted {
                    return Ok(Outcome::Unchanged);
                }
                permissions::replace(db, &org.id, &person, &names, None)
                    .await
                    .map(|_| Outcome::Written)
                    .map_err(|e| e.to_string())
            }
            Record::Role { org, id, role } => {
                let org = self.org(&org).await?;
                let id = RoleId::parse(&id).map_err(|e| e.to_string())?;
                let body = RoleBody::parse(role).map_err(|e| e.to_string())?;
                if roles::get(db, &org, &id)
                    .await
                    .map_err(|e| e.to_string())?
                    .is_some()
                {
                    return Ok(Outcome::Unchanged);
                }
                let now = idgraph::faces::sailpoint::now_iso();
                match roles::create(db, &org, id, body, &now).await {
                    Ok(_) => Ok(Outcome::Written),
                    // Created meanwhile by another writer: present, as asked.
                    Err(roles::RoleError::Conflict) => Ok(Outcome::Unchanged),
                    Err(e) => Err(e.to_string()),
                }
            }
            Record::SsoUser { ref org, .. } => {
                let org = self.org(org).await?;
                crate::sso::import_user(self.app, &org, record)
                    .await
                    .map(|written| {
                        if written {
                            Outcome::Written
                        } else {
                            Outcome::Unchanged
                        }
                    })
            }
            Record::Attributes { .. } | Record::Assignment { .. } | Record::Document { .. } => {
                unreachable!("written in batches")
            }
        }
    }

    /// Attributes: validated, the person's membership checked in one BatchGetItem per 100, then
    /// the items written in BatchWriteItem batches (each attribute is its own item).
    async fn attributes(&self, group: Vec<(usize, Record)>) -> Vec<(usize, Applied)> {
        let mut results = Vec::new();
        let mut valid = Vec::new();
        for (line, record) in group {
            let Record::Attributes {
                org,
                person,
                bucket,
                attributes,
            } = record
            else {
                unreachable!("one kind per group")
            };
            let checked: Result<_, String> = async {
                let org = self.org(&org).await?;
                let person = PersonId::parse(&person).map_err(|e| e.to_string())?;
                let bucket = self
                    .view(&org)
                    .await?
                    .one(&bucket)
                    .map_err(|e| e.to_string())?;
                let mut items = Vec::new();
                for (name, value) in &attributes {
                    let name = AttributeName::parse(name).map_err(|e| e.to_string())?;
                    let value =
                        AttributeValue::from_json(&name, value).map_err(|e| e.to_string())?;
                    items.push(idgraph::store::attributes::item(
                        bucket.owner(&org),
                        &person,
                        &bucket,
                        &name,
                        &value,
                    ));
                }
                Ok((keys::person_membership(&org.pool, &org.id, &person), items))
            }
            .await;
            match checked {
                Ok(v) => valid.push((line, v)),
                Err(e) => results.push((line, Err(e))),
            }
        }
        let memberships: Vec<keys::Key> = valid.iter().map(|(_, (k, _))| k.clone()).collect();
        let live: BTreeSet<(String, String)> = match self.app.db.batch_get_many(&memberships).await
        {
            Ok(found) => found
                .iter()
                .filter(|i| !i.contains_key("state"))
                .filter_map(|i| Some((s_of(i, keys::PK)?, s_of(i, keys::SK)?)))
                .collect(),
            Err(e) => return fail_all(results, valid.into_iter().map(|(l, _)| l), &e),
        };
        let mut items = Vec::new();
        let mut written = Vec::new();
        for (line, (member, its)) in valid {
            if live.contains(&(member.pk.clone(), member.sk.clone())) {
                items.extend(its);
                written.push(line);
            } else {
                results.push((line, Err("the person is not in this organization".into())));
            }
        }
        match self.app.db.batch_put(items).await {
            Ok(()) => results.extend(written.into_iter().map(|l| (l, Ok(Outcome::Written)))),
            Err(e) => return fail_all(results, written.into_iter(), &e),
        }
        results
    }

    /// Memberships: per role, the persons looked up in batches, member and reverse items
    /// written in BatchWriteItem batches; the role's member count is set once at the end.
    async fn assignments(&self, group: Vec<(usize, Record)>) -> Vec<(usize, Applied)> {
        let mut results = Vec::new();
        // (org, role) → each member's (line, person, sources).
        type Members = Vec<(usize, PersonId, Vec<Source>)>;
        let mut by_role: BTreeMap<(String, String), Members> = BTreeMap::new();
        for (line, record) in group {
            let Record::Assignment {
                org,
                role,
                person,
                sources,
            } = record
            else {
                unreachable!("one kind per group")
            };
            let parsed: Result<_, String> = (|| {
                RoleId::parse(&role).map_err(|e| e.to_string())?;
                let person = PersonId::parse(&person).map_err(|e| e.to_string())?;
                let sources = sources
                    .iter()
                    .map(|s| Source::parse(s).ok_or(format!("unknown source {s:?}")))
                    .collect::<Result<Vec<_>, _>>()?;
                if sources.is_empty() {
                    return Err("an assignment needs at least one source".to_owned());
                }
                Ok((person, sources))
            })();
            match parsed {
                Ok((person, sources)) => by_role
                    .entry((org, role))
                    .or_default()
                    .push((line, person, sources)),
                Err(e) => results.push((line, Err(e))),
            }
        }
        for ((org_raw, role_raw), members) in by_role {
            let lines = members.iter().map(|(l, _, _)| *l).collect::<Vec<_>>();
            let role_ok: Result<(Organization, RoleId), String> = async {
                let org = self.org(&org_raw).await?;
                let role = RoleId::parse(&role_raw).map_err(|e| e.to_string())?;
                match roles::get(&self.app.db, &org, &role).await {
                    Ok(Some(_)) => Ok((org, role)),
                    Ok(None) => Err(format!("role {role} does not exist")),
                    Err(e) => Err(e.to_string()),
                }
            }
            .await;
            let (org, role) = match role_ok {
                Ok(v) => v,
                Err(e) => {
                    results.extend(lines.into_iter().map(|l| (l, Err(e.clone()))));
                    continue;
                }
            };
            let wanted: Vec<(PersonId, Vec<Source>)> = members
                .iter()
                .map(|(_, p, s)| (p.clone(), s.clone()))
                .collect();
            match roles::import_members(&self.app.db, &org, &role, &wanted).await {
                Ok(missing) => {
                    for (line, person, _) in members {
                        results.push((
                            line,
                            if missing.contains(&person) {
                                Err(format!("person {person} is not in organization {}", org.id))
                            } else {
                                Ok(Outcome::Written)
                            },
                        ));
                    }
                    self.touched_roles
                        .lock()
                        .expect("not poisoned")
                        .insert((org_raw, role_raw));
                }
                Err(e) => results.extend(lines.into_iter().map(|l| (l, Err(e.to_string())))),
            }
        }
        results
    }

    /// Ingested search documents, checked as `PUT /v3/search/{index}/{id}` checks them.
    async fn documents(&self, group: Vec<(usize, Record)>) -> Vec<(usize, Applied)> {
        let mut results = Vec::new();
        let mut items = Vec::new();
        let mut written = Vec::new();
        for (line, record) in group {
            let Record::Document { org, index, doc } = record else {
                unreachable!("one kind per group")
            };
            let checked: Result<_, String> = async {
                let org = self.org(&org).await?;
                let index = Index::parse(&index).ok_or(format!("unknown index {index:?}"))?;
                if index.is_projection() {
                    return Err(format!(
                        "{} documents are projections of the table",
                        index.as_str()
                    ));
                }
                if doc.get("_type").and_then(Value::as_str) != Some(index.doc_type()) {
                    return Err(format!(
                        "the document's _type must be {:?}",
                        index.doc_type()
                    ));
                }
                let id = doc
                    .get("id")
                    .and_then(Value::as_str)
                    .ok_or("the document has no id")?;
                let id = DocumentId::parse(id).map_err(|e| e.to_string())?;
                let text = doc.to_string();
                if text.len() > MAX_DOCUMENT_BYTES {
                    return Err(format!("the document is over {MAX_DOCUMENT_BYTES} bytes"));
                }
                let mut item =
                    keys::search_document(&org.id, index.as_str(), id.as_str()).to_item();
                item.insert("doc".into(), idgraph::item::s(text));
                Ok(item)
            }
            .await;
            match checked {
                Ok(item) => {
                    items.push(item);
                    written.push(line);
                }
                Err(e) => results.push((line, Err(e))),
            }
        }
        match self.app.db.batch_put(items).await {
            Ok(()) => results.extend(written.into_iter().map(|l| (l, Ok(Outcome::Written)))),
            Err(e) => return fail_all(results, written.into_iter(), &e),
        }
        results
    }
}

fn same_person(a: &idgraph::person::Person, b: &idgraph::person::Person) -> bool {
    let same_handle = |x: &idgraph::person::Handle, y: &idgraph::person::Handle| {
        x.kind() == y.kind() && x.normalized() == y.normalized()
    };
    a.active == b.active
        && a.region == b.region
        && a.name == b.name
        && a.handles.len() == b.handles.len()
        && b.handles
            .iter()
            .all(|h| a.handles.iter().any(|c| same_handle(c, h)))
}

fn s_of(item: &idgraph::db::Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

/// A failed batch: every line it carried is reported with the store's reason.
fn fail_all(
    mut results: Vec<(usize, Applied)>,
    lines: impl Iterator<Item = usize>,
    e: &StoreError,
) -> Vec<(usize, Applied)> {
    results.extend(lines.map(|l| (l, Err(format!("DynamoDB: {e}")))));
    results
}
