//! The Zato SSO face's users and sessions through the router: login, logout, renewal, reading,
//! creating, approving and deleting users, with every sub-status these paths answer.

use idgraph::db::Condition;
use idgraph::ids::{OrgId, PersonId};
use idgraph::item::n;
use idgraph::keys;
use integration_tests::{Api, ZATO_ADMIN, ZATO_JDOE, ZATO_JDOE_ID, Zato, app};
use serde_json::json;

const LOGIN: &str = "/zato/sso/user/login";
const USER: &str = "/zato/sso/user";

fn sso_org() -> OrgId {
    OrgId::parse(&std::env::var("SSO_ORG_ID").expect("SSO_ORG_ID from the local stack")).unwrap()
}

#[tokio::test]
async fn a_user_logs_in_and_the_ust_reads_their_own_details() {
    let zato = Zato::new();

    let ust = zato.login(ZATO_JDOE).await;
    let me = zato
        .call("GET", USER, &json!({"ust": ust, "current_app": "CRM"}))
        .await;

    assert!(me.is_zato_ok(), "{}", me.body);
    assert_eq!(me.body["user_id"], ZATO_JDOE_ID);
    assert_eq!(me.body["username"], "jdoe");
    assert!(
        me.body.get("is_super_user").is_none(),
        "admin fields are for super-users"
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_answer_the_same_e005001() {
    let zato = Zato::new();
    let login = |u: &str, p: &str| json!({"username": u, "password": p, "current_app": "CRM"});

    let wrong = zato
        .call("POST", LOGIN, &login("jdoe", "not-the-password"))
        .await;
    let unknown = zato
        .call("POST", LOGIN, &login("nobody-here", "whatever"))
        .await;

    assert_eq!(wrong.zato_error(), (403, "E005001".into()));
    assert_eq!(unknown.zato_error(), (403, "E005001".into()));
}

#[tokio::test]
async fn an_app_outside_the_allow_list_is_e004001_with_http_200() {
    let r = Zato::new()
        .call(
            "POST",
            LOGIN,
            &json!({"username": "jdoe", "password": "jdoe-password-1", "current_app": "Payroll"}),
        )
        .await;
    assert_eq!(r.zato_error(), (200, "E004001".into()));
}

#[tokio::test]
async fn a_missing_required_field_is_http_400() {
    let zato = Zato::new();
    let no_app = zato
        .call("POST", LOGIN, &json!({"username": "jdoe", "password": "x"}))
        .await;
    let no_password = zato
        .call(
            "POST",
            LOGIN,
            &json!({"username": "jdoe", "current_app": "CRM"}),
        )
        .await;
    assert_eq!(no_app.zato_error(), (400, "E008003".into()));
    assert_eq!(no_password.zato_error(), (400, "E008003".into()));
}

#[tokio::test]
async fn an_unknown_malformed_or_missing_ust_is_e007001() {
    let zato = Zato::new();
    let forged = format!("{ZATO_JDOE_ID}.{}", "A".repeat(43));
    for ust in [
        json!(forged),
        json!("gAAAAABavk-65BuvKI0JFPeuJ9Tp3p"),
        json!(null),
    ] {
        let r = zato
            .call("GET", USER, &json!({"ust": ust, "current_app": "CRM"}))
            .await;
        assert_eq!(r.zato_error(), (403, "E007001".into()), "{ust}");
    }
}

#[tokio::test]
async fn an_expired_session_is_e007001_although_its_item_remains() {
    let zato = Zato::new();
    let ust = zato.login(ZATO_JDOE).await;
    let parsed = idgraph::sso::Ust::parse(&ust).unwrap();
    let key = keys::sso_session(&sso_org(), parsed.person(), &parsed.hash());
    // TTL deletion lags: the read must check the expiry itself.
    let db = &app().await.db;
    db.transact(vec![db.update(
        &key,
        "SET exp_us = :past",
        Condition::none().values(vec![(":past", n(1))]),
    )])
    .await
    .unwrap();

    let r = zato
        .call("GET", USER, &json!({"ust": ust, "current_app": "CRM"}))
        .await;

    assert_eq!(r.zato_error(), (403, "E007001".into()));
}

#[tokio::test]
async fn logout_ends_the_session_and_always_answers_ok() {
    let zato = Zato::new();
    let ust = zato.login(ZATO_JDOE).await;
    let body = json!({"ust": ust, "current_app": "CRM"});

    let first = zato.call("POST", "/zato/sso/user/logout", &body).await;
    let again = zato.call("POST", "/zato/sso/user/logout", &body).await;
    let junk = zato
        .call(
            "POST",
            "/zato/sso/user/logout",
            &json!({"ust": "junk", "current_app": "CRM"}),
        )
        .await;
    let after = zato.call("GET", USER, &body).await;

    assert!(first.is_zato_ok() && again.is_zato_ok() && junk.is_zato_ok());
    assert_eq!(after.zato_error(), (403, "E007001".into()));
}

#[tokio::test]
async fn renewal_extends_a_live_session_and_refuses_a_dead_one() {
    let zato = Zato::new();
    let ust = zato.login(ZATO_JDOE).await;

    let renewed = zato
        .call(
            "PATCH",
            "/zato/sso/user/session",
            &json!({"target_ust": ust, "current_ust": ust, "current_app": "CRM"}),
        )
        .await;
    zato.call(
        "POST",
        "/zato/sso/user/logout",
        &json!({"ust": ust, "current_app": "CRM"}),
    )
    .await;
    let dead = zato
        .call(
            "PATCH",
            "/zato/sso/user/session",
            &json!({"ust": ust, "current_app": "CRM"}),
        )
        .await;

    assert!(renewed.is_zato_ok(), "{}", renewed.body);
    let expiry = renewed.body["expiration_time"].as_str().unwrap();
    assert!(
        expiry > "2000-01-01T00:00:00" && !expiry.ends_with('Z'),
        "{expiry}"
    );
    assert_eq!(dead.zato_error(), (403, "E007001".into()));
}

#[tokio::test]
async fn renewing_another_users_session_takes_a_super_user() {
    let zato = Zato::new();
    let (_, _, theirs) = zato.new_user().await;
    let mine = zato.login(ZATO_JDOE).await;
    let admin = zato.login(ZATO_ADMIN).await;
    let renew =
        |current: &str| json!({"target_ust": theirs, "current_ust": current, "current_app": "CRM"});

    let by_peer = zato
        .call("PATCH", "/zato/sso/user/session", &renew(&mine))
        .await;
    let by_admin = zato
        .call("PATCH", "/zato/sso/user/session", &renew(&admin))
        .await;

    assert_eq!(by_peer.zato_error(), (403, "E005001".into()));
    assert!(by_admin.is_zato_ok(), "{}", by_admin.body);
}

#[tokio::test]
async fn a_created_user_cannot_log_in_until_a_super_user_approves_it() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let username = format!("u{}", uuid::Uuid::new_v4().simple());
    let login = json!({"username": username, "password": "pending-password", "current_app": "CRM"});

    let created = zato
        .call("POST", USER, &json!({"ust": admin, "current_app": "CRM", "username": username, "password": "pending-password", "display_name": "My User"}))
        .await;
    let before = zato.call("POST", LOGIN, &login).await;
    let id = created.body["user_id"].as_str().unwrap();
    let approval = zato
        .call(
            "POST",
            "/zato/sso/user/approve",
            &json!({"ust": admin, "current_app": "CRM", "user_id": id}),
        )
        .await;
    let after = zato.call("POST", LOGIN, &login).await;

    assert!(created.is_zato_ok(), "{}", created.body);
    assert!(id.starts_with("zusr") && id.len() == 30, "{id}");
    assert_eq!(created.body["approval_status"], "before_decision");
    assert_eq!(before.zato_error(), (403, "E005004".into()));
    assert!(approval.is_zato_ok(), "{}", approval.body);
    assert!(after.is_zato_ok(), "{}", after.body);
}

#[tokio::test]
async fn a_locked_user_with_the_right_password_is_told_e005002() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let username = format!("u{}", uuid::Uuid::new_v4().simple());
    let created = zato
        .call("POST", USER, &json!({"ust": admin, "current_app": "CRM", "username": username, "password": "locked-password", "is_locked": true}))
        .await;
    let id = created.body["user_id"].as_str().unwrap();
    zato.call(
        "POST",
        "/zato/sso/user/approve",
        &json!({"ust": admin, "current_app": "CRM", "user_id": id}),
    )
    .await;

    let r = zato
        .call(
            "POST",
            LOGIN,
            &json!({"username": username, "password": "locked-password", "current_app": "CRM"}),
        )
        .await;

    assert_eq!(r.zato_error(), (403, "E005002".into()));
}

