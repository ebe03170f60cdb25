//! A client generated from SlashID's own v1.1 spec (openapi-python-client, by
//! `scripts/slashid_client.sh` into .tools/, never edited) drives a scenario over every SlashID
//! operation we serve, in a fresh organization (`tests/sdk/slashid_scenario.py`); openapi-core
//! checks each answer against the same spec. The script prints what it saw as one JSON line; the
//! assertions are here. The scenario runs once and every test reads its line.

use integration_tests::{Tenant, app, repo_root, router_url, script_summary};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tokio::sync::OnceCell;

/// The scenario's areas, in the order the script runs them.
const AREAS: &[&str] = &[
    "persons",
    "attributes",
    "permissions",
    "person_lookup",
    "handles",
    "roles",
    "groups",
    "org_attributes",
    "bulk_import",
    "organizations",
    "org_admin",
];

/// Every operation the scenario must call, by the generated client's module name (SlashID's
/// operationId in snake case).
const OPERATIONS: &[&str] = &[
    "post_persons",
    "put_persons",
    "get_persons_person_id",
    "patch_persons_person_id",
    "delete_persons_person_id",
    "put_persons_person_id_attributes",
    "patch_persons_person_id_attributes",
    "get_persons_person_id_attributes",
    "put_persons_person_id_attributes_bucket_name",
    "patch_persons_person_id_attributes_bucket_name",
    "get_persons_person_id_attributes_bucket_name",
    "delete_persons_person_id_attributes_bucket_name",
    "get_organizations_attribute_buckets",
    "post_rbac_permissions",
    "get_rbac_permissions",
    "get_rbac_permissions_permission_name",
    "patch_rbac_permissions_permission_name",
    "delete_rbac_permissions_permission_name",
    "get_persons_person_id_additional_permissions",
    "put_persons_person_id_permissions",
    "get_persons_person_id_permissions",
    "post_rbac_check",
    "get_organizations",
    "post_organizations_suborganizations",
    "get_persons_bulk_import",
    "post_persons_bulk_import",
    "get_persons",
    "get_persons_person_id_organizations",
    "get_persons_person_id_handles",
    "post_persons_person_id_handles",
    "delete_persons_person_id_handles_handle",
    "post_rbac_roles",
    "get_rbac_roles",
    "get_rbac_roles_role_name",
    "patch_rbac_roles_role_name",
    "delete_rbac_roles_role_name",
    "get_persons_person_id_roles",
    "put_persons_person_id_roles",
    "post_groups",
    "get_groups",
    "get_groups_group_name",
    "delete_groups_group_name",
    "post_groups_group_name_persons",
    "get_groups_group_name_persons",
    "delete_groups_group_name_persons_person_id",
    "get_persons_person_id_groups",
    "put_persons_person_id_groups",
    "get_organizations_attributes",
    "put_organizations_attributes",
    "patch_organizations_attributes",
    "get_organizations_attributes_bucket_name",
    "put_organizations_attributes_bucket_name",
    "patch_organizations_attributes_bucket_name",
    "delete_organizations_attributes_bucket_name",
    "get_organizations_suborganizations",
    "put_organizations_api_keys",
    "delete_organizations",
];

static SEEN: OnceCell<Value> = OnceCell::const_new();

async fn seen() -> &'static Value {
    SEEN.get_or_init(|| async {
        let tenant = Tenant::create(app().await).await;
        let tools = repo_root().join(".tools/slashid-client");
        let out = tokio::process::Command::new(tools.join("bin/python"))
            .arg(repo_root().join("tests/sdk/slashid_scenario.py"))
            .args([
                router_url(),
                tenant.org.id.to_string(),
                tenant.api_key.clone(),
                AREAS.join(","),
            ])
            .env("PYTHONPATH", tools.join("generated"))
            .output()
            .await
            .expect("the generated client's venv (scripts/slashid_client.sh makes it)");
        script_summary("the scenario", &out)
    })
    .await
}

#[tokio::test]
async fn every_call_of_the_generated_client_gets_the_answer_the_scenario_expects() {
    let seen = seen().await;

    assert_eq!(seen["failures"], serde_json::json!([]), "{seen}");
}

#[tokio::test]
async fn every_answer_validates_against_slashids_own_spec() {
    let seen = seen().await;

    assert_eq!(seen["invalid"], serde_json::json!([]), "{seen}");
}

#[tokio::test]
async fn the_scenario_calls_every_served_operation() {
    let seen = seen().await;

    let called: BTreeSet<&str> = seen["calls"]
        .as_array()
        .expect("the calls")
        .iter()
        .filter_map(|c| c["operation"].as_str())
        .collect();
    let missing: Vec<_> = OPERATIONS.iter().filter(|o| !called.contains(*o)).collect();
    assert!(missing.is_empty(), "not called: {missing:?}");
}

#[tokio::test]
async fn a_person_created_through_the_client_reads_back_as_written() {
    let facts = &seen().await["facts"];

    assert_eq!(facts["put_same_person"], true, "{facts}");
    assert_eq!(facts["got_handles"][0], facts["email"], "{facts}");
    assert_eq!(facts["patched_active"], false, "{facts}");
}

