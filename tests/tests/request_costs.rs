//! What reads cost in DynamoDB requests, measured on the handler as Lambda runs it, with the
//! caches on as deployed (the test stack turns them off; these tests turn them back on).

use std::time::Duration;

use idgraph::App;
use idgraph::metrics::measured;
use integration_tests::{DEMO_API_KEY, DEMO_ORG, DEMO_PERSON, Event, app};

const STORE: &str = "5e1a5a3e-0c3b-4c1e-9f43-1b2d3c4e5f60";

async fn warm_app() -> &'static App {
    let base = app().await;
    let mut config = base.config.clone();
    config.auth_cache_ttl = Duration::from_secs(60);
    Box::leak(Box::new(App::new(config, base.db.client.clone())))
}

fn attributes(org: &str, key: &str, buckets: &str) -> Event {
    Event::new(
        "GET",
        "/persons/{person_id}/attributes",
        &format!("/persons/{DEMO_PERSON}/attributes"),
    )
    .path_param("person_id", DEMO_PERSON)
    .query(&format!("buckets={buckets}"))
    .header("SlashID-OrgID", org)
    .header("SlashID-API-Key", key)
}

/// DynamoDB requests of the second of two identical calls (the first warms the caches).
async fn warm_cost(app: &'static App, event: Event) -> u32 {
    let (first, _) = measured(slashid_get_person_attributes::handle(app, event.build())).await;
    assert_eq!(first.status(), 200);
    let (second, cost) = measured(slashid_get_person_attributes::handle(app, event.build())).await;
    assert_eq!(second.status(), 200);
    cost.calls
}

#[tokio::test]
async fn a_warm_attribute_read_of_a_root_org_is_one_request_whatever_the_buckets() {
    let app = warm_app().await;
    let buckets =
        "person_pool-end_user_read_write,person_pool-end_user_no_access,end_user_read_write";
    assert_eq!(
        warm_cost(app, attributes(DEMO_ORG, DEMO_API_KEY, buckets)).await,
        1
    );
}

#[tokio::test]
async fn a_sub_org_reads_pool_buckets_in_one_request_and_its_own_in_a_second() {
    let app = warm_app().await;
    let pool_only = attributes(
        STORE,
        "demo-store-api-key",
        "person_pool-end_user_read_write",
    );
    assert_eq!(warm_cost(app, pool_only).await, 1);
    let with_own = attributes(
        STORE,
        "demo-store-api-key",
        "person_pool-end_user_read_write,end_user_read_write",
    );
    assert_eq!(warm_cost(app, with_own).await, 2);
}

fn bearer() -> String {
    let org = idgraph::store::orgs::Organization::root(
        idgraph::ids::OrgId::parse(DEMO_ORG).unwrap(),
        "demo",
    );
    format!(
        "Bearer {}",
        integration_tests::SailPoint::token_for(&org, &["sp:scopes:all"])
    )
}

#[tokio::test]
async fn a_page_of_assigned_identities_with_its_count_is_one_request() {
    let app = app().await;
    let role = integration_tests::DEMO_ROLE;
    let event = Event::new(
        "GET",
        "/v3/roles/{id}/assigned-identities",
        &format!("/v3/roles/{role}/assigned-identities"),
    )
    .path_param("id", role)
    .query("limit=50&offset=100&count=true&sorters=-name")
    .header("authorization", &bearer());
    let (resp, cost) = measured(sailpoint_assigned_identities::handle(app, event.build())).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(cost.calls, 1);
}

#[tokio::test]
async fn a_search_document_is_one_request() {
    let app = app().await;
    let id = "2c9180867dde18d1017de8ea1f5c130f";
    let event = Event::new(
        "GET",
        "/v3/search/{index}/{id}",
        &format!("/v3/search/entitlements/{id}"),
    )
    .path_param("index", "entitlements")
    .path_param("id", id)
    .header("authorization", &bearer());
    let (resp, cost) = measured(sailpoint_get_document::handle(app, event.build())).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(cost.calls, 1);
}

#[tokio::test]
async fn a_zato_attribute_read_is_one_request() {
    let app = app().await;
    let ust = integration_tests::Zato::new()
        .login(("jdoe", "jdoe-password-1"))
        .await;
    let event = Event::new("GET", "/zato/sso/user/attr", "/zato/sso/user/attr")
        .json(&serde_json::json!({"ust": ust, "current_app": "CRM", "name": "my-attribute"}));
    let (resp, cost) = measured(zato_get_user_attr::handle(app, event.build())).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(cost.calls, 1);
}

