//! The logs of a whole scenario through the router — every face, with credentials and values
//! that occur nowhere else — hold none of those secrets, while holding the scenario's request
//! lines. `ROUTER_LOG` is the router's log file (`make test` sets it): the functions' JSON lines
//! land there, next to the router's own output.

use std::time::{Duration, Instant};

use integration_tests::{Api, DEMO_ROLE, SailPoint, Tenant, ZATO_ADMIN, Zato, app, mailed_token};
use serde_json::{Value, json};

fn router_log_path() -> String {
    std::env::var("ROUTER_LOG").unwrap_or_else(|_| {
        panic!("ROUTER_LOG is not set: this test reads the router's log, run it with `make test`")
    })
}

fn read_log() -> String {
    String::from_utf8_lossy(&std::fs::read(router_log_path()).expect("the router log is readable"))
        .into_owned()
}

fn unique(what: &str) -> String {
    format!("{what}-{}", uuid::Uuid::new_v4().simple())
}

/// The functions' summary lines (JSON, `target: request`) after byte `from` of the log.
fn request_routes(log: &str, from: usize) -> Vec<String> {
    log.get(from..)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line.get(line.find('{')?..)?).ok())
        .filter(|v| v["target"] == "request")
        .filter_map(|v| v["route"].as_str().map(str::to_owned))
        .collect()
}

