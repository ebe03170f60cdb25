//! SailPoint's official SDKs, unchanged, against search (issue 21): the Python SDK's two lines
//! and the TypeScript SDK run `tests/sdk/sailpoint_search_sdk.{py,mjs}`, each in a fresh
//! organization whose own OAuth client has only `sp:search:read` and `sp:search:write`. The
//! script writes 7 access profiles of the run through the REST API, waits (bounded) until search
//! finds them all, then searches, counts, aggregates and paginates through the SDK, and prints
//! one JSON line of what it saw; the assertions are here, one test per flow. Each SDK line runs
//! its script once; the tests of that line share the run.

use idgraph::store::oauth;
use integration_tests::{Tenant, app, repo_root, router_url, script_summary};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::OnceCell;

/// The scripts' own bounds (30 s for the documents to be found, a paginator stopped after 20
/// calls) end a run long before this.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);
/// Documents per run, and the paginators' page size (pages of 3, 3 and 1).
const N: usize = 7;

/// Runs `program script BASE_URL CLIENT_ID CLIENT_SECRET PREFIX` for a fresh organization and
/// OAuth client, and returns the script's JSON line.
async fn run_sdk(what: &str, program: PathBuf, script: &str, tag: &str) -> Value {
    let app = app().await;
    let tenant = Tenant::create(app).await;
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let (client_id, secret) = (format!("c{unique}"), format!("s{unique}"));
    oauth::put(
        &app.db,
        &tenant.org,
        &client_id,
        &secret,
        &["sp:search:read".into(), "sp:search:write".into()],
    )
    .await
    .expect("an OAuth client of the run's organization");
    // Letters and digits: the documents' marker is one word of their description.
    let prefix = format!("{tag}{}", &unique[..10]);
    let run = tokio::process::Command::new(&program)
        .arg(repo_root().join(script))
        .args([router_url().as_str(), &client_id, &secret, &prefix])
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(RUN_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("SDK {what} ran longer than {RUN_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("{} could not run: {e}", program.display()));
    let seen = script_summary(&format!("SDK {what}"), &out);
    assert_eq!(seen["prefix"], prefix.as_str(), "{seen}");
    seen
}

fn python(version: &str) -> PathBuf {
    repo_root().join(format!(".tools/sailpoint-{version}/bin/python"))
}

/// The run's document names in order: `<prefix>-00` ... `<prefix>-06`.
fn names(seen: &Value, range: std::ops::Range<usize>) -> Value {
    let prefix = seen["prefix"].as_str().expect("the run's prefix");
    range.map(|n| json!(format!("{prefix}-{n:02}"))).collect()
}

fn status(seen: &Value, key: &str, expected: u16) {
    assert_eq!(seen[key]["status"], expected, "{key}: {}", seen[key]);
}

/// An answer that must be SailPoint's 400 `ErrorResponseDto`.
fn refused_400(seen: &Value, key: &str) {
    status(seen, key, 400);
    assert!(
        seen[key]["detail_code"].is_string(),
        "{key}: not an ErrorResponseDto: {}",
        seen[key]
    );
}

/// The documents were written, and search found every one of them within the script's bound.
fn every_written_document_is_found(seen: &Value) {
    assert_eq!(seen["token"], true);
    assert_eq!(seen["n"], N);
    assert_eq!(
        seen["ingest"]["statuses"],
        json!(vec![200; N]),
        "PUT /search/accessprofiles/{{id}}: {}",
        seen["ingest"]
    );
    assert!(
        seen["visible"]["within_ms"].is_u64(),
        "search did not find the {N} documents within 30 s: {}",
        seen["visible"]
    );
}

/// `search_post` with count=true: every document, sorted, the total in X-Total-Count, and no
/// field of ours; a later page by offset; the page strictly after a `searchAfter` value.
fn search_post_sorts_pages_and_counts(seen: &Value) {
    let post = &seen["search_post"];
    status(seen, "search_post", 200);
    assert_eq!(post["names"], names(seen, 0..N), "{post}");
    assert_eq!(post["types"], json!(["accessprofile"]), "{post}");
    // `cargo lambda watch` writes header names in lowercase: looked up in any case.
    assert_eq!(post["total_any_case"], N.to_string(), "{post}");
    assert_eq!(
        post["tenant_field"], 0,
        "idgraph_org left the engine: {post}"
    );

    status(seen, "search_post_page", 200);
    let descending_from_the_third = json!([names(seen, 4..5)[0], names(seen, 3..4)[0]]);
    assert_eq!(
        seen["search_post_page"]["names"], descending_from_the_third,
        "sort -name, offset 2, limit 2: {}",
        seen["search_post_page"]
    );
    assert!(
        seen["search_post_page"]["total_any_case"].is_null(),
        "X-Total-Count without count=true: {}",
        seen["search_post_page"]
    );

    status(seen, "search_after", 200);
    assert_eq!(
        seen["search_after"]["names"],
        names(seen, 4..N),
        "searchAfter [<prefix>-03] continues strictly after it: {}",
        seen["search_after"]
    );
}

/// `search_count`: 204, no body, the total in X-Total-Count.
fn search_count_answers_204_with_the_total(seen: &Value) {
    status(seen, "search_count", 204);
    assert_eq!(seen["search_count"]["total_any_case"], N.to_string());
    assert_eq!(seen["search_count"]["body"], "");
}

/// `search_aggregate`: SailPoint's bucket on `source.name` and the DSL's terms on
/// `source.name.exact` give the same buckets (4 and 3), with a page of 2 hits and the total;
/// under `Accept: text/csv`, SailPoint's CSV of the bucket.
fn aggregations_come_in_both_forms_and_as_csv(seen: &Value) {
    let buckets = json!({"Active Directory": 4, "Workday": 3});
    for key in ["aggregate_sailpoint", "aggregate_dsl"] {
        status(seen, key, 200);
        let agg = &seen[key];
        assert_eq!(agg["buckets"], buckets, "{key}: {agg}");
        assert_eq!(agg["hits"], 2, "{key}: limit=2: {agg}");
        assert_eq!(agg["total_any_case"], N.to_string(), "{key}: {agg}");
        assert_eq!(agg["tenant_field"], 0, "{key}: {agg}");
    }
    let csv = &seen["aggregate_csv"];
    status(seen, "aggregate_csv", 200);
    assert!(
        csv["content_type"]
            .as_str()
            .is_some_and(|t| t.starts_with("text/csv")),
        "{csv}"
    );
    assert_eq!(
        csv["lines"],
        json!(["Sources,Count", "Active Directory,4", "Workday,3"]),
        "{csv}"
    );
}

/// `paginate_search` pages by `searchAfter` on `name` (3, 3, 1), and the generic offset
/// paginator over `search_post` by offsets 0, 3, 6: every document once, in order.
fn the_paginators_return_every_document_once_in_order(seen: &Value) {
    let by_search_after = &seen["paginate_search"];
    assert_eq!(
        by_search_after["names"],
        names(seen, 0..N),
        "{by_search_after}"
    );
    assert_eq!(by_search_after["unique"], N);
    assert_eq!(
        by_search_after["search_after_sent"],
        json!([[], names(seen, 2..3), names(seen, 5..6)]),
        "{by_search_after}"
    );
    let by_offset = &seen["paginate_offset"];
    assert_eq!(by_offset["names"], names(seen, 0..N), "{by_offset}");
    assert_eq!(by_offset["unique"], N);
    assert_eq!(by_offset["offsets_sent"], json!([0, 3, 6]), "{by_offset}");
}

/// The refusals every SDK can send: offset + limit over 10,000, queryType TEXT.
fn what_the_service_does_not_serve_is_a_400(seen: &Value) {
    refused_400(seen, "window_over_10000");
    refused_400(seen, "query_type_text");
}

/// One SDK line's tests, sharing one run of its script.
macro_rules! sdk_line {
    ($line:ident, $what:expr, $program:expr, $script:expr, $tag:expr, $name:expr) => {
        mod $line {
            use super::*;

            static RUN: OnceCell<Value> = OnceCell::const_new();

            pub(super) async fn seen() -> &'static Value {
                RUN.get_or_init(|| run_sdk($what, $program, $script, $tag))
                    .await
            }

            #[tokio::test]
            async fn every_written_document_is_found_within_the_bound() {
                let seen = seen().await;
                assert_eq!(seen["line"], $name);
                every_written_document_is_found(seen);
            }

            #[tokio::test]
            async fn search_post_sorts_pages_and_counts() {
                super::search_post_sorts_pages_and_counts(seen().await);
            }

            #[tokio::test]
            async fn search_count_answers_204_with_the_total() {
                super::search_count_answers_204_with_the_total(seen().await);
            }

            #[tokio::test]
            async fn aggregations_come_in_both_forms_and_as_csv() {
                super::aggregations_come_in_both_forms_and_as_csv(seen().await);
            }

            #[tokio::test]
            async fn the_paginators_return_every_document_once_in_order() {
                super::the_paginators_return_every_document_once_in_order(seen().await);
            }

            #[tokio::test]
            async fn what_the_service_does_not_serve_is_a_400() {
                super::what_the_service_does_not_serve_is_a_400(seen().await);
            }
        }
    };
}

sdk_line!(
    python_sdk_1_x,
    "1.4.2",
    python("1.4.2"),
    "tests/sdk/sailpoint_search_sdk.py",
    "py1",
    "1.x"
);
sdk_line!(
    python_sdk_2_x,
    "2.1.72",
    python("2.1.72"),
    "tests/sdk/sailpoint_search_sdk.py",
    "py2",
    "2.x"
);
sdk_line!(
    typescript_sdk,
    "ts 1.4.15",
    PathBuf::from("node"),
    "tests/sdk/sailpoint_search_sdk.mjs",
    "ts",
    "ts"
);

/// `paginateSearchApi` with `sort: ["+name"]` asks for `searchAfter: [null]` after its first
/// page (it strips only a "-"): a 400, so it stops, where page one again would loop it forever.
#[tokio::test]
async fn the_typescript_paginator_with_a_plus_sort_gets_a_400_instead_of_looping() {
    let seen = typescript_sdk::seen().await;
    let plus = &seen["paginate_plus_sort"];
    assert_eq!(plus["status"], 400, "{plus}");
    assert_eq!(plus["calls"], 2, "{plus}");
    assert_eq!(plus["search_after_sent"], json!([[], [null]]), "{plus}");
    assert!(plus["detail_code"].is_string(), "{plus}");
}

/// What only the TypeScript SDK sends, since it checks no bounds: a 400 each.
#[tokio::test]
async fn the_typescript_sdks_unchecked_bounds_are_refused() {
    let seen = typescript_sdk::seen().await;
    for key in [
        "limit_over_10000",
        "aggregate_limit_over_250",
        "search_after_null",
    ] {
        refused_400(seen, key);
    }
}
