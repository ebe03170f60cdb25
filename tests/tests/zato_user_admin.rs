//! What a super-user does to an account, and a user to their password, through the router:
//! `User.lock`, `User.unlock`, `User.reject`, `User.change_password`, and `User.create`'s
//! `auto_approve` and `password_must_change`, each first as Zato 3.2's REST reference shows it.

use std::time::Duration;

use integration_tests::{Reply, ZATO_ADMIN, ZATO_JDOE, Zato};
use serde_json::{Value, json};

const PASSWORD: &str = "a-password-1";
const LOGIN: &str = "/zato/sso/user/login";
const LOCK: (&str, &str) = ("POST", "/zato/sso/user/lock");
const UNLOCK: (&str, &str) = ("DELETE", "/zato/sso/user/lock");
const REJECT: (&str, &str) = ("POST", "/zato/sso/user/reject");

fn login_body(username: &str, password: &str) -> Value {
    json!({"username": username, "password": password, "current_app": "CRM"})
}

async fn as_admin(zato: &Zato, (method, path): (&str, &str), user_id: &str) -> Reply {
    let admin = zato.login(ZATO_ADMIN).await;
    zato.call(
        method,
        path,
        &json!({"ust": admin, "current_app": "CRM", "user_id": user_id}),
    )
    .await
}

/// A user's session still works: it reads the user's own details.
async fn session_works(zato: &Zato, ust: &str) -> bool {
    zato.call(
        "GET",
        "/zato/sso/user",
        &json!({"ust": ust, "current_app": "CRM"}),
    )
    .await
    .is_zato_ok()
}

#[tokio::test]
async fn a_locked_user_cannot_log_in_and_loses_their_sessions() {
    let zato = Zato::new();
    let (id, username, ust) = zato.new_user().await;

    let locked = as_admin(&zato, LOCK, &id).await;
    let login = zato
        .call("POST", LOGIN, &login_body(&username, PASSWORD))
        .await;

    assert!(locked.is_zato_ok(), "{}", locked.body);
    assert_eq!(login.zato_error(), (403, "E005002".into()));
    assert!(!session_works(&zato, &ust).await);
}

#[tokio::test]
async fn an_unlocked_user_logs_in_again() {
    let zato = Zato::new();
    let (id, username, _) = zato.new_user().await;
    as_admin(&zato, LOCK, &id).await;

    let unlocked = as_admin(&zato, UNLOCK, &id).await;
    let login = zato
        .call("POST", LOGIN, &login_body(&username, PASSWORD))
        .await;

    assert!(unlocked.is_zato_ok(), "{}", unlocked.body);
    assert!(login.is_zato_ok(), "{}", login.body);
}

#[tokio::test]
async fn a_rejected_user_cannot_log_in_and_shows_as_rejected() {
    let zato = Zato::new();
    let (id, username, ust) = zato.new_user().await;

    let rejected = as_admin(&zato, REJECT, &id).await;
    let login = zato
        .call("POST", LOGIN, &login_body(&username, PASSWORD))
        .await;
    let admin = zato.login(ZATO_ADMIN).await;
    let seen = zato
        .call(
            "GET",
            "/zato/sso/user",
            &json!({"ust": admin, "current_app": "CRM", "user_id": id}),
        )
        .await;

    assert!(rejected.is_zato_ok(), "{}", rejected.body);
    assert_eq!(login.zato_error(), (403, "E005004".into()));
    assert_eq!(seen.body["approval_status"], "rejected", "{}", seen.body);
    assert!(!session_works(&zato, &ust).await);
}

#[tokio::test]
async fn a_regular_user_cannot_lock_unlock_or_reject() {
    let zato = Zato::new();
    let (id, _, _) = zato.new_user().await;
    let mine = zato.login(ZATO_JDOE).await;

    for (method, path) in [LOCK, UNLOCK, REJECT] {
        let r = zato
            .call(
                method,
                path,
                &json!({"ust": mine, "current_app": "CRM", "user_id": id}),
            )
            .await;
        assert_eq!(r.zato_error(), (403, "E005001".into()), "{method} {path}");
    }
}

