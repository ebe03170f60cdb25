//! A SailPoint `Search` body as the engine request `/v3/search` and `/v3/search/count` send:
//! which engine indices, and the body, with the caller's organization always in the query.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::search_aggregation::AggregationError;
use crate::search_dsl::{self, DslError};
use crate::search_mapping::engine_index;
use crate::search_query::{self, QueryError, QueryOptions};
use crate::search_request::{
    Filter, Page, RequestError, TENANT_FIELD, engine_filters, engine_search_after, engine_sort,
    scoped_query, sort_keys,
};

/// The indices SailPoint's v3 search names (`Index`), in the order `*` expands to.
pub const INDICES: &[&str] = &[
    "accessprofiles",
    "accountactivities",
    "entitlements",
    "events",
    "identities",
    "roles",
];

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SearchBody {
    pub indices: Option<Vec<String>>,
    pub query_type: Option<String>,
    pub query: Option<QueryPart>,
    pub query_dsl: Option<Value>,
    pub sort: Option<Vec<String>>,
    pub search_after: Option<Vec<Value>>,
    pub filters: Option<BTreeMap<String, Filter>>,
    pub query_result_filter: Option<ResultFilter>,
    pub include_nested: Option<bool>,
    pub aggregation_type: Option<String>,
    pub aggregations_dsl: Option<Value>,
    pub aggregations: Option<crate::search_aggregation::AggregationSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueryPart {
    pub query: Option<String>,
    /// The spec types it as a string, its example as a list: both are taken.
    pub fields: Option<Fields>,
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Fields {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ResultFilter {
    pub includes: Option<Vec<String>>,
    pub excludes: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("index {0:?} is not one of {list}", list = INDICES.join(", "))]
    Index(String),
    #[error("queryType {0} is not supported; use SAILPOINT or DSL")]
    QueryType(String),
    #[error("{0} needs {1}")]
    Missing(&'static str, &'static str),
    #[error("query: {0}")]
    Query(#[from] QueryError),
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error(transparent)]
    Dsl(#[from] DslError),
    #[error("aggregationType {0} is not supported; use DSL or SAILPOINT")]
    AggregationType(String),
    #[error("aggregations: {0}")]
    Aggregation(#[from] AggregationError),
    #[error("{0} is not supported by this service")]
    Unsupported(&'static str),
}

/// What the engine is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineSearch {
    pub indices: Vec<String>,
    pub body: Value,
}

impl SearchBody {
    /// The engine indices: those named, or all of them for none or `*`.
    pub fn engine_indices(&self) -> Result<Vec<String>, BodyError> {
        let named = self.indices.as_deref().unwrap_or_default();
        if named.is_empty() || named.iter().any(|i| i == "*") {
            return Ok(INDICES.iter().map(|i| engine_index(i)).collect());
        }
        named
            .iter()
            .map(|i| {
                if INDICES.contains(&i.as_str()) {
                    Ok(engine_index(i))
                } else {
                    Err(BodyError::Index(i.clone()))
                }
            })
            .collect()
    }

    /// The user's query, as DSL: SAILPOINT's query string, or DSL's own (allow-listed).
    pub fn user_query(&self) -> Result<Option<Value>, BodyError> {
        match self.query_type.as_deref().unwrap_or("SAILPOINT") {
            "SAILPOINT" => {
                let part = self
                    .query
                    .as_ref()
                    .ok_or(BodyError::Missing("queryType SAILPOINT", "a query"))?;
                let Some(text) = part.query.as_deref().filter(|q| !q.trim().is_empty()) else {
                    return Ok(None);
                };
                let options = QueryOptions {
                    fields: match &part.fields {
                        None => Vec::new(),
                        Some(Fields::One(s)) => s
                            .split(',')
                            .map(str::trim)
                            .filter(|f| !f.is_empty())
                            .map(str::to_owned)
                            .collect(),
                        Some(Fields::Many(v)) => v.clone(),
                    },
                    time_zone: part.time_zone.clone(),
                };
                Ok(Some(search_query::parse(text)?.to_dsl(&options)))
            }
            "DSL" => {
                let dsl = self
                    .query_dsl
                    .as_ref()
                    .ok_or(BodyError::Missing("queryType DSL", "a queryDsl"))?;
                search_dsl::check_query(dsl)?;
                Ok(Some(dsl.clone()))
            }
            other => Err(BodyError::QueryType(other.to_owned())),
        }
    }

    /// The engine request for one page of `org`'s documents. `whole` gives the engine field
    /// holding a SailPoint field's whole value (its `.exact` when it is text), which sorts and
    /// filters compare.
    pub fn search(
        &self,
        org: &str,
        page: &Page,
        count: bool,
        whole: impl Fn(&str) -> String,
    ) -> Result<EngineSearch, BodyError> {
        let query = self.scoped(org, &whole)?;
        let mut keys = sort_keys(self.sort.as_deref().unwrap_or_default())?;
        for k in &mut keys {
            k.field = whole(&k.field);
        }
        let mut body = json!({
            "query": query,
            "from": page.offset,
            "size": page.limit,
            "sort": engine_sort(&keys),
            "track_total_hits": count,
            "_source": source_filter(self.query_result_filter.as_ref(), self.include_nested),
        });
        if let Some(after) = engine_search_after(
            self.search_after.as_deref().unwrap_or_default(),
            &keys,
            page,
        )? {
            body["search_after"] = after;
            body["from"] = json!(0);
        }
        Ok(EngineSearch {
            indices: self.engine_indices()?,
            body,
        })
    }

    /// The engine request of `/v3/search/aggregate`: a page of hits as `search` asks for it,
    /// with the aggregations.
    pub fn aggregate(
        &self,
        org: &str,
        page: &Page,
        count: bool,
        whole: impl Fn(&str) -> String,
    ) -> Result<EngineSearch, BodyError> {
        let mut request = self.search(org, page, count, whole)?;
        if let Some(aggs) = self.engine_aggregations()? {
            request.body["aggs"] = aggs;
        }
        Ok(request)
    }

    /// The aggregations asked for: `aggregationsDsl` (allow-listed) for DSL, the default, or
    /// SAILPOINT's `aggregations`. `None` when DSL names none: the answer has hits only.
    pub fn engine_aggregations(&self) -> Result<Option<Value>, BodyError> {
        match self.aggregation_type.as_deref().unwrap_or("DSL") {
            "DSL" => match &self.aggregations_dsl {
                None => Ok(None),
                Some(dsl) => {
                    search_dsl::check_aggregations(dsl)?;
                    Ok(Some(dsl.clone()))
                }
            },
            "SAILPOINT" => {
                let spec = self.aggregations.as_ref().ok_or(BodyError::Missing(
                    "aggregationType SAILPOINT",
                    "aggregations",
                ))?;
                Ok(Some(spec.to_dsl()?))
            }
            other => Err(BodyError::AggregationType(other.to_owned())),
        }
    }

    /// The engine request of `/v3/search/count`: the query alone.
    pub fn count(
        &self,
        org: &str,
        whole: impl Fn(&str) -> String,
    ) -> Result<EngineSearch, BodyError> {
        Ok(EngineSearch {
            indices: self.engine_indices()?,
            body: json!({ "query": self.scoped(org, &whole)? }),
        })
    }

    /// The user's query and filters inside the organization's filter.
    fn scoped(&self, org: &str, whole: &dyn Fn(&str) -> String) -> Result<Value, BodyError> {
        let filters = engine_filters(self.filters.as_ref().unwrap_or(&BTreeMap::new()), whole)?;
        Ok(scoped_query(org, self.user_query()?, filters))
    }
}

/// `_source`: the tenant field never leaves; `queryResultFilter` and `includeNested: false`
/// narrow further.
fn source_filter(filter: Option<&ResultFilter>, include_nested: Option<bool>) -> Value {
    let mut excludes = vec![TENANT_FIELD.to_owned()];
    if include_nested == Some(false) {
        excludes.extend(
            crate::search_mapping::nested_paths("identities")
                .iter()
                .chain(crate::search_mapping::nested_paths("roles"))
                .map(|p| (*p).to_owned()),
        );
    }
    let mut source = json!({});
    if let Some(f) = filter {
        if let Some(inc) = f.includes.as_ref().filter(|i| !i.is_empty()) {
            source["includes"] = json!(inc);
        }
        excludes.extend(f.excludes.iter().flatten().cloned());
    }
    source["excludes"] = json!(excludes);
    source
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search_request::MAX_LIMIT;

    fn body(v: Value) -> SearchBody {
        serde_json::from_value(v).expect("a body")
    }

    fn page() -> Page {
        Page::new(None, Some(2), MAX_LIMIT).unwrap()
    }

    fn exact(f: &str) -> String {
        format!("{f}.exact")
    }

    #[test]
    fn the_specs_simple_search_becomes_one_scoped_query_string() {
        let b = body(
            json!({"indices": ["identities"], "query": {"query": "name:a*"}, "sort": ["name"]}),
        );

        let got = b.search("org-a", &page(), true, exact).unwrap();

        assert_eq!(got.indices, vec!["idgraph-identities"]);
        assert_eq!(
            got.body,
            json!({
                "query": {"bool": {
                    "filter": [
                        {"term": {"idgraph_org": "org-a"}},
                        {"query_string": {"query": "name:a*"}}
                    ]
                }},
                "from": 0,
                "size": 2,
                "sort": [
                    {"name.exact": {"order": "asc", "unmapped_type": "keyword"}},
                    {"id": {"order": "asc", "unmapped_type": "keyword"}}
                ],
                "track_total_hits": true,
                "_source": {"excludes": ["idgraph_org"]}
            })
        );
    }

    #[test]
    fn a_dsl_query_is_checked_and_still_scoped_to_the_caller() {
        let ok = body(json!({"queryType": "DSL", "queryDsl": {"match": {"name": "ada"}}}));
        let got = ok.count("org-a", exact).unwrap();
        assert_eq!(
            got.body["query"]["bool"]["filter"],
            json!([{"term": {"idgraph_org": "org-a"}}, {"match": {"name": "ada"}}])
        );
        let lookup = body(json!({"queryType": "DSL",
            "queryDsl": {"terms": {"id": {"index": "idgraph-identities", "id": "org-b:x", "path": "id"}}}}));
        assert!(matches!(
            lookup.count("org-a", exact),
            Err(BodyError::Dsl(_))
        ));
    }

    #[test]
    fn indices_default_to_all_and_an_unknown_one_is_refused() {
        assert_eq!(body(json!({})).engine_indices().unwrap().len(), 6);
        assert_eq!(
            body(json!({"indices": ["*"]}))
                .engine_indices()
                .unwrap()
                .len(),
            6
        );
        assert_eq!(
            body(json!({"indices": ["identities", "nope"]})).engine_indices(),
            Err(BodyError::Index("nope".into()))
        );
    }

    #[test]
    fn fields_come_as_a_comma_list_or_a_list_and_reach_the_query() {
        for fields in [json!("name, email"), json!(["name", "email"])] {
            let b = body(json!({"query": {"query": "ada", "fields": fields}}));
            assert_eq!(
                b.user_query().unwrap(),
                Some(json!({"query_string": {"query": "ada", "fields": ["name", "email"]}}))
            );
        }
    }

    #[test]
    fn search_after_replaces_the_offset_and_the_tenant_never_leaves_in_source() {
        let b = body(json!({
            "query": {"query": "*"}, "sort": ["name"], "searchAfter": ["Ada"],
            "queryResultFilter": {"includes": ["name"], "excludes": ["email"]},
            "includeNested": false
        }));

        let got = b.search("org-a", &page(), false, exact).unwrap();

        assert_eq!(got.body["search_after"], json!(["Ada", "\u{10FFFF}"]));
        assert_eq!(got.body["from"], 0);
        let excludes = got.body["_source"]["excludes"].as_array().unwrap();
        assert_eq!(excludes[0], "idgraph_org");
        assert!(excludes.contains(&json!("accounts")) && excludes.contains(&json!("email")));
        assert_eq!(got.body["_source"]["includes"], json!(["name"]));
    }

    #[test]
    fn unsupported_query_types_and_missing_parts_are_refused() {
        assert_eq!(
            body(json!({"queryType": "TYPEAHEAD"})).user_query(),
            Err(BodyError::QueryType("TYPEAHEAD".into()))
        );
        assert_eq!(
            body(json!({})).user_query(),
            Err(BodyError::Missing("queryType SAILPOINT", "a query"))
        );
        assert_eq!(
            body(json!({"queryType": "DSL"})).user_query(),
            Err(BodyError::Missing("queryType DSL", "a queryDsl"))
        );
        assert!(matches!(
            body(json!({"query": {"query": "(a"}})).user_query(),
            Err(BodyError::Query(_))
        ));
    }
}