#[tokio::test]
async fn attributes_written_through_the_client_read_back_as_written() {
    let facts = &seen().await["facts"];

    assert_eq!(facts["bucketed_expiry"], "08/26", "{facts}");
    assert_eq!(facts["bucket_tier"], "platinum", "{facts}");
    assert_eq!(facts["bucket_after_delete"], serde_json::json!(["tier"]));
}

#[tokio::test]
async fn permissions_granted_through_the_client_are_checked_and_revoked_with_the_catalog() {
    let facts = &seen().await["facts"];

    assert_eq!(
        facts["catalog"],
        serde_json::json!(["client:read", "client:write"])
    );
    assert_eq!(
        facts["permission_description"],
        "Read, for the generated client"
    );
    assert_eq!(
        facts["person_permissions"],
        serde_json::json!(["client:read", "client:write"])
    );
    assert_eq!(facts["check_granted"], true);
    assert_eq!(facts["check_after_delete"], false);
}

#[tokio::test]
async fn the_client_sees_its_own_organization_and_creates_a_sub_organization() {
    let facts = &seen().await["facts"];

    assert!(facts["org_id"].is_string(), "{facts}");
    assert!(facts["suborg_id"].is_string(), "{facts}");
    assert_ne!(facts["suborg_id"], facts["org_id"]);
}

#[tokio::test]
async fn the_spec_check_refuses_a_wrong_answer_so_its_silence_means_something() {
    let facts = &seen().await["facts"];

    assert_eq!(facts["validator_refuses_a_wrong_body"], true, "{facts}");
    assert_eq!(facts["validator_refuses_an_undocumented_status"], true);
    assert_eq!(facts["validator_accepts_a_right_body"], true);
}

#[tokio::test]
async fn the_client_imports_a_csv_file_of_persons_and_hears_which_rows_failed() {
    let facts = &seen().await["facts"];

    assert!(
        facts["bulk_template"]
            .as_str()
            .is_some_and(|t| t.starts_with("\"slashid:emails\"")),
        "{facts}"
    );
    assert_eq!(
        facts["bulk_imported"],
        serde_json::json!([2, 1]),
        "two new persons, one row repeating a handle"
    );
}

#[tokio::test]
async fn the_client_finds_a_person_by_handle_ids_and_filter_and_lists_its_organizations() {
    let facts = &seen().await["facts"];
    let person = &facts["person_id"];

    assert_eq!(facts["found_by_handle"], json!([person]), "{facts}");
    assert_eq!(facts["found_by_ids"], json!([person]));
    assert_eq!(facts["found_by_filter"], json!([person]));
    assert_eq!(facts["page_of_one"], 1);
    assert_eq!(facts["person_orgs"], json!([facts["org_id"]]));
}

#[tokio::test]
async fn the_client_adds_and_removes_a_handle() {
    let facts = &seen().await["facts"];

    assert_eq!(
        facts["handles_after_add"],
        json!([facts["phone"], facts["email"]]),
        "{facts}"
    );
    assert_eq!(facts["handles_after_remove"], json!([facts["email"]]));
}

#[tokio::test]
async fn a_role_given_through_the_client_grants_its_permissions_until_it_is_deleted() {
    let facts = &seen().await["facts"];

    assert_eq!(facts["roles"], json!(["client-reader"]), "{facts}");
    assert_eq!(facts["role_permissions"], json!(["client:role"]));
    assert_eq!(facts["person_roles"], json!(["client-reader"]));
    assert_eq!(facts["check_through_role"], true);
    assert_eq!(
        facts["permissions_with_role"],
        json!(["client:read", "client:role"])
    );
    assert_eq!(facts["additional_with_role"], json!(["client:read"]));
    assert_eq!(facts["check_after_role_delete"], false);
}

#[tokio::test]
async fn groups_made_through_the_client_hold_and_release_the_person() {
    let facts = &seen().await["facts"];

    assert_eq!(
        facts["groups"],
        json!(["client-group", "client-other"]),
        "{facts}"
    );
    assert_eq!(facts["group_name"], "client-group");
    assert_eq!(facts["group_members"], json!([facts["person_id"]]));
    assert_eq!(facts["person_groups"], json!(["client-group"]));
    assert_eq!(facts["person_groups_replaced"], json!(["client-other"]));
    assert_eq!(facts["person_groups_after_remove"], json!([]));
    assert_eq!(facts["created_in_groups"], json!(["client-other"]));
    assert_eq!(facts["created_person_groups"], json!(["client-other"]));
}

#[tokio::test]
async fn the_organizations_own_attributes_read_back_as_written() {
    let facts = &seen().await["facts"];

    assert_eq!(facts["org_seats"], 12, "{facts}");
    assert_eq!(facts["org_bucket"], json!({"plan": "platinum"}));
}

#[tokio::test]
async fn a_sub_organization_is_listed_rekeyed_and_deleted_through_the_client() {
    let facts = &seen().await["facts"];
    let sub = &facts["suborg_id"];

    assert_eq!(facts["suborgs"], json!([sub]), "{facts}");
    assert_eq!(facts["rotated_key_differs"], true);
    assert_eq!(facts["new_key_org"], *sub);
    assert_eq!(facts["suborgs_after_delete"], json!([]));
}
