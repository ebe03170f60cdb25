//! SlashID attributes through the router: the seed `GET /persons/{id}/attributes` with each of
//! its documented statuses, the limits, pool sharing and org privacy, and the write siblings.

use integration_tests::{Api, DEMO_PERSON, Tenant, app};
use serde_json::{Value, json};

const STORE: &str = "5e1a5a3e-0c3b-4c1e-9f43-1b2d3c4e5f60";
const STORE_KEY: &str = "demo-store-api-key";

/// `{name: 1}`.
fn one(name: String) -> Value {
    Value::Object([(name, json!(1))].into_iter().collect())
}

fn attrs(person: &str, query: &str) -> String {
    format!("/persons/{person}/attributes{query}")
}

#[tokio::test]
async fn the_named_buckets_come_back_with_values_as_stored() {
    let r = Api::demo()
        .get(&attrs(
            DEMO_PERSON,
            "?buckets=person_pool-end_user_read_write,person_pool-end_user_no_access",
        ))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        *r.result(),
        json!({"person_pool-end_user_read_write": {"card_number": "1234", "expiry": "07/25"},
               "person_pool-end_user_no_access": {"risk_score": 12}})
    );
}

#[tokio::test]
async fn without_buckets_every_bucket_holding_attributes_is_returned() {
    let api = Api::of(&Tenant::create(app().await).await);
    let id = api.create_person().await;
    let r = api.patch(&attrs(&id, ""), &json!({"end_user_read_only": {"a": [1, {"b": null}]}, "person_pool-end_user_read_write": {"c": true}})).await;
    assert_eq!(r.status, 204, "{:?}", r.body);

    let r = api.get(&attrs(&id, "")).await;

    assert_eq!(r.status, 200);
    assert_eq!(
        *r.result(),
        json!({"end_user_read_only": {"a": [1, {"b": null}]}, "person_pool-end_user_read_write": {"c": true}})
    );
}

#[tokio::test]
async fn a_named_bucket_without_attributes_comes_back_empty() {
    let api = Api::of(&Tenant::create(app().await).await);
    let id = api.create_person().await;
    let r = api.get(&attrs(&id, "?buckets=end_user_no_access")).await;
    assert_eq!(
        (r.status, r.result().clone()),
        (200, json!({"end_user_no_access": {}}))
    );
}

#[tokio::test]
async fn empty_bucket_names_are_a_400() {
    for query in [
        "?buckets=a,,b",
        "?buckets=",
        "?buckets=end_user_read_write,",
    ] {
        let r = Api::demo().get(&attrs(DEMO_PERSON, query)).await;
        assert_eq!(r.status, 400, "{query}");
        assert!(r.error().contains("buckets"), "{query}: {:?}", r.body);
    }
}

#[tokio::test]
async fn an_unknown_bucket_is_a_404() {
    let r = Api::demo()
        .get(&attrs(
            DEMO_PERSON,
            "?buckets=end_user_read_write,no_such_bucket",
        ))
        .await;
    assert_eq!(r.status, 404);
    assert!(r.error().contains("no_such_bucket"));
}