#[tokio::test]
async fn user_creation_enforces_zatos_username_and_password_rules() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let create = |username: &str, password: &str| json!({"ust": admin, "current_app": "CRM", "username": username, "password": password});

    let taken = zato
        .call("POST", USER, &create("JDOE", "long-enough-1"))
        .await;
    let spaced = zato
        .call("POST", USER, &create("j doe", "long-enough-1"))
        .await;
    let short = zato
        .call("POST", USER, &create("fresh-name", "short"))
        .await;

    assert_eq!(taken.zato_error(), (403, "E001002".into()));
    assert_eq!(spaced.zato_error(), (403, "E001004".into()));
    assert_eq!(short.zato_error(), (403, "E003002".into()));
}

#[tokio::test]
async fn a_regular_user_may_not_create_approve_delete_or_read_other_users() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    let with = |extra: serde_json::Value| {
        let mut body = json!({"ust": ust, "current_app": "CRM"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };

    let create = zato
        .call(
            "POST",
            USER,
            &with(json!({"username": "sneaky", "password": "long-enough-1"})),
        )
        .await;
    let approve = zato
        .call(
            "POST",
            "/zato/sso/user/approve",
            &with(json!({"user_id": ZATO_JDOE_ID})),
        )
        .await;
    let delete = zato
        .call("DELETE", USER, &with(json!({"user_id": ZATO_JDOE_ID})))
        .await;
    let read = zato
        .call("GET", USER, &with(json!({"user_id": ZATO_JDOE_ID})))
        .await;

    for r in [create, approve, delete, read] {
        assert_eq!(r.zato_error(), (403, "E005001".into()));
    }
}

#[tokio::test]
async fn a_super_user_reads_any_user_with_the_administrative_fields() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;

    let r = zato
        .call(
            "GET",
            USER,
            &json!({"ust": admin, "current_app": "CRM", "user_id": ZATO_JDOE_ID}),
        )
        .await;
    let nobody = zato
        .call(
            "GET",
            USER,
            &json!({"ust": admin, "current_app": "CRM", "user_id": "zusrnobody"}),
        )
        .await;
    let bad_id = zato
        .call(
            "GET",
            USER,
            &json!({"ust": admin, "current_app": "CRM", "user_id": "a#b"}),
        )
        .await;

    assert!(r.is_zato_ok(), "{}", r.body);
    assert_eq!(r.body["username"], "jdoe");
    assert_eq!(r.body["is_super_user"], false);
    assert_eq!(r.body["approval_status"], "approved");
    assert_eq!(nobody.zato_error(), (403, "E005001".into()));
    assert_eq!(bad_id.zato_error(), (403, "E001100".into()));
}

