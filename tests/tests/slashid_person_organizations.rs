//! `GET /persons/{id}/organizations` over HTTP: the person's orgs among the caller and its
//! descendants, never a sibling or an ancestor.

use integration_tests::{Api, Tenant, app, unique_email};
use serde_json::{Value, json};

async fn tenant() -> Api {
    Api::of(&Tenant::create(app().await).await)
}

/// A sub-organization of `parent` in `parent`'s person pool, as a client of its own.
async fn store(parent: &Api, name: &str) -> Api {
    let r = parent
        .post(
            "/organizations/suborganizations",
            &json!({"sub_org_name": name, "admins": [{"type": "email_address", "value": unique_email()}],
                    "persons_org_id": parent.org()}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    Api::new(
        r.result()["id"].as_str().unwrap(),
        r.result()["api_key"].as_str().unwrap(),
    )
}

/// Makes the person with `email` a member of `api`'s org (creating it if needed); its id.
async fn join(api: &Api, email: &str) -> String {
    let r = api
        .put(
            "/persons",
            &json!({"handles": [{"type": "email_address", "value": email}]}),
        )
        .await;
    assert!(r.status == 200 || r.status == 201, "{:?}", r.body);
    r.result()["person_id"].as_str().unwrap().to_owned()
}

async fn orgs_of(api: &Api, person: &str, query: &str) -> (u16, Value) {
    let r = api
        .get(&format!("/persons/{person}/organizations{query}"))
        .await;
    (r.status, r.body)
}

fn ids(body: &Value) -> Vec<&str> {
    body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_root_sees_itself_and_its_store_the_store_only_itself() {
    let root = tenant().await;
    let shop = store(&root, "Corner Shop").await;
    let email = unique_email();
    let id = join(&root, &email).await;
    assert_eq!(join(&shop, &email).await, id);

    let (status, from_root) = orgs_of(&root, &id, "").await;
    let (_, from_shop) = orgs_of(&shop, &id, "").await;

    assert_eq!(status, 200, "{from_root}");
    assert_eq!(ids(&from_root), vec![root.org(), shop.org()]);
    assert_eq!(
        from_root["result"][1],
        json!({"id": shop.org(), "org_name": "Corner Shop", "tenant_name": "corner-shop", "parent_id": root.org()})
    );
    assert_eq!(ids(&from_shop), vec![shop.org()]);
}

#[tokio::test]
async fn a_store_never_sees_its_sibling() {
    let root = tenant().await;
    let (north, south) = (store(&root, "North").await, store(&root, "South").await);
    let email = unique_email();
    let id = join(&north, &email).await;
    join(&south, &email).await;

    let (_, from_north) = orgs_of(&north, &id, "").await;
    let (status, from_root) = orgs_of(&root, &id, "").await;

    assert_eq!(ids(&from_north), vec![north.org()]);
    assert_eq!(status, 404, "not a member of the root: {from_root}");
}

#[tokio::test]
async fn another_orgs_key_learns_nothing_of_the_person() {
    let a = tenant().await;
    let b = tenant().await;
    let id = join(&a, &unique_email()).await;

    let (status, body) = orgs_of(&b, &id, "").await;
    let forged = Api::new(a.org(), b.key())
        .get(&format!("/persons/{id}/organizations"))
        .await;

    assert_eq!(status, 404, "{body}");
    assert_eq!(forged.status, 403, "{:?}", forged.body);
}

#[tokio::test]
async fn a_deleted_person_has_no_organizations_here() {
    let api = tenant().await;
    let id = join(&api, &unique_email()).await;
    assert_eq!(api.delete(&format!("/persons/{id}")).await.status, 204);

    let (status, body) = orgs_of(&api, &id, "").await;

    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn filters_select_by_name_and_by_a_permission_held_there() {
    let root = tenant().await;
    let shop = store(&root, "Corner Shop").await;
    let email = unique_email();
    let id = join(&root, &email).await;
    join(&shop, &email).await;
    shop.create_permissions(&["till:open"]).await;
    let r = shop
        .put(
            &format!("/persons/{id}/permissions"),
            &json!({"permissions": ["till:open"]}),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let q = |f: &str| {
        format!(
            "?filter={}",
            percent_encoding::utf8_percent_encode(f, percent_encoding::NON_ALPHANUMERIC)
        )
    };

    let (_, by_name) = orgs_of(&root, &id, &q(r#"org_name sw "corner""#)).await;
    let (_, by_permission) = orgs_of(&root, &id, &q(r#"permission eq "till:open""#)).await;
    let (_, neither) = orgs_of(&root, &id, &q(r#"not (tenant_name eq "corner-shop")"#)).await;

    assert_eq!(ids(&by_name), vec![shop.org()]);
    assert_eq!(ids(&by_permission), vec![shop.org()]);
    assert_eq!(ids(&neither), vec![root.org()]);
}

#[tokio::test]
async fn bad_input_is_a_400_in_slashids_format() {
    let api = tenant().await;
    let id = join(&api, &unique_email()).await;
    for (query, says) in [
        ("?filter=roles%20eq%20%22admin%22", "supported are"),
        ("?filter=id%20sw%20%22a%22", "operator"),
        ("?filter=org_name%20eq", "invalid filter"),
    ] {
        let r = api
            .get(&format!("/persons/{id}/organizations{query}"))
            .await;
        assert_eq!(r.status, 400, "{query}: {:?}", r.body);
        assert!(r.error().contains(says), "{query}: {}", r.error());
    }
    let r = api.get("/persons/not%2Fan-id/organizations").await;
    assert_eq!(r.status, 400, "{:?}", r.body);
}
