//! SailPoint face: OAuth client credentials, bearer tokens, scopes and tenancy.

use std::collections::BTreeMap;

use integration_tests::{
    Api, DEMO_PERSON, DEMO_ROLE, Event, SailPoint, SailPointTenant, app, read, router_url,
};
use serde_json::json;

const ASSIGNED: &str = "/v3/roles/2c91808c6faadea6016fb4f2bc69077b/assigned-identities?limit=1";

#[tokio::test]
async fn client_credentials_in_a_form_body_get_a_bearer_token() {
    let reply = SailPoint::with_token(None)
        .form(
            "/oauth/token",
            "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["token_type"], "bearer");
    assert_eq!(reply.body["expires_in"], 749);
    assert_eq!(
        reply.body["access_token"]
            .as_str()
            .unwrap()
            .split('.')
            .count(),
        3
    );
}

#[tokio::test]
async fn client_credentials_in_multipart_form_data_work_as_the_docs_curl_sends_them() {
    let form = reqwest::multipart::Form::new()
        .text("grant_type", "client_credentials")
        .text("client_id", "demo-client")
        .text("client_secret", "demo-secret");
    let resp = reqwest::Client::new()
        .post(format!("{}/oauth/token", integration_tests::router_url()))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

#[tokio::test]
async fn a_wrong_secret_is_an_invalid_client() {
    let reply = SailPoint::with_token(None)
        .form(
            "/oauth/token",
            "grant_type=client_credentials&client_id=demo-client&client_secret=nope",
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body["error"], "invalid_client");
}

#[tokio::test]
async fn another_grant_type_is_unsupported() {
    let reply = SailPoint::with_token(None)
        .form("/oauth/token", "grant_type=password&client_id=demo-client")
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn a_request_without_a_token_is_refused_with_a_jwt_error() {
    let reply = SailPoint::with_token(None).get(ASSIGNED).await;
    assert_eq!(reply.status, 401);
    assert!(
        reply.body["error"]
            .as_str()
            .unwrap()
            .starts_with("JWT validation failed:")
    );
}

#[tokio::test]
async fn a_malformed_or_forged_token_is_refused() {
    for token in ["garbage", "a.b.c"] {
        let reply = SailPoint::with_token(Some(token.into()))
            .get(ASSIGNED)
            .await;
        assert_eq!(reply.status, 401, "{token}");
    }
    // A signature character well inside the signature: the last one carries padding bits a
    // decoder may ignore, so changing it can leave the signature as it was.
    let mut forged = SailPoint::token_for(&demo_org(), &["sp:scopes:all"]).into_bytes();
    let i = forged.len() - 10;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).expect("ASCII");
    let reply = SailPoint::with_token(Some(forged)).get(ASSIGNED).await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn an_expired_token_is_refused_as_expired() {
    let an_hour_ago = idgraph::jwt::now() - 3600;
    let token = SailPoint::token_issued_at(
        an_hour_ago,
        749,
        &demo_org(),
        "demo-client",
        &["sp:scopes:all"],
    );
    let reply = SailPoint::with_token(Some(token)).get(ASSIGNED).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.body["error"], "JWT validation failed: JWT is expired");
}

#[tokio::test]
async fn a_token_without_the_scope_is_forbidden() {
    let reply = SailPoint::with_token(None)
        .form(
            "/oauth/token",
            "grant_type=client_credentials&client_id=demo-search-reader&client_secret=demo-search-reader-secret",
        )
        .await;
    let reader = SailPoint::with_token(reply.body["access_token"].as_str().map(str::to_owned));
    let reply = reader.get(ASSIGNED).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.sailpoint_error().0, "403 Forbidden");
}

#[tokio::test]
async fn another_organizations_token_sees_none_of_the_demo_data() {
    let other = SailPointTenant::create(app().await).await;
    let role = other.api.get(&format!("/v3/roles/{DEMO_ROLE}")).await;
    assert_eq!(role.status, 404);
    let members = other
        .api
        .get(&format!("/v3/roles/{DEMO_ROLE}/assigned-identities"))
        .await;
    assert_eq!(members.status, 404);
    assert!(!members.body.to_string().contains("t.edison"));
    let doc = other
        .api
        .get("/v3/search/identities/2c9180a46faadee4016fb4e018c20639")
        .await;
    assert_eq!(doc.status, 404);
    let listed = other.api.get("/v3/roles").await;
    assert_eq!(listed.body, json!([]));
}

/// The demo client's token as the event files carried it before tokens became ES256: HS256,
/// signed with the former demo secret, valid until 2036.
const FORMER_HS256_DEMO_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImRlbW8tMjAyNiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZW1vLWNsaWVudCIsIm9yZyI6ImFmNWZiZDMwLTdjZTctNDU0OC04YjMwLTRjZDU5Y2IyYWJhMSIsInBvb2wiOiJhZjVmYmQzMC03Y2U3LTQ1NDgtOGIzMC00Y2Q1OWNiMmFiYTEiLCJzY29wZSI6InNwOnNjb3BlczphbGwiLCJpc3MiOiJpZGdyYXBoIiwiaWF0IjoxNzk1MzQ4ODAwLCJleHAiOjIxMTA4ODE2MDAsImp0aSI6ImRlbW8tZXZlbnQtdG9rZW4ifQ.dma9OYICzD6brBPvNGSf9hh6DJcKJ_NoXSDKqCFM32Y";

#[tokio::test]
async fn a_token_signed_with_the_former_hs256_demo_secret_is_refused() {
    let reply = SailPoint::with_token(Some(FORMER_HS256_DEMO_TOKEN.into()))
        .get(ASSIGNED)
        .await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(
        reply.body["error"],
        "JWT validation failed: JWT algorithm is not ES256"
    );
}

/// The environment each function process of this router started with, by function name
/// (Linux: `/proc/<pid>/environ`). The router names a process's function and its own address
/// in `AWS_LAMBDA_FUNCTION_NAME` and `AWS_LAMBDA_RUNTIME_API`, so other routers' functions on
/// this machine are not mistaken for ours.
fn function_environments() -> Vec<(String, BTreeMap<String, String>)> {
    // `http://127.0.0.1:<port>/.rt/<function>`: the router's own address.
    let address = router_url().trim_end_matches('/').to_owned() + "/";
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("a Linux /proc") {
        let path = entry.expect("a /proc entry").path();
        // Processes of other users, or gone since the listing, cannot be read: not ours.
        let Ok(raw) = std::fs::read(path.join("environ")) else {
            continue;
        };
        let env: BTreeMap<String, String> = raw
            .split(|b| *b == 0)
            .filter_map(|var| std::str::from_utf8(var).ok()?.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let ours = env
            .get("AWS_LAMBDA_RUNTIME_API")
            .is_some_and(|api| api.starts_with(&address));
        if let (true, Some(name)) = (ours, env.get("AWS_LAMBDA_FUNCTION_NAME")) {
            found.push((name.clone(), env));
        }
    }
    found
}

#[tokio::test]
async fn only_the_token_functions_process_holds_the_token_signing_key() {
    // Start one function of each face (the router starts a function on its first request).
    let token = SailPoint::demo().await;
    assert_eq!(token.get(ASSIGNED).await.status, 200);
    assert_eq!(
        Api::demo()
            .get(&format!("/persons/{DEMO_PERSON}"))
            .await
            .status,
        200
    );
    let zato = integration_tests::Zato::new();
    let _ = zato.login(integration_tests::ZATO_ADMIN).await;

    let processes = function_environments();

    let names: Vec<&str> = processes.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "sailpoint-token",
        "sailpoint-assigned-identities",
        "slashid-get-person",
        "zato-login",
    ] {
        assert!(
            names.contains(&expected),
            "no {expected} process among {names:?}"
        );
    }
    for (name, env) in &processes {
        let holds_key = env.contains_key("JWT_LOCAL_SIGNING_KEY");
        assert_eq!(
            holds_key,
            name == "sailpoint-token",
            "{name}: JWT_LOCAL_SIGNING_KEY"
        );
        assert!(
            !env.contains_key("JWT_SIGNING_KEYS"),
            "{name} holds JWT_SIGNING_KEYS"
        );
    }
}

// ---- forms are bounded like JSON bodies (issue 14) --------------------------------------------

const CREDENTIALS: &str =
    "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret";

fn token_form(body: &str) -> Event {
    Event::new("POST", "/oauth/token", "/oauth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .raw_body(body)
}

/// A multipart body of the demo credentials and `extra` parts.
fn token_multipart(extra: &[(String, String)]) -> Event {
    let mut parts = vec![
        ("grant_type".to_owned(), "client_credentials".to_owned()),
        ("client_id".to_owned(), "demo-client".to_owned()),
        ("client_secret".to_owned(), "demo-secret".to_owned()),
    ];
    parts.extend_from_slice(extra);
    let mut body = String::new();
    for (name, value) in parts {
        body.push_str(&format!(
            "--XBOUNDARY\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str("--XBOUNDARY--\r\n");
    Event::new("POST", "/oauth/token", "/oauth/token")
        .header("content-type", "multipart/form-data; boundary=XBOUNDARY")
        .raw_body(&body)
}

/// Status and body of the token endpoint's answer, run in-process as Lambda runs it.
async fn token(event: Event) -> (u16, serde_json::Value) {
    read(&sailpoint_token::handle(app().await, event.build()).await)
}

/// The OAuth error `(status, error)` of a token answer, checking its shape.
async fn oauth_error(event: Event) -> (u16, String) {
    let (status, body) = token(event).await;
    assert!(body["error_description"].is_string(), "{body}");
    (
        status,
        body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned(),
    )
}

fn many_fields(n: usize) -> String {
    (0..n).map(|i| format!("&f{i}=x")).collect()
}

#[tokio::test]
async fn a_token_form_of_32_fields_of_4_kib_each_gets_a_token() {
    let pad = "x".repeat(4096);
    let body = format!("{CREDENTIALS}{}&scope={pad}", many_fields(28));
    let (status, body) = token(token_form(&body)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_token_form_body_over_the_json_body_limit_is_a_413_invalid_request() {
    let body = format!("{CREDENTIALS}&pad={}", "x".repeat(1024 * 1024));
    assert_eq!(
        oauth_error(token_form(&body)).await,
        (413, "invalid_request".into())
    );
}

#[tokio::test]
async fn a_token_form_of_more_than_32_fields_is_a_400_invalid_request() {
    let body = format!("{CREDENTIALS}{}", many_fields(30));
    assert_eq!(
        oauth_error(token_form(&body)).await,
        (400, "invalid_request".into())
    );
}

#[tokio::test]
async fn a_token_form_field_over_4_kib_is_a_400_invalid_request() {
    let body = format!("{CREDENTIALS}&scope={}", "x".repeat(4097));
    assert_eq!(
        oauth_error(token_form(&body)).await,
        (400, "invalid_request".into())
    );
}

#[tokio::test]
async fn a_multipart_token_part_over_4_kib_is_a_400_invalid_request() {
    let event = token_multipart(&[("scope".into(), "x".repeat(4097))]);
    assert_eq!(oauth_error(event).await, (400, "invalid_request".into()));
}

#[tokio::test]
async fn a_multipart_token_form_of_more_than_32_parts_is_a_400_invalid_request() {
    let extra: Vec<(String, String)> = (0..30).map(|i| (format!("f{i}"), "x".into())).collect();
    assert_eq!(
        oauth_error(token_multipart(&extra)).await,
        (400, "invalid_request".into())
    );
}

#[tokio::test]
async fn a_multipart_token_body_over_the_json_body_limit_is_a_413_invalid_request() {
    let event = token_multipart(&[("pad".into(), "x".repeat(1024 * 1024))]);
    assert_eq!(oauth_error(event).await, (413, "invalid_request".into()));
}

fn demo_org() -> idgraph::store::orgs::Organization {
    let id = idgraph::ids::OrgId::parse(integration_tests::DEMO_ORG).unwrap();
    idgraph::store::orgs::Organization::root(id, "demo")
}
