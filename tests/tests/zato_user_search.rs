//! `User.search` (`GET /zato/sso/user/search`) through the router, first as Zato 3.2's REST
//! reference shows it. The demo org is shared with tests running alongside, so each test
//! makes its own users under a name (`tag`) no other test uses, and searches by it.

use integration_tests::{Reply, ZATO_ADMIN, ZATO_JDOE, Zato};
use serde_json::{Value, json};

const SEARCH: &str = "/zato/sso/user/search";

/// A name part no other test's users carry: letters only, so it is every kind of name.
fn tag() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    hex.chars()
        .take(12)
        .map(|c| (b'a' + c.to_digit(16).unwrap() as u8) as char)
        .collect()
}

/// A new approved user with `fields` (profile fields, a username): its user id.
async fn user(zato: &Zato, admin: &str, fields: Value) -> String {
    let mut body = json!({"ust": admin, "current_app": "CRM", "password": "a-password-1",
                          "auto_approve": true, "username": format!("u{}", tag())});
    body.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    let created = zato.call("POST", "/zato/sso/user", &body).await;
    assert!(created.is_zato_ok(), "{}", created.body);
    created.body["user_id"].as_str().unwrap().to_owned()
}

async fn search(zato: &Zato, ust: &str, criteria: Value) -> Reply {
    let mut body = json!({"ust": ust, "current_app": "CRM"});
    body.as_object_mut()
        .unwrap()
        .extend(criteria.as_object().unwrap().clone());
    zato.call("GET", SEARCH, &body).await
}

/// The user ids of a successful search's `result`, in order.
fn ids(r: &Reply) -> Vec<String> {
    assert!(r.is_zato_ok(), "{}", r.body);
    r.body["result"]
        .as_array()
        .expect("a result list")
        .iter()
        .map(|u| u["user_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_docs_example_pages_a_substring_search_of_last_names() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let t = tag();
    for last in [
        format!("Green{t}"),
        t.to_uppercase(),
        format!("{t}son"),
        format!("Mc{t}"),
        t.clone(),
    ] {
        user(&zato, &admin, json!({"last_name": last})).await;
    }

    let r = search(
        &zato,
        &admin,
        json!({"last_name": t, "is_name_exact": false, "page_size": 2}),
    )
    .await;

    assert_eq!(ids(&r).len(), 2);
    for (field, value) in [
        ("total", json!(5)),
        ("num_pages", json!(3)),
        ("page_size", json!(2)),
        ("cur_page", json!(1)),
        ("has_next_page", json!(true)),
        ("has_prev_page", json!(false)),
        ("next_page", json!(2)),
        ("prev_page", json!(null)),
    ] {
        assert_eq!(r.body[field], value, "{field}: {}", r.body);
    }
}

#[tokio::test]
async fn the_last_page_holds_the_rest_and_points_back() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let t = tag();
    for _ in 0..3 {
        user(&zato, &admin, json!({"last_name": t})).await;
    }
    let first = search(&zato, &admin, json!({"last_name": t, "page_size": 2})).await;

    let last = search(
        &zato,
        &admin,
        json!({"last_name": t, "page_size": 2, "cur_page": 2}),
    )
    .await;

    let (first_ids, last_ids) = (ids(&first), ids(&last));
    assert_eq!(last_ids.len(), 1);
    assert!(!first_ids.contains(&last_ids[0]));
    assert_eq!(
        (&last.body["has_next_page"], &last.body["next_page"]),
        (&json!(false), &json!(null))
    );
    assert_eq!(
        (&last.body["has_prev_page"], &last.body["prev_page"]),
        (&json!(true), &json!(1))
    );
}

#[tokio::test]
async fn an_exact_name_matches_whole_and_in_any_case() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let t = tag();
    let id = user(&zato, &admin, json!({"first_name": format!("Ann{t}")})).await;

    let any_case = search(
        &zato,
        &admin,
        json!({"first_name": format!("aNN{}", t.to_uppercase())}),
    )
    .await;
    let part = search(&zato, &admin, json!({"first_name": t})).await;

    assert_eq!(ids(&any_case), [id]);
    assert_eq!(ids(&part), Vec::<String>::new());
}