#[tokio::test]
async fn a_zato_session_verification_is_one_request() {
    let app = app().await;
    let zato = integration_tests::Zato::new();
    let target = zato.login(("jdoe", "jdoe-password-1")).await;
    let admin = zato.login(integration_tests::ZATO_ADMIN).await;
    let event = Event::new("POST", "/zato/sso/user/session", "/zato/sso/user/session").json(
        &serde_json::json!({"target_ust": target, "current_ust": admin, "current_app": "CRM"}),
    );
    let (resp, cost) = measured(zato_verify_session::handle(app, event.build())).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(cost.calls, 1);
}

fn person_permissions(path: &str) -> Event {
    Event::new(
        "GET",
        &format!("/persons/{{person_id}}/{path}"),
        &format!("/persons/{DEMO_PERSON}/{path}"),
    )
    .path_param("person_id", DEMO_PERSON)
    .header("SlashID-OrgID", DEMO_ORG)
    .header("SlashID-API-Key", DEMO_API_KEY)
}

#[tokio::test]
async fn a_warm_read_of_a_persons_direct_permissions_is_one_request() {
    let app = warm_app().await;
    let event = person_permissions("additional-permissions");
    let first = slashid_get_person_additional_permissions::handle(app, event.build()).await;
    assert_eq!(first.status(), 200);

    let (resp, cost) = measured(slashid_get_person_additional_permissions::handle(
        app,
        event.build(),
    ))
    .await;

    assert_eq!(resp.status(), 200);
    assert_eq!(cost.calls, 1);
}

#[tokio::test]
async fn a_warm_read_of_the_permissions_of_a_person_with_roles_is_two_requests() {
    // The demo person holds the role demo-viewer (seed/demo.json): its sets, then its roles.
    let app = warm_app().await;
    let event = person_permissions("permissions");
    let first = slashid_get_person_permissions::handle(app, event.build()).await;
    assert_eq!(first.status(), 200);

    let (resp, cost) = measured(slashid_get_person_permissions::handle(app, event.build())).await;

    assert_eq!(resp.status(), 200);
    assert_eq!(cost.calls, 2);
}

fn check(permission: &str) -> Event {
    Event::new("POST", "/rbac/check", "/rbac/check")
        .header("SlashID-OrgID", DEMO_ORG)
        .header("SlashID-API-Key", DEMO_API_KEY)
        .json(&serde_json::json!({"person_id": DEMO_PERSON, "permission_name": permission}))
}

#[tokio::test]
async fn a_warm_check_the_direct_set_denies_reads_the_roles_in_a_second_request() {
    let app = warm_app().await;
    let event = check("demo:admin");
    let first = slashid_check_permission::handle(app, event.build()).await;
    assert_eq!(first.status(), 200);

    let (resp, cost) = measured(slashid_check_permission::handle(app, event.build())).await;

    assert_eq!(resp.status(), 200);
    assert_eq!(cost.calls, 2);
}

#[tokio::test]
async fn a_warm_permission_check_is_one_request() {
    // demo:read is the demo person's directly: its roles are not read.
    let app = warm_app().await;
    let event = check("demo:read");
    let first = slashid_check_permission::handle(app, event.build()).await;
    assert_eq!(first.status(), 200);

    let (resp, cost) = measured(slashid_check_permission::handle(app, event.build())).await;

    assert_eq!(resp.status(), 200);
    assert_eq!(cost.calls, 1);
}

#[tokio::test]
async fn a_warm_group_read_is_one_request() {
    let app = warm_app().await;
    let tenant = integration_tests::Tenant::create(app).await;
    let name = idgraph::ids::GroupName::parse("costed").unwrap();
    idgraph::store::groups::create(&app.db, &tenant.org.id, &name, None, "2026-01-01T00:00:00Z")
        .await
        .unwrap();
    let event = || {
        Event::new("GET", "/groups/{group_name}", "/groups/costed")
            .path_param("group_name", "costed")
            .headers(tenant.headers())
    };
    let (first, _) = measured(slashid_get_group::handle(app, event().build())).await;
    assert_eq!(first.status(), 200);

    let (second, cost) = measured(slashid_get_group::handle(app, event().build())).await;

    assert_eq!(second.status(), 200);
    assert_eq!(cost.calls, 1);
}
