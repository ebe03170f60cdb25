//! Every SailPoint request's cost is bounded (issue 14): paging stops at offset + limit =
//! 10,000, and `count=true` counts at most 10,000 items. (Token forms: `sailpoint_auth.rs`.)
//! Each handler runs in-process, as Lambda runs it, against DynamoDB Local.

use idgraph::App;
use idgraph::metrics::measured;
use integration_tests::{DEMO_ORG, DEMO_ROLE, Event, SailPoint, SailPointTenant, app, read};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

fn demo_bearer() -> String {
    let org = idgraph::store::orgs::Organization::root(
        idgraph::ids::OrgId::parse(DEMO_ORG).unwrap(),
        "demo",
    );
    format!("Bearer {}", SailPoint::token_for(&org, &["sp:scopes:all"]))
}

fn bearer_of(t: &SailPointTenant) -> String {
    format!(
        "Bearer {}",
        SailPoint::token_for(&t.org, &["sp:scopes:all"])
    )
}

fn assigned(bearer: &str, role: &str, query: &str) -> Event {
    Event::new(
        "GET",
        "/v3/roles/{id}/assigned-identities",
        &format!("/v3/roles/{role}/assigned-identities"),
    )
    .path_param("id", role)
    .query(query)
    .header("authorization", bearer)
}

fn list_roles(bearer: &str, query: &str) -> Event {
    Event::new("GET", "/v3/roles", "/v3/roles")
        .query(query)
        .header("authorization", bearer)
}

/// Status, body and DynamoDB requests of a handler's answer.
async fn call<F, Fut>(handler: F, event: Event) -> (u16, Value, u32)
where
    F: FnOnce(&'static App, idgraph::Request) -> Fut,
    Fut: std::future::Future<Output = idgraph::Response<idgraph::Body>>,
{
    let app = app().await;
    let (resp, cost) = measured(handler(app, event.build())).await;
    let (status, body) = read(&resp);
    let total = resp
        .headers()
        .get("x-total-count")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = match total {
        Some(t) => json!({"body": body, "x-total-count": t}),
        None => json!({"body": body}),
    };
    (status, body, cost.calls)
}

/// The text of a SailPoint `ErrorResponseDto` with status 400, checking its shape.
fn bad_request(status: u16, body: &Value) -> String {
    assert_eq!(status, 400, "{body}");
    let body = &body["body"];
    assert_eq!(body["detailCode"], "400.1 Bad Request Content", "{body}");
    body["messages"][0]["text"].as_str().unwrap().to_owned()
}

async fn assigned_identities(
    app: &'static App,
    req: idgraph::Request,
) -> idgraph::Response<idgraph::Body> {
    sailpoint_assigned_identities::handle(app, req).await
}

async fn roles_list(app: &'static App, req: idgraph::Request) -> idgraph::Response<idgraph::Body> {
    sailpoint_list_roles::handle(app, req).await
}

// ---- paging: offset + limit ≤ 10,000 ----------------------------------------------------------

#[tokio::test]
async fn a_member_page_ending_at_the_10000th_member_is_served() {
    let event = assigned(&demo_bearer(), DEMO_ROLE, "offset=9990&limit=10");
    let (status, body, _) = call(assigned_identities, event).await;
    assert_eq!((status, &body["body"]), (200, &json!([])));
}

#[tokio::test]
async fn a_member_page_ending_past_the_10000th_member_is_a_400_before_any_dynamodb_read() {
    let event = assigned(&demo_bearer(), DEMO_ROLE, "offset=9991&limit=10");
    let (status, body, calls) = call(assigned_identities, event).await;
    let text = bad_request(status, &body);
    assert!(
        text.contains("10000") && text.contains("9991 + 10"),
        "{text}"
    );
    assert_eq!(calls, 0);
}

#[tokio::test]
async fn a_role_page_ending_at_the_10000th_role_is_served() {
    let (status, body, _) = call(
        roles_list,
        list_roles(&demo_bearer(), "offset=9990&limit=10"),
    )
    .await;
    assert_eq!((status, &body["body"]), (200, &json!([])));
}

#[tokio::test]
async fn a_role_page_ending_past_the_10000th_role_is_a_400_before_any_dynamodb_read() {
    let event = list_roles(&demo_bearer(), "offset=9991&limit=10");
    let (status, body, calls) = call(roles_list, event).await;
    let text = bad_request(status, &body);
    assert!(text.contains("10000"), "{text}");
    assert_eq!(calls, 0);
}

#[tokio::test]
async fn an_offset_past_10000_with_the_default_limit_says_the_limit_was_defaulted() {
    let event = assigned(&demo_bearer(), DEMO_ROLE, "offset=9751");
    let (status, body, _) = call(assigned_identities, event).await;
    let text = bad_request(status, &body);
    assert!(text.contains("9751 + 250 (the default limit)"), "{text}");
}

#[tokio::test]
async fn a_count_without_a_page_is_one_query_of_the_sentinel_and_one_member() {
    let event = assigned(&demo_bearer(), DEMO_ROLE, "limit=0&count=true");
    let (status, body, calls) = call(assigned_identities, event).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["x-total-count"], "201");
    assert_eq!(calls, 1, "limit=0 must not read the role in pairs");
}

