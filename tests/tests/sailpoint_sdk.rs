//! SailPoint's official Python SDK, both lines, unchanged against the local stack
//! (`tests/sdk/sailpoint_sdk.py`; `make test` installs the SDKs into .tools/).

use integration_tests::{DEMO_IDENTITY, DEMO_ROLE, SailPoint, eventually, repo_root, router_url};
use serde_json::Value;

async fn run_sdk(version: &str) -> Value {
    // The identity document is a projection: wait until the stream consumer has written it.
    let api = SailPoint::demo().await;
    let doc = format!("/v3/search/identities/{DEMO_IDENTITY}");
    eventually("identity projection", || async {
        api.get(&doc).await.status == 200
    })
    .await;
    let python = repo_root().join(format!(".tools/sailpoint-{version}/bin/python"));
    let out = tokio::process::Command::new(&python)
        .arg(repo_root().join("tests/sdk/sailpoint_sdk.py"))
        .args([router_url().as_str(), DEMO_ROLE, DEMO_IDENTITY])
        .output()
        .await
        .unwrap_or_else(|e| panic!("{} could not run: {e}", python.display()));
    assert!(
        out.status.success(),
        "SDK {version} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("the script's JSON line")
}

async fn the_sdk_works_unchanged(version: &str, line: &str) {
    let seen = run_sdk(version).await;
    assert_eq!(seen["line"], line);
    assert_eq!(seen["page_status"], 200);
    assert_eq!(seen["page_aliases"][0], "t.edison");
    assert_eq!(seen["page_sources"][0], "ACCESS_REQUEST");
    assert_eq!(seen["total_any_case"], "26", "Thomas and the 25 Tims");
    // What cannot survive here (docs/sailpoint.md, "X-Total-Count"): the router writes header
    // names in lowercase, so the SDK's case-sensitive `headers["X-Total-Count"]` finds nothing
    // locally. Should that change, this fails and that note goes.
    assert_eq!(seen["total_header"], Value::Null);
    assert_eq!(seen["paged_count"], 201);
    assert_eq!(seen["paged_unique"], 201);
    assert_eq!(seen["doc_type"], "identity");
    assert_eq!(seen["doc_name"], "Thomas Edison");
    assert_eq!(seen["missing_status"], 404);
}

#[tokio::test]
async fn the_sdk_1_x_line_works_unchanged() {
    the_sdk_works_unchanged("1.4.2", "1.x").await;
}

#[tokio::test]
async fn the_sdk_2_x_line_works_unchanged() {
    the_sdk_works_unchanged("2.1.72", "2.x").await;
}