#[tokio::test]
async fn an_sso_user_is_a_person_of_the_graph_with_its_username_as_a_handle() {
    let (id, username, _) = Zato::new().new_user().await;

    let person = Api::demo()
        .get(&format!("/persons/{id}?fields=handles"))
        .await;

    assert_eq!(person.status, 200, "{:?}", person.body);
    assert_eq!(
        person.result()["handles"],
        json!([{"type": "username", "value": username}])
    );
}

#[tokio::test]
async fn deleting_a_user_removes_its_sessions_and_attributes() {
    let zato = Zato::new();
    let (id, username, ust) = zato.new_user().await;
    let created = zato
        .call(
            "POST",
            "/zato/sso/user/attr",
            &json!({"ust": ust, "current_app": "CRM", "name": "a", "value": "b"}),
        )
        .await;
    assert!(created.is_zato_ok(), "{}", created.body);
    let admin = zato.login(ZATO_ADMIN).await;

    let deleted = zato
        .call(
            "DELETE",
            USER,
            &json!({"ust": admin, "current_app": "CRM", "user_id": id}),
        )
        .await;

    assert!(deleted.is_zato_ok(), "{}", deleted.body);
    let session = zato
        .call("GET", USER, &json!({"ust": ust, "current_app": "CRM"}))
        .await;
    assert_eq!(session.zato_error(), (403, "E007001".into()));
    let login = zato
        .call(
            "POST",
            LOGIN,
            &json!({"username": username, "password": "a-password-1", "current_app": "CRM"}),
        )
        .await;
    assert_eq!(login.zato_error(), (403, "E005001".into()));
    let left = app()
        .await
        .db
        .query_all(&keys::person_partition(
            &sso_org(),
            &PersonId::parse(&id).unwrap(),
        ))
        .await
        .unwrap();
    assert!(left.is_empty(), "left behind: {left:?}");
}
