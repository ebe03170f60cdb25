//! `GET /v3/roles/{id}/assigned-identities`: a page of a role's members, filtered and sorted,
//! read in the order of the first sorter's index so a page costs O(offset + limit) items.
//! docs/data-model.md describes the plans; `plan` picks one.

use crate::db::{Db, Item, QuerySpec};
use crate::error::StoreError;
use crate::filter::{Expr, Op};
use crate::ids::{PersonId, RoleId};
use crate::item::{get_s, get_u64};
use crate::keys;
use crate::role::{Member, MemberFilter, Paging, SortField, Sorters};
use crate::store::orgs::Organization;
use crate::store::roles::member_from_item;

/// The most members a request may read to evaluate a filter or a tie group in memory.
pub const MAX_FILTER_SCAN: usize = 10_000;
/// Items per Query when the filter is evaluated in memory.
const SCAN_PAGE: i32 = 500;

#[derive(Debug, thiserror::Error)]
pub enum AssignedError {
    #[error("role {0} not found")]
    NotFound(RoleId),
    #[error(
        "this filter or sort needs more than {MAX_FILTER_SCAN} members of this role read; filter with sw or eq on the first sorter's field"
    )]
    TooBroad,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AssignedError> for crate::error::ApiError {
    fn from(e: AssignedError) -> Self {
        match e {
            AssignedError::NotFound(_) => Self::NotFound(e.to_string()),
            AssignedError::TooBroad => Self::BadRequest(e.to_string()),
            AssignedError::Store(s) => s.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignedPage {
    pub members: Vec<Member>,
    /// The number of matching members, when `count=true`.
    pub total: Option<u64>,
}

/// How a request is served.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plan {
    /// `id eq` / `id in`: the named members, fetched by key.
    ByIds(Vec<PersonId>),
    /// The first sorter's index from one end; the first item is that end's sentinel.
    Scan,
    /// `sw`/`eq` on the first sorter's field: a `begins_with` range of its index.
    Prefix(String),
}

fn plan(filter: Option<&MemberFilter>, sorters: &Sorters) -> Plan {
    let primary = sorters.primary().field;
    match filter.map(MemberFilter::expr) {
        None => Plan::Scan,
        Some(Expr::Compare {
            field,
            op: Op::Eq,
            value,
        }) if field == "id" => Plan::ByIds(PersonId::parse(value.as_str()).into_iter().collect()),
        Some(Expr::In { field, values }) if field == "id" => Plan::ByIds(
            values
                .iter()
                .filter_map(|v| PersonId::parse(v.as_str()).ok())
                .collect(),
        ),
        // An empty value would make the range reach the sentinels; it is scanned instead.
        Some(Expr::Compare { field, op, value })
            if primary != SortField::Id
                && SortField::parse(field) == Some(primary)
                && matches!(op, Op::Eq | Op::Sw)
                && !value.as_str().is_empty() =>
        {
            let mut prefix = keys::sort_value(Some(value.as_str()));
            if *op == Op::Eq {
                prefix.push('\u{1}');
            }
            Plan::Prefix(prefix)
        }
        Some(_) => Plan::Scan,
    }
}

fn index_of(field: SortField) -> (Option<&'static str>, &'static str) {
    match field {
        SortField::Id => (None, keys::SK),
        SortField::Name => (Some(keys::BY_NAME_INDEX), keys::LSI_NAME),
        SortField::AliasName => (Some(keys::BY_ALIAS_INDEX), keys::LSI_ALIAS),
        SortField::Email => (Some(keys::BY_EMAIL_INDEX), keys::LSI_EMAIL),
    }
}

fn is_sentinel(item: &Item) -> bool {
    matches!(get_s(item, keys::SK), Ok(sk) if !sk.starts_with(keys::ROLE_MEMBER_PREFIX))
}

fn alive(sentinel: Option<&Item>) -> bool {
    sentinel.is_some_and(|s| !s.contains_key("state"))
}

pub async fn assigned(
    db: &Db,
    org: &Organization,
    role: &RoleId,
    filter: Option<&MemberFilter>,
    sorters: &Sorters,
    paging: Paging,
) -> Result<AssignedPage, AssignedError> {
    let not_found = || AssignedError::NotFound(role.clone());
    let partition = keys::role_members_partition(&org.id, role.as_str());
    let (mut members, total) = match plan(filter, sorters) {
        Plan::ByIds(ids) => {
            let sentinel_key = keys::role_sentinel_low(&org.id, role.as_str());
            let mut wanted: Vec<keys::Key> = ids
                .iter()
                .map(|id| keys::role_member(&org.id, role.as_str(), id))
                .collect();
            wanted.push(sentinel_key.clone());
            let items = db.batch_get_many(&wanted).await?;
            if !alive(
                items
                    .iter()
                    .find(|i| crate::item::has_key(i, &sentinel_key)),
            ) {
                return Err(not_found());
            }
            let mut members = Vec::new();
            for item in items.iter().filter(|i| !is_sentinel(i)) {
                let m = member_from_item(item)?;
                if filter.is_none_or(|f| f.matches(&m)) {
                    members.push(m);
                }
            }
            let total = members.len() as u64;
            (members, paging.count.then_some(total))
        }
        Plan::Scan => {
            let in_memory = filter.is_some();
            let want = if paging.count && in_memory {
                usize::MAX
            } else {
                paging.offset + paging.limit
            };
            let scan = scan(db, &partition, sorters, None, want, filter).await?;
            if !alive(scan.sentinel.as_ref()) {
                return Err(not_found());
            }
            let total = match (paging.count, in_memory) {
                (false, _) => None,
                (true, true) => Some(scan.members.len() as u64),
                (true, false) => Some(
                    scan.sentinel
                        .as_ref()
                        .map(|s| get_u64(s, "member_count"))
                        .transpose()?
                        .unwrap_or(0),
                ),
            };
            (scan.members, total)
        }
        Plan::Prefix(prefix) => {
            let want = paging.offset + paging.limit;
            let scan = scan(db, &partition, sorters, Some(&prefix), want, None).await?;
            let total = if paging.count {
                Some(count_prefix(db, &partition, sorters, &prefix).await?)
            } else {
                None
            };
            if scan.members.is_empty() || total == Some(0) {
                let sentinel = db
                    .get(&keys::role_sentinel_low(&org.id, role.as_str()))
                    .await?;
                if !alive(sentinel.as_ref()) {
                    return Err(not_found());
                }
            }
            (scan.members, total)
        }
    };
    members.sort_by(|a, b| sorters.compare(a, b));
    let page = members
        .into_iter()
        .skip(paging.offset)
        .take(paging.limit)
        .collect();
    Ok(AssignedPage {
        members: page,
        total,
    })
}

struct Scan {
    /// The near end's sentinel, when the range starts at the partition's end.
    sentinel: Option<Item>,
    members: Vec<Member>,
}

/// Reads members in the first sorter's order until `want` match, then on to the end of the
/// last one's tie group when later sorters must order it.
async fn scan(
    db: &Db,
    partition: &str,
    sorters: &Sorters,
    prefix: Option<&str>,
    want: usize,
    filter: Option<&MemberFilter>,
) -> Result<Scan, AssignedError> {
    let primary = sorters.primary();
    let (index, sort_attr) = index_of(primary.field);
    let bounded = filter.is_some() || !sorters.is_single();
    let mut out = Scan {
        sentinel: None,
        members: Vec::new(),
    };
    let mut first = true;
    let mut read = 0usize;
    let mut boundary: Option<String> = None;
    let mut start = None;
    loop {
        let needed = want.saturating_sub(out.members.len());
        let limit = if filter.is_some() || boundary.is_some() {
            SCAN_PAGE
        } else {
            // The sentinel, the items still wanted, and one more to see a tie group's end.
            i32::try_from(needed.saturating_add(2)).unwrap_or(i32::MAX)
        };
        let page = db
            .query_page(&QuerySpec {
                pk: partition,
                index,
                sort_attr,
                prefix,
                forward: !primary.descending,
                limit: Some(limit.max(1)),
                start,
                count_only: false,
            })
            .await?;
        for item in page.items {
            if is_sentinel(&item) {
                if prefix.is_some() {
                    continue;
                }
                if first {
                    out.sentinel = Some(item);
                    first = false;
                    continue;
                }
                return Ok(out);
            }
            if first && prefix.is_none() {
                // No sentinel at the near end: there is no such role.
                return Ok(out);
            }
            first = false;
            read += 1;
            if bounded && read > MAX_FILTER_SCAN {
                return Err(AssignedError::TooBroad);
            }
            let m = member_from_item(&item)?;
            if !filter.is_none_or(|f| f.matches(&m)) {
                continue;
            }
            if let Some(b) = &boundary {
                if m.sort_value(primary.field) != *b {
                    return Ok(out);
                }
            }
            out.members.push(m);
            if out.members.len() == want {
                if sorters.is_single() {
                    return Ok(out);
                }
                boundary = out.members.last().map(|m| m.sort_value(primary.field));
            }
        }
        match page.last {
            Some(last) => start = Some(last),
            None => return Ok(out),
        }
    }
}

/// `Select = COUNT` over a `begins_with` range: O(matches), as DynamoDB has no cheaper count.
async fn count_prefix(
    db: &Db,
    partition: &str,
    sorters: &Sorters,
    prefix: &str,
) -> Result<u64, StoreError> {
    let (index, sort_attr) = index_of(sorters.primary().field);
    let mut total = 0;
    let mut start = None;
    loop {
        let page = db
            .query_page(&QuerySpec {
                pk: partition,
                index,
                sort_attr,
                prefix: Some(prefix),
                forward: true,
                limit: None,
                start,
                count_only: true,
            })
            .await?;
        total += page.count;
        match page.last {
            Some(last) => start = Some(last),
            None => return Ok(total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(filter: &str, sorters: &str) -> Plan {
        let f = MemberFilter::parse(filter).unwrap();
        plan(Some(&f), &Sorters::parse(Some(sorters)).unwrap())
    }

    #[test]
    fn sw_on_the_first_sorters_field_reads_a_prefix_of_its_index() {
        assert_eq!(plan_of("name sw Tho", "name"), Plan::Prefix("tho".into()));
        assert_eq!(
            plan_of("email eq \"A@B.C\"", "-email,name"),
            Plan::Prefix("a@b.c\u{1}".into())
        );
    }

    #[test]
    fn sw_on_another_field_than_the_first_sorter_scans_in_sorter_order() {
        assert_eq!(plan_of("name sw Tho", "aliasName"), Plan::Scan);
        assert_eq!(plan_of("name co Tho", "name"), Plan::Scan);
    }

    #[test]
    fn id_filters_fetch_the_named_members_by_key() {
        assert_eq!(
            plan_of("id in (\"a\",\"b\")", "name"),
            Plan::ByIds(vec![
                PersonId::parse("a").unwrap(),
                PersonId::parse("b").unwrap()
            ])
        );
    }
}
