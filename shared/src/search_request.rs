//! The parts of a SailPoint `Search` body that are not the query string: paging (`offset`,
//! `limit`, `searchAfter`), `sort` and `filters`, checked and turned into the engine's terms.
//! Every query is wrapped in the caller's organization (`TENANT_FIELD`), whatever the body says.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

/// The engine field holding a document's organization: ours, never a SailPoint field (their
/// documents carry an `org` of their own), set by the indexer and stripped from answers.
pub const TENANT_FIELD: &str = "idgraph_org";
/// SailPoint's bounds: `limit` ≤ 10,000 (default 250), `offset + limit` ≤ 10,000.
pub const MAX_LIMIT: u64 = 10_000;
pub const DEFAULT_LIMIT: u64 = 250;
pub const MAX_WINDOW: u64 = 10_000;
/// `/search/aggregate`'s `limit` bound.
pub const MAX_AGGREGATE_LIMIT: u64 = 250;
/// SailPoint: "approximately 800 objects when filtering by large lists of IDs or values".
pub const MAX_TERMS: usize = 800;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("limit must be from 0 to {0}")]
    Limit(u64),
    #[error("offset + limit must be at most {MAX_WINDOW}; page further with searchAfter")]
    Window,
    #[error("searchAfter needs one value per sort field ({0} sort fields)")]
    SearchAfterLength(usize),
    #[error("searchAfter values must not be null")]
    SearchAfterNull,
    #[error("searchAfter cannot be combined with an offset")]
    SearchAfterWithOffset,
    #[error("sort field {0:?} is not a field name")]
    SortField(String),
    #[error("filter {0:?}: {1}")]
    Filter(String, String),
}

/// The page asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

impl Page {
    /// `offset` and `limit` as given, checked against `max_limit` and the 10,000 window.
    pub fn new(
        offset: Option<u64>,
        limit: Option<u64>,
        max_limit: u64,
    ) -> Result<Self, RequestError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT.min(max_limit));
        if limit > max_limit {
            return Err(RequestError::Limit(max_limit));
        }
        let offset = offset.unwrap_or(0);
        if offset.saturating_add(limit) > MAX_WINDOW {
            return Err(RequestError::Window);
        }
        Ok(Self { offset, limit })
    }
}

/// One sort key: the field and its direction (`+f`, `f` ascending; `-f` descending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub field: String,
    pub descending: bool,
}

/// `sort`, parsed: each field name as SailPoint gives it.
pub fn sort_keys(sort: &[String]) -> Result<Vec<SortKey>, RequestError> {
    sort.iter()
        .map(|raw| {
            let (descending, field) = match raw.strip_prefix('-') {
                Some(f) => (true, f),
                None => (false, raw.strip_prefix('+').unwrap_or(raw)),
            };
            let valid = !field.is_empty()
                && field
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '@'));
            if valid {
                Ok(SortKey {
                    field: field.to_owned(),
                    descending,
                })
            } else {
                Err(RequestError::SortField(raw.clone()))
            }
        })
        .collect()
}

/// The engine's `sort`: each key, then the document id so that every position is unique (a
/// page boundary between equal values would otherwise lose or repeat documents).
pub fn engine_sort(keys: &[SortKey]) -> Value {
    let mut sort: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({ k.field.as_str(): {
                "order": if k.descending { "desc" } else { "asc" },
                "unmapped_type": "keyword",
            }})
        })
        .collect();
    if !keys.iter().any(|k| k.field == "id") {
        sort.push(json!({ "id": { "order": "asc", "unmapped_type": "keyword" } }));
    }
    Value::Array(sort)
}

/// `searchAfter`, checked against the sort: one non-null value per sort field, no offset. The
/// SDKs' paginators send only the sort field's value; the engine's `search_after` then bounds
/// the id tiebreaker above every id, so the next page starts strictly after that value, as
/// SailPoint's own single-field paging does (documents tied with the page's last one are
/// skipped, and a page of nothing but ties cannot come back forever). With the id as a last
/// value, as SailPoint recommends, nothing is skipped.
pub fn engine_search_after(
    search_after: &[Value],
    keys: &[SortKey],
    page: &Page,
) -> Result<Option<Value>, RequestError> {
    if search_after.is_empty() {
        return Ok(None);
    }
    if page.offset > 0 {
        return Err(RequestError::SearchAfterWithOffset);
    }
    if search_after.iter().any(Value::is_null) {
        // The TypeScript paginator sends `[null]` for `sort: ["+name"]`: answering page one
        // again would loop it forever.
        return Err(RequestError::SearchAfterNull);
    }
    let tiebreak = !keys.iter().any(|k| k.field == "id");
    match search_after.len() {
        n if n == keys.len() && tiebreak => {
            let mut values = search_after.to_vec();
            values.push(json!(AFTER_EVERY_ID));
            Ok(Some(Value::Array(values)))
        }
        n if n == keys.len() || (tiebreak && n == keys.len() + 1) => {
            Ok(Some(Value::Array(search_after.to_vec())))
        }
        _ => Err(RequestError::SearchAfterLength(keys.len())),
    }
}

