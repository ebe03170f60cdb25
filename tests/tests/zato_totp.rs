//! Two-factor login through the router: `User.reset_totp_key` (`PATCH /zato/sso/user/totp`),
//! the TOTP fields of `User.create` and `User.update`, and `totp_code` at `User.login`, first as
//! Zato 3.2's REST reference shows them. Codes are computed here as an authenticator app
//! would, from the key the service answered.

use idgraph::sso::totp::{TotpKey, now_seconds};
use integration_tests::{Reply, ZATO_ADMIN, Zato};
use serde_json::{Value, json};

const PASSWORD: &str = "a-password-1";
const TOTP: &str = "/zato/sso/user/totp";
// 160 bits in base32: the doc example's key (`G7WSZQ3JKCM6D`) is 64 bits, under RFC 4226's
// minimum of 128, and is refused (see `a_key_under_128_bits_is_refused`).
const A_KEY: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn code(key: &str) -> String {
    TotpKey::parse(key).unwrap().code_at(now_seconds())
}

async fn login(zato: &Zato, username: &str, totp_code: Option<&str>) -> Reply {
    let mut body = json!({"username": username, "password": PASSWORD, "current_app": "CRM"});
    if let Some(c) = totp_code {
        body["totp_code"] = json!(c);
    }
    zato.call("POST", "/zato/sso/user/login", &body).await
}

/// A new user with TOTP on: (username, its key).
async fn user_with_totp(zato: &Zato) -> (String, String) {
    let (_, username, ust) = zato.new_user().await;
    let reset = zato
        .call("PATCH", TOTP, &json!({"ust": ust, "current_app": "CRM"}))
        .await;
    let key = reset.body["totp_key"].as_str().expect("a key").to_owned();
    let on = zato
        .call(
            "PATCH",
            "/zato/sso/user",
            &json!({"ust": ust, "current_app": "CRM", "is_totp_enabled": true}),
        )
        .await;
    assert!(on.is_zato_ok(), "{}", on.body);
    (username, key)
}

async fn own_details(zato: &Zato, ust: &str) -> Value {
    zato.call(
        "GET",
        "/zato/sso/user",
        &json!({"ust": ust, "current_app": "CRM"}),
    )
    .await
    .body
}

#[tokio::test]
async fn reset_without_a_key_answers_a_generated_one_that_is_never_shown_again() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;

    let reset = zato
        .call(
            "PATCH",
            TOTP,
            &json!({"ust": ust, "current_app": "CRM", "totp_label": "My SSO key"}),
        )
        .await;
    let details = own_details(&zato, &ust).await;

    assert!(reset.is_zato_ok(), "{}", reset.body);
    let key = reset.body["totp_key"].as_str().expect("a generated key");
    assert!(TotpKey::parse(key).is_ok(), "{key}");
    assert_eq!(reset.headers["cache-control"], "no-store");
    assert_eq!(details["totp_label"], "My SSO key");
    assert_eq!(details["is_totp_enabled"], false);
    assert!(details.get("totp_key").is_none(), "{details}");
}

#[tokio::test]
async fn a_super_user_sets_another_users_key_as_the_doc_example_does() {
    let zato = Zato::new();
    let (id, username, ust) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;

    let reset = zato
        .call(
            "PATCH",
            TOTP,
            &json!({"ust": admin, "current_app": "CRM", "user_id": id,
                    "totp_key": A_KEY, "totp_label": "My SSO key"}),
        )
        .await;
    zato.call(
        "PATCH",
        "/zato/sso/user",
        &json!({"ust": ust, "current_app": "CRM", "is_totp_enabled": true}),
    )
    .await;
    let with_the_key = login(&zato, &username, Some(&code(A_KEY))).await;

    assert!(reset.is_zato_ok(), "{}", reset.body);
    assert!(reset.body.get("totp_key").is_none(), "{}", reset.body);
    assert!(with_the_key.is_zato_ok(), "{}", with_the_key.body);
}

#[tokio::test]
async fn a_regular_user_cannot_set_another_users_key() {
    let zato = Zato::new();
    let (other, _, _) = zato.new_user().await;
    let (_, _, ust) = zato.new_user().await;

    let reset = zato
        .call(
            "PATCH",
            TOTP,
            &json!({"ust": ust, "current_app": "CRM", "user_id": other, "totp_key": A_KEY}),
        )
        .await;

    assert_eq!(reset.zato_error(), (403, "E005001".into()));
}

#[tokio::test]
async fn a_key_under_128_bits_is_refused() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;

    let reset = zato
        .call(
            "PATCH",
            TOTP,
            &json!({"ust": ust, "current_app": "CRM", "totp_key": "G7WSZQ3JKCM6D"}),
        )
        .await;

    assert_eq!(reset.zato_error(), (403, "E008002".into()));
}

#[tokio::test]
async fn turning_totp_on_without_a_key_is_refused() {
    let zato = Zato::new();
    let (_, username, ust) = zato.new_user().await;

    let on = zato
        .call(
            "PATCH",
            "/zato/sso/user",
            &json!({"ust": ust, "current_app": "CRM", "is_totp_enabled": true}),
        )
        .await;

    assert_eq!(on.zato_error(), (403, "E008002".into()));
    assert!(login(&zato, &username, None).await.is_zato_ok());
}