#[tokio::test]
async fn a_super_user_cannot_lock_themselves_out() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let me = zato
        .call(
            "GET",
            "/zato/sso/user",
            &json!({"ust": admin, "current_app": "CRM"}),
        )
        .await;
    let my_id = me.body["user_id"].as_str().expect("a user id");

    let r = zato
        .call(
            "POST",
            "/zato/sso/user/lock",
            &json!({"ust": admin, "current_app": "CRM", "user_id": my_id}),
        )
        .await;

    assert_eq!(r.zato_error(), (403, "E008001".into()));
    assert!(session_works(&zato, &admin).await);
}

#[tokio::test]
async fn a_user_changes_their_own_password_with_the_old_one() {
    let zato = Zato::new();
    let (_, username, ust) = zato.new_user().await;
    let other = zato.login((&username, PASSWORD)).await;

    let changed = zato
        .call(
            "PATCH",
            "/zato/sso/user/password",
            &json!({"ust": ust, "current_app": "CRM", "old_password": PASSWORD,
                    "new_password": "p1GwvkP3cHTum7lIMz7SDitmp8fT8Mo"}),
        )
        .await;
    let old = zato
        .call("POST", LOGIN, &login_body(&username, PASSWORD))
        .await;

    assert!(changed.is_zato_ok(), "{}", changed.body);
    assert_eq!(old.zato_error(), (403, "E005001".into()));
    zato.login((&username, "p1GwvkP3cHTum7lIMz7SDitmp8fT8Mo"))
        .await;
    assert!(
        session_works(&zato, &ust).await,
        "the caller's session stays"
    );
    assert!(!session_works(&zato, &other).await, "other sessions end");
}

#[tokio::test]
async fn a_wrong_old_password_changes_nothing() {
    let zato = Zato::new();
    let (_, username, ust) = zato.new_user().await;

    let r = zato
        .call(
            "PATCH",
            "/zato/sso/user/password",
            &json!({"ust": ust, "current_app": "CRM", "old_password": "not-the-password",
                    "new_password": "another-password-2"}),
        )
        .await;

    assert_eq!(r.zato_error(), (403, "E005001".into()));
    zato.login((&username, PASSWORD)).await;
}

#[tokio::test]
async fn a_super_user_sets_a_password_the_user_must_change_at_login() {
    let zato = Zato::new();
    let (id, username, _) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;

    let set = zato
        .call(
            "PATCH",
            "/zato/sso/user/password",
            &json!({"ust": admin, "current_app": "CRM", "user_id": id,
                    "new_password": "5c5Apw67534s55ukR_EZSVyH3DKr2ajNaa", "must_change": true}),
        )
        .await;
    let without_new = zato
        .call(
            "POST",
            LOGIN,
            &login_body(&username, "5c5Apw67534s55ukR_EZSVyH3DKr2ajNaa"),
        )
        .await;
    let mut with_new = login_body(&username, "5c5Apw67534s55ukR_EZSVyH3DKr2ajNaa");
    with_new["new_password"] = json!("KYDi8-otmY1+5KuiT-096x0M");
    let with_new = zato.call("POST", LOGIN, &with_new).await;

    assert!(set.is_zato_ok(), "{}", set.body);
    assert_eq!(without_new.zato_error(), (403, "E003007".into()));
    assert!(with_new.is_zato_ok(), "{}", with_new.body);
    zato.login((&username, "KYDi8-otmY1+5KuiT-096x0M")).await;
}

#[tokio::test]
async fn a_regular_user_cannot_change_another_users_password() {
    let zato = Zato::new();
    let (id, _, _) = zato.new_user().await;
    let mine = zato.login(ZATO_JDOE).await;

    let r = zato
        .call(
            "PATCH",
            "/zato/sso/user/password",
            &json!({"ust": mine, "current_app": "CRM", "user_id": id,
                    "new_password": "another-password-2"}),
        )
        .await;

    assert_eq!(r.zato_error(), (403, "E005001".into()));
}

