//! Bulk import of a role's members, and the member count set once at its end.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::db::Db;
use crate::error::StoreError;
use crate::ids::{PersonId, RoleId};
use crate::item::{get_u64, n};
use crate::keys::{self, Key};
use crate::role::{IdentityFields, Source};
use crate::store::liveness;
use crate::store::orgs::Organization;
use crate::store::persons;

use super::*;

/// Writes memberships of `role` in bulk (BatchWriteItem: member and reverse items), for the
/// import tool. Persons not in the org are returned, not written. The sentinels' count is not
/// touched here: `recount` sets it once the role's members are in.
pub async fn import_members(
    db: &Db,
    org: &Organization,
    role: &RoleId,
    members: &[(PersonId, Vec<Source>)],
) -> Result<Vec<PersonId>, StoreError> {
    let ids: Vec<PersonId> = members.iter().map(|(p, _)| p.clone()).collect();
    let found = persons::get_many(db, org, &ids).await?;
    let mut items = Vec::with_capacity(members.len() * 2);
    let mut missing = Vec::new();
    for (id, sources) in members {
        let Some(person) = found.iter().find(|p| &p.id == id) else {
            missing.push(id.clone());
            continue;
        };
        let mut sources = sources.clone();
        sources.sort_by_key(|s| s.as_str());
        sources.dedup();
        let Some(first) = sources.first().copied() else {
            continue;
        };
        let mut member = member_item(org, role, id, &IdentityFields::of(person), first);
        member.insert(
            "sources".into(),
            AttributeValue::Ss(sources.iter().map(|s| s.as_str().to_owned()).collect()),
        );
        items.push(member);
        items.push(reverse_item(org, role, id));
    }
    db.batch_put(items).await?;
    Ok(missing)
}

/// Sets the sentinels' `member_count` to the number of member items, counted with a strongly
/// consistent Query. The count is committed on condition that it did not move while counting,
/// so a grant or revoke through the API meanwhile makes it count again.
pub async fn recount(db: &Db, org: &Organization, role: &RoleId) -> Result<u64, RoleError> {
    for _ in 0..ATTEMPTS {
        let before = stored_member_count(db, org, role).await?;
        let counted = db
            .count_prefix(
                &keys::role_members_partition(&org.id, role.as_str()),
                keys::ROLE_MEMBER_PREFIX,
            )
            .await?;
        match commit_member_count(db, org, role, before, counted).await {
            Ok(()) => return Ok(counted),
            Err(StoreError::TransactionCancelled(_) | StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(RoleError::Conflict)
}

/// The `member_count` the role's sentinels carry.
pub async fn stored_member_count(
    db: &Db,
    org: &Organization,
    role: &RoleId,
) -> Result<u64, RoleError> {
    let Some(sentinel) = db
        .get(&keys::role_sentinel_low(&org.id, role.as_str()))
        .await?
    else {
        return Err(RoleError::NotFound(role.clone()));
    };
    Ok(get_u64(&sentinel, "member_count")?)
}

/// Writes `count` to both sentinels, on condition that they still carry `before` and the role
/// is not being deleted.
pub async fn commit_member_count(
    db: &Db,
    org: &Organization,
    role: &RoleId,
    before: u64,
    count: u64,
) -> Result<(), StoreError> {
    let set = |key: Key| {
        db.update(
            &key,
            "SET member_count = :c",
            liveness::alive_where("member_count = :before")
                .values(vec![(":c", n(count)), (":before", n(before))]),
        )
    };
    db.transact(vec![
        set(keys::role_sentinel_low(&org.id, role.as_str())),
        set(keys::role_sentinel_high(&org.id, role.as_str())),
    ])
    .await
}
