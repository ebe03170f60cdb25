//! Security events leave a trace: each request line names the org, the principal (never a
//! secret) and how authentication went, with a reason code; refused callers, failed logins,
//! lockouts and privileged writes each leave an audit event carrying both request ids.
//! Requests run through `runtime::respond`, exactly as Lambda runs them.

use idgraph::auth::sha256_hex;
use idgraph::faces::Face;
use idgraph::runtime::respond;
use integration_tests::{
    DEMO_ORG, DEMO_PERSON, Event, SailPoint, Tenant, ZATO_ADMIN, app, get_person, read,
    zato_login_event,
};
use serde_json::{Value, json};

/// Every JSON line the functions logged so far in this test process.
fn log() -> Vec<Value> {
    integration_tests::captured_log()
}

/// The lines of one request, by the API Gateway request id the event carried.
fn lines_of(apigw_request_id: &str) -> Vec<Value> {
    log()
        .into_iter()
        .filter(|l| l["apigw_request_id"] == apigw_request_id)
        .collect()
}

fn request_line(apigw_request_id: &str) -> Value {
    let lines: Vec<Value> = lines_of(apigw_request_id)
        .into_iter()
        .filter(|l| l["target"] == "request")
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0].clone()
}

fn audit_events(apigw_request_id: &str) -> Vec<String> {
    lines_of(apigw_request_id)
        .iter()
        .filter(|l| l["target"] == "audit")
        .map(|l| l["event"].as_str().unwrap().to_owned())
        .collect()
}