#[tokio::test]
async fn name_op_or_finds_either_name_and_by_default_both_are_needed() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let (first, last) = (format!("F{}", tag()), format!("L{}", tag()));
    let both = user(
        &zato,
        &admin,
        json!({"first_name": first, "last_name": last}),
    )
    .await;
    let first_only = user(&zato, &admin, json!({"first_name": first})).await;
    let last_only = user(&zato, &admin, json!({"last_name": last})).await;

    let and = search(
        &zato,
        &admin,
        json!({"first_name": first, "last_name": last}),
    )
    .await;
    let or = search(
        &zato,
        &admin,
        json!({"first_name": first, "last_name": last, "name_op": "or"}),
    )
    .await;

    assert_eq!(ids(&and), std::slice::from_ref(&both));
    let mut found = ids(&or);
    found.sort();
    let mut expected = vec![both, first_only, last_only];
    expected.sort();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn an_email_matches_exactly_in_any_case() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let t = tag();
    let id = user(&zato, &admin, json!({"email": format!("{t}@Example.com")})).await;

    let same = search(
        &zato,
        &admin,
        json!({"email": format!("{}@example.COM", t.to_uppercase())}),
    )
    .await;
    let longer = search(
        &zato,
        &admin,
        json!({"email": format!("john.{t}@example.com")}),
    )
    .await;
    let part = search(&zato, &admin, json!({"email": format!("{t}@example")})).await;

    assert_eq!(ids(&same), [id]);
    assert!(ids(&longer).is_empty());
    assert!(ids(&part).is_empty());
}

#[tokio::test]
async fn approval_status_keeps_only_users_in_that_state() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let t = tag();
    let approved = user(&zato, &admin, json!({"last_name": t})).await;
    let waiting = user(
        &zato,
        &admin,
        json!({"last_name": t, "auto_approve": false}),
    )
    .await;

    let r = search(
        &zato,
        &admin,
        json!({"last_name": t, "approval_status": "before_decision"}),
    )
    .await;
    let a = search(
        &zato,
        &admin,
        json!({"last_name": t, "approval_status": "approved"}),
    )
    .await;

    assert_eq!(ids(&r), [waiting]);
    assert_eq!(ids(&a), [approved]);
}

#[tokio::test]
async fn a_user_id_finds_its_user_whatever_else_is_asked() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let id = user(&zato, &admin, json!({"last_name": tag()})).await;

    let r = search(
        &zato,
        &admin,
        json!({"user_id": id, "last_name": tag(), "username": "someone-else"}),
    )
    .await;

    assert_eq!(ids(&r), [id]);
    assert_eq!(r.body["total"], 1, "{}", r.body);
}

#[tokio::test]
async fn a_username_finds_its_user_in_any_case_whatever_else_is_asked() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let username = format!("u{}", tag());
    let id = user(&zato, &admin, json!({"username": username})).await;

    let r = search(
        &zato,
        &admin,
        json!({"username": username.to_uppercase(), "email": "nobody@example.com"}),
    )
    .await;
    let nobody = search(&zato, &admin, json!({"username": format!("u{}", tag())})).await;

    assert_eq!(ids(&r), [id]);
    assert!(ids(&nobody).is_empty());
}

#[tokio::test]
async fn the_parameters_may_come_in_the_query_string() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let t = tag();
    let id = user(&zato, &admin, json!({"last_name": format!("X{t}")})).await;

    let r = zato
        .call(
            "GET",
            &format!(
                "{SEARCH}?ust={admin}&current_app=CRM&last_name={t}&is_name_exact=false&page_size=5"
            ),
            &json!({}),
        )
        .await;

    assert_eq!(ids(&r), [id]);
    assert_eq!(r.body["page_size"], 5, "{}", r.body);
}

#[tokio::test]
async fn users_come_in_display_name_then_username_order() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let t = tag();
    let b = user(&zato, &admin, json!({"display_name": format!("B{t}")})).await;
    let a_z = user(
        &zato,
        &admin,
        json!({"display_name": format!("a{t}"), "username": format!("z{t}")}),
    )
    .await;
    let a_a = user(
        &zato,
        &admin,
        json!({"display_name": format!("A{t}"), "username": format!("a{t}")}),
    )
    .await;

    let r = search(
        &zato,
        &admin,
        json!({"display_name": t, "is_name_exact": false}),
    )
    .await;

    assert_eq!(ids(&r), [a_a, a_z, b]);
}

