//! Sets of names that must be live catalog items: a person's direct permissions (`PERMS`), a
//! role's permissions (the role item) and a person's roles (`RBACROLES`). Each is one item, one
//! conditional write per change, with a holder entry per name written before the name commits.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use crate::db::{Condition, Db, Item};
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::{get_s, get_u64, n, s};
use crate::keys;
use crate::permission::{IfMatch, PermissionSet, RoleName};

use super::*;

/// A set as its item holds it (a person's `PERMS` or `RBACROLES`, a role).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    pub version: u64,
    /// Sorted.
    pub names: BTreeSet<String>,
}

impl Held {
    /// Reads a `PERMS` item (export reads them from its scan). `names` is absent when empty:
    /// DynamoDB has no empty sets.
    pub fn from_item(item: &Item) -> Result<Self, StoreError> {
        let names = match item.get(NAMES) {
            None => BTreeSet::new(),
            Some(AttributeValue::Ss(names)) => names.iter().cloned().collect(),
            Some(_) => {
                return Err(StoreError::Internal(
                    "a person's permission names are not a string set".into(),
                ));
            }
        };
        Ok(Self {
            version: get_u64(item, VERSION)?,
            names,
        })
    }
}

/// Whose set a write changes. Each is one item of `names` and `version`; each name must be a live
/// item of a catalog when it is committed, and has a holder entry (written first) through which
/// that catalog item's deletion finds and revokes it. docs/data-model.md has the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A person's direct permissions: `PERMS`, from the permission catalog.
    PersonPermissions(PersonId),
    /// A role's permissions: the role item, from the permission catalog.
    RolePermissions(RoleName),
    /// A person's roles: `RBACROLES`, from the org's roles.
    PersonRoles(PersonId),
}

impl Subject {
    /// The item holding the set.
    pub fn set(&self, org: &OrgId) -> keys::Key {
        match self {
            Self::PersonPermissions(p) => keys::person_permissions(org, p),
            Self::RolePermissions(r) => keys::rbac_role(org, r.as_str()),
            Self::PersonRoles(p) => keys::person_rbac_roles(org, p),
        }
    }
    /// The catalog item a name must be, alive, to be committed.
    fn catalog(&self, org: &OrgId, name: &str) -> keys::Key {
        match self {
            Self::PersonPermissions(_) | Self::RolePermissions(_) => keys::permission(org, name),
            Self::PersonRoles(_) => keys::rbac_role(org, name),
        }
    }
    /// The holder entry of a name: put before the name is committed.
    pub fn holder(&self, org: &OrgId, name: &str) -> keys::Key {
        match self {
            Self::PersonPermissions(p) => keys::permission_holder(org, name, p),
            Self::RolePermissions(r) => keys::permission_role_holder(org, name, r.as_str()),
            Self::PersonRoles(p) => keys::rbac_role_member(org, name, p),
        }
    }
}

/// The subject's set, and whether its item exists; `None` when the subject does not (the person
/// is not a member, the role is absent or being deleted). One GetItem, or for a person's roles
/// one BatchGetItem with `PERMS`, which exists from membership on.
async fn read(db: &Db, org: &OrgId, subject: &Subject) -> Result<Option<(Held, bool)>, StoreError> {
    match subject {
        Subject::PersonPermissions(_) => Ok(db
            .get(&subject.set(org))
            .await?
            .as_ref()
            .map(Held::from_item)
            .transpose()?
            .map(|held| (held, true))),
        Subject::RolePermissions(_) => match db.get(&subject.set(org)).await? {
            Some(item) if liveness::is_alive(&item) => Ok(Some((Held::from_item(&item)?, true))),
            _ => Ok(None),
        },
        Subject::PersonRoles(p) => {
            let (perms, roles) = (keys::person_permissions(org, p), subject.set(org));
            let items = db.batch_get(&[perms.clone(), roles.clone()]).await?;
            let find = |k: &keys::Key| items.iter().find(|i| keys::Key::of(i).as_ref() == Some(k));
            if find(&perms).is_none() {
                return Ok(None);
            }
            Ok(Some(match find(&roles) {
                Some(item) => (Held::from_item(item)?, true),
                None => (Held::default(), false),
            }))
        }
    }
}

/// The person's direct permissions (sorted) and their version; `None` when the person is not a
/// member of the org. One GetItem.
pub async fn of_person(
    db: &Db,
    org: &OrgId,
    person: &PersonId,
) -> Result<Option<(Vec<String>, u64)>, StoreError> {
    Ok(read(db, org, &Subject::PersonPermissions(person.clone()))
        .await?
        .map(|(held, _)| (held.names.into_iter().collect(), held.version)))
}

