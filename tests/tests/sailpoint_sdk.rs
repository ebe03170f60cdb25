//! SailPoint's official SDKs, unchanged, against the local stack: the Python SDK's two lines
//! (`tests/sdk/sailpoint_sdk.py`) and the TypeScript SDK (`tests/sdk/sailpoint_sdk_ts.mjs`), each
//! running issue 18's scenario through its own methods and models (`make test` installs the SDKs
//! into .tools/). Each script prints one JSON line of what it saw; the assertions are here.

use integration_tests::{
    DEMO_IDENTITY, DEMO_PERSON, DEMO_ROLE, SailPoint, eventually, repo_root, router_url,
    script_summary,
};
use serde_json::{Value, json};
use std::path::PathBuf;

/// Runs `program script BASE_URL ROLE_ID IDENTITY_ID` and returns the script's JSON line.
async fn run_sdk(what: &str, program: PathBuf, script: &str) -> Value {
    // The identity document is a projection: wait until the stream consumer has written it.
    let api = SailPoint::demo().await;
    let doc = format!("/v3/search/identities/{DEMO_IDENTITY}");
    eventually("identity projection", || async {
        api.get(&doc).await.status == 200
    })
    .await;
    let out = tokio::process::Command::new(&program)
        .arg(repo_root().join(script))
        .args([router_url().as_str(), DEMO_ROLE, DEMO_IDENTITY])
        .output()
        .await
        .unwrap_or_else(|e| panic!("{} could not run: {e}", program.display()));
    script_summary(&format!("SDK {what}"), &out)
}

/// The seed role's members (a filtered, sorted page with its count; everyone through the
/// Paginator), a search document and a 404.
fn the_seed_operations_work(seen: &Value) {
    assert_eq!(seen["page_status"], 200, "{seen}");
    assert_eq!(seen["page_aliases"][0], "t.edison");
    assert_eq!(seen["page_sources"][0], "ACCESS_REQUEST");
    // The count arrives; its spelling does not survive `cargo lambda watch`, which writes every
    // header name in lowercase whatever the function sent (docs/sailpoint.md, "X-Total-Count").
    // The functions' own spelling is checked through `sam local start-api`, as API Gateway
    // passes it (scripts/sam_local.py sdk, and the unit test in shared/src/runtime.rs).
    assert_eq!(seen["total_any_case"], "26", "Thomas and the 25 Tims");
    assert_eq!(seen["paged_count"], 201);
    assert_eq!(seen["paged_unique"], 201);
    assert_eq!(
        seen["paged_unnamed"], 0,
        "every member has a name and an aliasName"
    );
    assert_eq!(seen["doc_type"], "identity");
    assert_eq!(seen["doc_name"], "Thomas Edison");
    assert_eq!(seen["missing_status"], 404);
}

fn sorted(v: &Value) -> Vec<String> {
    let mut all: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("a list: {v}"))
        .iter()
        .map(|x| {
            x.as_str()
                .unwrap_or_else(|| panic!("a string: {x}"))
                .to_owned()
        })
        .collect();
    all.sort();
    all
}