#[tokio::test]
async fn a_user_with_totp_on_logs_in_with_the_current_code() {
    let zato = Zato::new();
    let (username, key) = user_with_totp(&zato).await;

    let reply = login(&zato, &username, Some(&code(&key))).await;

    assert!(reply.is_zato_ok(), "{}", reply.body);
    assert!(reply.body["ust"].is_string());
}

#[tokio::test]
async fn a_user_with_totp_on_cannot_log_in_without_a_code() {
    let zato = Zato::new();
    let (username, _) = user_with_totp(&zato).await;

    let reply = login(&zato, &username, None).await;

    assert_eq!(reply.zato_error(), (403, "E005001".into()));
}

#[tokio::test]
async fn a_wrong_code_is_refused_as_a_wrong_password_is() {
    let zato = Zato::new();
    let (username, key) = user_with_totp(&zato).await;
    let right = code(&key);
    // Another six digits: the right code with its last digit moved on.
    let last = right.as_bytes()[5] - b'0';
    let wrong = format!("{}{}", &right[..5], (last + 1) % 10);

    let reply = login(&zato, &username, Some(&wrong)).await;

    assert_eq!(reply.zato_error(), (403, "E005001".into()));
}

#[tokio::test]
async fn wrong_codes_count_towards_the_login_lockout() {
    let zato = Zato::new();
    let (username, key) = user_with_totp(&zato).await;
    let max_failures = 5; // SSO_LOGIN_MAX_FAILURES' default, which the local stack keeps
    for _ in 0..max_failures {
        let refused = login(&zato, &username, Some("000000x")).await;
        assert_eq!(refused.zato_error(), (403, "E005001".into()));
    }

    let right = login(&zato, &username, Some(&code(&key))).await;

    assert_eq!(right.zato_error(), (403, "E005002".into()));
}

#[tokio::test]
async fn a_code_opens_one_session_only() {
    let zato = Zato::new();
    let (username, key) = user_with_totp(&zato).await;
    let once = code(&key);

    let first = login(&zato, &username, Some(&once)).await;
    let replayed = login(&zato, &username, Some(&once)).await;

    assert!(first.is_zato_ok(), "{}", first.body);
    assert_eq!(replayed.zato_error(), (403, "E005001".into()));
}

#[tokio::test]
async fn a_user_created_with_totp_on_gets_the_key_to_log_in_with() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let username = format!("u{}", uuid::Uuid::new_v4().simple());

    let created = zato
        .call(
            "POST",
            "/zato/sso/user",
            &json!({"ust": admin, "current_app": "CRM", "username": username,
                    "password": PASSWORD, "auto_approve": true,
                    "is_totp_enabled": true, "totp_label": "phone"}),
        )
        .await;
    let key = created.body["totp_key"].as_str().expect("a generated key");
    let without = login(&zato, &username, None).await;
    let with = login(&zato, &username, Some(&code(key))).await;

    assert!(created.is_zato_ok(), "{}", created.body);
    assert_eq!(created.body["is_totp_enabled"], true);
    assert_eq!(created.body["totp_label"], "phone");
    assert_eq!(without.zato_error(), (403, "E005001".into()));
    assert!(with.is_zato_ok(), "{}", with.body);
}

#[tokio::test]
async fn a_user_who_turns_totp_off_logs_in_with_the_password_alone() {
    let zato = Zato::new();
    let (username, key) = user_with_totp(&zato).await;
    let ust = login(&zato, &username, Some(&code(&key))).await.body["ust"]
        .as_str()
        .unwrap()
        .to_owned();

    let off = zato
        .call(
            "PATCH",
            "/zato/sso/user",
            &json!({"ust": ust, "current_app": "CRM", "is_totp_enabled": false}),
        )
        .await;
    let reply = login(&zato, &username, None).await;

    assert!(off.is_zato_ok(), "{}", off.body);
    assert!(reply.is_zato_ok(), "{}", reply.body);
}

#[tokio::test]
async fn a_replayed_code_changes_no_password() {
    let zato = Zato::new();
    let (username, key) = user_with_totp(&zato).await;
    let once = code(&key);
    login(&zato, &username, Some(&once)).await;
    let before = password_hash(&username).await;

    let replayed = zato
        .call(
            "POST",
            "/zato/sso/user/login",
            &json!({"username": username, "password": PASSWORD, "current_app": "CRM",
                    "totp_code": once, "new_password": "an-entirely-new-password"}),
        )
        .await;

    assert_eq!(replayed.zato_error(), (403, "E005001".into()));
    assert_eq!(password_hash(&username).await, before);
}

/// The user's stored password hash, read from the table.
async fn password_hash(username: &str) -> String {
    let app = integration_tests::app().await;
    let org = idgraph::ids::OrgId::parse(integration_tests::DEMO_ORG).unwrap();
    let org = idgraph::store::orgs::get(&app.db, &org)
        .await
        .unwrap()
        .unwrap();
    idgraph::store::sso_users::find_by_credential(&app.db, &org, username)
        .await
        .unwrap()
        .expect("the user")
        .password_hash
}
