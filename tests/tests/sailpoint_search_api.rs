//! `POST /v3/search`, `/search/count` and `/search/aggregate` through the router, against the
//! local engine the stack indexes into: tenancy, paging, limits and errors. What queries mean is
//! the corpus's business (search_corpus.rs).

use integration_tests::{Event, Reply, SailPoint, SailPointTenant, app, eventually};
use serde_json::{Value, json};

/// A tenant holding `names.len()` access profiles named as given, each marked with `marker`,
/// all searchable before it returns.
async fn tenant_with_profiles(marker: &str, names: &[&str]) -> SailPointTenant {
    let tenant = SailPointTenant::create(app().await).await;
    for (i, name) in names.iter().enumerate() {
        let id = format!("ap{i}");
        let doc =
            json!({"id": id, "_type": "accessprofile", "name": name, "marker": marker, "rank": i});
        let reply = tenant
            .api
            .call(
                "PUT",
                &format!("/v3/search/accessprofiles/{id}"),
                Some(&doc),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let all = json!({"indices": ["accessprofiles"], "query": {"query": "*"}});
    eventually("the documents are searchable", || async {
        total(&tenant.api.post("/v3/search/count", &all).await) == Some(names.len() as u64)
    })
    .await;
    tenant
}

fn total(reply: &Reply) -> Option<u64> {
    reply.header("x-total-count")?.parse().ok()
}

fn ids(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
        .body
        .as_array()
        .expect("an array of documents")
        .iter()
        .map(|d| d["id"].as_str().expect("an id").to_owned())
        .collect()
}

fn query(q: &str) -> Value {
    json!({"indices": ["accessprofiles"], "query": {"query": q}, "sort": ["name"]})
}

#[tokio::test]
async fn a_search_answers_the_documents_with_their_type_and_without_the_engines_fields() {
    let tenant = tenant_with_profiles("m", &["Alpha", "Beta"]).await;

    let reply = tenant.api.post("/v3/search", &query("name:alpha")).await;

    assert_eq!(ids(&reply), ["ap0"]);
    let doc = &reply.body[0];
    assert_eq!(doc["_type"], "accessprofile");
    assert_eq!(doc["name"], "Alpha");
    assert!(
        doc.get("idgraph_org").is_none() && doc.get("idgraph_meta").is_none(),
        "{doc}"
    );
}

#[tokio::test]
async fn another_orgs_documents_never_appear_in_a_search_or_a_count() {
    let mine = tenant_with_profiles("mine", &["Shared Name"]).await;
    let theirs = tenant_with_profiles("theirs", &["Shared Name", "Other"]).await;

    let found = mine.api.post("/v3/search", &query("name:shared")).await;
    let counted = mine.api.post("/v3/search/count", &query("*")).await;

    assert_eq!(ids(&found), ["ap0"]);
    assert_eq!(found.body[0]["marker"], "mine");
    assert_eq!(counted.status, 204);
    assert_eq!(total(&counted), Some(1));
    drop(theirs);
}

#[tokio::test]
async fn another_orgs_documents_stay_out_of_dsl_queries_aggregations_and_search_after() {
    let mine = tenant_with_profiles("mine", &["Alpha"]).await;
    let _theirs = tenant_with_profiles("theirs", &["Alpha", "Beta", "Gamma"]).await;
    let dsl = json!({"indices": ["accessprofiles"], "queryType": "DSL",
                     "queryDsl": {"bool": {"should": [{"match_all": {}}]}}});
    let aggregate = json!({"indices": ["accessprofiles"], "query": {"query": "*"},
                           "aggregationsDsl": {"markers": {"terms": {"field": "marker.exact"}}}});
    let after = json!({"indices": ["accessprofiles"], "query": {"query": "*"},
                       "sort": ["name"], "searchAfter": [""]});

    let by_dsl = mine.api.post("/v3/search", &dsl).await;
    let by_aggregation = mine.api.post("/v3/search/aggregate", &aggregate).await;
    let by_search_after = mine.api.post("/v3/search", &after).await;

    assert_eq!(ids(&by_dsl), ["ap0"]);
    assert_eq!(by_aggregation.status, 200, "{}", by_aggregation.body);
    assert_eq!(
        by_aggregation.body["aggregations"]["markers"]["buckets"],
        json!([{"key": "mine", "doc_count": 1}])
    );
    assert_eq!(ids(&by_search_after), ["ap0"]);
}

#[tokio::test]
async fn dsl_that_could_read_across_tenants_is_refused() {
    let tenant = tenant_with_profiles("m", &["Alpha"]).await;
    let lookup = json!({"indices": ["accessprofiles"], "queryType": "DSL", "queryDsl": {"terms": {
        "name": {"index": "idgraph-accessprofiles", "id": "someone-else:ap0", "path": "name"}}}});
    let global = json!({"indices": ["accessprofiles"], "query": {"query": "*"},
                        "aggregationsDsl": {"all": {"global": {}}}});
    let empty_buckets = json!({"indices": ["accessprofiles"], "query": {"query": "*"},
        "aggregationsDsl": {"names": {"terms": {"field": "name.exact", "min_doc_count": 0}}}});

    let by_lookup = tenant.api.post("/v3/search", &lookup).await;
    let by_empty_buckets = tenant
        .api
        .post("/v3/search/aggregate", &empty_buckets)
        .await;
    let by_global = tenant.api.post("/v3/search/aggregate", &global).await;

    assert_eq!(by_lookup.status, 400, "{}", by_lookup.body);
    assert_eq!(by_global.status, 400, "{}", by_global.body);
    assert!(
        by_global.sailpoint_error().1.contains("global"),
        "{}",
        by_global.body
    );
    assert_eq!(by_empty_buckets.status, 400, "{}", by_empty_buckets.body);
    assert!(
        by_empty_buckets
            .sailpoint_error()
            .1
            .contains("min_doc_count")
    );
}

#[tokio::test]
async fn search_after_on_one_sort_field_pages_through_every_document_once() {
    let names = ["Echo", "Alpha", "Delta", "Bravo", "Charlie"];
    let tenant = tenant_with_profiles("m", &names).await;
    let mut seen = Vec::new();
    let mut body = query("*");

    loop {
        let page = tenant.api.post("/v3/search?limit=2", &body).await;
        let docs = page.body.as_array().expect("a page").clone();
        seen.extend(docs.iter().map(|d| d["name"].as_str().unwrap().to_owned()));
        if docs.len() < 2 {
            break;
        }
        body["searchAfter"] = json!([docs[1]["name"]]);
    }

    assert_eq!(seen, ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]);
}

#[tokio::test]
async fn offset_paging_with_count_gives_the_total_on_every_page() {
    let tenant = tenant_with_profiles("m", &["A1", "A2", "A3"]).await;

    let first = tenant
        .api
        .post("/v3/search?limit=2&count=true", &query("*"))
        .await;
    let second = tenant
        .api
        .post("/v3/search?limit=2&offset=2&count=true", &query("*"))
        .await;

    assert_eq!(ids(&first), ["ap0", "ap1"]);
    assert_eq!(ids(&second), ["ap2"]);
    assert_eq!((total(&first), total(&second)), (Some(3), Some(3)));
}

#[tokio::test]
async fn paging_past_the_window_or_with_a_null_search_after_is_a_400() {
    let api = SailPoint::demo().await;
    let mut null_after = query("*");
    null_after["searchAfter"] = json!([null]);

    let past_window = api
        .post("/v3/search?offset=9999&limit=2", &query("*"))
        .await;
    let over_limit = api.post("/v3/search?limit=10001", &query("*")).await;
    let aggregate_over_limit = api
        .post("/v3/search/aggregate?limit=251", &query("*"))
        .await;
    let null = api.post("/v3/search", &null_after).await;

    for reply in [&past_window, &over_limit, &aggregate_over_limit, &null] {
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert_eq!(reply.sailpoint_error().0, "400.1 Bad Request Content");
    }
    assert!(null.sailpoint_error().1.contains("null"));
}

#[tokio::test]
async fn a_query_the_engine_cannot_parse_is_a_400_naming_it() {
    let api = SailPoint::demo().await;

    let reply = api.post("/v3/search", &query("name:(unclosed")).await;

    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.sailpoint_error().0, "400.1 Bad Request Content");
}