#[tokio::test]
async fn a_renamed_user_is_found_by_the_new_name_only() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let (old, new) = (format!("Old{}", tag()), format!("New{}", tag()));
    let id = user(&zato, &admin, json!({"display_name": old})).await;

    let renamed = zato
        .call(
            "PATCH",
            "/zato/sso/user",
            &json!({"ust": admin, "current_app": "CRM", "user_id": id, "display_name": new}),
        )
        .await;
    let by_new = search(&zato, &admin, json!({"display_name": new})).await;
    let by_old = search(&zato, &admin, json!({"display_name": old})).await;

    assert!(renamed.is_zato_ok(), "{}", renamed.body);
    assert_eq!(ids(&by_new), [id]);
    assert!(ids(&by_old).is_empty());
    assert_eq!(by_new.body["result"][0]["display_name"], json!(new));
}

#[tokio::test]
async fn a_deleted_user_is_no_longer_found() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let t = tag();
    let kept = user(&zato, &admin, json!({"last_name": t})).await;
    let gone = user(&zato, &admin, json!({"last_name": t})).await;

    let deleted = zato
        .call(
            "DELETE",
            "/zato/sso/user",
            &json!({"ust": admin, "current_app": "CRM", "user_id": gone}),
        )
        .await;
    let r = search(&zato, &admin, json!({"last_name": t})).await;
    let by_id = search(&zato, &admin, json!({"user_id": gone})).await;

    assert!(deleted.is_zato_ok(), "{}", deleted.body);
    assert_eq!(ids(&r), [kept]);
    assert!(ids(&by_id).is_empty());
}

#[tokio::test]
async fn results_show_the_super_users_view_and_no_secret() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let t = tag();
    user(
        &zato,
        &admin,
        json!({"last_name": t, "is_totp_enabled": true, "totp_label": "phone"}),
    )
    .await;

    let r = search(&zato, &admin, json!({"last_name": t})).await;

    assert_eq!(ids(&r).len(), 1);
    let found = &r.body["result"][0];
    for field in [
        "username",
        "last_name",
        "is_super_user",
        "approval_status",
        "approval_status_mod_by",
        "approval_status_mod_time",
        "is_locked",
        "password_must_change",
        "sign_up_status",
        "sign_up_time",
    ] {
        assert!(!found[field].is_null(), "{field}: {found}");
    }
    assert_eq!(
        (&found["is_totp_enabled"], &found["totp_label"]),
        (&json!(true), &json!("phone"))
    );
    for secret in ["password", "password_hash", "dek", "totp_key"] {
        assert!(found.get(secret).is_none(), "{secret}: {found}");
    }
}

#[tokio::test]
async fn to_approve_finds_no_one_and_final_finds_users_made_by_a_super_user() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let t = tag();
    user(&zato, &admin, json!({"last_name": t})).await;

    let r = search(
        &zato,
        &admin,
        json!({"last_name": t, "sign_up_status": "to_approve"}),
    )
    .await;
    let fin = search(
        &zato,
        &admin,
        json!({"last_name": t, "sign_up_status": "final"}),
    )
    .await;

    assert!(ids(&r).is_empty());
    assert_eq!(r.body["total"], 0, "{}", r.body);
    assert_eq!(ids(&fin).len(), 1);
}

#[tokio::test]
async fn a_regular_user_may_not_search() {
    let zato = Zato::new();
    let mine = zato.login(ZATO_JDOE).await;

    let r = search(&zato, &mine, json!({"last_name": "doe"})).await;
    let by_id = search(
        &zato,
        &mine,
        json!({"user_id": integration_tests::ZATO_JDOE_ID}),
    )
    .await;

    assert_eq!(r.zato_error(), (403, "E005001".into()));
    assert_eq!(by_id.zato_error(), (403, "E005001".into()));
}

#[tokio::test]
async fn a_search_without_a_session_is_no_such_session() {
    let zato = Zato::new();

    let r = search(&zato, "not-a-ust", json!({})).await;

    assert_eq!(r.zato_error(), (403, "E007001".into()));
}

#[tokio::test]
async fn bad_paging_and_too_short_search_strings_are_invalid_input() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;

    for criteria in [
        json!({"page_size": 0}),
        json!({"page_size": 101}),
        json!({"cur_page": 0}),
        json!({"page_size": "many"}),
        json!({"last_name": "s"}),
        json!({"name_op": "xor"}),
        json!({"approval_status": "maybe"}),
    ] {
        let r = search(&zato, &admin, criteria.clone()).await;
        assert_eq!(r.zato_error(), (403, "E008002".into()), "{criteria}");
    }
}
