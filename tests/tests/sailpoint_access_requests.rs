//! Access requests as SailPoint's SDKs parse them, their status listing and cancellation, role
//! bulk delete, and identity names that are never null (issue 18).

use integration_tests::{Api, SailPointTenant, app};
use serde_json::{Value, json};

/// A tenant with identities of these names (their usernames lowercased) and an empty role.
async fn engineers(names: &[&str]) -> (SailPointTenant, Vec<String>, String) {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let mut people = Vec::new();
    for name in names {
        let alias = name.split(' ').next().unwrap_or(name).to_lowercase();
        people.push(t.identity(app, name, &alias).await);
    }
    let role = t.role("Engineers", &[]).await;
    (t, people, role)
}

fn request(kind: &str, who: &[&String], role: &str) -> Value {
    json!({"requestType": kind, "requestedFor": who,
        "requestedItems": [{"type": "ROLE", "id": role, "comment": "needed for the project"}]})
}

#[tokio::test]
async fn an_access_request_answers_one_tracking_per_identity_with_its_id_as_a_string() {
    let (t, people, role) = engineers(&["Ada", "Alan"]).await;
    let (ada, alan) = (&people[0], &people[1]);

    let reply = t
        .api
        .post(
            "/v3/access-requests",
            &request("GRANT_ACCESS", &[ada, alan], &role),
        )
        .await;

    assert_eq!(reply.status, 202, "{}", reply.body);
    let tracking = &reply.body["newRequests"];
    assert_eq!(tracking[0]["requestedFor"], json!(ada));
    assert_eq!(tracking[1]["requestedFor"], json!(alan));
    assert_eq!(
        tracking[0]["requestedItemsDetails"],
        json!([{"type": "ROLE", "id": role}])
    );
    assert!(tracking[0]["attributesHash"].is_i64());
    assert_eq!(
        tracking[0]["accessRequestIds"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(reply.body["existingRequests"], json!([]));
}

#[tokio::test]
async fn the_python_sdks_v1_path_takes_access_requests_with_explicit_nulls() {
    let (t, people, role) = engineers(&["Ada"]).await;
    let ada = &people[0];
    let body = json!({"requestedFor": [ada], "requestType": null, "clientMetadata": null,
        "requestedForWithRequestedItems": null,
        "requestedItems": [{"type": "ROLE", "id": role, "comment": null, "removeDate": null,
                            "clientMetadata": null, "startDate": null}]});

    let reply = t.api.post("/access-requests/v1", &body).await;

    assert_eq!(reply.status, 202, "{}", reply.body);
}

#[tokio::test]
async fn a_revoke_names_one_identity_and_says_why() {
    let (t, people, role) = engineers(&["Ada", "Alan"]).await;
    let (ada, alan) = (&people[0], &people[1]);
    let silent = json!({"requestType": "REVOKE_ACCESS", "requestedFor": [ada],
        "requestedItems": [{"type": "ROLE", "id": role}]});

    let two = t
        .api
        .post(
            "/v3/access-requests",
            &request("REVOKE_ACCESS", &[ada, alan], &role),
        )
        .await;
    let without_comment = t.api.post("/v3/access-requests", &silent).await;

    assert_eq!(two.status, 400, "{}", two.body);
    assert_eq!(without_comment.status, 400, "{}", without_comment.body);
    assert!(without_comment.sailpoint_error().1.contains("comment"));
}

#[tokio::test]
async fn a_revoke_for_an_unknown_identity_is_a_400_and_records_nothing() {
    let (t, _, role) = engineers(&[]).await;
    let stranger = idgraph::ids::PersonId::new_random().as_str().to_owned();

    let reply = t
        .api
        .post(
            "/v3/access-requests",
            &request("REVOKE_ACCESS", &[&stranger], &role),
        )
        .await;

    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.sailpoint_error().1.contains(&stranger));
    let listed = t.api.get("/v3/access-request-status").await;
    assert_eq!(listed.body, json!([]));
}

#[tokio::test]
async fn each_requested_item_is_listed_completed_for_its_identity_with_a_count() {
    let (t, people, role) = engineers(&["Ada Lovelace", "Alan"]).await;
    let (ada, alan) = (&people[0], &people[1]);
    for kind in ["GRANT_ACCESS", "REVOKE_ACCESS"] {
        let reply = t
            .api
            .post("/v3/access-requests", &request(kind, &[ada], &role))
            .await;
        assert_eq!(reply.status, 202, "{}", reply.body);
    }
    t.api
        .post(
            "/v3/access-requests",
            &request("GRANT_ACCESS", &[alan], &role),
        )
        .await;

    let listed = t
        .api
        .get(&format!(
            "/v3/access-request-status?requested-for={ada}&count=true&sorters=-created"
        ))
        .await;

    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.header("x-total-count"), Some("2"));
    let items = listed.body.as_array().unwrap();
    assert_eq!(items[0]["requestType"], "REVOKE_ACCESS");
    assert_eq!(items[1]["requestType"], "GRANT_ACCESS");
    assert_eq!(items[0]["state"], "REQUEST_COMPLETED");
    assert_eq!(items[0]["name"], "Engineers");
    assert_eq!(
        items[0]["requestedFor"],
        json!({"type": "IDENTITY", "id": ada, "name": "Ada Lovelace"})
    );
}

