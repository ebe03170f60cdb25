//! Inputs that Schemathesis (scripts/schemathesis.sh, against docs/openapi.yaml) found answered
//! with a 500 or outside the document, each now a 4xx or a success in the face's own format.

use integration_tests::{Api, SailPointTenant, Tenant, ZATO_ADMIN, Zato, app};
use serde_json::json;

#[tokio::test]
async fn the_longest_permission_name_is_created_and_read_back() {
    let api = Api::of(&Tenant::create(app().await).await);
    let name = format!("a{}", "b".repeat(1018));

    let created = api.post("/rbac/permissions", &json!({"name": name})).await;

    assert_eq!(created.status, 204, "{:?}", created.body);
    let read = api.get(&format!("/rbac/permissions/{name}")).await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    assert_eq!(read.result()["name"], name.as_str());
}

#[tokio::test]
async fn a_permission_name_longer_than_a_key_holds_is_a_400_not_a_500() {
    let api = Api::of(&Tenant::create(app().await).await);
    let name = format!("a{}", "b".repeat(1019));

    let read = api.get(&format!("/rbac/permissions/{name}")).await;

    assert_eq!(read.status, 400, "{:?}", read.body);
    assert!(read.error().contains("1019"), "{}", read.error());
}

#[tokio::test]
async fn an_empty_permission_description_is_stored_as_none() {
    let api = Api::of(&Tenant::create(app().await).await);

    let created = api
        .post(
            "/rbac/permissions",
            &json!({"name": "reports:export", "description": ""}),
        )
        .await;

    assert_eq!(created.status, 204, "{:?}", created.body);
    let read = api.get("/rbac/permissions/reports:export").await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    assert!(
        read.result().get("description").is_none(),
        "{:?}",
        read.body
    );
}

#[tokio::test]
async fn patching_an_empty_permission_description_removes_it() {
    let api = Api::of(&Tenant::create(app().await).await);
    let created = api
        .post(
            "/rbac/permissions",
            &json!({"name": "reports:read", "description": "Read reports"}),
        )
        .await;
    assert_eq!(created.status, 204, "{:?}", created.body);

    let patched = api
        .patch(
            "/rbac/permissions/reports:read",
            &json!({"description": ""}),
        )
        .await;

    assert_eq!(patched.status, 204, "{:?}", patched.body);
    let read = api.get("/rbac/permissions/reports:read").await;
    assert!(
        read.result().get("description").is_none(),
        "{:?}",
        read.body
    );
}

#[tokio::test]
async fn a_role_whose_entitlements_are_not_a_list_is_a_400() {
    let tenant = SailPointTenant::create(app().await).await;

    let reply = tenant
        .api
        .post(
            "/v3/roles",
            &json!({"name": "Bad", "owner": {"type": "IDENTITY", "id": "owner"}, "entitlements": {}}),
        )
        .await;

    assert_eq!(reply.status, 400, "{}", reply.body);
    let (code, text) = reply.sailpoint_error();
    assert_eq!(code, "400.1 Bad Request Content");
    assert!(text.contains("entitlements"), "{text}");
}

#[tokio::test]
async fn a_zato_user_created_with_empty_profile_fields_has_none_of_them() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let username = format!("u{}", uuid::Uuid::new_v4().simple());

    let created = zato
        .call(
            "POST",
            "/zato/sso/user",
            &json!({"ust": admin, "current_app": "CRM", "username": username, "email": "", "display_name": ""}),
        )
        .await;

    assert!(created.is_zato_ok(), "{}", created.body);
    assert!(created.body.get("email").is_none(), "{}", created.body);
    assert!(
        created.body.get("display_name").is_none(),
        "{}",
        created.body
    );
}
