//! `GET /v3/roles/{id}/assigned-identities`: a page of a role's members, filtered and sorted,
//! read in the order of the first sorter's index so a page costs O(offset + limit) items read
//! and O(limit) members held. docs/data-model.md describes the plans; `plan` picks one.

use crate::db::{Db, Item, QuerySpec};
use crate::error::StoreError;
use crate::filter::{Expr, Op};
use crate::ids::{PersonId, RoleId};
use crate::item::{get_s, get_u64};
use crate::keys;
use crate::role::{MAX_COUNT, Member, MemberFilter, Paging, SortField, Sorters};
use crate::store::orgs::Organization;
use crate::store::roles::member_from_item;

/// The most members a request may read to evaluate a filter or a tie group in memory. The same
/// bound as counting: `count=true` with an in-memory filter reads every member, so one bound
/// (and one message) serves both.
pub const MAX_FILTER_SCAN: usize = MAX_COUNT;
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
    #[error(
        "too many matches to count: count=true may count at most {MAX_COUNT} members of a role; narrow the filter (sw or eq on the first sorter's field), or leave count out"
    )]
    TooManyToCount,
    #[error(transparent)]
    Store(#[from] StoreError),
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
    sentinel.is_some_and(crate::store::liveness::is_alive)
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
    let (members, total) = match plan(filter, sorters) {
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
            // At most the 100 ids a filter may name: sorted and paged in memory.
            members.sort_by(|a, b| sorters.compare(a, b));
            let page = members
                .into_iter()
                .skip(paging.offset)
                .take(paging.limit)
                .collect();
            (page, paging.count.then_some(total))
        }
        Plan::Scan => {
            // An in-memory filter's count must read every member; the sentinel counts the rest.
            let count_all = paging.count && filter.is_some();
            let scan = scan(db, &partition, sorters, None, paging, filter, count_all).await?;
            if !alive(scan.sentinel.as_ref()) {
                return Err(not_found());
            }
            let total = match (paging.count, count_all) {
                (false, _) => None,
                (true, true) => Some(scan.matched as u64),
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
            // The count first: past its bound the request is refused, and the page unread.
            let total = if paging.count {
                Some(count_prefix(db, &partition, sorters, &prefix).await?)
            } else {
                None
            };
            let scan = scan(db, &partition, sorters, Some(&prefix), paging, None, false).await?;
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
    Ok(AssignedPage { members, total })
}

/// What a scan keeps of the members it reads in index order: the page, and nothing before it.
/// Members before `offset` are counted and dropped as they are read, so memory is O(limit),
/// not O(offset + limit). Under later sorters, members that tie on the first sorter's value
/// must be ordered among themselves before their positions are known, so the one tie group
/// being read is held too; the read bound (`MAX_FILTER_SCAN`) caps it.
struct PageCollector<'a> {
    sorters: &'a Sorters,
    offset: usize,
    end: usize,
    /// Matching members pushed.
    matched: usize,
    /// Matching members whose final position is known: those of closed tie groups.
    placed: usize,
    /// The open tie group's first-sorter value and its matching members (later sorters only).
    group_key: Option<String>,
    group: Vec<Member>,
    page: Vec<Member>,
}

impl<'a> PageCollector<'a> {
    fn new(sorters: &'a Sorters, paging: Paging) -> Self {
        Self {
            sorters,
            offset: paging.offset,
            end: paging.offset.saturating_add(paging.limit),
            matched: 0,
            placed: 0,
            group_key: None,
            group: Vec::new(),
            page: Vec::with_capacity(paging.limit.min(crate::role::MAX_LIMIT)),
        }
    }

    /// Every member of the page has been read and placed.
    fn is_complete(&self) -> bool {
        self.placed >= self.end
    }

    /// The next member read, in index order; `matches` says whether the filter keeps it. A
    /// member that does not match still ends the tie group before it.
    fn push(&mut self, m: Member, matches: bool) {
        if !self.sorters.is_single() {
            let key = m.sort_value(self.sorters.primary().field);
            if self.group_key.as_ref() != Some(&key) {
                self.close_group();
                self.group_key = Some(key);
            }
        }
        if !matches {
            return;
        }
        self.matched += 1;
        if self.is_complete() {
            // Past the page: counted only.
        } else if self.sorters.is_single() {
            // The index order is the whole order: the position is known at once.
            if self.placed >= self.offset {
                self.page.push(m);
            }
            self.placed += 1;
        } else {
            self.group.push(m);
        }
    }

    fn close_group(&mut self) {
        let start = self.placed;
        self.placed += self.group.len();
        if self.placed <= self.offset || start >= self.end {
            // Wholly before the page, or after it (empty: members past the page are not kept).
            self.group.clear();
            return;
        }
        let mut group = std::mem::take(&mut self.group);
        group.sort_by(|a, b| self.sorters.compare(a, b));
        let from = self.offset.saturating_sub(start);
        let to = (self.end - start).min(group.len());
        self.page.extend(group.drain(from..to));
    }

    /// The members held now: the page so far and the open tie group.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.page.len() + self.group.len()
    }

    fn finish(mut self) -> (Vec<Member>, usize) {
        self.close_group();
        (self.page, self.matched)
    }
}

