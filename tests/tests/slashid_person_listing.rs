//! `GET /persons` over HTTP: the org's persons from the `org_members` index in id order, found
//! by ids, handle or SCIM filter, never another org's.

use idgraph_admin as admin;
use integration_tests::{Api, Tenant, app, unique_email};
use serde_json::{Value, json};

async fn tenant() -> Api {
    Api::of(&Tenant::create(app().await).await)
}

/// Creates a person from `body` (handles default to a fresh email); its id.
async fn person(api: &Api, body: Value) -> String {
    let mut body = body;
    if body.get("handles").is_none() {
        body["handles"] = json!([{"type": "email_address", "value": unique_email()}]);
    }
    let r = api.post("/persons", &body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.result()["person_id"].as_str().unwrap().to_owned()
}

/// The ids `GET /persons{query}` answers, in order.
async fn listed(api: &Api, query: &str) -> Vec<String> {
    let r = api.get(&format!("/persons{query}")).await;
    assert_eq!(r.status, 200, "{query}: {:?}", r.body);
    r.result()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["person_id"].as_str().unwrap().to_owned())
        .collect()
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test]
async fn the_org_lists_its_persons_in_id_order_page_by_page() {
    let api = tenant().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(person(&api, json!({})).await);
    }
    ids.sort();

    let first = listed(&api, "?limit=2").await;
    let second = listed(&api, "?limit=2&offset=2").await;
    let all = listed(&api, "").await;

    assert_eq!(first, ids[..2]);
    assert_eq!(second, ids[2..]);
    assert_eq!(all, ids);
}

#[tokio::test]
async fn a_listed_person_is_a_person_ret_with_the_fields_asked_for() {
    let api = tenant().await;
    let email = unique_email();
    let id = person(
        &api,
        json!({"handles": [{"type": "email_address", "value": email}], "region": "asia-japan",
               "attributes": {"end_user_read_write": {"colour": "blue"}}}),
    )
    .await;

    let r = api.get("/persons?fields=handles,groups,attributes").await;

    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body,
        json!({"result": [{
            "active": true, "person_id": id, "person_type": "regular", "region": "asia-japan",
            "handles": [{"type": "email_address", "value": email}], "groups": [],
            "attributes": {"end_user_read_write": {"colour": "blue"}}
        }]})
    );
}

#[tokio::test]
async fn another_orgs_key_lists_none_of_this_orgs_persons() {
    let a = tenant().await;
    let b = tenant().await;
    let email = unique_email();
    let mine = person(
        &a,
        json!({"handles": [{"type": "email_address", "value": email}]}),
    )
    .await;

    let theirs = listed(&b, "").await;
    let by_handle = listed(
        &b,
        &format!("?handle={}", enc(&format!("email_address:{email}"))),
    )
    .await;
    let by_id = listed(&b, &format!("?ids={mine}")).await;
    let by_filter = listed(
        &b,
        &format!("?filter={}", enc(&format!("person_id eq \"{mine}\""))),
    )
    .await;
    let forged = Api::new(a.org(), b.key()).get("/persons").await;

    assert!(theirs.is_empty(), "{theirs:?}");
    assert!(by_handle.is_empty() && by_id.is_empty() && by_filter.is_empty());
    assert_eq!(forged.status, 403, "{:?}", forged.body);
}

#[tokio::test]
async fn a_person_is_found_by_its_handle_in_any_case() {
    let api = tenant().await;
    let email = unique_email();
    let id = person(
        &api,
        json!({"handles": [{"type": "email_address", "value": email}]}),
    )
    .await;
    person(&api, json!({})).await;

    let found = listed(
        &api,
        &format!(
            "?handle={}",
            enc(&format!("email_address:{}", email.to_uppercase()))
        ),
    )
    .await;
    let by_filter = listed(
        &api,
        &format!(
            "?filter={}",
            enc(&format!("handles eq \"email_address:{email}\""))
        ),
    )
    .await;
    let nobody = listed(&api, &format!("?handle={}", enc("username:nobody-here"))).await;

    assert_eq!(found, vec![id.clone()]);
    assert_eq!(by_filter, vec![id]);
    assert!(nobody.is_empty());
}

#[tokio::test]
async fn a_phone_handle_with_an_unencoded_plus_is_found() {
    let api = tenant().await;
    let phone = format!("+1555{:07}", rand_digits());
    let id = person(
        &api,
        json!({"handles": [{"type": "phone_number", "value": phone}]}),
    )
    .await;

    let found = listed(&api, &format!("?handle=phone_number:{phone}")).await;

    assert_eq!(found, vec![id]);
}

fn rand_digits() -> u32 {
    uuid::Uuid::new_v4().as_u128() as u32 % 10_000_000
}

#[tokio::test]
async fn ids_answer_the_orgs_own_persons_in_the_order_given() {
    let a = tenant().await;
    let b = tenant().await;
    let (x, y) = (person(&a, json!({})).await, person(&a, json!({})).await);
    let other = person(&b, json!({})).await;

    let found = listed(&a, &format!("?ids={y},no-such-person,{other},{x},{y}")).await;

    assert_eq!(found, vec![y, x]);
}

