//! The allow-list `queryDsl` and `aggregationsDsl` pass through before they reach the engine.
//! A query the engine runs is always inside the caller's organization filter
//! (`search_request::scoped_query`), so what must be refused is whatever reads outside the
//! documents that filter lets through: a `terms` lookup (it fetches any document by id, any
//! tenant's), `more_like_this` with documents to be like, `percolate`, parent/child joins, an
//! indexed shape, scripts, `wrapper` (a query hidden from this check), and the `global`
//! aggregation (it ignores the query). Anything not named below is refused too: an allow-list,
//! never a deny-list, so an engine upgrade cannot open a hole.

use serde_json::{Map, Value};

/// Objects nest at most this deep in a DSL body.
pub const MAX_DSL_DEPTH: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DslError {
    #[error("{0}: query type {1:?} is not supported")]
    Query(String, String),
    #[error("{0}: aggregation type {1:?} is not supported")]
    Aggregation(String, String),
    #[error("{0}: {1}")]
    Shape(String, &'static str),
    #[error("the DSL nests deeper than {MAX_DSL_DEPTH}")]
    TooDeep,
}

/// Leaf queries: their bodies name fields and values only (checked for scripts and lookups).
const LEAF_QUERIES: &[&str] = &[
    "match",
    "match_phrase",
    "match_phrase_prefix",
    "match_bool_prefix",
    "multi_match",
    "match_all",
    "match_none",
    "term",
    "terms",
    "range",
    "exists",
    "prefix",
    "wildcard",
    "regexp",
    "fuzzy",
    "ids",
    "query_string",
    "simple_query_string",
];

/// Keys that never pass, wherever they appear: code the engine would run, or a reference to
/// another document or index.
const FORBIDDEN_KEYS: &[&str] = &[
    "script",
    "scripts",
    "script_score",
    "index",
    "indexed_shape",
    "like",
    "unlike",
    "_index",
    "routing",
    "background_filter",
    // Scoring explanations and highlighting in `top_hits`/`inner_hits`: an explanation counts
    // documents across the whole shard (every tenant's); a highlight query is not checked.
    "explain",
    "highlight",
    "rescore",
];

const AGGREGATIONS: &[&str] = &[
    "terms",
    "multi_terms",
    "cardinality",
    "value_count",
    "avg",
    "sum",
    "min",
    "max",
    "stats",
    "extended_stats",
    "percentiles",
    "missing",
    "range",
    "date_range",
    "histogram",
    "date_histogram",
    "nested",
    "reverse_nested",
    "filter",
    "filters",
    "composite",
    "top_hits",
];

/// Checks a `queryDsl` body (one query object).
pub fn check_query(dsl: &Value) -> Result<(), DslError> {
    query(dsl, "queryDsl", 0)
}

/// Checks an `aggregationsDsl` body (a map of aggregation names to aggregations).
pub fn check_aggregations(dsl: &Value) -> Result<(), DslError> {
    aggregations(dsl, "aggregationsDsl", 0)
}

fn object<'a>(v: &'a Value, at: &str) -> Result<&'a Map<String, Value>, DslError> {
    v.as_object()
        .ok_or_else(|| DslError::Shape(at.to_owned(), "must be an object"))
}

/// One query object: exactly one query type.
fn query(v: &Value, at: &str, depth: usize) -> Result<(), DslError> {
    if depth > MAX_DSL_DEPTH {
        return Err(DslError::TooDeep);
    }
    let map = object(v, at)?;
    let [(kind, body)] = map.iter().collect::<Vec<_>>()[..] else {
        return Err(DslError::Shape(
            at.to_owned(),
            "must hold exactly one query",
        ));
    };
    let here = format!("{at}.{kind}");
    let depth = depth + 1;
    match kind.as_str() {
        "bool" => {
            for (k, clause) in object(body, &here)? {
                match k.as_str() {
                    "must" | "should" | "must_not" | "filter" => match clause {
                        Value::Array(qs) => {
                            for (i, q) in qs.iter().enumerate() {
                                query(q, &format!("{here}.{k}[{i}]"), depth)?;
                            }
                        }
                        q => query(q, &format!("{here}.{k}"), depth)?,
                    },
                    "minimum_should_match" | "boost" | "_name" => {}
                    other => return Err(DslError::Query(here.clone(), other.to_owned())),
                }
            }
            Ok(())
        }
        "nested" => sub_queries(
            body,
            &here,
            depth,
            &["query"],
            &["path", "score_mode", "ignore_unmapped", "inner_hits"],
        ),
        "constant_score" => sub_queries(body, &here, depth, &["filter"], &["boost"]),
        "boosting" => sub_queries(
            body,
            &here,
            depth,
            &["positive", "negative"],
            &["negative_boost"],
        ),
        "dis_max" => {
            let map = object(body, &here)?;
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("queries", Value::Array(qs)) => {
                        for (i, q) in qs.iter().enumerate() {
                            query(q, &format!("{here}.queries[{i}]"), depth)?;
                        }
                    }
                    ("tie_breaker" | "boost", _) => {}
                    (other, _) => return Err(DslError::Query(here.clone(), other.to_owned())),
                }
            }
            Ok(())
        }
        "terms" => {
            // A lookup is an object {index, id, path} where the values go.
            for (field, values) in object(body, &here)? {
                if !matches!(field.as_str(), "boost" | "_name") && !values.is_array() {
                    return Err(DslError::Shape(
                        format!("{here}.{field}"),
                        "must be a list of values (terms lookups are not supported)",
                    ));
                }
            }
            plain(body, &here, depth)
        }
        k if LEAF_QUERIES.contains(&k) => plain(body, &here, depth),
        other => Err(DslError::Query(at.to_owned(), other.to_owned())),
    }
}

