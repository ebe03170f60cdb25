//! `GET /v3/access-request-status`'s `filters` and `sorters`, as the spec lists them, over the
//! `RequestedItemStatus` documents the store keeps. Statuses are stored in creation order (their
//! ids begin with the time), so `created` and `accountActivityItemId` sort by reading in order;
//! `name` and `modified` sort in memory.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::filter::{self, Expr, Op};

/// `limit` of the status listing: 0..=250, 250 by default.
pub const MAX_LIMIT: usize = 250;

const ALLOWED: [(&str, &[&str]); 3] = [
    (
        "accessRequestId",
        &["eq", "in", "ge", "gt", "le", "lt", "ne", "sw"],
    ),
    (
        "accountActivityItemId",
        &["eq", "in", "ge", "gt", "le", "ne", "sw"],
    ),
    ("created", &["eq", "ge", "gt", "le", "lt", "ne"]),
];

const SORTABLE: [&str; 4] = ["created", "modified", "accountActivityItemId", "name"];

#[derive(Debug, Clone, PartialEq)]
pub struct StatusQuery {
    filter: Option<Expr>,
    sorters: Vec<(&'static str, bool)>,
}

impl StatusQuery {
    pub fn parse(filters: Option<&str>, sorters: Option<&str>) -> Result<Self, ApiError> {
        let filter = filters
            .map(|raw| filter::parse_allowed(raw, &ALLOWED).map_err(ApiError::BadRequest))
            .transpose()?
            .map(normalize)
            .transpose()?;
        let sorters = sorters
            .map(|raw| {
                filter::parse_sorters(
                    raw,
                    |name| SORTABLE.iter().copied().find(|f| *f == name),
                    "sort by created, modified, accountActivityItemId or name",
                )
                .map_err(ApiError::BadRequest)
            })
            .transpose()?
            .unwrap_or_default();
        Ok(Self { filter, sorters })
    }

    /// `Some(descending)` when the stored (creation) order is the requested order.
    pub fn stored_order(&self) -> Option<bool> {
        match self.sorters.as_slice() {
            [] => Some(false),
            [(field, descending)] if *field == "created" || *field == "accountActivityItemId" => {
                Some(*descending)
            }
            _ => None,
        }
    }

    pub fn matches(&self, doc: &Map<String, Value>) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|f| f.holds(&|leaf| eval(leaf, doc)))
    }

    /// The requested order, then the id (creation order) as the last tie-break.
    pub fn compare(&self, a: &Map<String, Value>, b: &Map<String, Value>) -> Ordering {
        for (field, descending) in self.sorters.iter().chain([&("id", false)]) {
            let o = text(a, field).cmp(text(b, field));
            let o = if *descending { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

fn text<'d>(doc: &'d Map<String, Value>, field: &str) -> &'d str {
    doc.get(field).and_then(Value::as_str).unwrap_or("")
}

fn normalize(e: Expr) -> Result<Expr, ApiError> {
    e.try_map_leaves(&|leaf| match leaf {
        Expr::Compare { field, op, value } if field == "created" => {
            let at = crate::role_listing::timestamp(&field, &value)?;
            Ok(Expr::Compare {
                field,
                op,
                value: filter::Value::Quoted(at),
            })
        }
        other => Ok(other),
    })
}

/// One leaf of the filter.
fn eval(e: &Expr, doc: &Map<String, Value>) -> bool {
    match e {
        Expr::Compare { field, op, value } => {
            let have = text(doc, field);
            let want = value.as_str();
            let o = have.cmp(want);
            match op {
                Op::Eq => o == Ordering::Equal,
                Op::Ne => o != Ordering::Equal,
                Op::Gt => o == Ordering::Greater,
                Op::Ge => o != Ordering::Less,
                Op::Lt => o == Ordering::Less,
                Op::Le => o != Ordering::Greater,
                Op::Sw => have.starts_with(want),
                Op::Co => have.contains(want),
            }
        }
        Expr::In { field, values } => {
            let have = text(doc, field);
            values.iter().any(|v| v.as_str() == have)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status(id: &str, created: &str, name: &str) -> Map<String, Value> {
        json!({"id": id, "accessRequestId": id, "accountActivityItemId": id,
               "created": created, "modified": created, "name": name})
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn filters_and_sorters_outside_the_spec_are_400s() {
        assert!(StatusQuery::parse(Some(r#"name eq "x""#), None).is_err());
        assert!(StatusQuery::parse(Some(r#"accountActivityItemId lt "x""#), None).is_err());
        assert!(StatusQuery::parse(None, Some("requester")).is_err());
    }

    #[test]
    fn creation_order_is_read_as_stored_and_other_orders_are_sorted() {
        let by = |s| StatusQuery::parse(None, Some(s)).unwrap().stored_order();
        assert_eq!(by("-created"), Some(true));
        assert_eq!(by("accountActivityItemId"), Some(false));
        assert_eq!(by("name"), None);
        assert_eq!(by("created,name"), None);
    }

    #[test]
    fn created_filters_compare_times_in_any_offset() {
        let q = StatusQuery::parse(Some("created gt 2024-01-01T01:00:00+01:00"), None).unwrap();
        assert!(q.matches(&status("a", "2024-01-01T00:00:00.001Z", "r")));
        assert!(!q.matches(&status("a", "2024-01-01T00:00:00.000Z", "r")));
    }

    #[test]
    fn ids_match_by_in_and_sw() {
        let q = StatusQuery::parse(
            Some(r#"accessRequestId in ("a1","b2") or accessRequestId sw "c""#),
            None,
        )
        .unwrap();
        assert!(q.matches(&status("b2", "", "")));
        assert!(q.matches(&status("c9", "", "")));
        assert!(!q.matches(&status("d1", "", "")));
    }

    #[test]
    fn name_sorts_with_ties_in_creation_order() {
        let q = StatusQuery::parse(None, Some("-name")).unwrap();
        let (a, b) = (status("1", "", "Same"), status("2", "", "Same"));
        assert_eq!(q.compare(&a, &b), Ordering::Less);
        assert_eq!(
            q.compare(&status("1", "", "A"), &status("2", "", "B")),
            Ordering::Greater
        );
    }
}