#[tokio::test]
async fn parts_of_the_contract_not_served_are_refused_by_name() {
    let api = SailPoint::demo().await;
    let text = json!({"indices": ["identities"], "queryType": "TEXT",
                      "textQuery": {"terms": ["a"], "fields": ["name"]}});
    let inner = json!({"indices": ["identities"], "query": {"query": "*",
                       "innerHit": {"query": "source.name:x", "type": "access"}}});

    let text = api.post("/v3/search", &text).await;
    let inner = api.post("/v3/search", &inner).await;

    assert_eq!(text.status, 400, "{}", text.body);
    assert!(text.sailpoint_error().1.contains("TEXT"));
    assert_eq!(inner.status, 400, "{}", inner.body);
    assert!(inner.sailpoint_error().1.contains("innerHit"));
}

#[tokio::test]
async fn a_sailpoint_aggregation_asked_for_as_csv_answers_csv() {
    let tenant = tenant_with_profiles("m", &["Alpha", "Alpha", "Beta"]).await;
    let body = json!({"indices": ["accessprofiles"], "query": {"query": "*"},
        "aggregationType": "SAILPOINT",
        "aggregations": {"bucket": {"name": "Names", "type": "TERMS", "field": "name"}}});

    let reply = tenant
        .api
        .call_with_headers(
            "POST",
            "/v3/search/aggregate",
            Some(&body),
            &[("accept", "text/csv")],
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("text/csv"));
    assert_eq!(reply.body, "Names,Count\nAlpha,2\nBeta,1\n");
}