#[tokio::test]
async fn a_bucket_private_to_another_org_of_the_pool_is_a_403() {
    let name = format!("loyalty{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let created = Api::demo()
        .post(
            "/organizations/attribute-buckets",
            &json!({"name": name, "sharing_scope": "organization"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);

    let r = Api::new(STORE, STORE_KEY)
        .get(&attrs(DEMO_PERSON, &format!("?buckets={name}")))
        .await;

    assert_eq!(r.status, 403);
    assert!(r.error().contains(&name));
}

#[tokio::test]
async fn an_unknown_person_is_a_404() {
    let r = Api::demo()
        .get(&attrs("no-such-person", "?buckets=end_user_read_write"))
        .await;
    assert_eq!(r.status, 404);
    r.error();
}

#[tokio::test]
async fn a_missing_key_is_a_401_and_another_orgs_key_a_403() {
    let missing = Api::anonymous().get(&attrs(DEMO_PERSON, "")).await;
    assert_eq!(missing.status, 401);
    let other = Tenant::create(app().await).await;
    let foreign = Api::new(integration_tests::DEMO_ORG, &other.api_key)
        .get(&attrs(DEMO_PERSON, ""))
        .await;
    assert_eq!(foreign.status, 403);
    assert!(!foreign.body.to_string().contains("1234"));
}

#[tokio::test]
async fn pool_buckets_are_shared_and_organization_buckets_private() {
    let store = Api::new(STORE, STORE_KEY);
    // The store sees the pool's shared values …
    let shared = store
        .get(&attrs(
            DEMO_PERSON,
            "?buckets=person_pool-end_user_read_write",
        ))
        .await;
    assert_eq!(
        shared.result()["person_pool-end_user_read_write"]["card_number"],
        "1234"
    );
    // … and its own organization bucket, which the parent cannot see, nor the store the parent's.
    let own = store
        .get(&attrs(DEMO_PERSON, "?buckets=end_user_read_write"))
        .await;
    assert_eq!(
        own.result()["end_user_read_write"],
        json!({"store_credit": 25})
    );
    let parent = Api::demo()
        .get(&attrs(DEMO_PERSON, "?buckets=end_user_read_write"))
        .await;
    assert_eq!(parent.result()["end_user_read_write"], json!({}));
}

#[tokio::test]
async fn another_org_sees_nothing_of_a_person_it_does_not_have() {
    let (a, b) = (
        Tenant::create(app().await).await,
        Tenant::create(app().await).await,
    );
    let id = Api::of(&a).create_person().await;
    Api::of(&a)
        .put(
            &attrs(&id, "/end_user_read_write"),
            &json!({"secret": "s3cr3t"}),
        )
        .await;
    let r = Api::of(&b).get(&attrs(&id, "")).await;
    assert_eq!(r.status, 404);
    assert!(!r.body.to_string().contains("s3cr3t"));
}

#[tokio::test]
async fn attribute_names_may_be_70_bytes_not_71() {
    let api = Api::of(&Tenant::create(app().await).await);
    let id = api.create_person().await;
    let ok = api
        .patch(&attrs(&id, "/end_user_read_write"), &one("a".repeat(70)))
        .await;
    let too_long = api
        .patch(&attrs(&id, "/end_user_read_write"), &one("a".repeat(71)))
        .await;
    assert_eq!(ok.status, 204);
    assert_eq!(too_long.status, 400);
    assert!(too_long.error().contains("70 bytes"));
}

#[tokio::test]
async fn attribute_values_may_be_64_kib_of_json_not_one_byte_more() {
    let api = Api::of(&Tenant::create(app().await).await);
    let id = api.create_person().await;
    // A JSON string of n characters is n + 2 bytes with its quotes.
    let fits = json!({"v": "x".repeat(64 * 1024 - 2)});
    let over = json!({"v": "x".repeat(64 * 1024 - 1)});
    assert_eq!(
        api.put(&attrs(&id, "/end_user_read_write"), &fits)
            .await
            .status,
        204
    );
    let r = api.put(&attrs(&id, "/end_user_read_write"), &over).await;
    assert_eq!(r.status, 400);
    assert!(r.error().contains("65537"));
    let back = api.get(&attrs(&id, "/end_user_read_write")).await;
    assert_eq!(back.result()["v"].as_str().unwrap().len(), 64 * 1024 - 2);
}

#[tokio::test]
async fn put_replaces_only_the_buckets_it_names() {
    let api = Api::of(&Tenant::create(app().await).await);
    let id = api.create_person().await;
    api.patch(
        &attrs(&id, ""),
        &json!({"end_user_read_write": {"a": 1, "b": 2}, "end_user_read_only": {"keep": true}}),
    )
    .await;

    let r = api
        .put(&attrs(&id, ""), &json!({"end_user_read_write": {"c": 3}}))
        .await;

    assert_eq!(r.status, 204);
    let all = api.get(&attrs(&id, "")).await;
    assert_eq!(
        *all.result(),
        json!({"end_user_read_only": {"keep": true}, "end_user_read_write": {"c": 3}})
    );
}

#[tokio::test]
async fn a_bucket_reads_selected_names_and_deletes_them() {
    let api = Api::of(&Tenant::create(app().await).await);
    let id = api.create_person().await;
    api.put(
        &attrs(&id, "/end_user_read_write"),
        &json!({"a": 1, "b": 2, "c": 3}),
    )
    .await;

    let some = api
        .get(&attrs(&id, "/end_user_read_write?attributes=a,c"))
        .await;
    assert_eq!(*some.result(), json!({"a": 1, "c": 3}));
    assert_eq!(
        api.delete(&attrs(&id, "/end_user_read_write?attributes=a"))
            .await
            .status,
        204
    );
    assert_eq!(
        *api.get(&attrs(&id, "/end_user_read_write")).await.result(),
        json!({"b": 2, "c": 3})
    );
    assert_eq!(
        api.delete(&attrs(&id, "/end_user_read_write")).await.status,
        204
    );
    assert_eq!(
        *api.get(&attrs(&id, "/end_user_read_write")).await.result(),
        json!({})
    );
}

#[tokio::test]
async fn the_default_buckets_are_listed_for_every_org() {
    let api = Api::of(&Tenant::create(app().await).await);
    let r = api.get("/organizations/attribute-buckets").await;
    assert_eq!(r.status, 200);
    let names: Vec<&str> = r
        .result()
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    for expected in [
        "end_user_no_access",
        "end_user_read_only",
        "end_user_read_write",
        "person_pool-end_user_no_access",
        "person_pool-end_user_read_only",
        "person_pool-end_user_read_write",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
}

#[tokio::test]
async fn a_deleted_custom_bucket_is_gone_with_its_attributes() {
    let api = Api::of(&Tenant::create(app().await).await);
    let id = api.create_person().await;
    api.post(
        "/organizations/attribute-buckets",
        &json!({"name": "notes", "sharing_scope": "organization"}),
    )
    .await;
    assert_eq!(
        api.put(&attrs(&id, "/notes"), &json!({"n": "old"}))
            .await
            .status,
        204
    );

    assert_eq!(
        api.delete("/organizations/attribute-buckets/notes")
            .await
            .status,
        204
    );
    assert_eq!(api.get(&attrs(&id, "/notes")).await.status, 404);
    api.post(
        "/organizations/attribute-buckets",
        &json!({"name": "notes", "sharing_scope": "organization"}),
    )
    .await;

    assert_eq!(*api.get(&attrs(&id, "/notes")).await.result(), json!({}));
    assert_eq!(
        api.delete("/organizations/attribute-buckets/end_user_read_write")
            .await
            .status,
        400
    );
}