struct Scan {
    /// The near end's sentinel, when the range starts at the partition's end.
    sentinel: Option<Item>,
    /// The page.
    members: Vec<Member>,
    /// Matching members read: all of them when the scan counted to the end.
    matched: usize,
}

/// Reads members in the first sorter's order until the page is complete (through the end of
/// the last one's tie group when later sorters must order it), or, with `count_all`, to the
/// end of the range, keeping only the page.
async fn scan(
    db: &Db,
    partition: &str,
    sorters: &Sorters,
    prefix: Option<&str>,
    paging: Paging,
    filter: Option<&MemberFilter>,
    count_all: bool,
) -> Result<Scan, AssignedError> {
    let primary = sorters.primary();
    let (index, sort_attr) = index_of(primary.field);
    let bounded = filter.is_some() || !sorters.is_single();
    let mut page = PageCollector::new(sorters, paging);
    let settled = |page: &PageCollector<'_>| !count_all && page.is_complete();
    let mut sentinel = None;
    let mut first = true;
    let mut read = 0usize;
    let mut start = None;
    'read: loop {
        let limit = if filter.is_some() || count_all || (page.matched >= page.end && page.end > 0) {
            SCAN_PAGE
        } else {
            // The sentinel, the members still wanted, and one more: it shows where a tie
            // group ends, or that the page is settled.
            i32::try_from((page.end - page.matched).saturating_add(2)).unwrap_or(i32::MAX)
        };
        let out = db
            .query_page(&QuerySpec {
                pk: partition,
                index,
                sort_attr,
                prefix: prefix.map(str::to_owned),
                between: None,
                forward: !primary.descending,
                limit: Some(limit),
                start,
                count_only: false,
                all_attributes: false,
                pk_attr: crate::keys::PK,
                consistent: true,
            })
            .await?;
        for item in out.items {
            if is_sentinel(&item) {
                if prefix.is_some() {
                    continue;
                }
                if first {
                    sentinel = Some(item);
                    first = false;
                    continue;
                }
                // The far sentinel: no member follows.
                break 'read;
            }
            if first && prefix.is_none() {
                // No sentinel at the near end: there is no such role.
                return Ok(Scan {
                    sentinel: None,
                    members: Vec::new(),
                    matched: 0,
                });
            }
            first = false;
            if settled(&page) {
                break 'read;
            }
            read += 1;
            if bounded && read > MAX_FILTER_SCAN {
                return Err(if count_all && page.is_complete() {
                    AssignedError::TooManyToCount
                } else {
                    AssignedError::TooBroad
                });
            }
            let m = member_from_item(&item)?;
            let matches = filter.is_none_or(|f| f.matches(&m));
            page.push(m, matches);
            if settled(&page) {
                break 'read;
            }
        }
        match out.last {
            Some(last) => start = Some(last),
            None => break,
        }
    }
    let (members, matched) = page.finish();
    Ok(Scan {
        sentinel,
        members,
        matched,
    })
}

