//! The organization's own attributes (`/organizations/attributes…`, 7 operations): the holder is
//! the calling org, so no other org (another tenant, a sub-org sharing the pool, the parent)
//! sees or changes them, and a bucket is resolved as for persons.

use integration_tests::{Api, Tenant, app};
use serde_json::{Value, json};

const ATTRS: &str = "/organizations/attributes";

async fn tenant() -> Api {
    Api::of(&Tenant::create(app().await).await)
}

/// A sub-organization of `parent` sharing its pool, with its own key.
async fn sub_org(parent: &Api) -> Api {
    let r = parent
        .post(
            "/organizations/suborganizations",
            &json!({"sub_org_name": "Branch", "admins": [], "persons_org_id": parent.org()}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    Api::new(
        r.result()["id"].as_str().expect("an id"),
        r.result()["api_key"].as_str().expect("a key"),
    )
}

fn bucket(name: &str, query: &str) -> String {
    format!("{ATTRS}/{name}{query}")
}

#[tokio::test]
async fn patched_attributes_come_back_by_bucket_as_stored() {
    let api = tenant().await;
    let r = api
        .patch(
            ATTRS,
            &json!({"end_user_read_write": {"plan": "gold", "seats": [1, {"x": null}]},
                              "person_pool-end_user_no_access": {"risk": 3}}),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);

    let r = api.get(ATTRS).await;

    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        *r.result(),
        json!({"end_user_read_write": {"plan": "gold", "seats": [1, {"x": null}]},
               "person_pool-end_user_no_access": {"risk": 3}})
    );
}

#[tokio::test]
async fn a_new_organization_has_no_attributes_and_named_buckets_come_back_empty() {
    let api = tenant().await;
    assert_eq!(*api.get(ATTRS).await.result(), json!({}));
    let r = api
        .get(&format!("{ATTRS}?buckets=end_user_read_only"))
        .await;
    assert_eq!(
        (r.status, r.result().clone()),
        (200, json!({"end_user_read_only": {}}))
    );
}

#[tokio::test]
async fn patch_merges_and_put_replaces_only_the_buckets_it_names() {
    let api = tenant().await;
    api.patch(
        ATTRS,
        &json!({"end_user_read_write": {"a": 1, "b": 2}, "end_user_read_only": {"c": 3}}),
    )
    .await;
    let r = api
        .patch(ATTRS, &json!({"end_user_read_write": {"b": 20}}))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        *api.get(ATTRS).await.result(),
        json!({"end_user_read_write": {"a": 1, "b": 20}, "end_user_read_only": {"c": 3}})
    );

    let r = api
        .put(ATTRS, &json!({"end_user_read_write": {"z": true}}))
        .await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(
        *api.get(ATTRS).await.result(),
        json!({"end_user_read_write": {"z": true}, "end_user_read_only": {"c": 3}})
    );
}

#[tokio::test]
async fn one_bucket_is_read_replaced_merged_and_deleted_by_name() {
    let api = tenant().await;
    let path = bucket("end_user_read_write", "");
    assert_eq!(
        api.put(&path, &json!({"a": 1, "b": 2, "c": 3}))
            .await
            .status,
        204
    );
    assert_eq!(api.patch(&path, &json!({"c": 30})).await.status, 204);
    let r = api
        .get(&bucket("end_user_read_write", "?attributes=a,c"))
        .await;
    assert_eq!(
        (r.status, r.result().clone()),
        (200, json!({"a": 1, "c": 30}))
    );

    let r = api
        .delete(&bucket("end_user_read_write", "?attributes=a,missing"))
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(*api.get(&path).await.result(), json!({"b": 2, "c": 30}));

    assert_eq!(api.put(&path, &json!({"d": 4})).await.status, 204);
    assert_eq!(*api.get(&path).await.result(), json!({"d": 4}));

    assert_eq!(api.delete(&path).await.status, 204);
    assert_eq!(*api.get(&path).await.result(), json!({}));
    assert_eq!(*api.get(ATTRS).await.result(), json!({}));
}

#[tokio::test]
async fn an_organizations_attributes_are_not_a_persons() {
    let api = tenant().await;
    let person = api.create_person().await;
    api.patch(ATTRS, &json!({"end_user_read_write": {"org_only": 1}}))
        .await;

    let r = api
        .get(&format!(
            "/persons/{person}/attributes?buckets=end_user_read_write"
        ))
        .await;

    assert_eq!(r.result()["end_user_read_write"], json!({}), "{:?}", r.body);
}

#[tokio::test]
async fn another_organizations_key_sees_and_changes_nothing() {
    let owner = tenant().await;
    owner
        .patch(ATTRS, &json!({"end_user_read_write": {"secret": "s3"}}))
        .await;
    let stranger = tenant().await;
    let intruder = Api::new(owner.org(), stranger.key());

    for (method, path, body) in [
        ("GET", ATTRS.to_owned(), None),
        (
            "PUT",
            ATTRS.to_owned(),
            Some(json!({"end_user_read_write": {}})),
        ),
        (
            "PATCH",
            ATTRS.to_owned(),
            Some(json!({"end_user_read_write": {"x": 1}})),
        ),
        ("GET", bucket("end_user_read_write", ""), None),
        ("PUT", bucket("end_user_read_write", ""), Some(json!({}))),
        (
            "PATCH",
            bucket("end_user_read_write", ""),
            Some(json!({"x": 1})),
        ),
        ("DELETE", bucket("end_user_read_write", ""), None),
    ] {
        let r = intruder.send(method, &path, body.as_ref(), &[]).await;
        assert_eq!(r.status, 403, "{method} {path}: {:?}", r.body);
        assert!(!r.body.to_string().contains("s3"));
    }
    // Acting in its own org, the stranger sees only its own (none).
    assert_eq!(*stranger.get(ATTRS).await.result(), json!({}));
    assert_eq!(
        *owner.get(ATTRS).await.result(),
        json!({"end_user_read_write": {"secret": "s3"}})
    );
}