// ---- count=true: at most 10,000 counted -------------------------------------------------------

/// A role of 10,001 members: 10,000 named `Ann 00000` … `Ann 09999`, and `Anne Extra`. Loaded
/// once per test binary (its tests share it; none writes to it).
async fn big_role() -> &'static (SailPointTenant, String) {
    static ROLE: OnceCell<(SailPointTenant, String)> = OnceCell::const_new();
    ROLE.get_or_init(|| async {
        let app = app().await;
        let t = SailPointTenant::create(app).await;
        let mut names: Vec<String> = (0..10_000).map(|i| format!("Ann {i:05}")).collect();
        names.push("Anne Extra".into());
        let role = t.role_with_members(app, names).await;
        (t, role)
    })
    .await
}

#[tokio::test]
async fn counting_more_than_10000_prefix_matches_is_a_400_not_a_truncated_total() {
    let (t, role) = big_role().await;
    let query = "limit=1&count=true&sorters=name&filters=name%20sw%20%22Ann%22";
    let (status, body, _) = call(assigned_identities, assigned(&bearer_of(t), role, query)).await;
    let text = bad_request(status, &body);
    assert!(
        text.contains("too many matches to count") && text.contains("10000"),
        "{text}"
    );
}

#[tokio::test]
async fn counting_exactly_10000_prefix_matches_gives_the_exact_total() {
    let (t, role) = big_role().await;
    let query = "limit=1&count=true&sorters=name&filters=name%20sw%20%22Ann%20%22";
    let (status, body, _) = call(assigned_identities, assigned(&bearer_of(t), role, query)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["x-total-count"], "10000");
    assert_eq!(body["body"][0]["name"], "Ann 00000");
}

#[tokio::test]
async fn counting_an_in_memory_filter_past_10000_members_gives_the_same_400_as_a_prefix_count() {
    let (t, role) = big_role().await;
    let query = "limit=1&count=true&filters=name%20co%20%22nn%22";
    let (status, body, _) = call(assigned_identities, assigned(&bearer_of(t), role, query)).await;
    let text = bad_request(status, &body);
    assert!(
        text.contains("too many matches to count") && text.contains("10000"),
        "{text}"
    );
}

#[tokio::test]
async fn an_unfiltered_count_of_a_large_role_is_exact_at_the_deepest_page() {
    let (t, role) = big_role().await;
    let event = assigned(
        &bearer_of(t),
        role,
        "limit=1&offset=9999&count=true&sorters=-name",
    );
    let (status, body, _) = call(assigned_identities, event).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["x-total-count"], "10001");
    assert_eq!(body["body"][0]["name"], "Ann 00001");
}

#[tokio::test]
async fn counting_more_than_10000_roles_is_a_400_not_a_truncated_total() {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    t.many_roles(app, 10_001).await;
    let (status, body, _) =
        call(roles_list, list_roles(&bearer_of(&t), "limit=1&count=true")).await;
    let text = bad_request(status, &body);
    assert!(
        text.contains("too many roles to count") && text.contains("10000"),
        "{text}"
    );
}