#[derive(Debug, thiserror::Error)]
pub enum ReplaceError {
    /// The person is not a member, or the role does not exist.
    #[error("not found")]
    NotFound,
    #[error("If-Match does not match the current ETag")]
    PreconditionFailed,
    /// Names that are not live items of the subject's catalog.
    #[error("not found: {}", .0.join(", "))]
    NotInCatalog(Vec<String>),
    #[error("the set is being changed concurrently; retry")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A role's description change, committed with its permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Description {
    Set(String),
    Remove,
}

/// Replaces the person's direct permissions with `desired`. Returns the new version.
pub async fn replace(
    db: &Db,
    org: &OrgId,
    person: &PersonId,
    desired: &PermissionSet,
    if_match: Option<IfMatch>,
) -> Result<u64, ReplaceError> {
    let desired: BTreeSet<String> = desired.iter().map(|p| p.as_str().to_owned()).collect();
    replace_set(
        db,
        org,
        &Subject::PersonPermissions(person.clone()),
        &desired,
        if_match,
        None,
    )
    .await
}

/// Replaces the subject's set with `desired` (and, for a role, its description in the same
/// commit). Returns the new version.
///
/// Each attempt reads the set, then writes the difference under the condition that the version
/// is still the one read (and the `If-Match` one). A write that lost a race re-reads and tries
/// again; with `If-Match`, the re-read answers 412, since the version has moved past it.
pub async fn replace_set(
    db: &Db,
    org: &OrgId,
    subject: &Subject,
    desired: &BTreeSet<String>,
    if_match: Option<IfMatch>,
    description: Option<Description>,
) -> Result<u64, ReplaceError> {
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(backoff(attempt)).await;
        }
        let Some((held, exists)) = read(db, org, subject).await? else {
            return Err(ReplaceError::NotFound);
        };
        // Only ever to refuse: a version that differs now can never match again, as versions
        // only grow. Acceptance is the write's condition alone.
        if !matches(if_match, held.version) {
            return Err(ReplaceError::PreconditionFailed);
        }
        let plan = Plan::new(&held.names, desired);
        let write = Write {
            db,
            org,
            subject,
            held: &held,
            exists,
            desired,
            if_match,
            description: description.as_ref(),
        };
        let outcome = if plan.fits_one_transaction(db.max_transaction_items - write.guards()) {
            write.at_once(&plan).await
        } else {
            write.large(&plan).await
        };
        match outcome {
            Ok(()) => return Ok(held.version + 1),
            Err(Outcome::Raced) => continue,
            Err(Outcome::Failed(e)) => return Err(e),
        }
    }
    Err(ReplaceError::Busy)
}

/// Whether `If-Match` admits the version.
fn matches(if_match: Option<IfMatch>, version: u64) -> bool {
    match if_match {
        None | Some(IfMatch::Any) => true,
        Some(IfMatch::Version(v)) => v == version,
        Some(IfMatch::Never) => false,
    }
}

enum Outcome {
    /// Another write got in between (the version moved, or DynamoDB refused a conflicting
    /// transaction): nothing of this attempt is visible; try again on a fresh read.
    Raced,
    Failed(ReplaceError),
}

impl Outcome {
    /// A cancelled commit: raced when its first item, the set's update, failed its condition;
    /// gone when its guard (a person's `PERMS`) did; anything else is not a race that another
    /// attempt would win.
    fn cancelled(reasons: Vec<String>, guards: usize) -> Self {
        let failed = |i: usize| {
            reasons
                .get(i)
                .is_some_and(|r| r == "ConditionalCheckFailed")
        };
        if (1..=guards).any(failed) {
            Outcome::Failed(ReplaceError::NotFound)
        } else if failed(0) {
            Outcome::Raced
        } else {
            Outcome::Failed(StoreError::TransactionCancelled(reasons).into())
        }
    }
}

impl From<StoreError> for Outcome {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::ConditionFailed => Outcome::Raced,
            e => Outcome::Failed(e.into()),
        }
    }
}

/// What a replace writes, given the set it read. Pure, so that it is tested without DynamoDB.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    /// Wanted and not held: their catalog items are checked and their holder entries put.
    add: Vec<String>,
    /// Held and not wanted: their holder entries go, in a transaction that moves the version.
    remove: Vec<String>,
}

impl Plan {
    fn new(held: &BTreeSet<String>, desired: &BTreeSet<String>) -> Self {
        Self {
            add: desired.difference(held).cloned().collect(),
            remove: held.difference(desired).cloned().collect(),
        }
    }