/// Runs `event` through the runtime under a fresh API Gateway request id; that id.
async fn run<H, F>(face: Face, handler: H, event: Event) -> String
where
    H: Fn(&'static idgraph::App, lambda_http::Request) -> F,
    F: std::future::Future<Output = lambda_http::Response<lambda_http::Body>> + Send + 'static,
{
    log();
    let id = format!("apigw-{}", uuid::Uuid::new_v4().simple());
    let mut json = event.to_json();
    json["requestContext"]["requestId"] = json!(id);
    let req = lambda_http::request::from_str(&json.to_string()).unwrap();
    respond(app().await, face, handler, req).await;
    id
}

#[tokio::test]
async fn a_served_request_names_its_org_and_principal_and_no_secret() {
    let tenant = Tenant::create(app().await).await;
    let event = get_person(DEMO_PERSON, tenant.org.id.as_str(), Some(&tenant.api_key));

    let id = run(Face::SlashId, slashid_get_person::handle, event).await;

    let line = request_line(&id);
    assert_eq!(line["org"], tenant.org.id.as_str());
    assert_eq!(
        line["principal"],
        format!("apikey:{}", &sha256_hex(&tenant.api_key)[..12])
    );
    assert_eq!(
        (line["auth"].as_str(), line["auth_reason"].as_str()),
        (Some("allowed"), Some(""))
    );
    assert!(
        !lines_of(&id)
            .iter()
            .any(|l| l.to_string().contains(&tenant.api_key))
    );
    assert!(audit_events(&id).is_empty());
}

#[tokio::test]
async fn an_unknown_api_key_is_a_denied_line_and_an_access_denied_event() {
    let event = get_person(DEMO_PERSON, DEMO_ORG, Some("not-a-key-of-anyone-at-all"));

    let id = run(Face::SlashId, slashid_get_person::handle, event).await;

    let line = request_line(&id);
    assert_eq!(
        (line["status"].as_u64(), line["auth"].as_str()),
        (Some(401), Some("denied"))
    );
    assert_eq!(line["auth_reason"], "unknown_key");
    assert_eq!(audit_events(&id), ["access_denied"]);
}

#[tokio::test]
async fn another_orgs_key_is_denied_with_its_own_reason() {
    let tenant = Tenant::create(app().await).await;
    let event = get_person(DEMO_PERSON, DEMO_ORG, Some(&tenant.api_key));

    let id = run(Face::SlashId, slashid_get_person::handle, event).await;

    let line = request_line(&id);
    assert_eq!(
        (line["status"].as_u64(), line["auth_reason"].as_str()),
        (Some(403), Some("key_of_another_org"))
    );
    assert_eq!(audit_events(&id), ["access_denied"]);
}

#[tokio::test]
async fn a_sailpoint_token_without_the_scope_is_denied_and_names_its_client() {
    let tenant = Tenant::create(app().await).await;
    let token = SailPoint::token_for(&tenant.org, &["sp:search:read"]);
    let event = Event::new(
        "GET",
        "/v3/roles/{id}/assigned-identities",
        "/v3/roles/r1/assigned-identities",
    )
    .path_param("id", "r1")
    .header("authorization", &format!("Bearer {token}"));

    let id = run(
        Face::SailPoint,
        sailpoint_assigned_identities::handle,
        event,
    )
    .await;

    let line = request_line(&id);
    assert_eq!(
        (line["status"].as_u64(), line["auth_reason"].as_str()),
        (Some(403), Some("missing_scope"))
    );
    assert_eq!(line["principal"], "oauth:test-client");
    assert_eq!(line["org"], tenant.org.id.as_str());
    assert_eq!(audit_events(&id), ["access_denied"]);
}

/// A UST of this demo user, from a login outside the runtime.
async fn ust_of((username, password): (&str, &str)) -> String {
    let resp = zato_login::handle(app().await, zato_login_event(username, password).build()).await;
    read(&resp).1["ust"].as_str().expect("a ust").to_owned()
}

/// A login through the runtime; its request id.
async fn login(username: &str, password: &str) -> String {
    run(
        Face::Zato,
        zato_login::handle,
        zato_login_event(username, password),
    )
    .await
}

#[tokio::test]
async fn failed_logins_then_the_lockout_then_the_refusal_each_leave_their_event() {
    let username = format!("audit{}", uuid::Uuid::new_v4().simple());
    let threshold = app().await.config.sso_login_lockout.max_failures;
    let mut events = Vec::new();

    for _ in 0..=threshold {
        events.push(audit_events(&login(&username, "wrong-password").await));
    }

    let failed = vec!["login_failed".to_owned(), "access_denied".to_owned()];
    for e in &events[..threshold as usize - 1] {
        assert_eq!(e, &failed);
    }
    assert_eq!(
        events[threshold as usize - 1],
        ["login_failed", "lockout", "access_denied"]
    );
    assert_eq!(events[threshold as usize], ["access_denied"]);
    let refusal = lines_of(&login(&username, "wrong-password").await);
    let line = refusal.iter().find(|l| l["target"] == "request").unwrap();
    assert_eq!(line["auth_reason"], "locked_out");
    assert!(
        !refusal.iter().any(|l| l.to_string().contains(&username)),
        "{refusal:?}"
    );
}

#[tokio::test]
async fn a_successful_login_is_an_event_naming_the_user() {
    let id = login(ZATO_ADMIN.0, ZATO_ADMIN.1).await;

    assert_eq!(audit_events(&id), ["login_succeeded"]);
    let line = request_line(&id);
    assert_eq!(
        (line["auth"].as_str(), line["org"].as_str()),
        (Some("allowed"), Some(DEMO_ORG))
    );
    assert!(line["principal"].as_str().unwrap().starts_with("zato:zusr"));
}

#[tokio::test]
async fn creating_a_sub_organization_is_a_privileged_write_event() {
    let tenant = Tenant::create(app().await).await;
    let event = Event::new(
        "POST",
        "/organizations/suborganizations",
        "/organizations/suborganizations",
    )
    .headers(tenant.headers())
    .json(&json!({"sub_org_name": "Audited", "admins": []}));

    let id = run(Face::SlashId, slashid_create_suborganization::handle, event).await;

    assert_eq!(audit_events(&id), ["suborganization_created"]);
    assert_eq!(request_line(&id)["status"], 200);
}

#[tokio::test]
async fn zato_user_creation_approval_and_deletion_are_privileged_write_events() {
    let admin_ust = ust_of(ZATO_ADMIN).await;
    let zato = |method: &str, path: &str, body: Value| Event::new(method, path, path).json(&body);
    let username = format!("aud{}", uuid::Uuid::new_v4().simple());

    let created = run(
        Face::Zato,
        zato_create_user::handle,
        zato(
            "POST",
            "/zato/sso/user",
            json!({"ust": admin_ust, "current_app": "CRM", "username": username}),
        ),
    )
    .await;
    let user_id = lines_of(&created)
        .iter()
        .find(|l| l["event"] == "sso_user_created")
        .map(|l| l["subject"].as_str().unwrap().to_owned())
        .expect("a creation event");
    let approved = run(
        Face::Zato,
        zato_approve_user::handle,
        zato(
            "POST",
            "/zato/sso/user/approve",
            json!({"ust": admin_ust, "current_app": "CRM", "user_id": user_id}),
        ),
    )
    .await;
    let deleted = run(
        Face::Zato,
        zato_delete_user::handle,
        zato(
            "DELETE",
            "/zato/sso/user",
            json!({"ust": admin_ust, "current_app": "CRM", "user_id": user_id}),
        ),
    )
    .await;

    assert_eq!(audit_events(&created), ["sso_user_created"]);
    assert_eq!(audit_events(&approved), ["sso_user_approved"]);
    assert_eq!(audit_events(&deleted), ["sso_user_deleted"]);
    assert!(
        request_line(&deleted)["principal"]
            .as_str()
            .unwrap()
            .starts_with("zato:")
    );
}

#[tokio::test]
async fn renewing_another_users_session_is_a_privileged_event() {
    let (admin, theirs) = (
        ust_of(ZATO_ADMIN).await,
        ust_of(integration_tests::ZATO_JDOE).await,
    );
    let event = Event::new("PATCH", "/zato/sso/user/session", "/zato/sso/user/session")
        .json(&json!({"current_ust": admin, "target_ust": theirs, "current_app": "CRM"}));

    let id = run(Face::Zato, zato_renew_session::handle, event).await;

    assert_eq!(request_line(&id)["status"], 200);
    assert_eq!(audit_events(&id), ["session_renewed_for_another"]);
}