#[tokio::test]
async fn the_org_wide_listing_holds_every_identitys_requests() {
    let (t, people, role) = engineers(&["Ada", "Alan"]).await;
    let (ada, alan) = (&people[0], &people[1]);
    t.api
        .post(
            "/v3/access-requests",
            &request("GRANT_ACCESS", &[ada, alan], &role),
        )
        .await;

    let listed = t.api.get("/access-request-status/v1?count=true").await;

    assert_eq!(listed.header("x-total-count"), Some("2"), "{}", listed.body);
}

#[tokio::test]
async fn a_completed_request_cannot_be_cancelled_and_an_unknown_one_is_not_found() {
    let (t, people, role) = engineers(&["Ada"]).await;
    let ada = &people[0];
    let made = t
        .api
        .post(
            "/v3/access-requests",
            &request("GRANT_ACCESS", &[ada], &role),
        )
        .await;
    let id = made.body["newRequests"][0]["accessRequestIds"][0].clone();

    let known = t
        .api
        .post(
            "/v3/access-requests/cancel",
            &json!({"accountActivityId": id, "comment": "mistake"}),
        )
        .await;
    let unknown = t
        .api
        .post(
            "/v3/access-requests/cancel",
            &json!({"accountActivityId": "0".repeat(32), "comment": "mistake"}),
        )
        .await;

    assert_eq!(known.status, 400, "{}", known.body);
    assert!(known.sailpoint_error().1.contains("completed"));
    assert_eq!(unknown.status, 404, "{}", unknown.body);
}

#[tokio::test]
async fn deleting_a_person_deletes_its_access_request_history() {
    let (t, people, role) = engineers(&["Ada"]).await;
    let ada = &people[0];
    t.api
        .post(
            "/v3/access-requests",
            &request("GRANT_ACCESS", &[ada], &role),
        )
        .await;

    let deleted = Api::new(t.org.id.as_str(), &t.api_key)
        .delete(&format!("/persons/{ada}"))
        .await;

    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let org_wide = t.api.get("/v3/access-request-status").await;
    assert_eq!(org_wide.body, json!([]));
}

#[tokio::test]
async fn a_bulk_delete_removes_the_roles_and_answers_a_task_result() {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let ada = t.identity(app, "Ada", "ada").await;
    let (one, two) = (
        t.role("one", std::slice::from_ref(&ada)).await,
        t.role("two", &[]).await,
    );

    let reply = t
        .api
        .post("/v3/roles/bulk-delete", &json!({"roleIds": [one, two]}))
        .await;

    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.body["type"], "TASK_RESULT");
    assert_eq!(reply.body["id"].as_str().map(str::len), Some(32));
    assert_eq!(reply.body["name"], Value::Null);
    for role in [&one, &two] {
        assert_eq!(t.api.get(&format!("/v3/roles/{role}")).await.status, 404);
    }
}

#[tokio::test]
async fn a_bulk_delete_naming_an_unknown_role_deletes_nothing_and_names_it() {
    let t = SailPointTenant::create(app().await).await;
    let kept = t.role("kept", &[]).await;
    let unknown = "2c91808876438bb2017668b91919ecca";

    let reply = t
        .api
        .post(
            "/roles/v1/bulk-delete",
            &json!({"roleIds": [kept, unknown]}),
        )
        .await;

    assert_eq!(reply.status, 400, "{}", reply.body);
    let (code, text) = reply.sailpoint_error();
    assert_eq!(code, "400.1.404 Referenced object not found");
    assert!(text.contains(unknown), "{text}");
    assert_eq!(t.api.get(&format!("/v3/roles/{kept}")).await.status, 200);
}

#[tokio::test]
async fn a_bulk_delete_of_more_than_50_roles_is_refused() {
    let t = SailPointTenant::create(app().await).await;
    let ids: Vec<String> = (0..51).map(|i| format!("{i:032x}")).collect();

    let reply = t
        .api
        .post("/v3/roles/bulk-delete", &json!({"roleIds": ids}))
        .await;

    assert_eq!(reply.status, 400);
    assert!(reply.sailpoint_error().1.contains("max limit of 50"));
}

#[tokio::test]
async fn an_identity_without_a_display_name_or_username_is_named_by_its_email() {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let person = Api::new(t.org.id.as_str(), &t.api_key)
        .post(
            "/persons",
            &json!({"active": true, "region": "us-iowa",
                    "handles": [{"type": "email_address", "value": "grace@example.com"}]}),
        )
        .await;
    assert_eq!(person.status, 201, "{}", person.body);
    let id = person.result()["person_id"].as_str().unwrap().to_owned();
    let role = t.role("Admirals", std::slice::from_ref(&id)).await;

    let members = t
        .api
        .get(&format!("/v3/roles/{role}/assigned-identities"))
        .await;

    assert_eq!(members.status, 200, "{}", members.body);
    let member = &members.body[0];
    assert_eq!(member["name"], "grace@example.com");
    assert_eq!(member["aliasName"], "grace@example.com");
    assert_eq!(member["email"], "grace@example.com");
}
