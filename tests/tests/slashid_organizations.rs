//! Sub-organization listing, API key rotation and organization deletion
//! (`GET /organizations/suborganizations`, `PUT /organizations/api-keys`, `DELETE /organizations`).

use integration_tests::{Api, Tenant, app};
use serde_json::{Value, json};

const SUBS: &str = "/organizations/suborganizations";

async fn tenant() -> Api {
    Api::of(&Tenant::create(app().await).await)
}

/// A sub-organization of `parent` named `name` (its own pool unless `shared`), with its own key.
async fn sub_org(parent: &Api, name: &str, shared: bool) -> Api {
    let mut body = json!({"sub_org_name": name, "admins": []});
    if shared {
        body["persons_org_id"] = json!(parent.org());
    }
    let r = parent.post(SUBS, &body).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    Api::new(
        r.result()["id"].as_str().expect("an id"),
        r.result()["api_key"].as_str().expect("a key"),
    )
}

fn ids(r: &integration_tests::Reply) -> Vec<String> {
    assert_eq!(r.status, 200, "{:?}", r.body);
    let mut ids: Vec<String> = r
        .result()
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("an id").to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(xs: &[&Api]) -> Vec<String> {
    let mut v: Vec<String> = xs.iter().map(|a| a.org().to_owned()).collect();
    v.sort();
    v
}

fn filtered(filter: &str) -> String {
    format!("{SUBS}?filter={}", urlencoding(filter))
}

fn urlencoding(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn later_than_10_seconds_ago() -> String {
    confirmation(30)
}

fn confirmation(seconds_ago: i64) -> String {
    let at = time::OffsetDateTime::now_utc() - time::Duration::seconds(seconds_ago);
    urlencoding(
        &at.format(&time::format_description::well_known::Rfc3339)
            .expect("a time"),
    )
}

// ---- listing -----------------------------------------------------------------------------

#[tokio::test]
async fn every_descendant_is_listed_and_nothing_else() {
    let root = tenant().await;
    let a = sub_org(&root, "Alpha Shop", true).await;
    let b = sub_org(&root, "Beta Shop", false).await;
    let a1 = sub_org(&a, "Alpha Kiosk", true).await;
    let stranger = tenant().await;
    sub_org(&stranger, "Elsewhere", false).await;

    assert_eq!(ids(&root.get(SUBS).await), sorted(&[&a, &b, &a1]));
    assert_eq!(ids(&a.get(SUBS).await), sorted(&[&a1]));
    assert_eq!(ids(&a1.get(SUBS).await), Vec::<String>::new());
}

#[tokio::test]
async fn parents_come_before_their_children() {
    let root = tenant().await;
    let a = sub_org(&root, "A", false).await;
    let a1 = sub_org(&a, "A1", false).await;
    let r = root.get(SUBS).await;
    let listed: Vec<&str> = r
        .result()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let pos = |id: &str| listed.iter().position(|x| *x == id).expect("listed");
    assert!(pos(a.org()) < pos(a1.org()), "{listed:?}");
}

#[tokio::test]
async fn the_specs_filter_examples_select_by_name_id_and_parent() {
    let root = tenant().await;
    let a = sub_org(&root, "My_Org", false).await;
    let b = sub_org(&root, "my_prefix shop", false).await;
    let c = sub_org(&a, "has some_str inside", false).await;

    for (filter, expect) in [
        (r#"name eq "my_org""#, vec![&a]),
        (r#"name co "SOME_STR""#, vec![&c]),
        (r#"name sw "my_prefix""#, vec![&b]),
        (&format!(r#"id eq "{}""#, b.org()) as &str, vec![&b]),
        (
            &format!(r#"parent_org_id eq "{}""#, root.org()) as &str,
            vec![&a, &b],
        ),
        (
            &format!(
                r#"parent_org_id eq "{}" and not name sw "my_p""#,
                root.org()
            ) as &str,
            vec![&a],
        ),
        (r#"name eq "a" or name eq "My_org""#, vec![&a]),
        (r#"name eq "nobody""#, vec![]),
    ] {
        assert_eq!(
            ids(&root.get(&filtered(filter)).await),
            sorted(&expect),
            "{filter}"
        );
    }
}

#[tokio::test]
async fn an_unsupported_or_malformed_filter_is_a_400_naming_what_is_supported() {
    let root = tenant().await;
    for filter in [
        r#"region eq "x""#,
        r#"name ne "x""#,
        r#"id sw "x""#,
        r#"name eq"#,
        "((",
    ] {
        let r = root.get(&filtered(filter)).await;
        assert_eq!(r.status, 400, "{filter}: {:?}", r.body);
        assert!(
            r.error().contains("filter") || r.error().contains("supported"),
            "{filter}: {:?}",
            r.body
        );
    }
}

#[tokio::test]
async fn another_organizations_key_lists_nothing_of_a_tenants_subtree() {
    let root = tenant().await;
    sub_org(&root, "Private", false).await;
    let stranger = tenant().await;

    let r = Api::new(root.org(), stranger.key()).get(SUBS).await;

    assert_eq!(r.status, 403, "{:?}", r.body);
    assert!(!r.body.to_string().contains("Private"));
}

// ---- API key rotation --------------------------------------------------------------------

#[tokio::test]
async fn a_rotated_key_works_once_answered_and_the_old_one_stops() {
    let api = tenant().await;
    let r = api.put("/organizations/api-keys", &json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let new = r.result()["api_key"].as_str().expect("a key").to_owned();
    assert_ne!(new, api.key());

    assert_eq!(api.get("/organizations").await.status, 401);
    assert_eq!(
        Api::new(api.org(), &new).get("/organizations").await.status,
        200
    );
}

#[tokio::test]
async fn a_sub_organization_rotates_its_own_key_and_its_parents_key_keeps_working() {
    let parent = tenant().await;
    let child = sub_org(&parent, "Branch", true).await;

    let r = child.put("/organizations/api-keys", &json!({})).await;

    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(child.get("/organizations").await.status, 401);
    assert_eq!(parent.get("/organizations").await.status, 200);
    assert_eq!(
        Api::new(child.org(), parent.key())
            .get("/organizations")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn an_ancestors_key_rotates_a_sub_organizations_key_not_its_own() {
    let parent = tenant().await;
    let child = sub_org(&parent, "Branch", false).await;

    let r = Api::new(child.org(), parent.key())
        .put("/organizations/api-keys", &json!({}))
        .await;

    assert_eq!(r.status, 200, "{:?}", r.body);
    let new = r.result()["api_key"].as_str().unwrap();
    assert_eq!(child.get("/organizations").await.status, 401);
    assert_eq!(
        Api::new(child.org(), new)
            .get("/organizations")
            .await
            .status,
        200
    );
    assert_eq!(parent.get("/organizations").await.status, 200);
    // The sub-org's new key does not open the parent.
    assert_eq!(
        Api::new(parent.org(), new)
            .get("/organizations")
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn neither_another_organizations_key_nor_a_sub_organizations_rotates_a_key() {
    let parent = tenant().await;
    let child = sub_org(&parent, "Branch", false).await;
    let stranger = tenant().await;

    for intruder in [
        Api::new(parent.org(), stranger.key()),
        Api::new(parent.org(), child.key()),
    ] {
        let r = intruder.put("/organizations/api-keys", &json!({})).await;
        assert_eq!(r.status, 403, "{:?}", r.body);
        assert!(r.body["result"].is_null());
    }
    assert_eq!(parent.get("/organizations").await.status, 200);
}

// ---- deletion ----------------------------------------------------------------------------

#[tokio::test]
async fn a_deleted_leaf_is_unreachable_by_its_key_and_its_parents_and_leaves_the_list() {
    let parent = tenant().await;
    let child = sub_org(&parent, "Leaf", true).await;
    child
        .patch(
            "/organizations/attributes",
            &json!({"end_user_read_write": {"x": 1}}),
        )
        .await;

    let r = Api::new(child.org(), parent.key())
        .delete("/organizations")
        .await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(child.get("/organizations/attributes").await.status, 401);
    assert_eq!(
        Api::new(child.org(), parent.key())
            .get("/organizations/attributes")
            .await
            .status,
        403
    );
    assert_eq!(ids(&parent.get(SUBS).await), Vec::<String>::new());
    let pool = parent.get("/organizations").await;
    assert!(
        !pool.body.to_string().contains(child.org()),
        "{:?}",
        pool.body
    );
}

#[tokio::test]
async fn an_organization_deletes_itself_with_its_own_key() {
    let parent = tenant().await;
    let child = sub_org(&parent, "Leaf", false).await;
    assert_eq!(child.delete("/organizations").await.status, 204);
    assert_eq!(child.get("/organizations").await.status, 401);
}

#[tokio::test]
async fn a_root_organization_is_not_deleted() {
    let root = tenant().await;
    let r = root.delete("/organizations").await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert!(r.error().contains("root"), "{:?}", r.body);
    assert_eq!(root.get("/organizations").await.status, 200);
}

#[tokio::test]
async fn an_organization_with_sub_organizations_is_kept_unless_they_are_deleted_too() {
    let root = tenant().await;
    let mid = sub_org(&root, "Mid", true).await;
    let leaf = sub_org(&mid, "Leaf", true).await;

    let r = mid.delete("/organizations").await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert!(r.error().contains("sub-organizations"), "{:?}", r.body);
    assert_eq!(leaf.get("/organizations").await.status, 200);

    let r = mid
        .delete(&format!(
            "/organizations?delete_suborganizations=true&confirmation_timestamp={}",
            later_than_10_seconds_ago()
        ))
        .await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(leaf.get("/organizations").await.status, 401);
    assert_eq!(mid.get("/organizations").await.status, 401);
    assert_eq!(ids(&root.get(SUBS).await), Vec::<String>::new());
}

#[tokio::test]
async fn a_parent_whose_last_child_was_deleted_can_be_deleted() {
    let root = tenant().await;
    let mid = sub_org(&root, "Mid", false).await;
    let leaf = sub_org(&mid, "Leaf", false).await;
    assert_eq!(leaf.delete("/organizations").await.status, 204);

    let r = mid.delete("/organizations").await;

    assert_eq!(r.status, 204, "{:?}", r.body);
}

#[tokio::test]
async fn deleting_sub_organizations_needs_a_fresh_confirmation_timestamp() {
    let root = tenant().await;
    let mid = sub_org(&root, "Mid", false).await;
    sub_org(&mid, "Leaf", false).await;
    for query in [
        "delete_suborganizations=true".to_owned(),
        format!(
            "delete_suborganizations=true&confirmation_timestamp={}",
            confirmation(2)
        ),
        format!(
            "delete_suborganizations=true&confirmation_timestamp={}",
            confirmation(120)
        ),
        "delete_suborganizations=true&confirmation_timestamp=yesterday".to_owned(),
        "delete_suborganizations=maybe".to_owned(),
    ] {
        let r = mid.delete(&format!("/organizations?{query}")).await;
        assert_eq!(r.status, 400, "{query}: {:?}", r.body);
    }
    assert_eq!(mid.get("/organizations").await.status, 200);
}

#[tokio::test]
async fn another_organizations_key_or_a_sub_organizations_deletes_nothing() {
    let parent = tenant().await;
    let child = sub_org(&parent, "Branch", false).await;
    let sibling = sub_org(&parent, "Sibling", false).await;
    let stranger = tenant().await;

    for (org, key) in [
        (child.org(), stranger.key()),
        (parent.org(), child.key()),
        (sibling.org(), child.key()),
    ] {
        let r = Api::new(org, key).delete("/organizations").await;
        assert_eq!(r.status, 403, "{org}: {:?}", r.body);
    }
    for api in [&parent, &child, &sibling] {
        assert_eq!(api.get("/organizations").await.status, 200);
    }
}

#[tokio::test]
async fn a_deleted_organizations_attributes_are_not_served_to_a_new_one() {
    let parent = tenant().await;
    let child = sub_org(&parent, "Old", false).await;
    child
        .patch(
            "/organizations/attributes",
            &json!({"end_user_read_write": {"secret": "s"}}),
        )
        .await;
    child.delete("/organizations").await;

    let fresh = sub_org(&parent, "New", false).await;

    assert_eq!(
        *fresh.get("/organizations/attributes").await.result(),
        Value::Object(Default::default())
    );
}

/// An app whose Zato SSO organization is `sso` (the shared stack's is the demo root).
async fn app_with_sso_org(sso: &str) -> &'static idgraph::App {
    let mut config = idgraph::config::Config::from_env().expect("the stack's configuration");
    config.sso_org = Some(idgraph::ids::OrgId::parse(sso).expect("an org id"));
    Box::leak(Box::new(
        idgraph::App::from_config(config, None)
            .await
            .expect("an app"),
    ))
}

async fn delete_in_process(app: &idgraph::App, api: &Api, query: &str) -> u16 {
    let req = integration_tests::Event::new("DELETE", "/organizations", "/organizations")
        .query(query)
        .header("SlashID-OrgID", api.org())
        .header("SlashID-API-Key", api.key())
        .build();
    slashid_delete_organization::handle(app, req)
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_zato_sso_organization_is_not_deleted() {
    let root = tenant().await;
    let sso = sub_org(&root, "SSO", false).await;
    let app = app_with_sso_org(sso.org()).await;

    let status = delete_in_process(app, &sso, "").await;

    assert_eq!(status, 409);
    assert_eq!(sso.get("/organizations").await.status, 200, "still there");
}

#[tokio::test]
async fn an_organization_holding_the_zato_sso_organization_is_not_deleted_with_it() {
    let root = tenant().await;
    let store = sub_org(&root, "Store", false).await;
    let sso = sub_org(&store, "SSO", false).await;
    let app = app_with_sso_org(sso.org()).await;
    let query = format!(
        "delete_suborganizations=true&confirmation_timestamp={}",
        later_than_10_seconds_ago()
    );

    let status = delete_in_process(app, &store, &query).await;

    assert_eq!(status, 409);
    assert_eq!(store.get("/organizations").await.status, 200);
    assert_eq!(sso.get("/organizations").await.status, 200);
}

/// `/oauth/token` in process for a client's credentials: the status.
async fn token_status(app: &'static idgraph::App, id: &str, secret: &str) -> u16 {
    let req = integration_tests::Event::new("POST", "/oauth/token", "/oauth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .raw_body(&format!(
            "grant_type=client_credentials&client_id={id}&client_secret={secret}"
        ))
        .build();
    sailpoint_token::handle(app, req).await.status().as_u16()
}

#[tokio::test]
async fn an_oauth_client_left_behind_by_an_interrupted_deletion_gets_no_token() {
    let app = app().await;
    let parent = tenant().await;
    let child = sub_org(&parent, "Leaf", false).await;
    let org_id = idgraph::ids::OrgId::parse(child.org()).unwrap();
    let org = idgraph::store::orgs::get(&app.db, &org_id)
        .await
        .unwrap()
        .expect("the sub-organization");
    let (id, secret) = (
        format!("c{}", uuid::Uuid::new_v4().simple()),
        format!("s{}", uuid::Uuid::new_v4().simple()),
    );
    let put = |db| idgraph::store::oauth::put(db, &org, &id, &secret, &[]);
    put(&app.db).await.unwrap();
    assert_eq!(token_status(app, &id, &secret).await, 200);
    assert_eq!(child.delete("/organizations").await.status, 204);
    // The client's items as they are when the cleanup after the cut failed on them.
    put(&app.db).await.unwrap();

    let status = token_status(app, &id, &secret).await;

    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_deletion_waiting_for_all_regions_is_408_while_a_replica_still_shows_the_org_live() {
    let parent = tenant().await;
    let child = sub_org(&parent, "Leaf", false).await;
    let org = idgraph::ids::OrgId::parse(child.org()).unwrap();
    integration_tests::replicate(app().await, &idgraph::keys::org(&org)).await;

    let r = child
        .send(
            "DELETE",
            "/organizations",
            None,
            &integration_tests::ALL_REGIONS_WITHIN_1S,
        )
        .await;

    assert_eq!(r.status, 408, "{:?}", r.body);
    assert!(
        r.error().contains("organization is deleted"),
        "{:?}",
        r.body
    );
    assert_eq!(child.get("/organizations").await.status, 401);
}

#[tokio::test]
async fn a_person_of_a_deleted_org_leaves_the_pool_when_deleted_from_its_last_live_org() {
    let root = tenant().await;
    let shop = sub_org(&root, "Shop", true).await;
    let email = integration_tests::unique_email();
    let handles = json!({"handles": [{"type": "email_address", "value": email}]});
    assert_eq!(shop.post("/persons", &handles).await.status, 201);
    let joined = root.put("/persons", &handles).await;
    assert_eq!(joined.status, 200, "{:?}", joined.body);
    let id = joined.result()["person_id"].as_str().unwrap().to_owned();
    assert_eq!(shop.delete("/organizations").await.status, 204);

    let r = root.delete(&format!("/persons/{id}")).await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    let again = root.post("/persons", &handles).await;
    assert_eq!(again.status, 201, "the handle is free: {:?}", again.body);
}