#[tokio::test]
async fn a_password_expiry_is_refused_since_passwords_do_not_expire_here() {
    let zato = Zato::new();
    let (id, _, _) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;

    let r = zato
        .call(
            "PATCH",
            "/zato/sso/user/password",
            &json!({"ust": admin, "current_app": "CRM", "user_id": id,
                    "new_password": "another-password-2", "password_expiry": 30}),
        )
        .await;

    assert_eq!(r.zato_error(), (403, "E008002".into()));
}

async fn create(zato: &Zato, extra: Value) -> (String, Reply) {
    let admin = zato.login(ZATO_ADMIN).await;
    let username = format!("u{}", uuid::Uuid::new_v4().simple());
    let mut body = json!({"ust": admin, "current_app": "CRM", "username": username,
                          "password": PASSWORD});
    body.as_object_mut()
        .expect("an object")
        .extend(extra.as_object().expect("an object").clone());
    let created = zato.call("POST", "/zato/sso/user", &body).await;
    (username, created)
}

#[tokio::test]
async fn an_auto_approved_user_logs_in_straight_away() {
    let zato = Zato::new();
    let (username, created) = create(&zato, json!({"auto_approve": true})).await;

    let login = zato
        .call("POST", LOGIN, &login_body(&username, PASSWORD))
        .await;

    assert_eq!(
        created.body["approval_status"], "approved",
        "{}",
        created.body
    );
    assert!(login.is_zato_ok(), "{}", login.body);
}

#[tokio::test]
async fn a_user_created_with_password_must_change_sets_one_at_first_login() {
    let zato = Zato::new();
    let (username, created) = create(
        &zato,
        json!({"auto_approve": true, "password_must_change": true}),
    )
    .await;

    let login = zato
        .call("POST", LOGIN, &login_body(&username, PASSWORD))
        .await;

    assert_eq!(
        created.body["password_must_change"], true,
        "{}",
        created.body
    );
    assert_eq!(login.zato_error(), (403, "E003007".into()));
}

const USER: &str = "/zato/sso/user";

/// The organization the Zato face serves (the local stack's `SSO_ORG_ID`).
async fn sso_org() -> idgraph::store::orgs::Organization {
    let id = idgraph::ids::OrgId::parse(&std::env::var("SSO_ORG_ID").expect("SSO_ORG_ID"))
        .expect("an org id");
    idgraph::store::orgs::get(&integration_tests::app().await.db, &id)
        .await
        .expect("the org reads")
        .expect("the SSO org exists")
}

async fn own_details(zato: &Zato, ust: &str) -> Value {
    zato.call("GET", USER, &json!({"ust": ust, "current_app": "CRM"}))
        .await
        .body
}

#[tokio::test]
async fn a_user_updates_their_own_display_name_and_email_as_the_doc_example_does() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;

    let r = zato
        .call(
            "PATCH",
            USER,
            &json!({"ust": ust, "current_app": "CRM", "display_name": "My Name",
                    "email": "user@example.com"}),
        )
        .await;

    assert!(r.is_zato_ok(), "{}", r.body);
    let me = own_details(&zato, &ust).await;
    assert_eq!(me["display_name"], "My Name", "{me}");
    assert_eq!(me["email"], "user@example.com", "{me}");
}

#[tokio::test]
async fn a_display_name_update_renames_the_person_the_other_faces_see() {
    let zato = Zato::new();
    let (id, _, ust) = zato.new_user().await;

    zato.call(
        "PATCH",
        USER,
        &json!({"ust": ust, "current_app": "CRM", "display_name": "Ada Lovelace"}),
    )
    .await;

    let org = sso_org().await;
    let person = idgraph::store::persons::get(
        &integration_tests::app().await.db,
        &org,
        &idgraph::ids::PersonId::parse(&id).expect("a person id"),
    )
    .await
    .expect("the person reads")
    .expect("the person exists");
    assert_eq!(
        person.name.as_ref().map(|n| n.as_str()),
        Some("Ada Lovelace")
    );
}

