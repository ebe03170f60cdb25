//! SailPoint face: roles, their identity-list memberships and access requests.

use integration_tests::{Api, SailPointTenant, app};
use serde_json::{Value, json};

async fn members(t: &SailPointTenant, role: &str) -> (u16, Vec<Value>, Option<String>) {
    let r = t
        .api
        .get(&format!("/v3/roles/{role}/assigned-identities?count=true"))
        .await;
    let total = r.header("x-total-count").map(str::to_owned);
    (
        r.status,
        r.body.as_array().cloned().unwrap_or_default(),
        total,
    )
}

/// An access request; a revoke names one identity and says why, as the spec requires.
fn grant(kind: &str, who: &[&String], role: &str) -> Value {
    json!({"requestType": kind, "requestedFor": who,
        "requestedItems": [{"type": "ROLE", "id": role, "comment": "as the test says"}]})
}

#[tokio::test]
async fn a_role_created_with_an_identity_list_assigns_its_identities_by_role_membership() {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let ada = t.identity(app, "Ada Lovelace", "ada").await;
    let role = t.role("Engineers", std::slice::from_ref(&ada)).await;
    let (status, list, total) = members(&t, &role).await;
    assert_eq!(status, 200);
    assert_eq!(total.as_deref(), Some("1"));
    assert_eq!(
        list,
        [
            json!({"id": ada, "aliasName": "ada", "name": "Ada Lovelace",
            "email": "ada@example.com", "roleAssignmentSource": "ROLE_MEMBERSHIP"})
        ]
    );
}

#[tokio::test]
async fn a_membership_other_than_an_identity_list_is_refused_clearly() {
    let t = SailPointTenant::create(app().await).await;
    let reply = t
        .api
        .post(
            "/v3/roles",
            &json!({"name": "r", "owner": {"id": "o"}, "membership": {"type": "STANDARD", "criteria": {}}}),
        )
        .await;
    assert_eq!(reply.status, 400);
    let (code, text) = reply.sailpoint_error();
    assert_eq!(code, "400.1 Bad Request Content");
    assert!(
        text.contains("STANDARD") && text.contains("IDENTITY_LIST"),
        "{text}"
    );
}

#[tokio::test]
async fn a_role_naming_an_unknown_identity_is_refused_and_nothing_is_written() {
    let t = SailPointTenant::create(app().await).await;
    let reply = t
        .api
        .post(
            "/v3/roles",
            &json!({"name": "r", "owner": {"id": "o"},
                "membership": {"type": "IDENTITY_LIST", "identities": [{"id": "nobody"}]}}),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.sailpoint_error().1.contains("nobody"));
    assert_eq!(t.api.get("/v3/roles").await.body, json!([]));
}

#[tokio::test]
async fn a_json_patch_changes_the_role_and_its_identity_list_memberships() {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let ada = t.identity(app, "Ada Lovelace", "ada").await;
    let alan = t.identity(app, "Alan Turing", "alan").await;
    let role = t.role("Engineers", std::slice::from_ref(&ada)).await;
    let patch = json!([
        {"op": "replace", "path": "/description", "value": "Builds things"},
        {"op": "replace", "path": "/membership/identities", "value": [{"id": alan}]}
    ]);
    let reply = t
        .api
        .call("PATCH", &format!("/v3/roles/{role}"), Some(&patch))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["description"], "Builds things");
    let (_, list, total) = members(&t, &role).await;
    assert_eq!(total.as_deref(), Some("1"));
    assert_eq!(list[0]["id"], json!(alan));
}

#[tokio::test]
async fn a_patch_of_a_server_field_is_refused() {
    let t = SailPointTenant::create(app().await).await;
    let role = t.role("r", &[]).await;
    let patch = json!([{"op": "replace", "path": "/id", "value": "x"}]);
    let reply = t
        .api
        .call("PATCH", &format!("/v3/roles/{role}"), Some(&patch))
        .await;
    assert_eq!(reply.status, 400);
}

#[tokio::test]
async fn deleting_a_role_removes_it_and_every_assignment() {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let ada = t.identity(app, "Ada Lovelace", "ada").await;
    let role = t.role("Engineers", std::slice::from_ref(&ada)).await;
    let reply = t
        .api
        .call("DELETE", &format!("/v3/roles/{role}"), None)
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(members(&t, &role).await.0, 404);
    assert_eq!(t.api.get(&format!("/v3/roles/{role}")).await.status, 404);
    let person = idgraph::ids::PersonId::parse(&ada).unwrap();
    let reverse = idgraph::keys::person_role(&t.org.id, &person, &role);
    assert!(app.db.get(&reverse).await.unwrap().is_none());
}

#[tokio::test]
async fn roles_are_listed_in_pages_with_a_total() {
    let t = SailPointTenant::create(app().await).await;
    for name in ["a", "b", "c"] {
        t.role(name, &[]).await;
    }
    let page = t.api.get("/v3/roles?limit=2&offset=1&count=true").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body.as_array().unwrap().len(), 2);
    assert_eq!(page.header("x-total-count"), Some("3"));
}

#[tokio::test]
async fn an_access_request_grants_at_once_and_a_revoke_removes_only_that_source() {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let ada = t.identity(app, "Ada Lovelace", "ada").await;
    let alan = t.identity(app, "Alan Turing", "alan").await;
    let role = t.role("Engineers", std::slice::from_ref(&ada)).await;

    let reply = t
        .api
        .post(
            "/v3/access-requests",
            &grant("GRANT_ACCESS", &[&ada, &alan], &role),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let (_, list, total) = members(&t, &role).await;
    assert_eq!(total.as_deref(), Some("2"));
    let source_of =
        |id: &str| list.iter().find(|m| m["id"] == id).unwrap()["roleAssignmentSource"].clone();
    assert_eq!(source_of(&alan), "ACCESS_REQUEST");

    for who in [&ada, &alan] {
        let revoked = t
            .api
            .post(
                "/v3/access-requests",
                &grant("REVOKE_ACCESS", &[who], &role),
            )
            .await;
        assert_eq!(revoked.status, 202, "{}", revoked.body);
    }
    let (_, list, total) = members(&t, &role).await;
    assert_eq!(
        total.as_deref(),
        Some("1"),
        "ada keeps the role from the identity list"
    );
    assert_eq!(list[0]["id"], json!(ada));
    assert_eq!(list[0]["roleAssignmentSource"], "ROLE_MEMBERSHIP");
}

#[tokio::test]
async fn an_access_request_for_another_item_type_is_refused() {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let ada = t.identity(app, "Ada", "ada").await;
    let body =
        json!({"requestedFor": [ada], "requestedItems": [{"type": "ENTITLEMENT", "id": "e1"}]});
    let reply = t.api.post("/v3/access-requests", &body).await;
    assert_eq!(reply.status, 400);
    assert!(reply.sailpoint_error().1.contains("ENTITLEMENT"));
}

#[tokio::test]
async fn a_person_deleted_through_slashid_leaves_its_roles_and_their_counts() {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let ada = t.identity(app, "Ada Lovelace", "ada").await;
    let alan = t.identity(app, "Alan Turing", "alan").await;
    let role = t.role("Engineers", &[ada.clone(), alan.clone()]).await;
    let deleted = Api::new(t.org.id.as_str(), &t.api_key)
        .delete(&format!("/persons/{ada}"))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let (_, list, total) = members(&t, &role).await;
    assert_eq!(total.as_deref(), Some("1"));
    assert_eq!(list[0]["id"], json!(alan));
}
