//! `GET /v3/roles`'s `filters` and `sorters`, parsed once: the fields and operators the spec
//! lists for `listRoles`, the key range the store can read instead of the whole org (the
//! conjuncts on the first sorter's field), and the predicate every role read must still pass.
//! docs/sailpoint.md ("Listing roles") has the decisions.

use std::cmp::Ordering;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::ApiError;
use crate::filter::{self, Expr, Op};

/// `listRoles` pages hold at most 50 roles, 50 by default (the spec's `limit50`).
pub const MAX_LIMIT: usize = 50;

/// The fields and operators `listRoles` filters on, as its spec lists them.
const ALLOWED: [(&str, &[&str]); 7] = [
    ("id", &["eq", "in"]),
    ("name", &["eq", "sw"]),
    ("created", &["gt", "ge", "le"]),
    ("modified", &["lt", "ge", "le"]),
    ("owner.id", &["eq", "in"]),
    ("requestable", &["eq"]),
    ("dimensional", &["eq"]),
];

/// What roles sort by; without sorters, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleSort {
    Id,
    Name,
    Created,
    Modified,
}

impl RoleSort {
    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "name" => Some(Self::Name),
            "created" => Some(Self::Created),
            "modified" => Some(Self::Modified),
            _ => None,
        }
    }

    fn field(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Name => "name",
            Self::Created => "created",
            Self::Modified => "modified",
        }
    }

    /// The value a role sorts by: names lowercased (as `eq`/`sw` match them), timestamps as
    /// stored (ISC's fixed UTC format, so text order is time order).
    pub fn value(self, doc: &Map<String, Value>) -> String {
        let raw = doc.get(self.field()).and_then(Value::as_str).unwrap_or("");
        match self {
            Self::Name => crate::keys::sort_value(Some(raw)),
            _ => raw.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleSorter {
    pub by: RoleSort,
    pub descending: bool,
}

/// Where the store reads: every role in the order of `by`, or only the keys of the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The roles `id eq`/`id in` name: read by key, whatever the order.
    Ids(Vec<String>),
    /// The roles whose `by` value starts with `prefix` (lowercased name), or lies within the
    /// bounds (timestamps; `None` is open).
    Range {
        by: RoleSort,
        prefix: Option<String>,
        from: Option<Bound>,
        to: Option<Bound>,
    },
}

/// One end of a timestamp range: the normalized time, and whether it is included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub at: String,
    pub inclusive: bool,
}

/// A parsed `listRoles` query: the range to read, in which order, and what must still hold.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleQuery {
    pub reach: Reach,
    pub sorters: Vec<RoleSorter>,
    filter: Option<Expr>,
    /// Whether the range alone selects exactly the matching roles (a count may then count keys).
    pub exact_range: bool,
}

impl RoleQuery {
    pub fn parse(filters: Option<&str>, sorters: Option<&str>) -> Result<Self, ApiError> {
        let sorters = parse_sorters(sorters)?;
        let filter = filters.map(parse_filter).transpose()?;
        let conjuncts: Vec<&Expr> = match &filter {
            None => vec![],
            Some(Expr::And(items)) => items.iter().collect(),
            Some(other) => vec![other],
        };
        let (reach, used) = reach(&conjuncts, sorters.first().map(|s| s.by));
        let exact_range = used == conjuncts.len();
        Ok(Self {
            reach,
            sorters,
            filter,
            exact_range,
        })
    }

    /// The order the store reads in: the first sorter's (id ascending without sorters).
    pub fn primary(&self) -> RoleSorter {
        self.sorters.first().copied().unwrap_or(RoleSorter {
            by: match &self.reach {
                Reach::Range { by, .. } => *by,
                Reach::Ids(_) => RoleSort::Id,
            },
            descending: false,
        })
    }

