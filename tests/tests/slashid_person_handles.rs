//! `GET`/`POST /persons/{id}/handles` and `DELETE /persons/{id}/handles/{handle}` over HTTP:
//! handles unique per pool, changed with the profile in one transaction, never another org's.

use integration_tests::{Api, Tenant, Zato, app, eventually, unique_email};
use serde_json::{Value, json};

async fn tenant() -> Api {
    Api::of(&Tenant::create(app().await).await)
}

fn email(v: &str) -> Value {
    json!({"type": "email_address", "value": v})
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn phone() -> String {
    format!("+1555{:07}", uuid::Uuid::new_v4().as_u128() % 10_000_000)
}

/// A person with one email handle: (id, email).
async fn person(api: &Api) -> (String, String) {
    let e = unique_email();
    let r = api.post("/persons", &json!({"handles": [email(&e)]})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    (r.result()["person_id"].as_str().unwrap().to_owned(), e)
}

async fn handles(api: &Api, id: &str) -> Value {
    let r = api.get(&format!("/persons/{id}/handles")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["result"].clone()
}

#[tokio::test]
async fn handles_are_added_listed_and_removed() {
    let api = tenant().await;
    let (id, e) = person(&api).await;
    let p = phone();

    let added = api
        .post(
            &format!("/persons/{id}/handles"),
            &json!([{"type": "phone_number", "value": p}, {"type": "username", "value": format!("u{}", uuid::Uuid::new_v4().simple())}]),
        )
        .await;
    let after_add = handles(&api, &id).await;
    let removed = api
        .delete(&format!(
            "/persons/{id}/handles/{}",
            enc(&format!("phone_number:{p}"))
        ))
        .await;

    assert_eq!(added.status, 204, "{:?}", added.body);
    assert_eq!(after_add.as_array().unwrap().len(), 3, "{after_add}");
    assert_eq!(after_add[0], email(&e));
    assert_eq!(after_add[1], json!({"type": "phone_number", "value": p}));
    assert_eq!(removed.status, 204, "{:?}", removed.body);
    let left = handles(&api, &id).await;
    assert_eq!(left.as_array().unwrap().len(), 2, "{left}");
    assert!(!left.to_string().contains(&p));
    let found = api
        .get(&format!(
            "/persons?handle={}",
            enc(&format!("phone_number:{p}"))
        ))
        .await;
    assert_eq!(found.result(), &json!([]));
}

#[tokio::test]
async fn a_removed_handle_is_free_for_another_person_of_the_pool() {
    let api = tenant().await;
    let (id, _) = person(&api).await;
    let p = phone();
    let body = json!([{"type": "phone_number", "value": p}]);
    assert_eq!(
        api.post(&format!("/persons/{id}/handles"), &body)
            .await
            .status,
        204
    );
    let path = format!(
        "/persons/{id}/handles/{}",
        enc(&format!("phone_number:{p}"))
    );
    assert_eq!(api.delete(&path).await.status, 204);

    let r = api
        .post(
            "/persons",
            &json!({"handles": [{"type": "phone_number", "value": p}]}),
        )
        .await;

    assert_eq!(r.status, 201, "{:?}", r.body);
}

#[tokio::test]
async fn a_handle_taken_in_the_pool_is_a_409_naming_it_and_nothing_is_added() {
    let api = tenant().await;
    let (_, taken) = person(&api).await;
    let (id, mine) = person(&api).await;
    let p = phone();

    let r = api
        .post(
            &format!("/persons/{id}/handles"),
            &json!([{"type": "phone_number", "value": p}, email(&taken.to_uppercase())]),
        )
        .await;

    assert_eq!(r.status, 409, "{:?}", r.body);
    assert!(r.error().to_lowercase().contains(&taken), "{}", r.error());
    assert_eq!(handles(&api, &id).await, json!([email(&mine)]));
    let free = api
        .post(
            "/persons",
            &json!({"handles": [{"type": "phone_number", "value": p}]}),
        )
        .await;
    assert_eq!(
        free.status, 201,
        "the phone was not claimed: {:?}",
        free.body
    );
}

#[tokio::test]
async fn adding_a_handle_the_person_has_changes_nothing() {
    let api = tenant().await;
    let (id, e) = person(&api).await;

    let r = api
        .post(
            &format!("/persons/{id}/handles"),
            &json!([email(&e.to_uppercase())]),
        )
        .await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(handles(&api, &id).await, json!([email(&e)]));
}

#[tokio::test]
async fn a_person_keeps_one_username_and_at_least_one_handle() {
    let api = tenant().await;
    let (id, e) = person(&api).await;
    let first =
        json!([{"type": "username", "value": format!("a{}", uuid::Uuid::new_v4().simple())}]);
    assert_eq!(
        api.post(&format!("/persons/{id}/handles"), &first)
            .await
            .status,
        204
    );
    let second =
        json!([{"type": "username", "value": format!("b{}", uuid::Uuid::new_v4().simple())}]);
    let only = person(&api).await;

    let second_username = api.post(&format!("/persons/{id}/handles"), &second).await;
    let last = api
        .delete(&format!(
            "/persons/{}/handles/{}",
            only.0,
            enc(&format!("email_address:{}", only.1))
        ))
        .await;
    let missing = api
        .delete(&format!(
            "/persons/{id}/handles/{}",
            enc("phone_number:+15550000000")
        ))
        .await;

    assert_eq!(second_username.status, 400, "{:?}", second_username.body);
    assert!(second_username.error().contains("username"));
    assert_eq!(last.status, 400, "{:?}", last.body);
    assert!(last.error().contains("at least one handle"));
    assert_eq!(missing.status, 404, "{:?}", missing.body);
    assert_eq!(handles(&api, &id).await[0], email(&e));
}

#[tokio::test]
async fn bad_input_is_a_400_in_slashids_format() {
    let api = tenant().await;
    let (id, _) = person(&api).await;
    for body in [
        json!([]),
        json!({"type": "username", "value": "x"}),
        json!([{"type": "fax", "value": "1"}]),
        json!([email("not-an-email")]),
        json!([email("a@b.co"), email("A@B.co")]),
    ] {
        let r = api.post(&format!("/persons/{id}/handles"), &body).await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
        r.error();
    }
    for handle in ["a%40b.co", "fax%3A123", "email_address%3Anope"] {
        let r = api.delete(&format!("/persons/{id}/handles/{handle}")).await;
        assert_eq!(r.status, 400, "{handle}: {:?}", r.body);
    }
}

#[tokio::test]
async fn another_orgs_key_neither_reads_nor_changes_the_handles() {
    let a = tenant().await;
    let b = tenant().await;
    let (id, e) = person(&a).await;
    let path = format!("/persons/{id}/handles");

    let read = b.get(&path).await;
    let added = b
        .post(&path, &json!([{"type": "phone_number", "value": phone()}]))
        .await;
    let removed = b
        .delete(&format!("{path}/{}", enc(&format!("email_address:{e}"))))
        .await;
    let forged = Api::new(a.org(), b.key()).get(&path).await;

    assert_eq!((read.status, added.status, removed.status), (404, 404, 404));
    assert_eq!(forged.status, 403, "{:?}", forged.body);
    assert_eq!(handles(&a, &id).await, json!([email(&e)]));
}

#[tokio::test]
async fn handles_are_unique_per_pool_not_across_pools() {
    // A store in the root's pool cannot take the root's person's handle; an unrelated root can.
    let root = tenant().await;
    let r = root
        .post(
            "/organizations/suborganizations",
            &json!({"sub_org_name": "Shop", "admins": [email(&unique_email())], "persons_org_id": root.org()}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let shop = Api::new(
        r.result()["id"].as_str().unwrap(),
        r.result()["api_key"].as_str().unwrap(),
    );
    let (_, taken) = person(&root).await;
    let (shop_person, _) = person(&shop).await;
    let other = tenant().await;
    let (other_person, _) = person(&other).await;

    let in_pool = shop
        .post(
            &format!("/persons/{shop_person}/handles"),
            &json!([email(&taken)]),
        )
        .await;
    let elsewhere = other
        .post(
            &format!("/persons/{other_person}/handles"),
            &json!([email(&taken)]),
        )
        .await;

    assert_eq!(in_pool.status, 409, "{:?}", in_pool.body);
    assert_eq!(elsewhere.status, 204, "{:?}", elsewhere.body);
}

#[tokio::test]
async fn a_zato_users_username_stays_and_its_login_keeps_working() {
    let zato = Zato::new();
    let (id, username, _) = zato.new_user().await;
    let api = Api::demo();
    let e = unique_email();
    assert_eq!(
        api.post(&format!("/persons/{id}/handles"), &json!([email(&e)]))
            .await
            .status,
        204
    );

    let r = api
        .delete(&format!(
            "/persons/{id}/handles/{}",
            enc(&format!("username:{username}"))
        ))
        .await;

    assert_eq!(r.status, 409, "{:?}", r.body);
    assert!(r.error().contains("Zato"), "{}", r.error());
    assert!(handles(&api, &id).await.to_string().contains(&username));
    zato.login((&username, "a-password-1")).await;
}

#[tokio::test]
async fn a_new_username_becomes_the_identitys_alias_in_sailpoints_documents() {
    // The profile's version moves with the handles, so the stream consumer re-derives.
    let api = Api::demo();
    let (id, _) = person(&api).await;
    let alias = format!("alias{}", uuid::Uuid::new_v4().simple());

    let r = api
        .post(
            &format!("/persons/{id}/handles"),
            &json!([{"type": "username", "value": alias}]),
        )
        .await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    let app = app().await;
    let org = idgraph::ids::OrgId::parse(api.org()).unwrap();
    let key = idgraph::keys::search_document(&org, "identities", &id);
    eventually("the identity document's new alias", || async {
        app.db.get(&key).await.unwrap().is_some_and(|item| {
            item.get("doc")
                .and_then(|d| d.as_s().ok())
                .is_some_and(|d| d.contains(&alias))
        })
    })
    .await;
}

#[tokio::test]
async fn of_two_persons_claiming_one_handle_at_once_exactly_one_gets_it() {
    let api = tenant().await;
    let (a, _) = person(&api).await;
    let (b, _) = person(&api).await;
    let p = phone();
    let body = json!([{"type": "phone_number", "value": p}]);

    let (path_a, path_b) = (
        format!("/persons/{a}/handles"),
        format!("/persons/{b}/handles"),
    );
    let (ra, rb) = tokio::join!(api.post(&path_a, &body), api.post(&path_b, &body));

    let mut statuses = [ra.status, rb.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [204, 409], "{:?} {:?}", ra.body, rb.body);
    let winner = if ra.status == 204 { &a } else { &b };
    let found = api
        .get(&format!(
            "/persons?handle={}",
            enc(&format!("phone_number:{p}"))
        ))
        .await;
    assert_eq!(found.result()[0]["person_id"], winner.as_str());
    assert_eq!(found.result().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn two_handles_added_to_one_person_at_once_are_both_kept() {
    // Each write is conditioned on the profile's version; the loser re-reads and adds its own.
    let api = tenant().await;
    let (id, e) = person(&api).await;
    let (p, u) = (phone(), format!("u{}", uuid::Uuid::new_v4().simple()));
    let path = format!("/persons/{id}/handles");
    let (bp, bu) = (
        json!([{"type": "phone_number", "value": p}]),
        json!([{"type": "username", "value": u}]),
    );

    let (rp, ru) = tokio::join!(api.post(&path, &bp), api.post(&path, &bu));

    assert_eq!(
        (rp.status, ru.status),
        (204, 204),
        "{:?} {:?}",
        rp.body,
        ru.body
    );
    let all = handles(&api, &id).await;
    assert_eq!(all.as_array().unwrap().len(), 3, "{all}");
    assert_eq!(all[0], email(&e));
    for v in [&p, &u] {
        assert!(all.to_string().contains(v.as_str()), "{all}");
    }
}