/// A compound query's body: the sub-query keys are checked as queries, the option keys pass
/// (their values checked as plain data), anything else is refused.
fn sub_queries(
    body: &Value,
    at: &str,
    depth: usize,
    queries: &[&str],
    options: &[&str],
) -> Result<(), DslError> {
    for (k, v) in object(body, at)? {
        let here = format!("{at}.{k}");
        if queries.contains(&k.as_str()) {
            query(v, &here, depth)?;
        } else if options.contains(&k.as_str()) {
            plain(v, &here, depth)?;
        } else {
            return Err(DslError::Query(at.to_owned(), k.clone()));
        }
    }
    Ok(())
}

/// Data that must hold no forbidden key at any depth.
fn plain(v: &Value, at: &str, depth: usize) -> Result<(), DslError> {
    if depth > MAX_DSL_DEPTH {
        return Err(DslError::TooDeep);
    }
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if FORBIDDEN_KEYS.contains(&k.as_str()) {
                    return Err(DslError::Shape(format!("{at}.{k}"), "is not supported"));
                }
                plain(v, &format!("{at}.{k}"), depth + 1)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|i| plain(i, at, depth + 1)),
        _ => Ok(()),
    }
}

/// A terms bucket with `min_doc_count: 0` lists every value of the field in the shard, every
/// tenant's, with a count of 0.
fn refuse_empty_term_buckets(kind: &str, body: &Value, at: &str) -> Result<(), DslError> {
    let zero = |key: &str| {
        body.get(key)
            .and_then(Value::as_f64)
            .is_some_and(|n| n < 1.0)
    };
    if matches!(kind, "terms" | "multi_terms")
        && (zero("min_doc_count") || zero("shard_min_doc_count"))
    {
        return Err(DslError::Shape(
            format!("{at}.min_doc_count"),
            "must be at least 1",
        ));
    }
    Ok(())
}

/// A map of aggregation names to aggregations.
fn aggregations(v: &Value, at: &str, depth: usize) -> Result<(), DslError> {
    if depth > MAX_DSL_DEPTH {
        return Err(DslError::TooDeep);
    }
    for (name, agg) in object(v, at)? {
        aggregation(agg, &format!("{at}.{name}"), depth + 1)?;
    }
    Ok(())
}

