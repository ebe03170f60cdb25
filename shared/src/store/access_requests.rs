//! Access requests as their status listing shows them. There is no approval engine here: a
//! request is applied when it is made, so each requested item's status (`RequestedItemStatus`)
//! is written once, `REQUEST_COMPLETED`, in the org's partition and in the identity's person
//! partition (which a person's deletion empties, the org's copy with it).

use serde_json::{Map, Value};

use crate::access_request::StatusQuery;
use crate::db::{Db, Item, QuerySpec};
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::{get_s, s};
use crate::keys;

/// The most statuses a listing reads for an in-memory filter or sort before it gives up.
pub const MAX_SCAN: usize = crate::role::MAX_COUNT;

#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error(
        "this listing needs more than {MAX_SCAN} access requests read; name requested-for, narrow the filters, or sort by created"
    )]
    TooBroad,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One requested item's status for one identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub id: String,
    pub person: PersonId,
    pub doc: Map<String, Value>,
}

/// A new access request id: 32 hex characters, as ISC's, beginning with the milliseconds since
/// the epoch so that ids sort in creation order.
pub fn new_id(now_ms: u64) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{now_ms:012x}{}", &random[..20])
}

/// Milliseconds since the epoch, for `new_id`.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Writes the statuses (both copies of each), 25 items per BatchWriteItem.
pub async fn record(db: &Db, org: &OrgId, statuses: &[Status]) -> Result<(), StoreError> {
    let mut items = Vec::with_capacity(statuses.len() * 2);
    for st in statuses {
        let doc = s(Value::Object(st.doc.clone()).to_string());
        for key in [
            keys::access_request(org, &st.id),
            keys::person_access_request(org, &st.person, &st.id),
        ] {
            let mut item = key.to_item();
            item.insert("doc".into(), doc.clone());
            items.push(item);
        }
    }
    db.batch_put(items).await
}

/// The status with this id, if the org has one.
pub async fn get(db: &Db, org: &OrgId, id: &str) -> Result<Option<Map<String, Value>>, StoreError> {
    db.get(&keys::access_request(org, id))
        .await?
        .map(|i| doc_of(&i))
        .transpose()
}

/// A page of the statuses of `person` (or of the whole org) that `query` keeps, in its order,
/// and how many there are when `count`.
pub async fn list(
    db: &Db,
    org: &OrgId,
    person: Option<&PersonId>,
    query: &StatusQuery,
    offset: usize,
    limit: usize,
    count: bool,
) -> Result<(Vec<Map<String, Value>>, Option<u64>), StatusError> {
    let pk = match person {
        Some(p) => keys::person_partition(org, p),
        None => keys::access_requests_partition(org),
    };
    let in_order = query.stored_order();
    // In stored order a page needs only its own statuses read; a count or another order
    // needs them all (up to the scan bound).
    let want = match (in_order, count) {
        (Some(_), false) => offset + limit,
        _ => MAX_SCAN + 1,
    };
    let mut kept = Vec::new();
    let mut read = 0usize;
    let mut start = None;
    loop {
        let page = db
            .query_page(&QuerySpec {
                pk: &pk,
                index: None,
                sort_attr: keys::SK,
                prefix: Some(keys::ACCESS_REQUEST_PREFIX.to_owned()),
                between: None,
                forward: !in_order.unwrap_or(false),
                limit: Some(i32::try_from((want - kept.len()).clamp(1, 1000)).unwrap_or(1000)),
                start,
                count_only: false,
                all_attributes: false,
                pk_attr: crate::keys::PK,
                consistent: true,
            })
            .await?;
        for item in &page.items {
            read += 1;
            let doc = doc_of(item)?;
            if query.matches(&doc) {
                kept.push(doc);
            }
        }
        if kept.len() >= want {
            break;
        }
        match page.last {
            None => break,
            Some(_) if read > MAX_SCAN => return Err(StatusError::TooBroad),
            Some(last) => start = Some(last),
        }
    }
    if kept.len() > MAX_SCAN {
        return Err(StatusError::TooBroad);
    }
    if in_order.is_none() {
        kept.sort_by(|a, b| query.compare(a, b));
    }
    let total = count.then_some(kept.len() as u64);
    Ok((kept.into_iter().skip(offset).take(limit).collect(), total))
}

fn doc_of(item: &Item) -> Result<Map<String, Value>, StoreError> {
    serde_json::from_str(get_s(item, "doc")?).map_err(|e| StoreError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_hex_characters_that_sort_in_creation_order() {
        let (earlier, later) = (new_id(1_700_000_000_000), new_id(1_700_000_000_001));
        assert_eq!(earlier.len(), 32);
        assert!(earlier.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(earlier < later);
    }
}
