//! A forgotten password through the router, as Zato 3.2's service `zato.sso.password-reset`
//! takes it (its own tests' calls): `POST /zato/sso/password/reset` mails a token (PRT),
//! `PATCH` exchanges it for a reset key, `DELETE` sets the new password. The token is read from
//! the local stack's outbox, as the user would read it from their mail.

use integration_tests::{Reply, ZATO_ADMIN, Zato, last_mail_to, mailed_token};
use serde_json::json;

const RESET: &str = "/zato/sso/password/reset";
const PASSWORD: &str = "a-password-1";
const NEW_PASSWORD: &str = "5c5Apw67534s55ukR_EZSVyH3DKr2ajNaa";

/// An approved user with an email: (username, email).
async fn user_with_email(zato: &Zato) -> (String, String) {
    let admin = zato.login(ZATO_ADMIN).await;
    let username = format!("u{}", uuid::Uuid::new_v4().simple());
    let email = format!("{username}@example.com");
    let created = zato
        .call(
            "POST",
            "/zato/sso/user",
            &json!({"ust": admin, "current_app": "CRM", "username": username,
                    "password": PASSWORD, "email": email, "auto_approve": true}),
        )
        .await;
    assert!(created.is_zato_ok(), "{}", created.body);
    (username, email)
}

async fn request(zato: &Zato, credential: &str) -> Reply {
    zato.call(
        "POST",
        RESET,
        &json!({"credential": credential, "current_app": "CRM"}),
    )
    .await
}

async fn access(zato: &Zato, token: &str) -> Reply {
    zato.call(
        "PATCH",
        RESET,
        &json!({"token": token, "current_app": "CRM"}),
    )
    .await
}

async fn complete(zato: &Zato, token: &str, reset_key: &str, password: &str) -> Reply {
    zato.call(
        "DELETE",
        RESET,
        &json!({"token": token, "reset_key": reset_key, "password": password,
                "current_app": "CRM"}),
    )
    .await
}

async fn login(zato: &Zato, username: &str, password: &str) -> Reply {
    zato.call(
        "POST",
        "/zato/sso/user/login",
        &json!({"username": username, "password": password, "current_app": "CRM"}),
    )
    .await
}

/// A token requested and accessed: (token, reset key).
async fn accessed(zato: &Zato, username: &str, email: &str) -> (String, String) {
    request(zato, username).await;
    let token = mailed_token(email);
    let reply = access(zato, &token).await;
    let key = reply.body["reset_key"]
        .as_str()
        .expect("a reset key")
        .to_owned();
    (token, key)
}

#[tokio::test]
async fn a_user_sets_a_new_password_with_the_mailed_token_as_zatos_flow_does() {
    let zato = Zato::new();
    let (username, email) = user_with_email(&zato).await;

    let requested = request(&zato, &username).await;
    let token = mailed_token(&email);
    let accessed = access(&zato, &token).await;
    let reset_key = accessed.body["reset_key"].as_str().expect("a reset key");
    let completed = complete(&zato, &token, reset_key, NEW_PASSWORD).await;

    assert!(requested.is_zato_ok(), "{}", requested.body);
    assert!(requested.body.get("token").is_none(), "{}", requested.body);
    assert!(accessed.is_zato_ok(), "{}", accessed.body);
    assert!(completed.is_zato_ok(), "{}", completed.body);
    assert!(login(&zato, &username, NEW_PASSWORD).await.is_zato_ok());
    assert_eq!(
        login(&zato, &username, PASSWORD).await.zato_error(),
        (403, "E005001".into())
    );
}

#[tokio::test]
async fn a_signed_up_user_asks_by_their_email() {
    let zato = Zato::new();
    let username = format!("u{}", uuid::Uuid::new_v4().simple());
    let email = format!("{username}@example.com");
    zato.call(
        "POST",
        "/zato/sso/user/signup",
        &json!({"username": username, "password": PASSWORD, "email": email,
                "current_app": "CRM", "app_list": ["CRM"]}),
    )
    .await;
    let signup_token = mailed_token(&email);

    let reply = request(&zato, &email.to_uppercase()).await;

    assert!(reply.is_zato_ok(), "{}", reply.body);
    // Not confirmed and not approved: no reset is mailed, and the answer does not say so.
    assert_eq!(mailed_token(&email), signup_token);
}

