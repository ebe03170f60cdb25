//! SailPoint's own aggregation form (`aggregationType: SAILPOINT`, `aggregations`) as engine
//! aggregations, and the CSV SailPoint answers for it under `Accept: text/csv`.
//!
//! The form is one chain: an optional nested object, an optional filter, then a bucket (with
//! an optional metric per bucket and an optional `subAggregation` of the same form) or a metric
//! alone. The spec's DSL twins of its examples are what this produces. Strings are bucketed and
//! counted on their `.exact` keyword sub-field, as those twins do; numeric metrics read the
//! field itself.

use serde::Deserialize;
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AggregationError {
    #[error("aggregations needs a bucket or a metric")]
    Empty,
    #[error("a subAggregation needs a bucket to go under")]
    SubWithoutBucket,
    #[error("{0}: {1}")]
    Field(String, &'static str),
    #[error("aggregations nest deeper than {MAX_SUB_DEPTH}")]
    TooDeep,
}

/// How many `subAggregation` levels a request may hold.
pub const MAX_SUB_DEPTH: usize = 5;
/// A bucket's default and largest `size`.
pub const DEFAULT_BUCKETS: u32 = 10;
pub const MAX_BUCKETS: u32 = 10_000;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AggregationSpec {
    pub nested: Option<NestedAggregation>,
    pub metric: Option<MetricAggregation>,
    pub filter: Option<FilterAggregation>,
    pub bucket: Option<BucketAggregation>,
    pub sub_aggregation: Option<Box<AggregationSpec>>,
}

/// `nested`: `type` is the nested object's path (the spec: "The type of the nested object",
/// e.g. `access`); the v1 example gives it as `field`, which wins when present.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct NestedAggregation {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub field: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MetricType {
    Count,
    #[default]
    UniqueCount,
    Avg,
    Sum,
    Median,
    Min,
    Max,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct MetricAggregation {
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: MetricType,
    pub field: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct FilterAggregation {
    pub name: String,
    pub field: String,
    pub value: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BucketAggregation {
    pub name: String,
    pub field: String,
    pub size: Option<u32>,
    pub min_doc_count: Option<u32>,
}

impl AggregationSpec {
    /// The engine's `aggs`.
    pub fn to_dsl(&self) -> Result<Value, AggregationError> {
        self.level(0).map(Value::Object)
    }

    fn level(&self, depth: usize) -> Result<Map<String, Value>, AggregationError> {
        if depth > MAX_SUB_DEPTH {
            return Err(AggregationError::TooDeep);
        }
        let mut aggs = match (&self.bucket, &self.metric) {
            (Some(b), metric) => {
                let mut terms = json!({ "field": exact(&b.field)? });
                terms["size"] = json!(b.size.unwrap_or(DEFAULT_BUCKETS).min(MAX_BUCKETS));
                if let Some(min) = b.min_doc_count {
                    // 0 would list every value in the shard, other tenants' too.
                    if min == 0 {
                        return Err(AggregationError::Field(
                            b.field.clone(),
                            "minDocCount must be at least 1",
                        ));
                    }
                    terms["min_doc_count"] = json!(min);
                }
                let mut inner = Map::new();
                if let Some(m) = metric {
                    inner.insert(m.name.clone(), metric_dsl(m)?);
                }
                if let Some(sub) = &self.sub_aggregation {
                    inner.extend(sub.level(depth + 1)?);
                }
                let mut agg = json!({ "terms": terms });
                if !inner.is_empty() {
                    agg["aggs"] = Value::Object(inner);
                }
                Map::from_iter([(b.name.clone(), agg)])
            }
            (None, Some(m)) => {
                if self.sub_aggregation.is_some() {
                    return Err(AggregationError::SubWithoutBucket);
                }
                Map::from_iter([(m.name.clone(), metric_dsl(m)?)])
            }
            (None, None) if self.filter.is_some() => Map::new(),
            (None, None) => return Err(AggregationError::Empty),
        };
        if let Some(f) = &self.filter {
            let mut agg = json!({ "filter": { "term": { exact(&f.field)?: f.value } } });
            if !aggs.is_empty() {
                agg["aggs"] = Value::Object(aggs);
            }
            aggs = Map::from_iter([(f.name.clone(), agg)]);
        }
        let path = match &self.nested {
            Some(n) => Some((
                n.name.clone(),
                n.field
                    .clone()
                    .or_else(|| n.kind.clone())
                    .ok_or(AggregationError::Field(
                        n.name.clone(),
                        "a nested aggregation needs its type",
                    ))?,
            )),
            // `@access.name` outside a nested aggregation: its object is nested.
            None => self.first_nested_path().map(|p| (p.clone(), p)),
        };
        if let Some((name, path)) = path {
            aggs = Map::from_iter([(
                name,
                json!({ "nested": { "path": path }, "aggs": Value::Object(aggs) }),
            )]);
        }
        Ok(aggs)
    }

    /// The path of the first `@`-prefixed field of this level.
    fn first_nested_path(&self) -> Option<String> {
        let fields = [
            self.filter.as_ref().map(|f| f.field.as_str()),
            self.bucket.as_ref().map(|b| b.field.as_str()),
            self.metric.as_ref().map(|m| m.field.as_str()),
        ];
        fields.into_iter().flatten().find_map(|f| {
            f.strip_prefix('@')
                .and_then(|rest| rest.split('.').next())
                .map(str::to_owned)
        })
    }
}

/// A field name without its `@`, checked.
fn field(raw: &str) -> Result<&str, AggregationError> {
    let f = raw.strip_prefix('@').unwrap_or(raw);
    let valid = !f.is_empty()
        && !f.starts_with('.')
        && !f.ends_with('.')
        && f.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.'));
    if valid {
        Ok(f)
    } else {
        Err(AggregationError::Field(
            raw.to_owned(),
            "is not a field name",
        ))
    }
}

/// The keyword form of a field: its `.exact` sub-field (given as is when named so).
fn exact(raw: &str) -> Result<String, AggregationError> {
    let f = field(raw)?;
    Ok(if f.ends_with(".exact") {
        f.to_owned()
    } else {
        format!("{f}.exact")
    })
}

fn metric_dsl(m: &MetricAggregation) -> Result<Value, AggregationError> {
    Ok(match m.kind {
        MetricType::Count => json!({ "value_count": { "field": exact(&m.field)? } }),
        MetricType::UniqueCount => json!({ "cardinality": { "field": exact(&m.field)? } }),
        MetricType::Avg => json!({ "avg": { "field": field(&m.field)? } }),
        MetricType::Sum => json!({ "sum": { "field": field(&m.field)? } }),
        MetricType::Min => json!({ "min": { "field": field(&m.field)? } }),
        MetricType::Max => json!({ "max": { "field": field(&m.field)? } }),
        MetricType::Median => {
            json!({ "percentiles": { "field": field(&m.field)?, "percents": [50] } })
        }
    })
}

/// SailPoint's CSV of an aggregation result: the first bucket aggregation found under the
/// spec's chain, one line per bucket (its key and document count, or its metric's value).
pub fn csv(spec: &AggregationSpec, aggregations: &Value) -> Option<String> {
    let mut node = aggregations;
    let level = spec;
    if let Some(n) = &level.nested {
        node = node.get(&n.name)?;
    } else if let Some(p) = level.first_nested_path() {
        node = node.get(&p)?;
    }
    if let Some(f) = &level.filter {
        node = node.get(&f.name)?;
    }
    let bucket = level.bucket.as_ref()?;
    let buckets = node.get(&bucket.name)?.get("buckets")?.as_array()?;
    let metric = level.metric.as_ref();
    let mut out = format!(
        "{},{}\n",
        csv_cell(&bucket.name),
        csv_cell(metric.map_or("Count", |m| m.name.as_str()))
    );
    for b in buckets {
        let key = b
            .get("key_as_string")
            .or_else(|| b.get("key"))
            .map(|k| k.as_str().map_or_else(|| k.to_string(), str::to_owned))?;
        let value = match metric {
            Some(m) => metric_value(b.get(&m.name)?)?,
            None => b.get("doc_count")?.to_string(),
        };
        out.push_str(&format!("{},{}\n", csv_cell(&key), value));
    }
    Some(out)
}

fn metric_value(v: &Value) -> Option<String> {
    v.get("value")
        .or_else(|| v.get("values").and_then(|p| p.get("50.0")))
        .map(|x| {
            if x.is_null() {
                String::new()
            } else {
                x.to_string()
            }
        })
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(v: Value) -> AggregationSpec {
        serde_json::from_value(v).expect("a spec")
    }

    #[test]
    fn the_specs_examples_translate_to_their_dsl_twins() {
        assert_eq!(
            spec(json!({"metric": {"name": "How Many Locations", "type": "UNIQUE_COUNT", "field": "attributes.city"}}))
                .to_dsl(),
            Ok(json!({"How Many Locations": {"cardinality": {"field": "attributes.city.exact"}}}))
        );
        assert_eq!(
            spec(json!({
                "bucket": {"name": "Identity Department", "type": "TERMS", "field": "attributes.department"},
                "subAggregation": {"bucket": {"name": "Identity Locations", "type": "TERMS", "field": "attributes.city"}}
            }))
            .to_dsl(),
            Ok(json!({"Identity Department": {
                "terms": {"field": "attributes.department.exact", "size": 10},
                "aggs": {"Identity Locations": {"terms": {"field": "attributes.city.exact", "size": 10}}}
            }}))
        );
        assert_eq!(
            spec(json!({
                "nested": {"name": "Access", "type": "access"},
                "filter": {"name": "Entitlements", "field": "access.type", "value": "ENTITLEMENT"},
                "bucket": {"name": "Access Name", "type": "TERMS", "field": "access.name"}
            }))
            .to_dsl(),
            Ok(json!({"Access": {
                "nested": {"path": "access"},
                "aggs": {"Entitlements": {
                    "filter": {"term": {"access.type.exact": "ENTITLEMENT"}},
                    "aggs": {"Access Name": {"terms": {"field": "access.name.exact", "size": 10}}}
                }}
            }}))
        );
    }

    #[test]
    fn an_at_field_outside_a_nested_aggregation_is_nested_on_its_object() {
        let got = spec(json!({"metric": {"name": "n", "type": "COUNT", "field": "@access.name"}}))
            .to_dsl()
            .unwrap();
        assert_eq!(
            got,
            json!({"access": {"nested": {"path": "access"},
                "aggs": {"n": {"value_count": {"field": "access.name.exact"}}}}})
        );
    }

    #[test]
    fn numeric_metrics_read_the_field_and_a_bucket_carries_its_metric() {
        let got = spec(json!({
            "bucket": {"name": "Dept", "field": "attributes.department", "size": 50, "minDocCount": 2},
            "metric": {"name": "Median access", "type": "MEDIAN", "field": "accessCount"}
        }))
        .to_dsl()
        .unwrap();
        assert_eq!(
            got,
            json!({"Dept": {
                "terms": {"field": "attributes.department.exact", "size": 50, "min_doc_count": 2},
                "aggs": {"Median access": {"percentiles": {"field": "accessCount", "percents": [50]}}}
            }})
        );
    }

    #[test]
    fn an_incomplete_or_malformed_spec_is_refused() {
        assert_eq!(spec(json!({})).to_dsl(), Err(AggregationError::Empty));
        assert_eq!(
            spec(json!({"metric": {"name": "m", "field": "a"}, "subAggregation": {"metric": {"name": "n", "field": "b"}}}))
                .to_dsl(),
            Err(AggregationError::SubWithoutBucket)
        );
        assert!(
            spec(json!({"bucket": {"name": "b", "field": "a b"}}))
                .to_dsl()
                .is_err()
        );
        assert!(
            spec(json!({"nested": {"name": "n"}, "bucket": {"name": "b", "field": "x"}}))
                .to_dsl()
                .is_err()
        );
        let mut deep = json!({"bucket": {"name": "b", "field": "f"}});
        for _ in 0..=MAX_SUB_DEPTH {
            deep = json!({"bucket": {"name": "b", "field": "f"}, "subAggregation": deep});
        }
        assert_eq!(spec(deep).to_dsl(), Err(AggregationError::TooDeep));
    }

    #[test]
    fn the_csv_lists_each_bucket_with_its_count_as_sailpoint_does() {
        let s = spec(json!({"bucket": {"name": "Identity Locations", "field": "attributes.city"}}));
        let result = json!({"Identity Locations": {"buckets": [
            {"key": "Munich", "doc_count": 23},
            {"key": "Sao Paulo, BR", "doc_count": 24}
        ]}});
        assert_eq!(
            csv(&s, &result).as_deref(),
            Some("Identity Locations,Count\nMunich,23\n\"Sao Paulo, BR\",24\n")
        );
    }
}
