//! The person and organization siblings through the router: idempotent `PUT /persons`, `PATCH`,
//! a `DELETE` that removes everything however much there is, sub-organizations.

use idgraph::keys;
use integration_tests::{Api, Tenant, app, unique_email};
use serde_json::{Map, Value, json};

#[tokio::test]
async fn put_persons_creates_once_then_updates_the_same_person() {
    let api = Api::of(&Tenant::create(app().await).await);
    let email = unique_email();
    let body = json!({"handles": [{"type": "email_address", "value": email}]});

    let created = api.put("/persons", &body).await;
    let again = api.put("/persons", &json!({"handles": [{"type": "email_address", "value": email}, {"type": "username", "value": "jo"}], "active": false})).await;

    assert_eq!((created.status, again.status), (201, 200));
    assert_eq!(created.result()["person_id"], again.result()["person_id"]);
    assert_eq!(again.result()["active"], false);
    assert_eq!(again.result()["handles"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn patch_sets_active_and_an_unknown_person_is_404() {
    let api = Api::of(&Tenant::create(app().await).await);
    let id = api.create_person().await;
    let r = api
        .patch(&format!("/persons/{id}"), &json!({"active": false}))
        .await;
    assert_eq!(
        (r.status, r.result()["active"].clone()),
        (200, json!(false))
    );
    assert_eq!(
        api.get(&format!("/persons/{id}")).await.result()["active"],
        false
    );
    assert_eq!(
        api.patch("/persons/nobody", &json!({"active": true}))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn delete_removes_every_attribute_and_permission_however_many() {
    let tenant = Tenant::create(app().await).await;
    let api = Api::of(&tenant);
    let id = api.create_person().await;
    // 153 attributes, far more than one transaction or one batch holds (9 per PATCH: with the
    // membership check, that fills one DynamoDB Local transaction).
    for chunk in 0..17 {
        let attrs: Map<String, Value> = (0..9)
            .map(|i| (format!("a{chunk}-{i}"), json!(i)))
            .collect();
        let r = api
            .patch(
                &format!("/persons/{id}/attributes/end_user_read_write"),
                &Value::Object(attrs),
            )
            .await;
        assert_eq!(r.status, 204, "{:?}", r.body);
    }
    api.create_permissions(&["p:one", "p:two"]).await;
    api.put(
        &format!("/persons/{id}/permissions"),
        &json!({"permissions": ["p:one", "p:two"]}),
    )
    .await;

    assert_eq!(api.delete(&format!("/persons/{id}")).await.status, 204);

    assert_eq!(api.get(&format!("/persons/{id}")).await.status, 404);
    assert_eq!(
        api.get(&format!("/persons/{id}/attributes")).await.status,
        404
    );
    let app = app().await;
    let person = idgraph::ids::PersonId::parse(&id).unwrap();
    assert!(
        app.db
            .query_all(&keys::person_partition(&tenant.org.id, &person))
            .await
            .unwrap()
            .is_empty(),
        "items left behind"
    );
    let holders = app
        .db
        .query_all(&keys::permission_holder(&tenant.org.id, "p:one", &person).pk)
        .await
        .unwrap();
    assert!(holders.is_empty(), "holder index left behind");
    // The handle is free again.
    assert_eq!(api.delete(&format!("/persons/{id}")).await.status, 404);
}

#[tokio::test]
async fn a_sub_organization_gets_a_working_key_and_shares_the_pool_it_asked_for() {
    let parent = Api::of(&Tenant::create(app().await).await);
    let parent_id = parent.get("/organizations").await.result()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = unique_email();
    let r = parent
        .post("/organizations/suborganizations", &json!({"sub_org_name": "Store One", "admins": [{"type": "email_address", "value": admin}], "persons_org_id": parent_id}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let sub_id = r.result()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.result()["tenant_name"], "store-one");
    assert_eq!(r.result()["parent_id"], parent_id.as_str());

    let sub = Api::new(&sub_id, r.result()["api_key"].as_str().unwrap());
    let me = sub.get("/organizations").await;
    assert_eq!(
        (me.status, me.result()["parent_id"].clone()),
        (200, json!(parent_id))
    );
    assert_eq!(
        parent.get("/organizations").await.result()["persons_pool_org_ids"],
        json!([sub_id])
    );
    // The parent's key serves the sub-org; the admin person exists there.
    let via_parent = Api::new(&sub_id, parent.key());
    let person = via_parent
        .put(
            "/persons",
            &json!({"handles": [{"type": "email_address", "value": admin}]}),
        )
        .await;
    assert_eq!(
        person.status, 200,
        "the admin already exists: {:?}",
        person.body
    );
}

#[tokio::test]
async fn suborganization_requests_are_validated() {
    let api = Api::demo();
    let no_admins = api
        .post(
            "/organizations/suborganizations",
            &json!({"sub_org_name": "x"}),
        )
        .await;
    assert_eq!(no_admins.status, 400);
    let foreign_pool = api
        .post("/organizations/suborganizations", &json!({"sub_org_name": "x", "admins": [], "persons_org_id": uuid::Uuid::new_v4().to_string()}))
        .await;
    assert_eq!(foreign_pool.status, 400);
}

// ---- person pools: a sub-organization joins only a pool its parent is in ----------------------

/// Creates a sub-organization of `parent`'s org; the raw reply.
async fn create_sub_org(
    parent: &Api,
    name: &str,
    admin: &str,
    pool: Option<&str>,
) -> integration_tests::Reply {
    let mut body =
        json!({"sub_org_name": name, "admins": [{"type": "email_address", "value": admin}]});
    if let Some(pool) = pool {
        body["persons_org_id"] = json!(pool);
    }
    parent.post("/organizations/suborganizations", &body).await
}

fn org_id(api: &Api) -> String {
    api.org().to_owned()
}

/// A sub-organization created through the API, as a client of its own.
async fn sub_org(parent: &Api, name: &str, pool: Option<&str>) -> Api {
    let r = create_sub_org(parent, name, &unique_email(), pool).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    Api::new(
        r.result()["id"].as_str().expect("an id"),
        r.result()["api_key"].as_str().expect("a key"),
    )
}

#[tokio::test]
async fn a_grandchild_cannot_join_a_pool_its_parent_was_kept_out_of() {
    // Root R keeps its persons to itself: A gets a pool of its own.
    let root = Api::of(&Tenant::create(app().await).await);
    let a = sub_org(&root, "A", None).await;
    let admin = unique_email();

    let escalation = create_sub_org(&a, "C", &admin, Some(&org_id(&root))).await;

    assert_eq!(escalation.status, 403, "{:?}", escalation.body);
    assert!(
        escalation.error().contains("persons_org_id"),
        "{}",
        escalation.error()
    );
    // Nothing was written: A has no sub-organization, R's pool no new member, and the admin's
    // handle is not in R's pool.
    let db = &app().await.db;
    let a_id = idgraph::ids::OrgId::parse(&org_id(&a)).unwrap();
    let root_id = idgraph::ids::OrgId::parse(&org_id(&root)).unwrap();
    assert!(
        idgraph::store::orgs::children(db, &a_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        idgraph::store::orgs::pool_members(db, &root_id)
            .await
            .unwrap()
            .is_empty()
    );
    let handle = keys::handle(&root_id, "email_address", &admin);
    assert_eq!(db.get(&handle).await.unwrap(), None);
    assert_eq!(
        root.get("/organizations").await.result()["persons_pool_org_ids"],
        json!([])
    );
}

#[tokio::test]
async fn a_grandchild_may_join_the_pool_its_parent_shares() {
    let root = Api::of(&Tenant::create(app().await).await);
    let a = sub_org(&root, "A", Some(&org_id(&root))).await;

    let c = create_sub_org(&a, "C", &unique_email(), Some(&org_id(&root))).await;

    assert_eq!(c.status, 200, "{:?}", c.body);
}

#[tokio::test]
async fn a_pool_owner_sees_every_organization_in_its_pool_at_any_depth() {
    let root = Api::of(&Tenant::create(app().await).await);
    let a = sub_org(&root, "A", Some(&org_id(&root))).await;
    let c = sub_org(&a, "C", Some(&org_id(&a))).await;
    let _own_pool = sub_org(&a, "D", None).await;

    let listed = root.get("/organizations").await.result()["persons_pool_org_ids"].clone();

    let mut listed: Vec<String> = serde_json::from_value(listed).unwrap();
    listed.sort();
    let mut expected = vec![org_id(&a), org_id(&c)];
    expected.sort();
    assert_eq!(listed, expected);
}
