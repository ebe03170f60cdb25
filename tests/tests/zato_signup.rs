//! Signing up through the router: `User.signup` (`POST /zato/sso/user/signup`) and
//! `User.confirm_signup` (`PATCH /zato/sso/user/signup`, and `POST …/signup/confirm` as its
//! REST page prints it), first as Zato 3.2's examples show them. The confirmation token is
//! read from the local stack's outbox, as the user would read it from their mail.

use integration_tests::{DEMO_ORG, Reply, ZATO_ADMIN, Zato, last_mail_to, mailed_token};
use serde_json::{Value, json};

const PASSWORD: &str = "8CpzwqsiaQO.U.pOKOjsxhoGHAlJ8KaX6wq0CH6NKUvTYuPQP5Tw";
const SIGNUP: &str = "/zato/sso/user/signup";

struct Applicant {
    username: String,
    email: String,
}

fn applicant() -> Applicant {
    let name = format!("u{}", uuid::Uuid::new_v4().simple());
    Applicant {
        email: format!("{name}@example.com"),
        username: name,
    }
}

fn signup_body(a: &Applicant) -> Value {
    json!({"username": a.username, "password": PASSWORD, "email": a.email,
           "current_app": "CRM", "app_list": ["CRM"]})
}

async fn sign_up(zato: &Zato, a: &Applicant) -> Reply {
    zato.call("POST", SIGNUP, &signup_body(a)).await
}

async fn confirm(zato: &Zato, token: &str) -> Reply {
    zato.call(
        "PATCH",
        SIGNUP,
        &json!({"confirm_token": token, "current_app": "CRM"}),
    )
    .await
}

async fn login(zato: &Zato, a: &Applicant) -> Reply {
    zato.call(
        "POST",
        "/zato/sso/user/login",
        &json!({"username": a.username, "password": PASSWORD, "current_app": "CRM"}),
    )
    .await
}

/// A super-user approves the signed-up user.
async fn approve(zato: &Zato, a: &Applicant) {
    let admin = zato.login(ZATO_ADMIN).await;
    let approved = zato
        .call(
            "POST",
            "/zato/sso/user/approve",
            &json!({"ust": admin, "current_app": "CRM", "user_id": user_id(a).await}),
        )
        .await;
    assert!(approved.is_zato_ok(), "{}", approved.body);
}

/// The signed-up user's id: their username's person (a Zato user is a person of the graph).
async fn user_id(a: &Applicant) -> String {
    let app = integration_tests::app().await;
    let org = idgraph::ids::OrgId::parse(DEMO_ORG).unwrap();
    let org = idgraph::store::orgs::get(&app.db, &org)
        .await
        .unwrap()
        .unwrap();
    idgraph::store::sso_users::find_by_credential(&app.db, &org, &a.username)
        .await
        .unwrap()
        .expect("the signed-up user")
        .id
        .to_string()
}

#[tokio::test]
async fn a_signup_as_the_doc_example_mails_the_token_and_does_not_answer_it() {
    let zato = Zato::new();
    let a = applicant();

    let reply = sign_up(&zato, &a).await;

    assert!(reply.is_zato_ok(), "{}", reply.body);
    assert!(reply.body.get("confirm_token").is_none(), "{}", reply.body);
    let token = mailed_token(&a.email);
    assert!(!reply.body.to_string().contains(&token));
}

#[tokio::test]
async fn a_confirmed_user_waits_for_approval_then_logs_in() {
    let zato = Zato::new();
    let a = applicant();
    sign_up(&zato, &a).await;

    let confirmed = confirm(&zato, &mailed_token(&a.email)).await;
    let before_approval = login(&zato, &a).await;
    approve(&zato, &a).await;
    let after_approval = login(&zato, &a).await;

    assert!(confirmed.is_zato_ok(), "{}", confirmed.body);
    assert_eq!(before_approval.zato_error(), (403, "E005004".into()));
    assert!(after_approval.is_zato_ok(), "{}", after_approval.body);
}

#[tokio::test]
async fn the_rest_pages_confirmation_route_confirms_too() {
    let zato = Zato::new();
    let a = applicant();
    sign_up(&zato, &a).await;

    let confirmed = zato
        .call(
            "POST",
            "/zato/sso/user/signup/confirm",
            &json!({"confirm_token": mailed_token(&a.email), "current_app": "CRM"}),
        )
        .await;
    approve(&zato, &a).await;

    assert!(confirmed.is_zato_ok(), "{}", confirmed.body);
    assert!(login(&zato, &a).await.is_zato_ok());
}