/// One aggregation: one type, and optionally sub-aggregations and `meta`.
fn aggregation(v: &Value, at: &str, depth: usize) -> Result<(), DslError> {
    let mut types = 0;
    for (k, body) in object(v, at)? {
        let here = format!("{at}.{k}");
        match k.as_str() {
            "aggs" | "aggregations" => aggregations(body, &here, depth + 1)?,
            "meta" => plain(body, &here, depth + 1)?,
            "filter" => {
                types += 1;
                query(body, &here, depth + 1)?;
            }
            "filters" => {
                types += 1;
                let filters = object(body, &here)?
                    .get("filters")
                    .ok_or(DslError::Shape(here.clone(), "needs filters"))?;
                match filters {
                    Value::Object(named) => {
                        for (n, q) in named {
                            query(q, &format!("{here}.filters.{n}"), depth + 1)?;
                        }
                    }
                    Value::Array(qs) => {
                        for (i, q) in qs.iter().enumerate() {
                            query(q, &format!("{here}.filters[{i}]"), depth + 1)?;
                        }
                    }
                    _ => return Err(DslError::Shape(here, "filters must be a map or a list")),
                }
            }
            kind if AGGREGATIONS.contains(&kind) => {
                types += 1;
                refuse_empty_term_buckets(kind, body, &here)?;
                plain(body, &here, depth + 1)?;
            }
            other => return Err(DslError::Aggregation(at.to_owned(), other.to_owned())),
        }
    }
    if types == 1 {
        Ok(())
    } else {
        Err(DslError::Shape(
            at.to_owned(),
            "must hold exactly one aggregation type",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn term_buckets_that_would_list_other_tenants_values_are_refused() {
        for aggs in [
            json!({"n": {"terms": {"field": "name.exact", "min_doc_count": 0}}}),
            json!({"n": {"multi_terms": {"terms": [{"field": "a"}], "shard_min_doc_count": 0}}}),
            json!({"h": {"top_hits": {"explain": true}}}),
            json!({"h": {"top_hits": {"highlight": {"fields": {"name": {}}}}}}),
        ] {
            assert!(check_aggregations(&aggs).is_err(), "{aggs}");
        }
        assert!(
            check_aggregations(&json!({"n": {"terms": {"field": "x", "min_doc_count": 2}}}))
                .is_ok()
        );
    }

    #[test]
    fn the_queries_clients_send_pass() {
        for q in [
            json!({"match": {"name": "ada"}}),
            json!({"terms": {"source.name.exact": ["AD", "Okta"]}}),
            json!({"bool": {
                "must": [{"query_string": {"query": "name:a*"}}],
                "filter": {"range": {"created": {"gte": "now-7d"}}},
                "must_not": [{"exists": {"field": "disabled"}}],
                "minimum_should_match": 1
            }}),
            json!({"nested": {"path": "access", "query": {"term": {"access.type": "ROLE"}}}}),
            json!({"constant_score": {"filter": {"ids": {"values": ["a", "b"]}}}}),
            json!({"dis_max": {"queries": [{"prefix": {"name": "a"}}], "tie_breaker": 0.5}}),
        ] {
            assert_eq!(check_query(&q), Ok(()), "{q}");
        }
    }

    #[test]
    fn anything_that_reads_outside_the_callers_documents_is_refused() {
        for q in [
            json!({"terms": {"id": {"index": "identities", "id": "x", "path": "access"}}}),
            json!({"wrapper": {"query": "eyJtYXRjaF9hbGwiOnt9fQ=="}}),
            json!({"script": {"script": "true"}}),
            json!({"function_score": {"query": {"match_all": {}}}}),
            json!({"more_like_this": {"fields": ["name"], "like": [{"_id": "x"}]}}),
            json!({"percolate": {"field": "q", "index": "i", "id": "x"}}),
            json!({"has_child": {"type": "t", "query": {"match_all": {}}}}),
            json!({"bool": {"filter": [{"terms": {"f": {"index": "i", "id": "x"}}}]}}),
            json!({"match": {"name": {"query": "x", "script": "1"}}}),
            json!({"nested": {"path": "a", "query": {"wrapper": {"query": "e30="}}}}),
            json!({"match": {"a": 1}, "term": {"b": 2}}),
        ] {
            assert!(check_query(&q).is_err(), "{q}");
        }
    }

    #[test]
    fn aggregations_pass_unless_they_escape_the_query_or_run_code() {
        let ok = json!({
            "cities": {"terms": {"field": "attributes.city.exact"},
                       "aggs": {"n": {"cardinality": {"field": "id"}}}},
            "roles": {"nested": {"path": "access"},
                      "aggs": {"only": {"filter": {"term": {"access.type": "ROLE"}},
                                        "aggs": {"names": {"terms": {"field": "access.name.exact"}}}}}}
        });
        assert_eq!(check_aggregations(&ok), Ok(()));
        for bad in [
            json!({"all": {"global": {}, "aggs": {"n": {"value_count": {"field": "id"}}}}}),
            json!({"s": {"scripted_metric": {"map_script": "x"}}}),
            json!({"t": {"terms": {"script": {"source": "1"}}}}),
            json!({"f": {"filter": {"terms": {"id": {"index": "i", "id": "x"}}}}}),
            json!({"x": {"significant_terms": {"field": "a", "background_filter": {"match_all": {}}}}}),
            json!({"two": {"terms": {"field": "a"}, "cardinality": {"field": "b"}}}),
        ] {
            assert!(check_aggregations(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_dsl_nested_too_deep_is_refused() {
        let mut q = json!({"match_all": {}});
        for _ in 0..(MAX_DSL_DEPTH + 2) {
            q = json!({"bool": {"must": [q]}});
        }
        assert_eq!(check_query(&q), Err(DslError::TooDeep));
    }
}