    /// Whether the role document passes every filter.
    pub fn matches(&self, doc: &Map<String, Value>) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|f| f.holds(&|leaf| eval(leaf, doc)))
    }

    /// The full order: the sorters, then id in the first sorter's direction (every order is
    /// total, so offset paging is deterministic).
    pub fn compare(&self, a: &Map<String, Value>, b: &Map<String, Value>) -> Ordering {
        let primary = self.primary();
        for s in self.sorters.iter().copied().chain([RoleSorter {
            by: RoleSort::Id,
            descending: primary.descending,
        }]) {
            let o = s.by.value(a).cmp(&s.by.value(b));
            let o = if s.descending { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

fn parse_sorters(raw: Option<&str>) -> Result<Vec<RoleSorter>, ApiError> {
    let Some(raw) = raw else {
        return Ok(vec![]);
    };
    let parsed = filter::parse_sorters(
        raw,
        RoleSort::parse,
        "roles sort by name, created or modified",
    )
    .map_err(ApiError::BadRequest)?;
    Ok(parsed
        .into_iter()
        .map(|(by, descending)| RoleSorter { by, descending })
        .collect())
}

fn parse_filter(raw: &str) -> Result<Expr, ApiError> {
    normalize(filter::parse_allowed(raw, &ALLOWED).map_err(ApiError::BadRequest)?)
}

/// Timestamps become ISC's stored form (so they compare as text), booleans are checked.
fn normalize(e: Expr) -> Result<Expr, ApiError> {
    e.try_map_leaves(&|leaf| normalize_leaf(leaf))
}

fn normalize_leaf(leaf: Expr) -> Result<Expr, ApiError> {
    Ok(match leaf {
        Expr::Compare { field, op, value } => {
            let value = match field.as_str() {
                "created" | "modified" => filter::Value::Quoted(timestamp(&field, &value)?),
                "requestable" | "dimensional" => match value.as_str() {
                    "true" | "false" => value,
                    other => {
                        return Err(ApiError::BadRequest(format!(
                            "{field} is true or false, not {other:?}"
                        )));
                    }
                },
                _ => value,
            };
            Expr::Compare { field, op, value }
        }
        other => other,
    })
}

/// A filter's date-time, in ISC's stored form (any ISO-8601 offset is accepted).
pub(crate) fn timestamp(field: &str, value: &filter::Value) -> Result<String, ApiError> {
    let at = OffsetDateTime::parse(value.as_str(), &Rfc3339).map_err(|_| {
        ApiError::BadRequest(format!(
            "{field} compares with an ISO-8601 date-time such as 2024-01-31T00:00:00Z, not {:?}",
            value.as_str()
        ))
    })?;
    Ok(iso_millis(at))
}

/// ISC's timestamps: UTC, milliseconds, `Z` (fixed width, so text order is time order).
pub fn iso_millis(at: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_default()
}

/// The range to read, from the top-level conjuncts, and how many of them it fully expresses.
/// `id eq`/`id in` wins (a handful of keys); otherwise the conjuncts on the first sorter's
/// field narrow its index, or, without sorters, those on name, created or modified.
fn reach(conjuncts: &[&Expr], sort: Option<RoleSort>) -> (Reach, usize) {
    for c in conjuncts {
        match c {
            Expr::Compare {
                field,
                op: Op::Eq,
                value,
            } if field == "id" => return (Reach::Ids(vec![value.as_str().to_owned()]), 1),
            Expr::In { field, values } if field == "id" => {
                let ids = values.iter().map(|v| v.as_str().to_owned()).collect();
                return (Reach::Ids(ids), 1);
            }
            _ => {}
        }
    }
    let by = sort.unwrap_or_else(|| {
        conjuncts
            .iter()
            .find_map(|c| match c {
                Expr::Compare { field, .. } => RoleSort::parse(field),
                _ => None,
            })
            .unwrap_or(RoleSort::Id)
    });
    let (mut prefix, mut from, mut to, mut used) = (None, None::<Bound>, None::<Bound>, 0);
    for c in conjuncts {
        let Expr::Compare { field, op, value } = c else {
            continue;
        };
        if RoleSort::parse(field) != Some(by) {
            continue;
        }
        let v = value.as_str().to_owned();
        match (by, op) {
            (RoleSort::Name, Op::Eq | Op::Sw) if prefix.is_none() => {
                let lowered = crate::keys::sort_value(Some(&v));
                // eq: the whole value, then the separator the sort key puts after it.
                prefix = Some(if *op == Op::Eq {
                    format!("{lowered}\u{1}")
                } else {
                    lowered
                });
            }
            (RoleSort::Created | RoleSort::Modified, Op::Gt | Op::Ge) if from.is_none() => {
                from = Some(Bound {
                    at: v,
                    inclusive: *op == Op::Ge,
                });
            }
            (RoleSort::Created | RoleSort::Modified, Op::Lt | Op::Le) if to.is_none() => {
                to = Some(Bound {
                    at: v,
                    inclusive: *op == Op::Le,
                });
            }
            _ => continue,
        }
        used += 1;
    }
    (
        Reach::Range {
            by,
            prefix,
            from,
            to,
        },
        used,
    )
}

/// One leaf of the filter.
fn eval(e: &Expr, doc: &Map<String, Value>) -> bool {
    match e {
        Expr::Compare { field, op, value } => {
            let want = value.as_str();
            match field.as_str() {
                "name" => {
                    let have = RoleSort::Name.value(doc);
                    let want = crate::keys::sort_value(Some(want));
                    match op {
                        Op::Sw => have.starts_with(&want),
                        _ => have == want,
                    }
                }
                "created" | "modified" => {
                    let have = doc
                        .get(field.as_str())
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let o = have.cmp(want);
                    match op {
                        Op::Gt => o == Ordering::Greater,
                        Op::Ge => o != Ordering::Less,
                        Op::Lt => o == Ordering::Less,
                        _ => o != Ordering::Greater,
                    }
                }
                "requestable" | "dimensional" => {
                    let have = doc.get(field.as_str()).and_then(Value::as_bool) == Some(true);
                    have == (want == "true")
                }
                other => text(doc, other).is_some_and(|have| have == want),
            }
        }
        Expr::In { field, values } => {
            text(doc, field).is_some_and(|have| values.iter().any(|v| v.as_str() == have))
        }
        _ => false,
    }
}

/// `id` or `owner.id` of the document.
fn text<'d>(doc: &'d Map<String, Value>, field: &str) -> Option<&'d str> {
    match field {
        "owner.id" => doc.get("owner")?.get("id")?.as_str(),
        _ => doc.get(field)?.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn role(name: &str, created: &str) -> Map<String, Value> {
        doc(
            json!({"id": "r1", "name": name, "created": created, "modified": created,
                   "owner": {"type": "IDENTITY", "id": "o1"}, "requestable": true}),
        )
    }

    #[test]
    fn fields_and_operators_outside_the_spec_are_400s_naming_what_is_supported() {
        for bad in [
            r#"description eq "x""#,
            r#"name co "x""#,
            "created lt 2024-01-01T00:00:00Z",
            "modified gt 2024-01-01T00:00:00Z",
        ] {
            let e = RoleQuery::parse(Some(bad), None).unwrap_err();
            assert!(e.to_string().contains("supported"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_sorter_outside_name_created_modified_is_a_400() {
        let e = RoleQuery::parse(None, Some("id")).unwrap_err();
        assert!(e.to_string().contains("name, created or modified"), "{e}");
    }

    #[test]
    fn a_name_prefix_sorted_by_name_reads_only_that_prefix_of_the_name_index() {
        let q = RoleQuery::parse(Some(r#"name sw "Sales""#), Some("name")).unwrap();
        assert_eq!(
            q.reach,
            Reach::Range {
                by: RoleSort::Name,
                prefix: Some("sales".into()),
                from: None,
                to: None
            }
        );
        assert!(q.exact_range);
    }

    #[test]
    fn name_eq_reads_the_exact_name_and_its_separator() {
        let q = RoleQuery::parse(Some(r#"name eq "Sales""#), None).unwrap();
        let Reach::Range { prefix, by, .. } = &q.reach else {
            panic!("{:?}", q.reach);
        };
        assert_eq!(
            (by, prefix.as_deref()),
            (&RoleSort::Name, Some("sales\u{1}"))
        );
    }

    #[test]
    fn an_id_filter_reads_those_keys_whatever_the_sorter() {
        let q = RoleQuery::parse(
            Some(r#"id in ("a","b") and requestable eq true"#),
            Some("name"),
        )
        .unwrap();
        assert_eq!(q.reach, Reach::Ids(vec!["a".into(), "b".into()]));
        assert!(!q.exact_range);
    }

    #[test]
    fn timestamps_in_any_offset_become_the_stored_utc_form() {
        let q = RoleQuery::parse(Some("created ge 2024-01-31T02:00:00+02:00"), None).unwrap();
        let Reach::Range { by, from, .. } = &q.reach else {
            panic!("{:?}", q.reach);
        };
        assert_eq!(by, &RoleSort::Created);
        assert_eq!(
            from,
            &Some(Bound {
                at: "2024-01-31T00:00:00.000Z".into(),
                inclusive: true
            })
        );
    }

    #[test]
    fn a_timestamp_that_is_not_iso_8601_is_a_400() {
        let e = RoleQuery::parse(Some("created ge yesterday"), None).unwrap_err();
        assert!(e.to_string().contains("ISO-8601"), "{e}");
    }

    #[test]
    fn a_filter_off_the_read_range_still_applies_to_every_role() {
        let q = RoleQuery::parse(Some(r#"name sw "s" and owner.id eq "o2""#), None).unwrap();
        assert!(!q.exact_range);
        assert!(!q.matches(&role("Sales", "2024-01-01T00:00:00.000Z")));
    }

    #[test]
    fn name_matching_ignores_case_and_timestamps_compare_in_time_order() {
        let q = RoleQuery::parse(
            Some(r#"name eq "SALES" and created gt 2023-12-31T23:59:59Z and requestable eq true"#),
            None,
        )
        .unwrap();
        assert!(q.matches(&role("Sales", "2024-01-01T00:00:00.000Z")));
        assert!(!q.matches(&role("Sales", "2023-12-31T23:59:59.000Z")));
    }

    #[test]
    fn ties_on_the_first_sorter_fall_to_the_next_then_to_id() {
        let q = RoleQuery::parse(None, Some("name,-created")).unwrap();
        let old = role("Same", "2024-01-01T00:00:00.000Z");
        let new = role("same", "2024-02-01T00:00:00.000Z");
        assert_eq!(q.compare(&new, &old), Ordering::Less);
    }
}