/// Sorts after every id (ids are ASCII; keywords compare as UTF-8 bytes).
const AFTER_EVERY_ID: &str = "\u{10FFFF}";

/// A SailPoint `Filter`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    #[serde(rename = "type")]
    pub kind: FilterType,
    #[serde(default)]
    pub range: Option<Range>,
    #[serde(default)]
    pub terms: Option<Vec<String>>,
    #[serde(default)]
    pub exclude: bool,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum FilterType {
    Exists,
    Range,
    Terms,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Range {
    #[serde(default)]
    pub lower: Option<Bound>,
    #[serde(default)]
    pub upper: Option<Bound>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    pub value: String,
    #[serde(default)]
    pub inclusive: bool,
}

/// `filters` as engine clauses: (those that must match, those that must not). `whole` gives
/// the engine field that holds a field's whole value (a text field's `.exact` keyword): TERMS
/// and RANGE compare whole values.
pub fn engine_filters(
    filters: &BTreeMap<String, Filter>,
    whole: &dyn Fn(&str) -> String,
) -> Result<(Vec<Value>, Vec<Value>), RequestError> {
    let (mut must, mut must_not) = (Vec::new(), Vec::new());
    for (field, f) in filters {
        let bad = |m: &str| RequestError::Filter(field.clone(), m.to_owned());
        let clause = match f.kind {
            FilterType::Exists => json!({ "exists": { "field": field } }),
            FilterType::Terms => {
                let terms = f
                    .terms
                    .as_ref()
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| bad("a TERMS filter needs terms"))?;
                if terms.len() > MAX_TERMS {
                    return Err(bad(&format!("at most {MAX_TERMS} terms")));
                }
                json!({ "terms": { whole(field): terms } })
            }
            FilterType::Range => {
                let range = f
                    .range
                    .as_ref()
                    .filter(|r| r.lower.is_some() || r.upper.is_some())
                    .ok_or_else(|| bad("a RANGE filter needs a lower or an upper bound"))?;
                let mut bounds = serde_json::Map::new();
                if let Some(b) = &range.lower {
                    bounds.insert(
                        (if b.inclusive { "gte" } else { "gt" }).into(),
                        json!(b.value),
                    );
                }
                if let Some(b) = &range.upper {
                    bounds.insert(
                        (if b.inclusive { "lte" } else { "lt" }).into(),
                        json!(b.value),
                    );
                }
                json!({ "range": { whole(field): bounds } })
            }
        };
        if f.exclude {
            must_not.push(clause);
        } else {
            must.push(clause);
        }
    }
    Ok((must, must_not))
}