/// What the scenario sent that a log must never show.
struct Secrets(Vec<(&'static str, String)>);

impl Secrets {
    fn add(&mut self, what: &'static str, value: impl Into<String>) {
        let value = value.into();
        assert!(
            value.len() >= 8,
            "{what} is too short to search for: {value:?}"
        );
        self.0.push((what, value));
    }
}

#[tokio::test]
async fn a_full_scenario_logs_its_requests_and_no_credential_token_password_or_value() {
    // Arrange: where the log stands before the scenario.
    let from = read_log().len();
    let mut secrets = Secrets(Vec::new());

    // SlashID: a tenant's key, a person with a distinctive handle, attribute values, permissions.
    let tenant = Tenant::create(app().await).await;
    secrets.add("SlashID API key", tenant.api_key.clone());
    let api = Api::of(&tenant);
    let email = format!("{}@example.com", unique("handle"));
    let created = api
        .post(
            "/persons",
            &json!({"handles": [{"type": "email_address", "value": email}]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let person = created.result()["person_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    secrets.add("person handle", email);
    let (card, nested) = (unique("card-number"), unique("nested-secret"));
    let put = api
        .put(
            &format!("/persons/{person}/attributes"),
            &json!({"end_user_read_write": {"card": card, "deep": {"list": [nested]}}}),
        )
        .await;
    assert_eq!(put.status, 204, "{}", put.body);
    secrets.add("SlashID attribute value", card.clone());
    secrets.add("SlashID nested attribute value", nested);
    let got = api
        .get(&format!(
            "/persons/{person}/attributes?buckets=end_user_read_write"
        ))
        .await;
    assert_eq!(got.result()["end_user_read_write"]["card"], json!(card));
    api.create_permissions(&["logs:read"]).await;
    let granted = api
        .send(
            "PUT",
            &format!("/persons/{person}/permissions"),
            Some(&json!({"permissions": ["logs:read"]})),
            &[("If-Match", "*")],
        )
        .await;
    assert_eq!(granted.status, 204, "{}", granted.body);
    let wrong_key = Api::new(tenant.org.id.as_str(), &unique("wrong-api-key"));
    assert_eq!(
        wrong_key.get(&format!("/persons/{person}")).await.status,
        401
    );
    secrets.add("wrong SlashID API key", wrong_key.key());

    // SailPoint: a token from the client secret, a role's identities, a document with a value.
    let token_reply = SailPoint::with_token(None)
        .form(
            "/oauth/token",
            "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
        )
        .await;
    assert_eq!(token_reply.status, 200, "{}", token_reply.body);
    let token = token_reply.body["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    secrets.add("SailPoint client secret", "client_secret=demo-secret");
    secrets.add("SailPoint access token", token.clone());
    secrets.add(
        "SailPoint token signature",
        token.rsplit('.').next().expect("a JWT").to_owned(),
    );
    let sailpoint = SailPoint::with_token(Some(token));
    let members = sailpoint
        .get(&format!(
            "/v3/roles/{DEMO_ROLE}/assigned-identities?limit=3"
        ))
        .await;
    assert_eq!(members.status, 200, "{}", members.body);
    let (doc_id, doc_value) = (
        uuid::Uuid::new_v4().simple().to_string(),
        unique("document-value"),
    );
    let doc =
        json!({"id": doc_id, "name": "Log check", "_type": "entitlement", "secret": doc_value});
    let stored = sailpoint
        .call(
            "PUT",
            &format!("/v3/search/entitlements/{doc_id}"),
            Some(&doc),
        )
        .await;
    assert_eq!(stored.status, 200, "{}", stored.body);
    secrets.add("SailPoint document value", doc_value);
    let refused = sailpoint
        .form(
            "/oauth/token",
            &format!(
                "grant_type=client_credentials&client_id=demo-client&client_secret={}",
                unique("wrong-secret")
            ),
        )
        .await;
    assert_eq!(refused.status, 401, "{}", refused.body);

    // Zato: a new user with a distinctive password, a wrong password, a session, an attribute.
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    secrets.add("Zato admin UST", admin.clone());
    secrets.add("Zato admin password", ZATO_ADMIN.1);
    let (username, password) = (unique("u"), unique("password"));
    let user = zato
        .call(
            "POST",
            "/zato/sso/user",
            &json!({"ust": admin, "current_app": "CRM", "username": username, "password": password}),
        )
        .await;
    assert_eq!(user.status, 200, "{}", user.body);
    let user_id = user.body["user_id"].as_str().expect("a user id").to_owned();
    let approved = zato
        .call(
            "POST",
            "/zato/sso/user/approve",
            &json!({"ust": admin, "current_app": "CRM", "user_id": user_id}),
        )
        .await;
    assert!(approved.is_zato_ok(), "{}", approved.body);
    secrets.add("Zato password", password.clone());
    let wrong_password = unique("wrong-password");
    let bad_login = zato
        .call(
            "POST",
            "/zato/sso/user/login",
            &json!({"username": username, "password": wrong_password, "current_app": "CRM"}),
        )
        .await;
    assert_eq!(bad_login.zato_error().1, "E005001");
    secrets.add("wrong Zato password", wrong_password);
    let ust = zato.login((&username, &password)).await;
    secrets.add("Zato UST", ust.clone());
    let (plain, sealed) = (unique("zato-plain-value"), unique("zato-sealed-value"));
    for (name, value, encrypt) in [("plain", &plain, false), ("sealed", &sealed, true)] {
        let set = zato
            .call(
                "POST",
                "/zato/sso/user/attr",
                &json!({"ust": ust, "current_app": "CRM", "name": name, "value": value, "encrypt": encrypt}),
            )
            .await;
        assert!(set.is_zato_ok(), "{}", set.body);
    }
    let read = zato
        .call(
            "GET",
            "/zato/sso/user/attr",
            &json!({"ust": ust, "current_app": "CRM", "data": ["plain", "sealed"]}),
        )
        .await;
    assert_eq!(
        read.body["result"]["sealed"]["value"],
        json!(sealed),
        "{}",
        read.body
    );
    secrets.add("Zato attribute value", plain);
    secrets.add("Zato encrypted attribute value", sealed);
    // A UST in the query string, as some Zato clients send it.
    // Signup, its confirmation and a password reset: the mailed tokens, the reset key and the
    // passwords; a TOTP key and a code.
    let applicant = unique("signup");
    let email = format!("{applicant}@example.com");
    let signup_password = unique("signup-password");
    secrets.add("a signup password", signup_password.as_str());
    let signed_up = zato
        .call(
            "POST",
            "/zato/sso/user/signup",
            &json!({"username": applicant, "password": signup_password, "email": email,
                    "current_app": "CRM", "app_list": ["CRM"]}),
        )
        .await;
    assert!(signed_up.is_zato_ok(), "{}", signed_up.body);
    let confirm_token = mailed_token(&email);
    secrets.add("a signup confirmation token", confirm_token.as_str());
    zato.call(
        "PATCH",
        "/zato/sso/user/signup",
        &json!({"confirm_token": confirm_token, "current_app": "CRM"}),
    )
    .await;
    let reset_email = format!("{username}@example.com");
    zato.call(
        "PATCH",
        "/zato/sso/user",
        &json!({"ust": admin, "current_app": "CRM", "user_id": user_id, "email": reset_email}),
    )
    .await;
    zato.call(
        "POST",
        "/zato/sso/password/reset",
        &json!({"credential": username, "current_app": "CRM"}),
    )
    .await;
    let reset_token = mailed_token(&reset_email);
    secrets.add("a password reset token", reset_token.as_str());
    let accessed = zato
        .call(
            "PATCH",
            "/zato/sso/password/reset",
            &json!({"token": reset_token, "current_app": "CRM"}),
        )
        .await;
    let reset_key = accessed.body["reset_key"].as_str().expect("a reset key");
    secrets.add("a password reset key", reset_key);
    let reset_password = unique("reset-password");
    secrets.add("a password set by a reset", reset_password.as_str());
    let completed = zato
        .call(
            "DELETE",
            "/zato/sso/password/reset",
            &json!({"token": reset_token, "reset_key": reset_key, "password": reset_password,
                    "current_app": "CRM"}),
        )
        .await;
    assert!(completed.is_zato_ok(), "{}", completed.body);
    let ust = zato.login((&username, &reset_password)).await;
    let totp = zato
        .call(
            "PATCH",
            "/zato/sso/user/totp",
            &json!({"ust": ust, "current_app": "CRM"}),
        )
        .await;
    let totp_key = totp.body["totp_key"].as_str().expect("a generated key");
    secrets.add("a TOTP key", totp_key);

    let query_read = zato
        .call(
            "GET",
            &format!("/zato/sso/user/attr/names?current_app=CRM&ust={ust}"),
            &json!({}),
        )
        .await;
    assert!(query_read.is_zato_ok(), "{}", query_read.body);

    // Act: wait (bounded) until the last request's line is in the log.
    let deadline = Instant::now() + Duration::from_secs(15);
    let routes = loop {
        let routes = request_routes(&read_log(), from);
        if routes.iter().any(|r| r == "GET /zato/sso/user/attr/names") || Instant::now() > deadline
        {
            break routes;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let log = read_log();

    // Assert: the scenario logged, and nothing it sent is in the log.
    for route in [
        "POST /persons",
        "PUT /persons/{person_id}/attributes",
        "GET /persons/{person_id}/attributes",
        "PUT /persons/{person_id}/permissions",
        "GET /persons/{person_id}",
        "POST /oauth/token",
        "GET /v3/roles/{id}/assigned-identities",
        "PUT /v3/search/{index}/{id}",
        "POST /zato/sso/user/login",
        "POST /zato/sso/user/attr",
        "GET /zato/sso/user/attr",
        "GET /zato/sso/user/attr/names",
    ] {
        assert!(
            routes.iter().any(|r| r == route),
            "no log line for {route}; logged: {routes:?}"
        );
    }
    let leaked: Vec<String> = secrets
        .0
        .iter()
        .filter_map(|(what, value)| {
            log.lines()
                .find(|line| line.contains(value.as_str()))
                .map(|line| format!("{what} in: {line}"))
        })
        .collect();
    assert!(
        leaked.is_empty(),
        "secrets in {}:\n{}",
        router_log_path(),
        leaked.join("\n")
    );
}