#[tokio::test]
async fn filters_select_by_active_region_and_their_combinations() {
    let api = tenant().await;
    let iowa = person(&api, json!({"region": "us-iowa"})).await;
    let japan = person(&api, json!({"region": "asia-japan"})).await;
    let off = person(&api, json!({"region": "asia-japan", "active": false})).await;
    let q = |f: &str| format!("?filter={}", enc(f));
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };

    assert_eq!(listed(&api, &q("active eq false")).await, vec![off.clone()]);
    assert_eq!(
        listed(&api, &q(r#"active eq true and region eq "asia-japan""#)).await,
        vec![japan.clone()]
    );
    assert_eq!(
        listed(&api, &q(r#"region ne "asia-japan""#)).await,
        vec![iowa.clone()]
    );
    assert_eq!(
        listed(&api, &q(r#"region eq "us-iowa" or region eq "asia-japan""#)).await,
        sorted(vec![iowa.clone(), japan.clone(), off.clone()])
    );
    assert_eq!(
        listed(
            &api,
            &q(&format!(r#"person_id eq "{off}" and active eq true"#))
        )
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(
            &api,
            &format!("{}&limit=1&offset=1", q(r#"region eq "asia-japan""#))
        )
        .await,
        vec![sorted(vec![japan, off])[1].clone()]
    );
    assert_eq!(listed(&api, "?all_regions=false").await, vec![iowa]);
}

#[tokio::test]
async fn bad_parameters_are_400s_that_say_what_is_wrong() {
    let api = tenant().await;
    for (query, says) in [
        (
            format!("?filter={}", enc(r#"roles eq "admin""#)),
            "supported are",
        ),
        (format!("?filter={}", enc("active eq")), "invalid filter"),
        (
            format!("?filter={}", enc(r#"active eq "yes""#)),
            "true or false",
        ),
        ("?limit=0".into(), "limit"),
        ("?limit=1001".into(), "limit"),
        ("?offset=-1".into(), "offset"),
        ("?offset=99999&limit=2".into(), "offset + limit"),
        // So large that `offset + limit` would wrap: refused before any sum.
        (format!("?offset={}", usize::MAX), "offset + limit"),
        (format!("?handle={}", enc("fax:123")), "handle type"),
        (format!("?handle={}", enc("jane@example.com")), "type:value"),
        ("?ids=a%2Fb".into(), "person"),
        ("?fields=password".into(), "fields"),
        ("?all_regions=perhaps".into(), "all_regions"),
    ] {
        let r = api.get(&format!("/persons{query}")).await;
        assert_eq!(r.status, 400, "{query}: {:?}", r.body);
        assert!(r.error().contains(says), "{query}: {}", r.error());
    }
}

#[tokio::test]
async fn a_deleted_person_is_no_longer_listed() {
    let api = tenant().await;
    let (gone, kept) = (person(&api, json!({})).await, person(&api, json!({})).await);

    let r = api.delete(&format!("/persons/{gone}")).await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(listed(&api, "").await, vec![kept]);
    assert!(listed(&api, &format!("?ids={gone}")).await.is_empty());
}

#[tokio::test]
async fn orgs_sharing_a_pool_each_list_only_their_own_members() {
    // Arrange: a root and a sub-organization in its pool, each with a person; the root's
    // person then joins the sub-organization through PUT /persons.
    let root = tenant().await;
    let email = unique_email();
    let shared = person(
        &root,
        json!({"handles": [{"type": "email_address", "value": email}]}),
    )
    .await;
    let root_only = person(&root, json!({})).await;
    let r = root
        .post(
            "/organizations/suborganizations",
            &json!({"sub_org_name": "Store", "admins": [{"type": "email_address", "value": unique_email()}],
                    "persons_org_id": root.org()}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let sub = Api::new(
        r.result()["id"].as_str().unwrap(),
        r.result()["api_key"].as_str().unwrap(),
    );
    let admin = listed(&sub, "").await;
    assert_eq!(admin.len(), 1, "the sub-organization's admin: {admin:?}");
    let joined = sub
        .put(
            "/persons",
            &json!({"handles": [{"type": "email_address", "value": email}]}),
        )
        .await;
    assert_eq!(joined.status, 200, "{:?}", joined.body);

    // Act
    let sub_sees = listed(&sub, "").await;
    let root_sees = listed(&root, "").await;
    let sub_by_id = listed(&sub, &format!("?ids={root_only}")).await;

    // Assert
    let mut expected = vec![admin[0].clone(), shared.clone()];
    expected.sort();
    assert_eq!(sub_sees, expected);
    let mut expected = vec![shared, root_only];
    expected.sort();
    assert_eq!(root_sees, expected);
    assert!(sub_by_id.is_empty(), "{sub_by_id:?}");
}

#[tokio::test]
async fn the_member_backfill_lists_memberships_written_before_the_index() {
    // Arrange: a membership as written before the org_members index: no place in it.
    let app = app().await;
    let tenant = Tenant::create(app).await;
    let api = Api::of(&tenant);
    let id = person(&api, json!({})).await;
    let key = idgraph::keys::person_membership(
        &tenant.org.pool,
        &tenant.org.id,
        &idgraph::ids::PersonId::parse(&id).unwrap(),
    );
    app.db
        .transact(vec![app.db.update(
            &key,
            "REMOVE mem_pk, mem_sk",
            idgraph::db::Condition::present(),
        )])
        .await
        .unwrap();
    assert!(listed(&api, "").await.is_empty());

    // Act
    let report = admin::backfill_org_members(app, tenant.org.id.as_str())
        .await
        .unwrap();

    // Assert
    assert_eq!(report.0["updated"], 1, "{:?}", report.0);
    assert_eq!(listed(&api, "").await, vec![id]);
    let again = admin::backfill_org_members(app, tenant.org.id.as_str())
        .await
        .unwrap();
    assert_eq!(again.0["updated"], 0, "{:?}", again.0);
}