#[tokio::test]
async fn a_persons_identity_document_becomes_searchable_after_both_stream_hops() {
    let app = app().await;
    let tenant = SailPointTenant::create(app).await;
    let id = tenant.identity(app, "Grace Hopper", "ghopper").await;
    let body =
        json!({"indices": ["identities"], "query": {"query": "displayName:\"Grace Hopper\""}});

    eventually("the identity is searchable", || async {
        let reply = tenant.api.post("/v3/search", &body).await;
        reply.status == 200 && reply.body[0]["id"] == id.as_str()
    })
    .await;

    let doc = &tenant.api.post("/v3/search", &body).await.body[0];
    assert_eq!(doc["_type"], "identity");
    assert_eq!(doc["name"], "ghopper");
}

#[tokio::test]
async fn without_a_search_engine_the_routes_answer_501_in_sailpoints_format() {
    let base = app().await;
    let mut app = idgraph::App::new(base.config.clone(), base.db.client.clone());
    app.search = None;
    let tenant = SailPointTenant::create(base).await;
    let token = SailPoint::token_for(&tenant.org, &["sp:search:read"]);
    let req = Event::new("POST", "/v3/search", "/v3/search")
        .header("authorization", &format!("Bearer {token}"))
        .json(&query("*"))
        .build();

    let resp = sailpoint_search::handle(&app, req).await;

    assert_eq!(resp.status(), 501);
    let body: Value = serde_json::from_slice(resp.body().as_ref()).expect("JSON");
    assert_eq!(body["detailCode"], "501 Not Implemented");
    assert!(
        body["messages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("SearchEngine=none")
    );
}

#[tokio::test]
async fn the_rebuild_restores_documents_the_engine_lost() {
    let tenant = tenant_with_profiles("m", &["Alpha"]).await;
    let engine = std::env::var("SEARCH_ENDPOINT").expect("make test's SEARCH_ENDPOINT");
    let lost = reqwest::Client::new()
        .delete(format!(
            "{engine}/idgraph-accessprofiles/_doc/{}:ap0",
            tenant.org.id
        ))
        .send()
        .await
        .expect("the engine answers");
    assert!(lost.status().is_success());
    let found = || async { total(&tenant.api.post("/v3/search/count", &query("*")).await) };
    assert_eq!(found().await, Some(0));

    let report = idgraph_admin::reindex_search(app().await, tenant.org.id.as_str())
        .await
        .expect("a rebuild");

    assert_eq!(report.0["indexed"], 1, "{}", report.0);
    assert_eq!(found().await, Some(1));
}