#[tokio::test]
async fn an_unknown_credential_gets_the_same_answer_and_no_mail() {
    let zato = Zato::new();
    let nobody = format!("n{}@example.com", uuid::Uuid::new_v4().simple());

    let reply = request(&zato, &nobody).await;

    assert!(reply.is_zato_ok(), "{}", reply.body);
    assert!(last_mail_to(&nobody).is_none());
}

#[tokio::test]
async fn a_token_is_exchanged_for_a_reset_key_once() {
    let zato = Zato::new();
    let (username, email) = user_with_email(&zato).await;
    let (token, _) = accessed(&zato, &username, &email).await;

    let again = access(&zato, &token).await;

    assert_eq!(again.zato_error(), (403, "E005001".into()));
}

#[tokio::test]
async fn a_wrong_reset_key_changes_nothing() {
    let zato = Zato::new();
    let (username, email) = user_with_email(&zato).await;
    let (token, _) = accessed(&zato, &username, &email).await;

    let reply = complete(&zato, &token, "not-the-reset-key", NEW_PASSWORD).await;

    assert_eq!(reply.zato_error(), (403, "E005001".into()));
    assert!(login(&zato, &username, PASSWORD).await.is_zato_ok());
}

#[tokio::test]
async fn a_token_sets_a_password_once() {
    let zato = Zato::new();
    let (username, email) = user_with_email(&zato).await;
    let (token, key) = accessed(&zato, &username, &email).await;
    complete(&zato, &token, &key, NEW_PASSWORD).await;

    let again = complete(&zato, &token, &key, "another-password-2").await;

    assert_eq!(again.zato_error(), (403, "E005001".into()));
    assert!(login(&zato, &username, NEW_PASSWORD).await.is_zato_ok());
}

#[tokio::test]
async fn a_reset_ends_the_users_sessions() {
    let zato = Zato::new();
    let (username, email) = user_with_email(&zato).await;
    let ust = zato.login((&username, PASSWORD)).await;
    let (token, key) = accessed(&zato, &username, &email).await;

    complete(&zato, &token, &key, NEW_PASSWORD).await;
    let session = zato
        .call(
            "GET",
            "/zato/sso/user",
            &json!({"ust": ust, "current_app": "CRM"}),
        )
        .await;

    assert_eq!(session.zato_error(), (403, "E007001".into()));
}

#[tokio::test]
async fn a_new_password_too_short_is_refused_and_the_token_still_works() {
    let zato = Zato::new();
    let (username, email) = user_with_email(&zato).await;
    let (token, key) = accessed(&zato, &username, &email).await;

    let short = complete(&zato, &token, &key, "short").await;
    let then = complete(&zato, &token, &key, NEW_PASSWORD).await;

    assert_eq!(short.zato_error(), (403, "E003002".into()));
    assert!(then.is_zato_ok(), "{}", then.body);
}

#[tokio::test]
async fn a_users_own_change_of_email_does_not_redirect_their_reset() {
    let zato = Zato::new();
    let (username, email) = user_with_email(&zato).await;
    let ust = zato.login((&username, PASSWORD)).await;
    let thief = format!("t{}@example.com", uuid::Uuid::new_v4().simple());
    zato.call(
        "PATCH",
        "/zato/sso/user",
        &json!({"ust": ust, "current_app": "CRM", "email": thief}),
    )
    .await;

    request(&zato, &username).await;

    assert!(last_mail_to(&thief).is_none());
    assert!(last_mail_to(&email).is_some());
}

#[tokio::test]
async fn a_super_users_change_of_email_is_where_resets_go() {
    let zato = Zato::new();
    let (username, _) = user_with_email(&zato).await;
    let admin = zato.login(ZATO_ADMIN).await;
    let id = zato
        .call(
            "GET",
            "/zato/sso/user/search",
            &json!({"ust": admin, "current_app": "CRM", "username": username}),
        )
        .await
        .body["result"][0]["user_id"]
        .as_str()
        .expect("the user")
        .to_owned();
    let moved = format!("m{}@example.com", uuid::Uuid::new_v4().simple());
    zato.call(
        "PATCH",
        "/zato/sso/user",
        &json!({"ust": admin, "current_app": "CRM", "user_id": id, "email": moved}),
    )
    .await;

    request(&zato, &username).await;

    assert!(last_mail_to(&moved).is_some());
}
