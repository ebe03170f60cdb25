//! Every SailPoint request's cost is bounded (issue 14): paging stops at offset + limit =
//! 10,000, `count=true` counts at most 10,000 items, and a role PATCH holds at most 100
//! operations and never grows the role past what DynamoDB stores or serde_json reads back.
//! (Token forms: `sailpoint_auth.rs`.) Each handler runs in-process, as Lambda runs it, against
//! DynamoDB Local.

use idgraph::App;
use idgraph::metrics::measured;
use idgraph::role::MAX_ROLE_BYTES;
use integration_tests::{
    DEMO_ORG, DEMO_ROLE, Event, SailPoint, SailPointTenant, app, app_on_fresh_table, app_on_table,
    read,
};
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

/// Status, body and DynamoDB requests of a handler's answer, on the shared table.
async fn call<F, Fut>(handler: F, event: Event) -> (u16, Value, u32)
where
    F: FnOnce(&'static App, idgraph::Request) -> Fut,
    Fut: std::future::Future<Output = idgraph::Response<idgraph::Body>>,
{
    call_on(app().await, handler, event).await
}

/// Status, body (with `x-total-count` when sent) and DynamoDB requests of a handler's answer.
async fn call_on<F, Fut>(app: &'static App, handler: F, event: Event) -> (u16, Value, u32)
where
    F: FnOnce(&'static App, idgraph::Request) -> Fut,
    Fut: std::future::Future<Output = idgraph::Response<idgraph::Body>>,
{
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

/// A count refused past the 10,000 SailPoint serves, saying why and where the bound lies.
fn assert_count_refused(status: u16, body: &Value, why: &str) {
    let text = bad_request(status, body);
    assert!(text.contains(why) && text.contains("10000"), "{text}");
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

/// A role of 10,001 members: 10,000 named `Ann 00000` … `Ann 09999`, and `Anne Extra`, on a
/// table of its own (see `app_on_fresh_table`). Loaded once per test binary (its tests share
/// it; none writes to it): the tenant, the role's id and the table's name. Each test reads it
/// with an `App` of its own.
async fn big_role() -> &'static (SailPointTenant, String, String) {
    static ROLE: OnceCell<(SailPointTenant, String, String)> = OnceCell::const_new();
    ROLE.get_or_init(|| async {
        let app = app_on_fresh_table().await;
        let t = SailPointTenant::create(app).await;
        let mut names: Vec<String> = (0..10_000).map(|i| format!("Ann {i:05}")).collect();
        names.push("Anne Extra".into());
        let role = t.role_with_members(app, names).await;
        (t, role, app.config.table_name.clone())
    })
    .await
}

/// The big role's members through the handler: status, body, DynamoDB requests.
async fn big_role_page(query: &str) -> (u16, Value, u32) {
    let (t, role, table) = big_role().await;
    let event = assigned(&bearer_of(t), role, query);
    call_on(app_on_table(table).await, assigned_identities, event).await
}

#[tokio::test]
async fn counting_more_than_10000_prefix_matches_is_a_400_not_a_truncated_total() {
    let query = "limit=1&count=true&sorters=name&filters=name%20sw%20%22Ann%22";
    let (status, body, _) = big_role_page(query).await;
    assert_count_refused(status, &body, "too many matches to count");
}

#[tokio::test]
async fn counting_exactly_10000_prefix_matches_gives_the_exact_total() {
    let query = "limit=1&count=true&sorters=name&filters=name%20sw%20%22Ann%20%22";
    let (status, body, _) = big_role_page(query).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["x-total-count"], "10000");
    assert_eq!(body["body"][0]["name"], "Ann 00000");
}

#[tokio::test]
async fn counting_an_in_memory_filter_past_10000_members_gives_the_same_400_as_a_prefix_count() {
    let query = "limit=1&count=true&filters=name%20co%20%22nn%22";
    let (status, body, _) = big_role_page(query).await;
    assert_count_refused(status, &body, "too many matches to count");
}

#[tokio::test]
async fn an_unfiltered_count_of_a_large_role_is_exact_at_the_deepest_page() {
    let (status, body, _) = big_role_page("limit=1&offset=9999&count=true&sorters=-name").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["x-total-count"], "10001");
    assert_eq!(body["body"][0]["name"], "Ann 00001");
}

#[tokio::test]
async fn counting_more_than_10000_roles_is_a_400_not_a_truncated_total() {
    // A table of its own: 10,001 roles on the shared one would queue 10,001 role projections
    // in its stream ahead of other tests'.
    let app = app_on_fresh_table().await;
    let t = SailPointTenant::create(app).await;
    t.many_roles(app, 10_001).await;
    let event = list_roles(&bearer_of(&t), "limit=1&count=true");
    let (status, body, _) = call_on(app, roles_list, event).await;
    assert_count_refused(status, &body, "too many roles to count");
}

// ---- PATCH /v3/roles/{id} ---------------------------------------------------------------------

fn patch_event(t: &SailPointTenant, role: &str, ops: &Value) -> Event {
    Event::new("PATCH", "/v3/roles/{id}", &format!("/v3/roles/{role}"))
        .path_param("id", role)
        .header("authorization", &bearer_of(t))
        .json(ops)
}

fn get_event(t: &SailPointTenant, role: &str) -> Event {
    Event::new("GET", "/v3/roles/{id}", &format!("/v3/roles/{role}"))
        .path_param("id", role)
        .header("authorization", &bearer_of(t))
}

async fn patch_role(app: &'static App, req: idgraph::Request) -> idgraph::Response<idgraph::Body> {
    sailpoint_patch_role::handle(app, req).await
}

async fn get_role(app: &'static App, req: idgraph::Request) -> idgraph::Response<idgraph::Body> {
    sailpoint_get_role::handle(app, req).await
}

/// A fresh tenant with an empty role; the role as `GET` shows it.
async fn a_role() -> (SailPointTenant, String, Value) {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let role = t.role_with_members(app, vec![]).await;
    let (status, before, _) = call(get_role, get_event(&t, &role)).await;
    assert_eq!(status, 200, "{before}");
    (t, role, before["body"].clone())
}

/// Patches the role and checks that the answer is a 400 and the role is as it was; the 400's
/// text.
async fn refused_patch(ops: Value) -> String {
    let (t, role, before) = a_role().await;
    let (status, body, _) = call(patch_role, patch_event(&t, &role, &ops)).await;
    let text = bad_request(status, &body);
    let (status, after, _) = call(get_role, get_event(&t, &role)).await;
    assert_eq!(
        (status, &after["body"]),
        (200, &before),
        "the role is unchanged"
    );
    text
}

#[tokio::test]
async fn a_role_patch_of_more_than_100_operations_is_refused_and_changes_nothing() {
    let op = json!({"op": "replace", "path": "/description", "value": "x"});
    let text = refused_patch(Value::Array(vec![op; 101])).await;
    assert!(text.contains("at most 100 operations"), "{text}");
}

#[tokio::test]
async fn a_role_patch_of_100_operations_applies() {
    let (t, role, _) = a_role().await;
    let ops: Vec<Value> = (0..100)
        .map(|i| json!({"op": "replace", "path": "/description", "value": format!("v{i}")}))
        .collect();
    let (status, body, _) = call(patch_role, patch_event(&t, &role, &Value::Array(ops))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["body"]["description"], "v99");
}

#[tokio::test]
async fn a_role_patch_copying_the_whole_role_into_itself_is_refused() {
    let text = refused_patch(json!([{"op": "copy", "from": "", "path": "/copy"}])).await;
    assert!(text.contains("whole role"), "{text}");
}

#[tokio::test]
async fn a_role_patch_replacing_the_whole_role_is_refused() {
    let text = refused_patch(json!([{"op": "replace", "path": "",
        "value": {"name": "other", "owner": {"id": "o"}}}]))
    .await;
    assert!(text.contains("whole role"), "{text}");
}

#[tokio::test]
async fn a_role_patch_that_outgrows_dynamodbs_item_midway_is_refused_though_it_ends_small() {
    // Each copy doubles /blob, past 300 KB at operation 4; the last operation removes it.
    let mut ops =
        vec![json!({"op": "add", "path": "/blob", "value": {"s": "x".repeat(20 * 1024)}})];
    for i in 0..5 {
        ops.push(json!({"op": "copy", "from": "/blob", "path": format!("/blob/c{i}")}));
    }
    ops.push(json!({"op": "remove", "path": "/blob"}));
    let text = refused_patch(Value::Array(ops)).await;
    assert!(
        text.contains("after operation 4") && text.contains(&MAX_ROLE_BYTES.to_string()),
        "{text}"
    );
}

#[tokio::test]
async fn a_role_patch_whose_result_is_too_large_is_a_400() {
    let ops =
        json!([{"op": "replace", "path": "/description", "value": "x".repeat(MAX_ROLE_BYTES)}]);
    let text = refused_patch(ops).await;
    assert!(text.contains(&MAX_ROLE_BYTES.to_string()), "{text}");
}

#[tokio::test]
async fn a_role_patch_nesting_the_role_too_deep_to_read_back_is_refused() {
    // Two values of 100 levels each, the second put inside the first: 200 levels, which
    // serde_json (128 at most) could not read back, so the stored role would be unreadable.
    let mut deep = json!(1);
    for _ in 0..100 {
        deep = json!([deep]);
    }
    let ops = json!([
        {"op": "add", "path": "/x", "value": deep.clone()},
        {"op": "add", "path": format!("/x{}", "/0".repeat(99)), "value": deep},
    ]);
    let text = refused_patch(ops).await;
    assert!(text.contains("deeper than 64"), "{text}");
}