#[tokio::test]
async fn a_sub_organization_cannot_touch_its_parents_attributes_even_in_a_shared_pool() {
    let parent = tenant().await;
    parent
        .patch(
            ATTRS,
            &json!({"person_pool-end_user_read_write": {"p": 1}, "end_user_read_write": {"q": 2}}),
        )
        .await;
    let child = sub_org(&parent).await;

    // Its own attributes are its own, even in `person_pool` buckets.
    assert_eq!(*child.get(ATTRS).await.result(), json!({}));
    child
        .patch(ATTRS, &json!({"person_pool-end_user_read_write": {"c": 3}}))
        .await;
    // Its key does not open the parent.
    let r = Api::new(parent.org(), child.key())
        .patch(ATTRS, &json!({"end_user_read_write": {"q": 0}}))
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);

    assert_eq!(
        *parent.get(ATTRS).await.result(),
        json!({"person_pool-end_user_read_write": {"p": 1}, "end_user_read_write": {"q": 2}})
    );
    assert_eq!(
        *child.get(ATTRS).await.result(),
        json!({"person_pool-end_user_read_write": {"c": 3}})
    );
}

#[tokio::test]
async fn the_parents_key_acts_on_a_sub_organizations_own_attributes() {
    let parent = tenant().await;
    let child = sub_org(&parent).await;
    let as_parent = Api::new(child.org(), parent.key());

    assert_eq!(
        as_parent
            .patch(ATTRS, &json!({"end_user_read_only": {"set_by": "parent"}}))
            .await
            .status,
        204
    );

    assert_eq!(
        *child.get(ATTRS).await.result(),
        json!({"end_user_read_only": {"set_by": "parent"}})
    );
    assert_eq!(*parent.get(ATTRS).await.result(), json!({}));
}

#[tokio::test]
async fn a_custom_bucket_holds_organization_attributes_until_it_is_deleted() {
    let api = tenant().await;
    let r = api
        .post(
            "/organizations/attribute-buckets",
            &json!({"name": "billing", "sharing_scope": "organization"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        api.put(&bucket("billing", ""), &json!({"vat": "BE0123"}))
            .await
            .status,
        204
    );
    assert_eq!(
        *api.get(&bucket("billing", "")).await.result(),
        json!({"vat": "BE0123"})
    );

    api.delete("/organizations/attribute-buckets/billing").await;
    api.post(
        "/organizations/attribute-buckets",
        &json!({"name": "billing", "sharing_scope": "organization"}),
    )
    .await;

    assert_eq!(*api.get(&bucket("billing", "")).await.result(), json!({}));
}

#[tokio::test]
async fn bad_input_is_a_4xx_in_slashids_format() {
    let api = tenant().await;
    let big = Value::String("x".repeat(64 * 1024));
    let long_name = "n".repeat(71);
    let cases: Vec<(&str, String, Option<Value>, u16, &str)> = vec![
        ("GET", format!("{ATTRS}?buckets=a,,b"), None, 400, "buckets"),
        (
            "GET",
            format!("{ATTRS}?buckets=no_such_bucket"),
            None,
            404,
            "no_such_bucket",
        ),
        (
            "GET",
            bucket("no_such_bucket", ""),
            None,
            404,
            "no_such_bucket",
        ),
        ("GET", bucket("bad%23name", ""), None, 400, "bucket name"),
        (
            "GET",
            bucket("end_user_read_write", "?attributes=a,,b"),
            None,
            400,
            "attribute",
        ),
        (
            "PATCH",
            ATTRS.to_owned(),
            Some(json!({"end_user_read_write": [1]})),
            400,
            "object",
        ),
        (
            "PATCH",
            ATTRS.to_owned(),
            Some(json!({"nope": {"a": 1}})),
            404,
            "nope",
        ),
        ("PUT", ATTRS.to_owned(), Some(json!([1])), 400, ""),
        (
            "PUT",
            bucket("end_user_read_write", ""),
            Some(json!({long_name.clone(): 1})),
            400,
            "70 bytes",
        ),
        (
            "PATCH",
            bucket("end_user_read_write", ""),
            Some(json!({"big": big})),
            400,
            "64 KiB",
        ),
        ("DELETE", bucket("nope", ""), None, 404, "nope"),
    ];
    for (method, path, body, status, says) in cases {
        let r = api.send(method, &path, body.as_ref(), &[]).await;
        assert_eq!(r.status, status, "{method} {path}: {:?}", r.body);
        assert!(r.error().contains(says), "{method} {path}: {:?}", r.body);
    }
}

#[tokio::test]
async fn more_attributes_than_one_transaction_holds_are_a_400_and_nothing_is_written() {
    let api = tenant().await;
    let many: serde_json::Map<String, Value> =
        (0..120).map(|i| (format!("a{i}"), json!(i))).collect();

    let r = api
        .put(&bucket("end_user_read_write", ""), &Value::Object(many))
        .await;

    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(r.error().contains("at most"), "{:?}", r.body);
    assert_eq!(*api.get(ATTRS).await.result(), json!({}));
}
