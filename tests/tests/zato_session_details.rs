//! Zato's `Session.verify`, `Session.get` and `Session.get_list` through the router, each first
//! as its page in Zato 3.2's REST reference shows it (`api/rest/session/*.txt`), with a fresh UST.

use integration_tests::{ZATO_ADMIN, ZATO_JDOE, Zato, router_url};
use serde_json::json;

const SESSION: &str = "/zato/sso/user/session";
const LIST: &str = "/zato/sso/user/session/list";

#[tokio::test]
async fn a_super_user_verifies_a_live_session_as_the_doc_example_does() {
    let zato = Zato::new();
    let target = zato.login(ZATO_JDOE).await;
    let admin = zato.login(ZATO_ADMIN).await;

    let r = zato
        .call(
            "POST",
            SESSION,
            &json!({"target_ust": target, "current_ust": admin, "current_app": "CRM"}),
        )
        .await;

    assert!(r.is_zato_ok(), "{}", r.body);
    assert_eq!(r.body["is_valid"], true);
}

#[tokio::test]
async fn a_logged_out_or_garbled_target_is_not_valid() {
    let zato = Zato::new();
    let gone = zato.login(ZATO_JDOE).await;
    zato.call(
        "POST",
        "/zato/sso/user/logout",
        &json!({"ust": gone, "current_app": "CRM"}),
    )
    .await;
    let admin = zato.login(ZATO_ADMIN).await;
    let verify =
        |target: &str| json!({"target_ust": target, "current_ust": admin, "current_app": "CRM"});

    let logged_out = zato.call("POST", SESSION, &verify(&gone)).await;
    let garbled = zato
        .call("POST", SESSION, &verify("gAAAAABaqXJAenbkYyQt9CoWIvq"))
        .await;

    assert_eq!(logged_out.body["is_valid"], false, "{}", logged_out.body);
    assert_eq!(garbled.body["is_valid"], false, "{}", garbled.body);
}

#[tokio::test]
async fn verifying_a_session_takes_a_super_user() {
    let zato = Zato::new();
    let mine = zato.login(ZATO_JDOE).await;

    let r = zato
        .call(
            "POST",
            SESSION,
            &json!({"target_ust": mine, "current_ust": mine, "current_app": "CRM"}),
        )
        .await;

    assert_eq!(r.zato_error(), (403, "E005001".into()));
}

/// Logs jdoe in from a browser that names itself, as the doc's examples' sessions were.
async fn login_from_firefox() -> String {
    let r: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/zato/sso/user/login", router_url()))
        .header("user-agent", "Firefox 139.0")
        .json(&json!({"username": ZATO_JDOE.0, "password": ZATO_JDOE.1, "current_app": "CRM"}))
        .send()
        .await
        .expect("the router answers")
        .json()
        .await
        .expect("a JSON body");
    r["ust"].as_str().expect("a ust").to_owned()
}

#[tokio::test]
async fn session_get_tells_when_and_from_where_the_session_was_opened() {
    let zato = Zato::new();
    let target = login_from_firefox().await;
    let admin = zato.login(ZATO_ADMIN).await;

    let r = zato
        .call(
            "GET",
            SESSION,
            &json!({"target_ust": target, "current_ust": admin, "current_app": "CRM"}),
        )
        .await;

    assert!(r.is_zato_ok(), "{}", r.body);
    let created = r.body["creation_time"].as_str().expect("creation_time");
    let expires = r.body["expiration_time"].as_str().expect("expiration_time");
    assert!(created < expires, "{created} < {expires}");
    assert_eq!(r.body["user_agent"], "Firefox 139.0", "{}", r.body);
}

#[tokio::test]
async fn session_get_by_a_regular_user_is_e005001() {
    let zato = Zato::new();
    let mine = zato.login(ZATO_JDOE).await;

    let r = zato
        .call(
            "GET",
            SESSION,
            &json!({"target_ust": mine, "current_ust": mine, "current_app": "CRM"}),
        )
        .await;

    assert_eq!(r.zato_error(), (403, "E005001".into()));
}

#[tokio::test]
async fn a_user_lists_their_own_sessions_with_the_ust_alone() {
    let zato = Zato::new();
    let (_, username, _first) = zato.new_user().await;
    let second = zato.login((&username, "a-password-1")).await;

    let r = zato
        .call("GET", LIST, &json!({"ust": second, "current_app": "CRM"}))
        .await;

    assert!(r.is_zato_ok(), "{}", r.body);
    let sessions = r.body["result"].as_array().expect("a result list");
    assert_eq!(sessions.len(), 2, "{}", r.body);
    for s in sessions {
        assert_eq!(s["auth_type"], "default");
        assert_eq!(s["auth_principal"], username.as_str());
        assert_eq!(s["session_state_change_list"][0]["ctx_source"], "login");
    }
}

#[tokio::test]
async fn a_renewal_shows_in_the_session_list() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    for _ in 0..2 {
        let renewed = zato
            .call("PATCH", SESSION, &json!({"ust": ust, "current_app": "CRM"}))
            .await;
        assert!(renewed.is_zato_ok(), "{}", renewed.body);
    }

    let r = zato
        .call("GET", LIST, &json!({"ust": ust, "current_app": "CRM"}))
        .await;

    let changes = &r.body["result"][0]["session_state_change_list"];
    assert_eq!(changes[1]["ctx_source"], "renew", "{}", r.body);
    assert_eq!(changes[1]["idx"], 3, "{}", r.body);
}

#[tokio::test]
async fn a_super_user_lists_another_users_sessions_by_one_of_their_usts() {
    let zato = Zato::new();
    let (_, username, theirs) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;

    let r = zato
        .call(
            "GET",
            LIST,
            &json!({"target_ust": theirs, "current_ust": admin, "current_app": "CRM"}),
        )
        .await;

    assert!(r.is_zato_ok(), "{}", r.body);
    assert_eq!(r.body["result"][0]["auth_principal"], username.as_str());
}

#[tokio::test]
async fn a_regular_user_cannot_list_another_users_sessions() {
    let zato = Zato::new();
    let (_, _, theirs) = zato.new_user().await;
    let mine = zato.login(ZATO_JDOE).await;

    let r = zato
        .call(
            "GET",
            LIST,
            &json!({"target_ust": theirs, "current_ust": mine, "current_app": "CRM"}),
        )
        .await;

    assert_eq!(r.zato_error(), (403, "E005001".into()));
}

#[tokio::test]
async fn verify_and_get_without_a_target_are_e008003() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let body = json!({"current_ust": admin, "current_app": "CRM"});

    let verify = zato.call("POST", SESSION, &body).await;
    let get = zato.call("GET", SESSION, &body).await;

    assert_eq!(verify.zato_error(), (400, "E008003".into()));
    assert_eq!(get.zato_error(), (400, "E008003".into()));
}