/// The query the engine runs: the caller's organization always, the filters, then the user's
/// query (any DSL), which can only narrow what the organization's filter lets through. All of it
/// is filter context: answers are always sorted, and a score would carry term statistics of
/// the whole shard — every tenant's documents — into `top_hits`.
pub fn scoped_query(org: &str, user: Option<Value>, filters: (Vec<Value>, Vec<Value>)) -> Value {
    let (mut filter, must_not) = filters;
    filter.insert(0, json!({ "term": { TENANT_FIELD: org } }));
    filter.extend(user);
    let mut b = serde_json::Map::new();
    b.insert("filter".into(), Value::Array(filter));
    if !must_not.is_empty() {
        b.insert("must_not".into(), Value::Array(must_not));
    }
    json!({ "bool": b })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_bounded_by_its_limit_and_the_ten_thousand_window() {
        assert_eq!(
            Page::new(None, None, MAX_LIMIT),
            Ok(Page {
                offset: 0,
                limit: 250
            })
        );
        assert!(Page::new(Some(9_750), Some(250), MAX_LIMIT).is_ok());
        assert_eq!(
            Page::new(Some(9_751), Some(250), MAX_LIMIT),
            Err(RequestError::Window)
        );
        assert_eq!(
            Page::new(None, Some(10_001), MAX_LIMIT),
            Err(RequestError::Limit(10_000))
        );
        assert_eq!(
            Page::new(None, Some(251), MAX_AGGREGATE_LIMIT),
            Err(RequestError::Limit(250))
        );
    }

    #[test]
    fn sort_fields_take_a_direction_and_the_id_breaks_ties() {
        let keys = sort_keys(&["-created".into(), "+name".into()]).unwrap();
        assert_eq!(
            engine_sort(&keys),
            json!([
                {"created": {"order": "desc", "unmapped_type": "keyword"}},
                {"name": {"order": "asc", "unmapped_type": "keyword"}},
                {"id": {"order": "asc", "unmapped_type": "keyword"}}
            ])
        );
        let by_id = sort_keys(&["id".into()]).unwrap();
        assert_eq!(engine_sort(&by_id).as_array().map(Vec::len), Some(1));
        assert!(sort_keys(&["name desc".into()]).is_err());
        assert!(sort_keys(&["-".into()]).is_err());
    }

    #[test]
    fn a_paginators_search_after_continues_past_ties_and_a_null_is_refused() {
        let keys = sort_keys(&["name".into()]).unwrap();
        let page = Page::new(None, None, MAX_LIMIT).unwrap();
        assert_eq!(
            engine_search_after(&[json!("Ada")], &keys, &page),
            Ok(Some(json!(["Ada", "\u{10FFFF}"])))
        );
        assert_eq!(
            engine_search_after(&[json!("Ada"), json!("2c9")], &keys, &page),
            Ok(Some(json!(["Ada", "2c9"])))
        );
        assert_eq!(
            engine_search_after(&[Value::Null], &keys, &page),
            Err(RequestError::SearchAfterNull)
        );
        assert_eq!(
            engine_search_after(&[json!("a"), json!("b"), json!("c")], &keys, &page),
            Err(RequestError::SearchAfterLength(1))
        );
        let later = Page::new(Some(10), None, MAX_LIMIT).unwrap();
        assert_eq!(
            engine_search_after(&[json!("Ada")], &keys, &later),
            Err(RequestError::SearchAfterWithOffset)
        );
        assert_eq!(engine_search_after(&[], &keys, &later), Ok(None));
    }

    #[test]
    fn filters_become_term_range_and_exists_clauses_and_exclude_negates() {
        let filters: BTreeMap<String, Filter> = serde_json::from_value(json!({
            "attributes.cloudAuthoritativeSource": {"type": "EXISTS", "exclude": true},
            "accessCount": {"type": "RANGE", "range": {"lower": {"value": "3"}}},
            "created": {"type": "RANGE", "range": {
                "lower": {"value": "2019-12-01", "inclusive": true},
                "upper": {"value": "2020-01-01"}
            }},
            "source.name": {"type": "TERMS", "terms": ["Active Directory", "Okta"]}
        }))
        .unwrap();

        let (must, must_not) = engine_filters(&filters, &|f| f.to_owned()).unwrap();

        assert_eq!(
            must,
            vec![
                json!({"range": {"accessCount": {"gt": "3"}}}),
                json!({"range": {"created": {"gte": "2019-12-01", "lt": "2020-01-01"}}}),
                json!({"terms": {"source.name": ["Active Directory", "Okta"]}}),
            ]
        );
        assert_eq!(
            must_not,
            vec![json!({"exists": {"field": "attributes.cloudAuthoritativeSource"}})]
        );
    }

    #[test]
    fn an_incomplete_filter_is_refused_naming_its_field() {
        for body in [
            json!({"f": {"type": "TERMS"}}),
            json!({"f": {"type": "TERMS", "terms": []}}),
            json!({"f": {"type": "RANGE", "range": {}}}),
        ] {
            let filters: BTreeMap<String, Filter> = serde_json::from_value(body).unwrap();
            assert!(
                matches!(engine_filters(&filters, &|f| f.to_owned()), Err(RequestError::Filter(f, _)) if f == "f")
            );
        }
        let too_many = json!({"f": {"type": "TERMS", "terms": vec!["x"; MAX_TERMS + 1]}});
        let filters: BTreeMap<String, Filter> = serde_json::from_value(too_many).unwrap();
        assert!(engine_filters(&filters, &|f| f.to_owned()).is_err());
    }

    #[test]
    fn every_query_is_wrapped_in_the_callers_organization() {
        let q = scoped_query(
            "org-a",
            Some(json!({"query_string": {"query": "name:a*"}})),
            (vec![], vec![json!({"exists": {"field": "x"}})]),
        );
        assert_eq!(
            q,
            json!({"bool": {
                "filter": [
                    {"term": {"idgraph_org": "org-a"}},
                    {"query_string": {"query": "name:a*"}}
                ],
                "must_not": [{"exists": {"field": "x"}}]
            }})
        );
        assert_eq!(
            scoped_query("org-b", None, (vec![], vec![])),
            json!({"bool": {"filter": [{"term": {"idgraph_org": "org-b"}}]}})
        );
    }
}