/// `Select = COUNT` over a `begins_with` range: O(matches), as DynamoDB has no cheaper count,
/// so it reads at most `MAX_COUNT + 1` items and refuses to count past `MAX_COUNT`.
async fn count_prefix(
    db: &Db,
    partition: &str,
    sorters: &Sorters,
    prefix: &str,
) -> Result<u64, AssignedError> {
    let (index, sort_attr) = index_of(sorters.primary().field);
    let cap = MAX_COUNT as u64;
    let mut total = 0;
    let mut start = None;
    loop {
        let page = db
            .query_page(&QuerySpec {
                pk: partition,
                index,
                sort_attr,
                prefix: Some(prefix.to_owned()),
                between: None,
                all_attributes: false,
                pk_attr: crate::keys::PK,
                consistent: true,
                forward: true,
                // `Limit` bounds the items a COUNT evaluates, not the ones it matches.
                limit: Some(i32::try_from(cap + 1 - total).unwrap_or(i32::MAX)),
                start,
                count_only: true,
            })
            .await?;
        total += page.count;
        if total > cap {
            return Err(AssignedError::TooManyToCount);
        }
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

    fn member(i: usize, name: &str) -> Member {
        Member {
            id: PersonId::parse(&format!("p{i:05}")).unwrap(),
            name: Some(name.to_owned()),
            alias: Some(format!("a{i:05}")),
            email: None,
            source: crate::role::Source::RoleMembership,
        }
    }

    /// Feeds `members` (in index order) to a collector, returning the page, the matches and
    /// the most members it ever held.
    fn collect(
        members: Vec<Member>,
        sorters: &str,
        offset: usize,
        limit: usize,
    ) -> (Vec<String>, usize, usize) {
        let sorters = Sorters::parse(Some(sorters)).unwrap();
        let mut page = PageCollector::new(
            &sorters,
            Paging {
                limit,
                offset,
                count: true,
            },
        );
        let mut peak = 0;
        for m in members {
            page.push(m, true);
            peak = peak.max(page.held());
        }
        let (members, matched) = page.finish();
        (
            members.iter().map(|m| m.alias.clone().unwrap()).collect(),
            matched,
            peak,
        )
    }

    #[test]
    fn a_page_at_a_deep_offset_holds_only_its_own_members_while_reading() {
        let members = (0..10_000)
            .map(|i| member(i, &format!("n{i:05}")))
            .collect();
        let (page, matched, peak) = collect(members, "name", 9_990, 10);
        assert_eq!(page.first().map(String::as_str), Some("a09990"));
        assert_eq!((page.len(), matched), (10, 10_000));
        assert_eq!(peak, 10, "members before the offset are counted, not kept");
    }

    #[test]
    fn under_later_sorters_only_the_tie_group_at_the_page_is_held_besides_the_page() {
        // 9,000 distinct names, then 50 members sharing one name, ordered by alias descending.
        let mut members: Vec<Member> = (0..9_000).map(|i| member(i, &format!("n{i:05}"))).collect();
        members.extend((9_000..9_050).map(|i| member(i, "zz")));
        let (page, _, peak) = collect(members, "name,-aliasName", 9_010, 5);
        assert_eq!(page, ["a09039", "a09038", "a09037", "a09036", "a09035"]);
        assert!(peak <= 5 + 50, "held {peak}");
    }

    #[test]
    fn a_member_that_does_not_match_still_ends_a_tie_group() {
        let sorters = Sorters::parse(Some("name,aliasName")).unwrap();
        let mut page = PageCollector::new(
            &sorters,
            Paging {
                limit: 1,
                offset: 0,
                count: false,
            },
        );
        page.push(member(1, "a"), true);
        assert!(!page.is_complete(), "a later member may still tie with it");
        page.push(member(2, "b"), false);
        assert!(page.is_complete());
    }

    #[test]
    fn counting_on_past_a_page_under_later_sorters_keeps_only_the_page() {
        // A count reads on after the page: the groups after it are counted and never held.
        // The page ends inside a tie group, so the members placed pass the page's end.
        let members = (0..100)
            .map(|i| member(i, &format!("n{:02}", i / 3)))
            .collect();
        let (page, matched, peak) = collect(members, "name,aliasName", 4, 1);
        assert_eq!(page, ["a00004"]);
        assert_eq!(matched, 100);
        assert!(peak <= 1 + 3, "held {peak}");
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