/// Issue 18's operations, on two roles of the run (`<prefix> granted`, requestable, and
/// `<prefix> plain`, not requestable and patched last).
fn the_issue_18_scenario_works(seen: &Value) {
    let status = |key: &str, expected: u16| {
        assert_eq!(seen[key]["status"], expected, "{key}: {}", seen[key]);
    };
    assert_eq!(seen["token"], true);
    let prefix = seen["prefix"].as_str().expect("the run's role name prefix");
    let (granted, plain) = (format!("{prefix} granted"), format!("{prefix} plain"));

    // Role create, get, patch.
    status("role_create", 201);
    status("role_create_plain", 201);
    let granted_id = seen["role_create"]["id"]
        .as_str()
        .expect("the role's id")
        .to_owned();
    assert_eq!(seen["role_create"]["name"], granted.as_str());
    assert_eq!(seen["role_create"]["owner_id"], DEMO_IDENTITY);
    assert_eq!(seen["role_create_plain"]["requestable"], false);
    status("role_get", 200);
    assert_eq!(seen["role_get"]["id"], granted_id.as_str());
    assert_eq!(seen["role_get"]["owner_id"], DEMO_IDENTITY);
    status("role_patch", 200);
    assert_eq!(seen["role_patch"]["description"], "patched by the SDK");

    // listRoles: filters, sorters, count, the spec's error case, the Paginator.
    status("roles_by_name", 200);
    assert_eq!(seen["roles_by_name"]["names"], json!([granted, plain]));
    assert_eq!(
        seen["roles_by_name"]["total_any_case"], "2",
        "X-Total-Count on listRoles"
    );
    status("roles_by_modified", 200);
    assert_eq!(
        seen["roles_by_modified"]["names"],
        json!([plain, granted]),
        "the plain role was patched last"
    );
    status("roles_by_id", 200);
    assert_eq!(seen["roles_by_id"]["ids"], json!([granted_id]));
    status("roles_not_requestable", 200);
    assert_eq!(seen["roles_not_requestable"]["names"], json!([plain]));
    status("roles_created_since", 200);
    assert_eq!(
        seen["roles_created_since"]["names"],
        json!([granted, plain])
    );
    status("roles_unsegmented_false", 400);
    assert_eq!(
        seen["roles_paged"]["names"],
        json!([granted, plain]),
        "{seen}"
    );
    assert_eq!(
        seen["roles_paged_by_one"]["names"],
        json!([granted, plain]),
        "{seen}"
    );

    // Access requests: the 202 parsed by the SDK's AccessRequestResponse (requestedFor a
    // string, requestedItemsDetails), the members' names, the status listing, revoke, cancel.
    status("ar_grant", 202);
    assert_eq!(
        sorted(&seen["ar_grant"]["requested_for"]),
        [DEMO_IDENTITY, DEMO_PERSON],
        "requestedFor: one identity id (a string) per request"
    );
    assert_eq!(
        seen["ar_grant"]["item_ids"],
        json!([granted_id, granted_id])
    );
    assert_eq!(seen["ar_grant"]["item_types"], json!(["ROLE", "ROLE"]));
    assert!(
        !sorted(&seen["ar_grant"]["request_ids"]).is_empty(),
        "{}",
        seen["ar_grant"]
    );
    status("role_members", 200);
    let members = &seen["role_members"];
    assert_eq!(
        members["all_named"], true,
        "a person with only an email handle is listed with string name and aliasName: {members}"
    );
    let ids: Vec<Value> = members["members"]
        .as_array()
        .expect("the members")
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    assert_eq!(sorted(&Value::Array(ids)), [DEMO_IDENTITY, DEMO_PERSON]);
    assert_eq!(members["total_any_case"], "2");
    status("ar_status", 200);
    let listing = &seen["ar_status"];
    assert!(
        listing["total_any_case"].is_string(),
        "X-Total-Count on the status listing: {listing}"
    );
    let items = listing["items"].as_array().expect("the run's status items");
    assert_eq!(
        items.len(),
        1,
        "the grant, for the demo identity: {listing}"
    );
    assert_eq!(items[0]["type"], "ROLE");
    assert_eq!(items[0]["request_type"], "GRANT_ACCESS");
    assert_eq!(items[0]["requested_for_id"], DEMO_IDENTITY);
    status("ar_revoke", 202);
    assert_eq!(seen["ar_revoke"]["requested_for"], json!([DEMO_IDENTITY]));
    assert_eq!(seen["ar_revoke"]["item_ids"], json!([granted_id]));
    // Served (routed, with the vendor's answer): accepted, or refused as already completed.
    let cancel = seen["ar_cancel"]["status"].as_u64();
    assert!(
        matches!(cancel, Some(202 | 400)),
        "cancel: {}",
        seen["ar_cancel"]
    );

    // Bulk delete: a task; then the role is gone.
    status("roles_bulk_delete", 202);
    assert_eq!(seen["roles_bulk_delete"]["type"], "TASK_RESULT");
    assert!(seen["roles_bulk_delete"]["id"].is_string());
    status("role_deleted_get", 404);
    assert!(
        seen.get("cleanup").is_none(),
        "roles deleted one by one: {seen}"
    );
}

async fn the_python_sdk_works_unchanged(version: &str, line: &str) {
    let python = repo_root().join(format!(".tools/sailpoint-{version}/bin/python"));
    let seen = run_sdk(version, python, "tests/sdk/sailpoint_sdk.py").await;
    assert_eq!(seen["line"], line);
    the_seed_operations_work(&seen);
    the_issue_18_scenario_works(&seen);
}

#[tokio::test]
async fn the_sdk_1_x_line_works_unchanged() {
    the_python_sdk_works_unchanged("1.4.2", "1.x").await;
}

#[tokio::test]
async fn the_sdk_2_x_line_works_unchanged() {
    the_python_sdk_works_unchanged("2.1.72", "2.x").await;
}

#[tokio::test]
async fn the_typescript_sdk_works_unchanged() {
    let seen = run_sdk("ts 1.4.15", "node".into(), "tests/sdk/sailpoint_sdk_ts.mjs").await;
    assert_eq!(seen["line"], "ts");
    the_seed_operations_work(&seen);
    the_issue_18_scenario_works(&seen);
    // What only the TS SDK can send: it checks no bounds, and its Paginator's default page is 250.
    assert_eq!(seen["roles_limit_51"]["status"], 400, "{seen}");
    assert_eq!(
        seen["roles_paged_default_increment"]["status"], 400,
        "{seen}"
    );
}
