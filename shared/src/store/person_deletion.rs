//! A person's deletion from an org. Above `persons`, `roles` and `groups`: leaving a role or a
//! group moves its member count, which is that store's to write.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::db::{Condition, Db, Item};
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::get_s;
use crate::keys;
use crate::store::liveness;
use crate::store::orgs::{self, Organization};
use crate::store::persons::person_from_item;

/// `DELETE /persons/{id}`: the person leaves `org` with everything it had there — attributes,
/// permissions, RBAC roles, role and group memberships, Zato linked accounts — however many; leaving its last org removes it from the pool with
/// its handles and shared attributes. `false` when it was not a member.
///
/// The membership is tombstoned first, so no attribute write commits afterwards, and the
/// permissions item is deleted second, so no permission write does: the names it held then are
/// the last, and their holder entries go too. The Queries that follow therefore see everything
/// there is to delete. A retried DELETE resumes; holder entries it no longer knows of stay stale,
/// which grants nothing (a catalog delete removes them).
pub async fn delete(db: &Db, org: &Organization, id: &PersonId) -> Result<bool, StoreError> {
    let member = keys::person_membership(&org.pool, &org.id, id);
    if !liveness::tombstone_membership(db, org, id).await? {
        return Ok(false);
    }
    let mut doomed: Vec<keys::Key> = Vec::new();
    if let Some(held) = db
        .delete_returning(&keys::person_permissions(&org.id, id))
        .await?
    {
        let held = crate::store::permissions::Held::from_item(&held)?;
        for name in &held.names {
            doomed.push(keys::permission_holder(&org.id, name, id));
        }
    }
    // Then its RBAC roles, the same way: no roles PUT commits once `PERMS` is gone (each checks
    // it), so the names held now are the last, and their member entries go with them.
    if let Some(roles) = db
        .delete_returning(&keys::person_rbac_roles(&org.id, id))
        .await?
    {
        for role in crate::store::permissions::role_names(&roles)? {
            doomed.push(keys::rbac_role_member(&org.id, &role, id));
        }
    }

    let profile_key = keys::person_profile(&org.pool, id);
    let profile = db
        .update_returning(
            &profile_key,
            "DELETE #orgs :org",
            Condition::present()
                .names(&[("#orgs", "orgs")])
                .values(vec![(":org", AttributeValue::Ss(vec![org.id.to_string()]))]),
        )
        .await?;
    let remaining: Vec<OrgId> = profile
        .as_ref()
        .and_then(|p| p.get("orgs"))
        .and_then(|o| o.as_ss().ok())
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|o| OrgId::parse(o).map_err(|e| StoreError::Internal(e.to_string())))
        .collect::<Result<_, _>>()?;
    // A deleted org keeps its entry (its data stays, unreachable), but holds nobody in the pool.
    let leaves_pool = remaining.is_empty() || orgs::get_many(db, &remaining).await?.is_empty();

    let take = |item: &Item, doomed: &mut Vec<keys::Key>| -> Result<(), StoreError> {
        let key = keys::Key {
            pk: get_s(item, keys::PK)?.to_owned(),
            sk: get_s(item, keys::SK)?.to_owned(),
        };
        if key != member {
            doomed.push(key);
        }
        Ok(())
    };
    for item in db.query_all(&keys::person_partition(&org.id, id)).await? {
        let sk = get_s(&item, keys::SK)?;
        if let Some(role) = sk.strip_prefix(keys::PERSON_ROLE_PREFIX) {
            // Leaving a role moves its member count, so it is a transaction of its own.
            let role =
                crate::ids::RoleId::parse(role).map_err(|e| StoreError::Internal(e.to_string()))?;
            crate::store::roles::remove_person(db, org, &role, id).await?;
            continue;
        }
        if let Some(group) = sk.strip_prefix(keys::PERSON_GROUP_PREFIX) {
            // Leaving a group moves its member count too; the reverse item goes with the member.
            let group = crate::ids::GroupName::parse(group)
                .map_err(|e| StoreError::Internal(e.to_string()))?;
            crate::store::groups::leave(db, &org.id, &group, id).await?;
            continue;
        }
        if let Some(request) = sk.strip_prefix(keys::ACCESS_REQUEST_PREFIX) {
            // The org-wide copy of the person's access request goes with it.
            doomed.push(keys::access_request(&org.id, request));
        }
        if let Some(owner) = keys::sso_link_owner_of(&org.id, sk) {
            // So does a Zato linked account's owner item, which frees the definition.
            doomed.push(owner);
        }
        // In the pool's own partition, what the pool's other orgs still share stays.
        let shared = org.id == org.pool
            && !leaves_pool
            && (sk.starts_with(keys::PERSON_RECORD_PREFIX)
                || (sk.starts_with(keys::ATTRIBUTE_PREFIX)
                    && item
                        .get("scope")
                        .and_then(|v| v.as_s().ok())
                        .is_some_and(|s| s == "person_pool")));
        if !shared {
            take(&item, &mut doomed)?;
        }
    }
    if leaves_pool {
        if org.pool != org.id {
            for item in db.query_all(&keys::person_partition(&org.pool, id)).await? {
                take(&item, &mut doomed)?;
            }
        }
        if let Some(p) = &profile {
            for h in person_from_item(p)?.handles {
                doomed.push(keys::handle(&org.pool, h.kind().as_str(), &h.normalized()));
            }
        }
    }
    doomed.sort_by(|a, b| (&a.pk, &a.sk).cmp(&(&b.pk, &b.sk)));
    doomed.dedup();
    db.batch_delete(&doomed).await?;
    db.batch_delete(std::slice::from_ref(&member)).await?;
    Ok(true)
}
