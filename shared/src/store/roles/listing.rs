//! `GET /v3/roles`: the org's roles filtered, sorted and paged, reading O(offset + limit) roles
//! when the filter narrows the first sorter's field (docs/data-model.md, "Listing roles").
//! In the org partition, the three LSIs named for member sorters carry the role sorters:
//! `by_name` the lowercased name, `by_alias` `created`, `by_email` `modified`, each as
//! `ROLE#{value}\u{1}{id}` so ties fall to the id and nothing else in the partition is indexed.

use serde_json::{Map, Value};

use crate::db::{Db, Item, QuerySpec};
use crate::error::StoreError;
use crate::ids::RoleId;
use crate::keys::{self, Key};
use crate::role::{MAX_COUNT, MAX_PAGE_END};
use crate::role_listing::{Bound, Reach, RoleQuery, RoleSort};
use crate::store::orgs::Organization;

use super::{RoleError, StoredRole};

/// The LSI sort-key attribute of each role sorter.
pub(super) const SORT_KEYS: [(&str, RoleSort); 3] = [
    (keys::LSI_NAME, RoleSort::Name),
    (keys::LSI_ALIAS, RoleSort::Created),
    (keys::LSI_EMAIL, RoleSort::Modified),
];

/// The most roles one listing reads for an in-memory filter before it gives up (400).
const MAX_SCAN: usize = MAX_COUNT;

pub(super) fn sort_key(by: RoleSort, doc: &Map<String, Value>, id: &str) -> String {
    format!("{}{}\u{1}{id}", keys::ROLE_PREFIX, by.value(doc))
}

/// A page of roles and, when asked, how many match.
pub async fn list(
    db: &Db,
    org: &Organization,
    query: &RoleQuery,
    offset: usize,
    limit: usize,
    count: bool,
) -> Result<(Vec<StoredRole>, Option<u64>), RoleError> {
    debug_assert!(offset + limit <= MAX_PAGE_END);
    let (mut matched, complete) = match &query.reach {
        Reach::Ids(ids) => (by_ids(db, org, query, ids).await?, true),
        Reach::Range { .. } => {
            let want = if count && !query.exact_range {
                MAX_COUNT + 1
            } else {
                offset + limit
            };
            in_range(db, org, query, want).await?
        }
    };
    if query.sorters.len() > 1 || matches!(query.reach, Reach::Ids(_)) {
        matched.sort_by(|a, b| query.compare(&a.doc, &b.doc));
    }
    let total = match count {
        false => None,
        true if complete => Some(matched.len() as u64),
        true if query.exact_range => Some(count_range(db, org, query).await?),
        true => return Err(RoleError::TooManyToCount),
    };
    if total.is_some_and(|t| t > MAX_COUNT as u64) {
        return Err(RoleError::TooManyToCount);
    }
    let page = matched.into_iter().skip(offset).take(limit).collect();
    Ok((page, total))
}

async fn by_ids(
    db: &Db,
    org: &Organization,
    query: &RoleQuery,
    ids: &[String],
) -> Result<Vec<StoredRole>, StoreError> {
    // An id that is not a role id names no role: it matches nothing, as any other value would.
    let keys: Vec<Key> = ids
        .iter()
        .filter_map(|id| RoleId::parse(id).ok())
        .map(|id| keys::role(&org.id, id.as_str()))
        .collect();
    let mut found = Vec::new();
    for item in db.batch_get_many(&keys).await? {
        if let Some(role) = live(&item)?.filter(|r| query.matches(&r.doc)) {
            found.push(role);
        }
    }
    Ok(found)
}

/// Reads the range in the first sorter's order until `want` roles match (and, with further
/// sorters, the roles tied with the last of them). `true` when the range was read to its end.
async fn in_range(
    db: &Db,
    org: &Organization,
    query: &RoleQuery,
    want: usize,
) -> Result<(Vec<StoredRole>, bool), RoleError> {
    let partition = org.id.to_string();
    let spec = range_spec(&partition, query);
    let primary = query.primary();
    let mut matched: Vec<StoredRole> = Vec::new();
    let (mut read, mut start) = (0usize, None);
    loop {
        let page = db
            .query_page(&QuerySpec {
                limit: Some(i32::try_from((want + 1).min(MAX_SCAN)).unwrap_or(i32::MAX)),
                start,
                ..spec.clone()
            })
            .await?;
        for item in &page.items {
            read += 1;
            let Some(role) = live(item)?.filter(|r| query.matches(&r.doc)) else {
                continue;
            };
            if matched.len() >= want {
                let last = matched.last().map(|r| primary.by.value(&r.doc));
                if query.sorters.len() < 2 || last != Some(primary.by.value(&role.doc)) {
                    return Ok((matched, false));
                }
            }
            matched.push(role);
        }
        match page.last {
            None => return Ok((matched, true)),
            Some(_) if read >= MAX_SCAN => return Err(RoleError::TooBroad),
            Some(last) => start = Some(last),
        }
    }
}