#[tokio::test]
async fn an_approved_user_who_has_not_confirmed_cannot_log_in() {
    let zato = Zato::new();
    let a = applicant();
    sign_up(&zato, &a).await;
    approve(&zato, &a).await;

    let reply = login(&zato, &a).await;

    assert_eq!(reply.zato_error(), (403, "E005003".into()));
}

#[tokio::test]
async fn a_token_confirms_once() {
    let zato = Zato::new();
    let a = applicant();
    sign_up(&zato, &a).await;
    let token = mailed_token(&a.email);
    confirm(&zato, &token).await;

    let again = confirm(&zato, &token).await;

    assert_eq!(again.zato_error(), (403, "E005007".into()));
}

#[tokio::test]
async fn an_unknown_token_confirms_nothing() {
    let zato = Zato::new();

    let reply = confirm(&zato, "3x1gr0uXmM95wW7QsWuq7-VmPU1ueXLn").await;

    assert_eq!(reply.zato_error(), (403, "E005006".into()));
}

#[tokio::test]
async fn a_signup_without_an_email_is_refused() {
    let zato = Zato::new();
    let a = applicant();
    let mut body = signup_body(&a);
    body.as_object_mut().unwrap().remove("email");

    let reply = zato.call("POST", SIGNUP, &body).await;

    assert_eq!(reply.zato_error(), (403, "E002005".into()));
}

#[tokio::test]
async fn an_email_signed_up_with_already_is_refused() {
    let zato = Zato::new();
    let first = applicant();
    sign_up(&zato, &first).await;
    let second = Applicant {
        email: first.email.to_uppercase(),
        ..applicant()
    };

    let reply = sign_up(&zato, &second).await;

    assert_eq!(reply.zato_error(), (403, "E002002".into()));
}

#[tokio::test]
async fn a_taken_username_is_refused() {
    let zato = Zato::new();
    let first = applicant();
    sign_up(&zato, &first).await;
    let second = Applicant {
        username: first.username.clone(),
        ..applicant()
    };

    let reply = sign_up(&zato, &second).await;

    assert_eq!(reply.zato_error(), (403, "E001002".into()));
}

#[tokio::test]
async fn an_app_that_does_not_take_signups_refuses_them() {
    let zato = Zato::new();
    let a = applicant();
    let mut body = signup_body(&a);
    body["current_app"] = json!("demo");

    let reply = zato.call("POST", SIGNUP, &body).await;

    assert_eq!(reply.zato_error(), (403, "E004002".into()));
    assert!(last_mail_to(&a.email).is_none());
}

#[tokio::test]
async fn an_app_list_naming_an_unknown_app_is_refused() {
    let zato = Zato::new();
    let a = applicant();
    let mut body = signup_body(&a);
    body["app_list"] = json!(["CRM", "ERP"]);

    let reply = zato.call("POST", SIGNUP, &body).await;

    assert_eq!(reply.zato_error(), (200, "E004001".into()));
}

#[tokio::test]
async fn a_super_user_sees_a_signup_before_its_confirmation() {
    let zato = Zato::new();
    let a = applicant();
    sign_up(&zato, &a).await;
    let id = user_id(&a).await;
    let admin = zato.login(ZATO_ADMIN).await;

    let user = zato
        .call(
            "GET",
            "/zato/sso/user",
            &json!({"ust": admin, "current_app": "CRM", "user_id": id}),
        )
        .await;

    assert_eq!(user.body["sign_up_status"], "before_confirmation");
    assert_eq!(user.body["approval_status"], "before_decision");
    assert_eq!(user.body["email"], a.email.as_str());
}

#[tokio::test]
async fn a_super_user_finds_signups_awaiting_confirmation_by_their_status() {
    let zato = Zato::new();
    let a = applicant();
    sign_up(&zato, &a).await;
    let admin = zato.login(ZATO_ADMIN).await;
    let search = |status: &'static str| {
        let body = json!({"ust": admin, "current_app": "CRM", "email": a.email,
                          "sign_up_status": status});
        let zato = &zato;
        async move { zato.call("GET", "/zato/sso/user/search", &body).await }
    };

    let awaiting = search("before_confirmation").await;
    let done = search("final").await;

    assert_eq!(awaiting.body["total"], 1, "{}", awaiting.body);
    assert_eq!(awaiting.body["result"][0]["username"], a.username.as_str());
    assert_eq!(done.body["total"], 0, "{}", done.body);
}

#[tokio::test]
async fn a_refused_signup_mails_nothing() {
    let zato = Zato::new();
    let first = applicant();
    sign_up(&zato, &first).await;
    let second = Applicant {
        username: first.username.clone(),
        ..applicant()
    };

    sign_up(&zato, &second).await;

    assert!(last_mail_to(&second.email).is_none());
}
