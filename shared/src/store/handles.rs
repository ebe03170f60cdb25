//! A person's handles after creation: `POST /persons/{id}/handles` and
//! `DELETE /persons/{id}/handles/{handle}`. The profile's `handles` list and the pool's
//! uniqueness items (`keys::handle`) change in one transaction, conditioned on the profile's
//! version, so a handle is never on a profile without its item or the reverse. The version
//! moves, so the stream consumer refreshes the role members and search documents that copy the
//! handles (SailPoint's `aliasName` and `email`).

use crate::db::{Condition, Db};
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::{n, s};
use crate::keys;
use crate::person::{Handle, HandleKind, Person};
use crate::store::liveness;
use crate::store::orgs::Organization;
use crate::store::persons;

/// Lost races on the profile's version before the request gives up (409).
const ATTEMPTS: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum HandleWriteError {
    #[error("person not found")]
    PersonNotFound,
    #[error("handle {:?} already belongs to another person", .0.value())]
    Taken(Handle),
    #[error("a person has at most one username handle")]
    SecondUsername,
    #[error("the person has no such handle")]
    NoSuchHandle,
    #[error("a person keeps at least one handle")]
    LastHandle,
    #[error("the username is the person's Zato SSO login name")]
    ZatoUsername,
    #[error("at most {0} handles can be added in one request")]
    TooMany(usize),
    #[error("the person was changed concurrently; retry")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn same(a: &Handle, b: &Handle) -> bool {
    a.kind() == b.kind() && a.normalized() == b.normalized()
}

fn handle_item_key(org: &Organization, h: &Handle) -> keys::Key {
    keys::handle(&org.pool, h.kind().as_str(), &h.normalized())
}

/// The update of the profile to `handles`, from version `read`, while the person is in `org`.
fn profile_update(
    db: &Db,
    org: &Organization,
    person: &Person,
    handles: &[Handle],
) -> aws_sdk_dynamodb::types::TransactWriteItem {
    db.update(
        &keys::person_profile(&org.pool, &person.id),
        "SET #h = :h, #v = :next",
        Condition::new("#v = :read AND contains(#orgs, :org)")
            .names(&[("#h", "handles"), ("#v", "version"), ("#orgs", "orgs")])
            .values(vec![
                (":h", persons::handles_attribute(handles)),
                (":next", n(person.version + 1)),
                (":read", n(person.version)),
                (":org", s(org.id.as_str())),
            ]),
    )
}

/// Adds `new` to the person's handles; those it already has are left as they are. Each must be
/// free in the pool (409 naming the first taken one).
pub async fn add(
    db: &Db,
    org: &Organization,
    id: &PersonId,
    new: &[Handle],
) -> Result<(), HandleWriteError> {
    let max = db.max_transaction_items - 2;
    if new.len() > max {
        return Err(HandleWriteError::TooMany(max));
    }
    for _ in 0..ATTEMPTS {
        let person = persons::get(db, org, id)
            .await?
            .ok_or(HandleWriteError::PersonNotFound)?;
        let added: Vec<&Handle> = new
            .iter()
            .filter(|h| !person.handles.iter().any(|c| same(c, h)))
            .collect();
        if added.is_empty() {
            return Ok(());
        }
        let usernames = person
            .handles
            .iter()
            .chain(added.iter().copied())
            .filter(|h| h.kind() == HandleKind::Username)
            .count();
        if usernames > 1 {
            return Err(HandleWriteError::SecondUsername);
        }
        let mut handles = person.handles.clone();
        handles.extend(added.iter().map(|h| (*h).clone()));
        let mut writes = vec![
            profile_update(db, org, &person, &handles),
            liveness::live_membership_check(db, org, id),
        ];
        for h in &added {
            let mut item = handle_item_key(org, h).to_item();
            item.insert("person_id".into(), s(id.as_str()));
            writes.push(db.put(item, Condition::absent()));
        }
        match db.transact(writes).await {
            Ok(()) => return Ok(()),
            Err(StoreError::TransactionCancelled(reasons)) => {
                match reasons.iter().position(|r| r == "ConditionalCheckFailed") {
                    Some(1) => return Err(HandleWriteError::PersonNotFound),
                    Some(i) if i >= 2 => {
                        return Err(HandleWriteError::Taken(added[i - 2].clone()));
                    }
                    // The profile moved on (or a conflict): read it again.
                    _ => continue,
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(HandleWriteError::Conflict)
}

/// Removes `handle` from the person and frees it in the pool. `zato` is the Zato SSO org when
/// it shares this pool: a username the person logs in to Zato with is not removed.
pub async fn remove(
    db: &Db,
    org: &Organization,
    id: &PersonId,
    handle: &Handle,
    zato: Option<&OrgId>,
) -> Result<(), HandleWriteError> {
    for _ in 0..ATTEMPTS {
        let person = persons::get(db, org, id)
            .await?
            .ok_or(HandleWriteError::PersonNotFound)?;
        if !person.handles.iter().any(|c| same(c, handle)) {
            return Err(HandleWriteError::NoSuchHandle);
        }
        let handles: Vec<Handle> = person
            .handles
            .iter()
            .filter(|c| !same(c, handle))
            .cloned()
            .collect();
        if handles.is_empty() {
            return Err(HandleWriteError::LastHandle);
        }
        let mut writes = vec![
            profile_update(db, org, &person, &handles),
            liveness::live_membership_check(db, org, id),
            db.delete(
                &handle_item_key(org, handle),
                Condition::new("#p = :me")
                    .names(&[("#p", "person_id")])
                    .values(vec![(":me", s(id.as_str()))]),
            ),
        ];
        let zato_check = match zato {
            Some(sso_org) if handle.kind() == HandleKind::Username => {
                writes.push(db.check(
                    &keys::sso_user(sso_org, id),
                    Condition::new("attribute_not_exists(pk)"),
                ));
                Some(writes.len() - 1)
            }
            _ => None,
        };
        match db.transact(writes).await {
            Ok(()) => return Ok(()),
            Err(StoreError::TransactionCancelled(reasons)) => {
                match reasons.iter().position(|r| r == "ConditionalCheckFailed") {
                    Some(1) => return Err(HandleWriteError::PersonNotFound),
                    Some(i) if Some(i) == zato_check => return Err(HandleWriteError::ZatoUsername),
                    _ => continue,
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(HandleWriteError::Conflict)
}