/// How many roles the range holds, by a COUNT Query, when the range alone is the filter.
async fn count_range(db: &Db, org: &Organization, query: &RoleQuery) -> Result<u64, RoleError> {
    let partition = org.id.to_string();
    let spec = range_spec(&partition, query);
    let cap = MAX_COUNT as u64;
    let (mut total, mut start) = (0, None);
    loop {
        let page = db
            .query_page(&QuerySpec {
                count_only: true,
                limit: Some(i32::try_from(cap + 1 - total).unwrap_or(i32::MAX)),
                start,
                ..spec.clone()
            })
            .await?;
        total += page.count;
        if total > cap {
            return Err(RoleError::TooManyToCount);
        }
        match page.last {
            Some(last) => start = Some(last),
            None => return Ok(total),
        }
    }
}

/// The Query over the org partition that reads `query`'s range in its first sorter's order.
fn range_spec<'a>(partition: &'a str, query: &RoleQuery) -> QuerySpec<'a> {
    let primary = query.primary();
    let Reach::Range {
        by,
        prefix,
        from,
        to,
    } = &query.reach
    else {
        unreachable!("only ranges are queried");
    };
    let (index, sort_attr) = match by {
        RoleSort::Id => (None, keys::SK),
        RoleSort::Name => (Some(keys::BY_NAME_INDEX), keys::LSI_NAME),
        RoleSort::Created => (Some(keys::BY_ALIAS_INDEX), keys::LSI_ALIAS),
        RoleSort::Modified => (Some(keys::BY_EMAIL_INDEX), keys::LSI_EMAIL),
    };
    let (prefix, between) = match (prefix, from, to) {
        (Some(p), _, _) => (format!("{}{p}", keys::ROLE_PREFIX), None),
        (None, None, None) => (keys::ROLE_PREFIX.to_owned(), None),
        (None, from, to) => (
            String::new(),
            Some((lower(from.as_ref()), upper(to.as_ref()))),
        ),
    };
    QuerySpec {
        pk: partition,
        index,
        sort_attr,
        prefix: (!prefix.is_empty()).then_some(prefix),
        between,
        forward: !primary.descending,
        limit: None,
        start: None,
        count_only: false,
        // The LSIs project only what member listings need; DynamoDB fetches the role's
        // document from the table in the same Query.
        all_attributes: index.is_some(),
        pk_attr: crate::keys::PK,
        consistent: true,
    }
}

/// The sort keys bounding a timestamp range. Every key is `ROLE#{time}\u{1}{id}` with `time`
/// of fixed width, so `\u{2}` after a time sorts above every key of that time and no key
/// equals a bound: BETWEEN's inclusive ends serve exclusive bounds too.
fn lower(from: Option<&Bound>) -> String {
    match from {
        None => keys::ROLE_PREFIX.to_owned(),
        Some(b) if b.inclusive => format!("{}{}", keys::ROLE_PREFIX, b.at),
        Some(b) => format!("{}{}\u{2}", keys::ROLE_PREFIX, b.at),
    }
}

fn upper(to: Option<&Bound>) -> String {
    match to {
        // The prefix with its last character incremented: above every `ROLE#` key.
        None => "ROLE$".to_owned(),
        Some(b) if b.inclusive => format!("{}{}\u{2}", keys::ROLE_PREFIX, b.at),
        Some(b) => format!("{}{}", keys::ROLE_PREFIX, b.at),
    }
}

/// The role of an item, unless it is being deleted.
fn live(item: &Item) -> Result<Option<StoredRole>, StoreError> {
    if !crate::store::liveness::is_alive(item) {
        return Ok(None);
    }
    StoredRole::from_item(item).map(Some)
}