    /// Items of the one-transaction write: the `PERMS` update, a catalog check and a holder put
    /// per added name, a holder delete per removed name.
    fn items(&self) -> usize {
        1 + 2 * self.add.len() + self.remove.len()
    }

    fn fits_one_transaction(&self, limit: usize) -> bool {
        self.items() <= limit
    }

    /// The removed names whose holder entries a large write's commit deletes: as many as fit
    /// its transaction beside the `PERMS` update. The others stay as stale entries, which grant
    /// nothing; a holder may never be deleted outside a transaction that moves the version, as
    /// a concurrent writer may have put it again for a commit of its own.
    fn removed_at_commit(&self, limit: usize) -> &[String] {
        &self.remove[..self.remove.len().min(limit.saturating_sub(1))]
    }
}

/// One attempt's write, from the set it read.
struct Write<'a> {
    db: &'a Db,
    org: &'a OrgId,
    subject: &'a Subject,
    held: &'a Held,
    /// Whether the set's item exists (a person's roles item is absent until its first PUT).
    exists: bool,
    desired: &'a BTreeSet<String>,
    if_match: Option<IfMatch>,
    description: Option<&'a Description>,
}

impl Write<'_> {
    /// The commit: the new set and version, if the version is still the one read and `If-Match`
    /// admits it, and the item is not being deleted (a role). An absent item must still be.
    fn commit(&self) -> TransactWriteItem {
        let mut values = vec![(":next", n(self.held.version + 1))];
        let condition = if self.exists {
            let mut condition = String::from("#v = :read AND attribute_not_exists(#state)");
            values.push((":read", n(self.held.version)));
            match self.if_match {
                Some(IfMatch::Version(v)) => {
                    condition.push_str(" AND #v = :im");
                    values.push((":im", n(v)));
                }
                Some(IfMatch::Never) => {
                    condition.push_str(" AND #v = :im");
                    values.push((":im", s("no-such-version")));
                }
                None | Some(IfMatch::Any) => {}
            }
            condition
        } else {
            // Version 0, which `If-Match` was compared with before: the item is still absent.
            String::from("attribute_not_exists(pk)")
        };
        let mut set = vec!["#v = :next"];
        let mut remove = Vec::new();
        if self.desired.is_empty() {
            remove.push("#names");
        } else {
            values.push((
                ":names",
                AttributeValue::Ss(self.desired.iter().cloned().collect()),
            ));
            set.push("#names = :names");
        }
        if matches!(self.subject, Subject::RolePermissions(_)) {
            // A role's first permissions complete its creation (`create_role`).
            remove.push("#inc");
        }
        match self.description {
            Some(Description::Set(d)) => {
                values.push((":d", s(d)));
                set.push("#d = :d");
            }
            Some(Description::Remove) => remove.push("#d"),
            None => {}
        }
        let mut update = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            update.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let mut names = vec![("#v", VERSION), ("#names", NAMES)];
        if self.exists {
            names.push(("#state", "state"));
        }
        if self.description.is_some() {
            names.push(("#d", "description"));
        }
        if matches!(self.subject, Subject::RolePermissions(_)) {
            names.push(("#inc", INCOMPLETE));
        }
        self.db.update(
            &self.subject.set(self.org),
            &update,
            Condition::new(condition).names(&names).values(values),
        )
    }

    /// Items the commit carries beside the set's update, so that it cannot outlive its owner:
    /// a person's roles item needs the person's `PERMS` (deleted first when the person leaves).
    fn guard_items(&self) -> Vec<TransactWriteItem> {
        match self.subject {
            Subject::PersonRoles(p) => vec![
                self.db
                    .check(&keys::person_permissions(self.org, p), Condition::present()),
            ],
            Subject::PersonPermissions(_) | Subject::RolePermissions(_) => Vec::new(),
        }
    }

    fn guards(&self) -> usize {
        match self.subject {
            Subject::PersonRoles(_) => 1,
            Subject::PersonPermissions(_) | Subject::RolePermissions(_) => 0,
        }
    }

    fn put_holder(&self, name: &str) -> TransactWriteItem {
        self.db.put(
            self.subject.holder(self.org, name).to_item(),
            Condition::none(),
        )
    }

    fn delete_holder(&self, name: &str) -> TransactWriteItem {
        self.db
            .delete(&self.subject.holder(self.org, name), Condition::none())
    }

    /// One transaction: the commit, each added name's catalog check and holder entry, each
    /// removed name's holder deletion.
    async fn at_once(&self, plan: &Plan) -> Result<(), Outcome> {
        let mut writes = vec![self.commit()];
        writes.extend(self.guard_items());
        let mut checks = Vec::new();
        for name in &plan.add {
            checks.push((writes.len(), name.clone()));
            writes.push(
                self.db
                    .check(&self.subject.catalog(self.org, name), liveness::alive()),
            );
            writes.push(self.put_holder(name));
        }
        for name in &plan.remove {
            writes.push(self.delete_holder(name));
        }
        match self.db.transact(writes).await {
            Ok(()) => Ok(()),
            Err(StoreError::TransactionCancelled(reasons)) => {
                let missing: Vec<String> = checks
                    .into_iter()
                    .filter(|(i, _)| {
                        reasons
                            .get(*i)
                            .is_some_and(|r| r == "ConditionalCheckFailed")
                    })
                    .map(|(_, name)| name)
                    .collect();
                if !missing.is_empty() {
                    Err(Outcome::Failed(ReplaceError::NotInCatalog(missing)))
                } else {
                    Err(Outcome::cancelled(reasons, self.guards()))
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// More than one transaction's worth: (1) refuse names missing from the catalog before
    /// writing anything; (2) put the added names' holder entries, which alone grant nothing;
    /// (3) read the added names' catalog items again, strongly consistent, after the holders
    /// are in place; (4) commit with one conditional write. A catalog delete either tombstones
    /// before (3), which then refuses the name, or finds the holder entry from (2) and moves the
    /// version, which fails (4) unless (4) came first and its revoke removes the name after.
    async fn large(&self, plan: &Plan) -> Result<(), Outcome> {
        self.refuse_missing(&plan.add).await?;
        let limit = self.db.max_transaction_items;
        for chunk in plan.add.chunks(limit) {
            let puts = chunk.iter().map(|name| self.put_holder(name)).collect();
            self.db.transact(puts).await?;
        }
        self.refuse_missing(&plan.add).await?;
        let mut commit = vec![self.commit()];
        commit.extend(self.guard_items());
        commit.extend(
            plan.removed_at_commit(limit - self.guards())
                .iter()
                .map(|name| self.delete_holder(name)),
        );
        match self.db.transact(commit).await {
            Ok(()) => Ok(()),
            Err(StoreError::TransactionCancelled(reasons)) => {
                Err(Outcome::cancelled(reasons, self.guards()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// 400 naming every name that is not assignable now: absent from the catalog, or being
    /// deleted. Strongly consistent BatchGetItems, 100 names each.
    async fn refuse_missing(&self, names: &[String]) -> Result<(), Outcome> {
        let keys: Vec<keys::Key> = names
            .iter()
            .map(|name| self.subject.catalog(self.org, name))
            .collect();
        let mut assignable = BTreeSet::new();
        for item in self.db.batch_get_many(&keys).await? {
            if liveness::is_alive(&item) {
                assignable.insert(get_s(&item, "name")?.to_owned());
            }
        }
        let missing: Vec<String> = names
            .iter()
            .filter(|name| !assignable.contains(*name))
            .cloned()
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Outcome::Failed(ReplaceError::NotInCatalog(missing)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    fn names(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}:{i:03}")).collect()
    }

    #[test]
    fn the_plan_adds_what_is_wanted_and_not_held_and_removes_what_is_held_and_not_wanted() {
        let plan = Plan::new(&set(&["a1", "b1", "c1"]), &set(&["b1", "c1", "d1", "e1"]));
        assert_eq!(
            plan,
            Plan {
                add: vec!["d1".into(), "e1".into()],
                remove: vec!["a1".into()],
            }
        );
    }

    #[test]
    fn replacing_a_set_by_itself_changes_no_name() {
        let held = set(&["a1", "b1"]);
        let plan = Plan::new(&held, &held);
        assert!(plan.add.is_empty() && plan.remove.is_empty());
        assert!(plan.fits_one_transaction(1), "the commit alone");
    }

    #[test]
    fn a_change_fits_one_transaction_while_the_commit_two_items_per_addition_and_one_per_removal_do()
     {
        let held: BTreeSet<String> = names("old", 5).into_iter().collect();
        // 4 added and 1 removed: 1 + 8 + 1 = 10 items, DynamoDB Local's limit.
        let mut wanted: BTreeSet<String> = names("old", 4).into_iter().collect();
        wanted.extend(names("new", 4));
        let plan = Plan::new(&held, &wanted);
        assert_eq!(plan.items(), 10);
        assert!(plan.fits_one_transaction(10));
        // One more addition is one transaction too many.
        wanted.insert("new:999".into());
        assert!(!Plan::new(&held, &wanted).fits_one_transaction(10));
    }

    #[test]
    fn the_largest_set_replaced_by_another_needs_the_large_write_even_on_aws() {
        let held: BTreeSet<String> = names("old", MAX_DIRECT_PERMISSIONS).into_iter().collect();
        let wanted: BTreeSet<String> = names("new", MAX_DIRECT_PERMISSIONS).into_iter().collect();
        let plan = Plan::new(&held, &wanted);
        assert_eq!(plan.items(), 1 + 3 * MAX_DIRECT_PERMISSIONS);
        assert!(!plan.fits_one_transaction(crate::db::DYNAMODB_TRANSACTION_ITEMS));
    }

    #[test]
    fn a_large_commit_deletes_as_many_removed_holders_as_fit_beside_the_version() {
        let held: BTreeSet<String> = names("old", 30).into_iter().collect();
        let plan = Plan::new(&held, &BTreeSet::new());
        assert_eq!(plan.removed_at_commit(10), &plan.remove[..9]);
        assert_eq!(plan.removed_at_commit(100), &plan.remove[..]);
    }

    #[test]
    fn each_subject_has_its_own_set_catalog_and_holder_keys_in_its_org() {
        let org = OrgId::parse("af5fbd30-7ce7-4548-8b30-4cd59cb2aba1").unwrap();
        let p = PersonId::parse("p1").unwrap();
        let r = RoleName::parse("viewer").unwrap();
        let direct = Subject::PersonPermissions(p.clone());
        let role = Subject::RolePermissions(r.clone());
        let roles = Subject::PersonRoles(p.clone());
        assert_eq!(direct.set(&org), keys::person_permissions(&org, &p));
        assert_eq!(role.set(&org), keys::rbac_role(&org, "viewer"));
        assert_eq!(roles.set(&org), keys::person_rbac_roles(&org, &p));
        // A role's permissions and a person's come from the permission catalog; a person's
        // roles from the roles.
        assert_eq!(direct.catalog(&org, "a:b"), keys::permission(&org, "a:b"));
        assert_eq!(role.catalog(&org, "a:b"), keys::permission(&org, "a:b"));
        assert_eq!(
            roles.catalog(&org, "viewer"),
            keys::rbac_role(&org, "viewer")
        );
        // A permission's holders are persons and roles in one partition, told apart by prefix.
        let (h1, h2) = (direct.holder(&org, "a:b"), role.holder(&org, "a:b"));
        assert_eq!(h1.pk, h2.pk);
        assert!(h1.sk.starts_with(keys::HOLDER_PREFIX));
        assert!(h2.sk.starts_with(keys::RBAC_ROLE_PREFIX));
        assert_eq!(
            roles.holder(&org, "viewer"),
            keys::rbac_role_member(&org, "viewer", &p)
        );
        for s in [&direct, &role, &roles] {
            assert!(s.set(&org).pk.starts_with(org.as_str()));
            assert!(s.holder(&org, "viewer").pk.starts_with(org.as_str()));
        }
    }

    #[test]
    fn if_match_admits_its_version_or_any_and_refuses_the_rest() {
        assert!(matches(None, 3));
        assert!(matches(Some(IfMatch::Any), 3));
        assert!(matches(Some(IfMatch::Version(3)), 3));
        assert!(!matches(Some(IfMatch::Version(2)), 3));
        assert!(!matches(Some(IfMatch::Never), 3));
    }

    #[test]
    fn a_stored_set_reads_back_sorted_and_an_absent_one_as_empty() {
        let mut item = keys::person_permissions(
            &OrgId::parse("af5fbd30-7ce7-4548-8b30-4cd59cb2aba1").unwrap(),
            &PersonId::parse("p1").unwrap(),
        )
        .to_item();
        item.insert(VERSION.into(), n(4));
        assert_eq!(
            Held::from_item(&item).unwrap(),
            Held {
                version: 4,
                names: BTreeSet::new()
            }
        );
        item.insert(
            NAMES.into(),
            AttributeValue::Ss(vec!["b1".into(), "a1".into()]),
        );
        assert_eq!(
            Held::from_item(&item)
                .unwrap()
                .names
                .into_iter()
                .collect::<Vec<_>>(),
            ["a1", "b1"]
        );
        item.insert(NAMES.into(), s("a1"));
        assert!(Held::from_item(&item).is_err());
    }
}