#[tokio::test]
async fn null_clears_a_profile_field_and_absence_keeps_it() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    zato.call(
        "PATCH",
        USER,
        &json!({"ust": ust, "current_app": "CRM", "first_name": "Ada", "last_name": "King"}),
    )
    .await;

    let r = zato
        .call(
            "PATCH",
            USER,
            &json!({"ust": ust, "current_app": "CRM", "first_name": null}),
        )
        .await;

    assert!(r.is_zato_ok(), "{}", r.body);
    let me = own_details(&zato, &ust).await;
    assert!(me.get("first_name").is_none(), "{me}");
    assert_eq!(me["last_name"], "King", "{me}");
}

#[tokio::test]
async fn a_regular_user_cannot_set_administrative_fields_on_their_own_account() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;

    let r = zato
        .call(
            "PATCH",
            USER,
            &json!({"ust": ust, "current_app": "CRM", "password_must_change": true}),
        )
        .await;

    assert_eq!(r.zato_error(), (403, "E005001".into()));
}

#[tokio::test]
async fn a_super_user_makes_another_users_password_change_at_next_login() {
    let zato = Zato::new();
    let (id, username, _) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;

    let r = zato
        .call(
            "PATCH",
            USER,
            &json!({"ust": admin, "current_app": "CRM", "user_id": id,
                    "display_name": "My Name", "password_must_change": true}),
        )
        .await;
    let login = zato
        .call("POST", LOGIN, &login_body(&username, PASSWORD))
        .await;

    assert!(r.is_zato_ok(), "{}", r.body);
    assert_eq!(login.zato_error(), (403, "E003007".into()));
}

#[tokio::test]
async fn an_update_with_a_password_expiry_or_totp_is_refused() {
    let zato = Zato::new();
    let (id, _, _) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;

    for extra in [
        json!({"password_expiry": "2030-12-31T23:59:59"}),
        json!({"is_totp_enabled": true}),
    ] {
        let mut body = json!({"ust": admin, "current_app": "CRM", "user_id": id});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let r = zato.call("PATCH", USER, &body).await;
        assert_eq!(r.zato_error(), (403, "E008002".into()), "{extra}");
    }
}

#[tokio::test]
async fn a_session_is_not_opened_against_a_password_that_changed_since_it_was_checked() {
    let zato = Zato::new();
    let (_, username, _) = zato.new_user().await;
    let org = sso_org().await;
    let db = &integration_tests::app().await.db;
    let user = idgraph::store::sso_users::login_candidate(db, &org, &username)
        .await
        .expect("the user reads")
        .user
        .expect("the user exists");

    // A login that checked the password before a change commits opens nothing after it.
    let opened = idgraph::store::sso_users::open_session(
        db,
        &org.id,
        &user,
        Duration::from_secs(60),
        Duration::from_secs(600),
        &Default::default(),
        idgraph::store::sso_users::Checked {
            password_hash: "a-hash-from-before-the-change",
            totp_checked: false,
        },
    )
    .await;

    assert!(
        matches!(opened, Err(idgraph::store::sso_users::SsoError::NotAllowed)),
        "{opened:?}"
    );
}

#[tokio::test]
async fn a_locked_users_remaining_session_is_not_renewed() {
    let zato = Zato::new();
    let (id, _, ust) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;
    // The lock alone, as if ending the sessions after it had failed.
    let org_id = sso_org().await.id;
    idgraph::store::sso_users::update(
        &integration_tests::app().await.db,
        &org_id,
        &idgraph::sso::Ust::parse(&admin).expect("a UST"),
        &idgraph::ids::PersonId::parse(&id).expect("a user id"),
        &idgraph::store::sso_users::Decision::Lock.change(),
        true,
    )
    .await
    .expect("the lock commits");

    let renewed = zato
        .call(
            "PATCH",
            "/zato/sso/user/session",
            &json!({"ust": ust, "current_app": "CRM"}),
        )
        .await;

    assert_eq!(renewed.zato_error(), (403, "E007001".into()));
}

#[tokio::test]
async fn a_display_name_longer_than_zato_allows_is_e008002() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;

    let r = zato
        .call(
            "PATCH",
            USER,
            &json!({"ust": ust, "current_app": "CRM", "display_name": "x".repeat(192)}),
        )
        .await;

    assert_eq!(r.zato_error(), (403, "E008002".into()));
}
