//! How SailPoint's indices live in the engine: one engine index per SailPoint index, shared by
//! every organization, each document carrying its organization in `TENANT_FIELD`. The index
//! templates fix the mapping before the first document arrives:
//! - strings are `text` (SailPoint: "Searches are case insensitive") with an `.exact` keyword
//!   sub-field ("use the .exact keyword to make a case-sensitive search"); numbers, booleans
//!   and dates keep their type and get an `.exact` too, so a bucket or a count never needs to
//!   know a field's type;
//! - the object arrays SailPoint queries with `@path(...)` are `nested`, and also indexed in
//!   the parent, so a plain dotted query (`accounts.source.name:X`) matches as SailPoint's docs
//!   use it, while `@accounts(...)` keeps its clauses on one account;
//! - the limits keep an ingested document from blowing up the shared mapping: a document that
//!   would pass them is refused by the engine, and the indexer counts it, never retries it.

use serde_json::{Map, Value, json};

use crate::search_request::TENANT_FIELD;

/// Engine index names: `idgraph-{index}`.
pub const INDEX_PREFIX: &str = "idgraph-";
/// Fields per index (the engine's default is 1,000 too; stated, so it is a decision).
pub const MAX_FIELDS: u32 = 1_000;
/// Object depth of a document.
pub const MAX_DEPTH: u32 = 10;
/// Distinct nested paths per index, and nested objects per document.
pub const MAX_NESTED_FIELDS: u32 = 20;
pub const MAX_NESTED_OBJECTS: u32 = 10_000;
/// Longer strings are not indexed as `.exact` (still searchable as text).
pub const EXACT_IGNORE_ABOVE: u32 = 1_024;

/// Where a document's top-level `_`-fields (`_type`, `_version`) travel in the engine, which
/// reserves such names for its own metadata: kept with the document, never indexed.
pub const META_FIELD: &str = "idgraph_meta";

/// A SailPoint document as the engine stores it: its `_`-fields moved under [`META_FIELD`], the
/// organization in the tenant field.
pub fn engine_source(doc: Map<String, Value>, org: &str) -> Value {
    let (meta, mut fields): (Map<String, Value>, Map<String, Value>) =
        doc.into_iter().partition(|(k, _)| k.starts_with('_'));
    if !meta.is_empty() {
        fields.insert(META_FIELD.into(), Value::Object(meta));
    }
    fields.insert(TENANT_FIELD.into(), Value::String(org.to_owned()));
    Value::Object(fields)
}

/// A stored engine `_source` as the SailPoint document it came from.
pub fn sailpoint_document(source: Value) -> Value {
    let Value::Object(mut fields) = source else {
        return source;
    };
    fields.remove(TENANT_FIELD);
    if let Some(Value::Object(meta)) = fields.remove(META_FIELD) {
        fields.extend(meta);
    }
    Value::Object(fields)
}

/// The nested object arrays of each SailPoint index (searchable with `@path(...)`).
pub fn nested_paths(index: &str) -> &'static [&'static str] {
    match index {
        "identities" => &["accounts", "access", "apps", "owns"],
        "roles" => &["accessProfiles", "entitlements"],
        "accessprofiles" => &["entitlements"],
        _ => &[],
    }
}

/// The engine index of a SailPoint index.
pub fn engine_index(index: &str) -> String {
    format!("{INDEX_PREFIX}{index}")
}

/// A document's engine id: ids are unique per organization, not across them.
pub fn engine_id(org: &str, id: &str) -> String {
    format!("{org}:{id}")
}

fn with_exact(kind: &str) -> Value {
    let mut exact = json!({ "type": "keyword" });
    if kind == "text" {
        exact["ignore_above"] = json!(EXACT_IGNORE_ABOVE);
    }
    json!({ "type": kind, "fields": { "exact": exact } })
}

/// The composable index template (`PUT _index_template/{name}`) of one SailPoint index.
pub fn index_template(index: &str) -> Value {
    let mut properties = serde_json::Map::new();
    properties.insert(TENANT_FIELD.into(), json!({ "type": "keyword" }));
    properties.insert("id".into(), json!({ "type": "keyword" }));
    properties.insert(
        META_FIELD.into(),
        json!({ "type": "object", "enabled": false }),
    );
    for path in nested_paths(index) {
        properties.insert(
            (*path).into(),
            json!({ "type": "nested", "include_in_parent": true }),
        );
    }
    let dynamic: Vec<Value> = [
        ("strings", "string", "text"),
        ("whole_numbers", "long", "long"),
        ("numbers", "double", "double"),
        ("booleans", "boolean", "boolean"),
        ("dates", "date", "date"),
    ]
    .into_iter()
    .map(|(name, matched, kind)| {
        json!({ name: { "match_mapping_type": matched, "mapping": with_exact(kind) } })
    })
    .collect();
    json!({
        "index_patterns": [engine_index(index)],
        "template": {
            "settings": {
                "index.mapping.total_fields.limit": MAX_FIELDS,
                "index.mapping.depth.limit": MAX_DEPTH,
                "index.mapping.nested_fields.limit": MAX_NESTED_FIELDS,
                "index.mapping.nested_objects.limit": MAX_NESTED_OBJECTS,
            },
            "mappings": {
                "dynamic_templates": dynamic,
                "properties": properties,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underscore_fields_travel_unindexed_and_come_back_as_they_were() {
        let doc = json!({"id": "i1", "_type": "identity", "_version": "v1", "name": "Ada"});
        let Value::Object(fields) = doc.clone() else {
            unreachable!()
        };

        let stored = engine_source(fields, "org-a");

        assert_eq!(
            stored,
            json!({"id": "i1", "name": "Ada", "idgraph_org": "org-a",
                   "idgraph_meta": {"_type": "identity", "_version": "v1"}})
        );
        assert_eq!(sailpoint_document(stored), doc);
    }

    #[test]
    fn every_index_keeps_its_tenant_and_id_as_keywords() {
        for index in [
            "identities",
            "roles",
            "accessprofiles",
            "entitlements",
            "events",
        ] {
            let t = index_template(index);
            let props = &t["template"]["mappings"]["properties"];
            assert_eq!(props[TENANT_FIELD]["type"], "keyword", "{index}");
            assert_eq!(props["id"]["type"], "keyword", "{index}");
            assert_eq!(t["index_patterns"], json!([format!("idgraph-{index}")]));
        }
    }

    #[test]
    fn identities_nest_their_object_arrays_and_index_them_in_the_parent_too() {
        let t = index_template("identities");
        for path in ["accounts", "access", "apps", "owns"] {
            assert_eq!(
                t["template"]["mappings"]["properties"][path],
                json!({"type": "nested", "include_in_parent": true}),
                "{path}"
            );
        }
    }

    #[test]
    fn every_dynamic_type_gets_an_exact_keyword() {
        let t = index_template("events");
        let dynamic = t["template"]["mappings"]["dynamic_templates"]
            .as_array()
            .unwrap();
        assert_eq!(dynamic.len(), 5);
        for d in dynamic {
            let (_, rule) = d.as_object().unwrap().iter().next().unwrap();
            assert_eq!(rule["mapping"]["fields"]["exact"]["type"], "keyword", "{d}");
        }
        assert_eq!(
            dynamic[0]["strings"]["mapping"],
            json!({"type": "text", "fields": {"exact": {"type": "keyword", "ignore_above": 1024}}})
        );
    }

    #[test]
    fn documents_of_two_orgs_never_share_an_engine_id() {
        assert_ne!(engine_id("org-a", "x"), engine_id("org-b", "x"));
        assert_eq!(engine_index("roles"), "idgraph-roles");
    }
}
