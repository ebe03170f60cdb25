//! The search conformance corpus (tests/search/corpus.json) against the local engine, through
//! the API: scripts/search_corpus.py ingests its documents into a new tenant and checks every
//! case. The same script checks a deployed stack's Amazon OpenSearch Service domain.

use integration_tests::{SailPoint, SailPointTenant, app, repo_root, router_url, script_summary};
use serde_json::Value;

#[tokio::test]
async fn every_corpus_query_returns_exactly_its_documents() {
    let tenant = SailPointTenant::create(app().await).await;
    let token = SailPoint::token_for(&tenant.org, &["sp:search:read", "sp:search:write"]);
    let corpus: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("tests/search/corpus.json")).expect("corpus"),
    )
    .expect("corpus JSON");

    let out = tokio::process::Command::new("python3")
        .arg(repo_root().join("scripts/search_corpus.py"))
        .arg(router_url())
        .args(["--token", &token])
        .output()
        .await
        .expect("python3 runs");

    let summary = script_summary("scripts/search_corpus.py", &out);
    assert_eq!(summary["failed"], serde_json::json!({}), "{summary}");
    assert_eq!(summary["cases"], corpus["cases"].as_array().unwrap().len());
}
