//! `GET /v3/roles` with `listRoles`' filters, sorters, bounds and unsupported parameters
//! (issue 18), and what it costs: a filter on the first sorter's field reads O(limit) roles.

use idgraph::App;
use idgraph::metrics::measured;
use integration_tests::{Event, SailPoint, SailPointTenant, app, read};
use serde_json::json;

fn names(reply: &integration_tests::Reply) -> Vec<String> {
    reply
        .body
        .as_array()
        .unwrap_or_else(|| panic!("not a list ({}): {}", reply.status, reply.body))
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn tenant_with_roles(names: &[&str]) -> (SailPointTenant, Vec<String>) {
    let t = SailPointTenant::create(app().await).await;
    let mut ids = Vec::new();
    for name in names {
        ids.push(t.role(name, &[]).await);
    }
    (t, ids)
}

#[tokio::test]
async fn roles_filtered_by_a_name_prefix_come_sorted_by_name_with_their_count() {
    let (t, _) = tenant_with_roles(&["Sales West", "Engineering", "sales east", "Support"]).await;

    let page = t
        .api
        .get("/v3/roles?filters=name%20sw%20%22sales%22&sorters=name&count=true")
        .await;

    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(names(&page), ["sales east", "Sales West"]);
    assert_eq!(page.header("x-total-count"), Some("2"));
}

#[tokio::test]
async fn a_descending_name_sort_reverses_the_order() {
    let (t, _) = tenant_with_roles(&["b", "a", "c"]).await;

    let page = t.api.get("/v3/roles?sorters=-name").await;

    assert_eq!(names(&page), ["c", "b", "a"]);
}

#[tokio::test]
async fn roles_filtered_by_id_in_are_exactly_those_roles() {
    let (t, ids) = tenant_with_roles(&["a", "b", "c"]).await;
    let filter = format!("id in (\"{}\",\"{}\")", ids[0], ids[2]);

    let page = t
        .api
        .get(&format!(
            "/v3/roles?sorters=name&filters={}",
            urlencode(&filter)
        ))
        .await;

    assert_eq!(names(&page), ["a", "c"]);
}

#[tokio::test]
async fn the_last_modified_role_comes_first_when_sorted_by_minus_modified() {
    let (t, ids) = tenant_with_roles(&["first", "second"]).await;
    let patch = json!([{"op": "replace", "path": "/description", "value": "touched"}]);
    let patched = t
        .api
        .call("PATCH", &format!("/v3/roles/{}", ids[0]), Some(&patch))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);

    let page = t.api.get("/v3/roles?sorters=-modified").await;

    assert_eq!(names(&page), ["first", "second"]);
}

#[tokio::test]
async fn a_created_bound_keeps_only_roles_created_from_then() {
    let (t, _) = tenant_with_roles(&["old"]).await;
    let listed = t.api.get("/v3/roles").await;
    let created = listed.body[0]["created"].as_str().unwrap().to_owned();

    let after = t
        .api
        .get(&format!(
            "/v3/roles?filters={}",
            urlencode(&format!("created gt {created}"))
        ))
        .await;
    let from = t
        .api
        .get(&format!(
            "/v3/roles?filters={}",
            urlencode(&format!("created ge {created}"))
        ))
        .await;

    assert_eq!(after.body, json!([]));
    assert_eq!(names(&from), ["old"]);
}

#[tokio::test]
async fn requestable_and_owner_filters_apply_to_the_role_documents() {
    let t = SailPointTenant::create(app().await).await;
    for (name, requestable, owner) in [("a", true, "o1"), ("b", false, "o1"), ("c", true, "o2")] {
        let reply = t
            .api
            .post(
                "/v3/roles",
                &json!({"name": name, "requestable": requestable,
                        "owner": {"type": "IDENTITY", "id": owner}}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }

    let page = t
        .api
        .get(&format!(
            "/v3/roles?sorters=name&filters={}",
            urlencode("requestable eq true and owner.id eq \"o1\"")
        ))
        .await;

    assert_eq!(names(&page), ["a"]);
}

#[tokio::test]
async fn the_page_is_50_roles_by_default_and_51_is_refused() {
    let t = SailPointTenant::create(app().await).await;
    t.many_roles(app().await, 60).await;

    let default = t.api.get("/v3/roles").await;
    let too_many = t.api.get("/v3/roles?limit=51").await;

    assert_eq!(default.body.as_array().map(Vec::len), Some(50));
    assert_eq!(too_many.status, 400);
    assert!(
        too_many.sailpoint_error().1.contains("50"),
        "{}",
        too_many.body
    );
}

#[tokio::test]
async fn filters_and_sorters_outside_the_spec_are_400s_in_sailpoints_format() {
    let t = SailPointTenant::create(app().await).await;
    for query in [
        "filters=description%20eq%20%22x%22",
        "filters=name%20co%20%22x%22",
        "sorters=owner",
        "filters=created%20ge%20yesterday",
    ] {
        let reply = t.api.get(&format!("/v3/roles?{query}")).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert_eq!(reply.sailpoint_error().0, "400.1 Bad Request Content");
    }
}

#[tokio::test]
async fn subadmin_and_segment_parameters_are_refused_not_ignored() {
    let t = SailPointTenant::create(app().await).await;
    for query in [
        "for-subadmin=me",
        "for-segment-ids=0b5c9f25-83c6-4762-9073-e38f7bb2ae26",
        "include-unsegmented=false",
    ] {
        let reply = t.api.get(&format!("/v3/roles?{query}")).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
    }
    let fine = t.api.get("/v3/roles?include-unsegmented=true").await;
    assert_eq!(fine.status, 200);
}

#[tokio::test]
async fn the_v1_path_of_the_python_sdk_serves_the_same_listing() {
    let (t, _) = tenant_with_roles(&["b", "a"]).await;

    let page = t.api.get("/roles/v1?sorters=name").await;

    assert_eq!(names(&page), ["a", "b"]);
}

#[tokio::test]
async fn a_name_prefix_page_is_one_dynamodb_request_among_many_roles() {
    let app = app().await;
    let (t, _) = tenant_with_roles(&["zeta one", "zeta two"]).await;
    t.many_roles(app, 300).await;
    let event = Event::new("GET", "/v3/roles", "/v3/roles")
        .query("filters=name%20sw%20%22zeta%22&sorters=name&limit=1")
        .header(
            "authorization",
            &format!(
                "Bearer {}",
                SailPoint::token_for(&t.org, &["sp:scopes:all"])
            ),
        );

    let (resp, cost) = measured(list(app, event.build())).await;
    let (status, body) = read(&resp);

    assert_eq!((status, body[0]["name"].clone()), (200, json!("zeta one")));
    assert_eq!(cost.calls, 1, "one Query of the name index's prefix");
}

async fn list(app: &'static App, req: idgraph::Request) -> idgraph::Response<idgraph::Body> {
    sailpoint_list_roles::handle(app, req).await
}

fn urlencode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
