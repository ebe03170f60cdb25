//! POST /persons and GET /persons/{person_id}: handlers called in-process with API Gateway
//! events, against DynamoDB Local.

use integration_tests::{Event, Tenant, app, get_person, read, slashid_error, unique_email};
use serde_json::{Value, json};

fn create(tenant: &Tenant, body: &Value) -> Event {
    Event::new("POST", "/persons", "/persons")
        .headers(tenant.headers())
        .json(body)
}

fn get(tenant: &Tenant, id: &str) -> Event {
    get_person(id, tenant.org.id.as_str(), Some(&tenant.api_key))
}

async fn create_person(app: &'static idgraph::App, tenant: &Tenant, email: &str) -> String {
    let body = json!({"handles": [{"type": "email_address", "value": email}]});
    let (status, body) =
        read(&slashid_create_person::handle(app, create(tenant, &body).build()).await);
    assert_eq!(status, 201, "{body}");
    body["result"]["person_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_created_person_reads_back_with_its_handles_and_attributes() {
    let app = app().await;
    let tenant = Tenant::create(app).await;
    let email = unique_email();
    let body = json!({
        "active": true, "region": "europe-england",
        "handles": [{"type": "email_address", "value": email}, {"type": "phone_number", "value": "+442071838750"}],
        "attributes": {"end_user_read_write": {"colour": "blue", "n": [1, 2]}}
    });

    let (status, created) =
        read(&slashid_create_person::handle(app, create(&tenant, &body).build()).await);
    assert_eq!(status, 201, "{created}");
    let id = created["result"]["person_id"].as_str().unwrap();

    let req = get(&tenant, id)
        .query("fields=handles,attributes,groups")
        .build();
    let (status, got) = read(&slashid_get_person::handle(app, req).await);
    assert_eq!(status, 200, "{got}");
    assert_eq!(
        got["result"],
        json!({
            "active": true, "person_id": id, "person_type": "regular", "region": "europe-england",
            "handles": [{"type": "email_address", "value": email}, {"type": "phone_number", "value": "+442071838750"}],
            "groups": [],
            "attributes": {"end_user_read_write": {"colour": "blue", "n": [1, 2]}}
        })
    );
}

#[tokio::test]
async fn without_fields_a_person_has_only_the_required_parts() {
    let app = app().await;
    let tenant = Tenant::create(app).await;
    let id = create_person(app, &tenant, &unique_email()).await;

    let (status, got) = read(&slashid_get_person::handle(app, get(&tenant, &id).build()).await);

    assert_eq!(status, 200);
    let keys: Vec<&str> = got["result"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["active", "person_id", "person_type", "region"]);
}

#[tokio::test]
async fn a_handle_already_in_the_pool_is_a_409_and_leaves_nothing_behind() {
    let app = app().await;
    let tenant = Tenant::create(app).await;
    let email = unique_email();
    create_person(app, &tenant, &email).await;
    let second = json!({"handles": [{"type": "username", "value": format!("u{}", uuid::Uuid::new_v4().simple())},
                                    {"type": "email_address", "value": email.to_uppercase()}]});

    let (status, body) =
        read(&slashid_create_person::handle(app, create(&tenant, &second).build()).await);

    assert_eq!(status, 409);
    assert!(
        slashid_error(409, &body).contains(&email.to_uppercase()),
        "{body}"
    );
    // The username of the failed creation was not claimed: a person can take it now.
    let retry = json!({"handles": [second["handles"][0].clone()]});
    let (status, _) =
        read(&slashid_create_person::handle(app, create(&tenant, &retry).build()).await);
    assert_eq!(status, 201);
}

#[tokio::test]
async fn the_same_handle_in_another_org_is_another_person() {
    let app = app().await;
    let (a, b) = (Tenant::create(app).await, Tenant::create(app).await);
    let email = unique_email();
    let in_a = create_person(app, &a, &email).await;
    let in_b = create_person(app, &b, &email).await;
    assert_ne!(in_a, in_b);
}

#[tokio::test]
async fn a_missing_api_key_is_a_401_in_slashid_format() {
    let app = app().await;
    let tenant = Tenant::create(app).await;
    let req = get_person("x", tenant.org.id.as_str(), None).build();

    let (status, body) = read(&slashid_get_person::handle(app, req).await);

    assert_eq!(status, 401);
    assert!(slashid_error(401, &body).contains("required"));
}

#[tokio::test]
async fn a_wrong_api_key_is_a_401() {
    let app = app().await;
    let tenant = Tenant::create(app).await;
    let id = create_person(app, &tenant, &unique_email()).await;
    let req = get_person(&id, tenant.org.id.as_str(), Some("not-the-key")).build();

    let (status, body) = read(&slashid_get_person::handle(app, req).await);

    assert_eq!(status, 401);
    slashid_error(401, &body);
    assert!(!body.to_string().contains(&id));
}

#[tokio::test]
async fn a_malformed_org_id_is_a_401() {
    let app = app().await;
    let req = Event::new("POST", "/persons", "/persons")
        .header("SlashID-OrgID", "not-a-uuid")
        .header("SlashID-API-Key", "whatever")
        .json(&json!({"handles": [{"type": "username", "value": "x"}]}))
        .build();
    let (status, body) = read(&slashid_create_person::handle(app, req).await);
    assert_eq!(status, 401);
    slashid_error(401, &body);
}

#[tokio::test]
async fn another_orgs_key_is_a_403_that_shows_no_data() {
    let app = app().await;
    let (owner, intruder) = (Tenant::create(app).await, Tenant::create(app).await);
    let email = unique_email();
    let id = create_person(app, &owner, &email).await;
    let req = get_person(&id, owner.org.id.as_str(), Some(&intruder.api_key))
        .query("fields=handles")
        .build();

    let (status, body) = read(&slashid_get_person::handle(app, req).await);

    assert_eq!(status, 403);
    slashid_error(403, &body);
    assert!(!body.to_string().contains(&email));
}

#[tokio::test]
async fn a_person_of_another_org_is_not_found_with_valid_credentials() {
    let app = app().await;
    let (owner, other) = (Tenant::create(app).await, Tenant::create(app).await);
    let id = create_person(app, &owner, &unique_email()).await;

    let (status, body) = read(&slashid_get_person::handle(app, get(&other, &id).build()).await);

    assert_eq!(status, 404);
    slashid_error(404, &body);
}

#[tokio::test]
async fn an_unknown_person_is_a_404() {
    let app = app().await;
    let tenant = Tenant::create(app).await;
    let (status, body) =
        read(&slashid_get_person::handle(app, get(&tenant, "no-such-person").build()).await);
    assert_eq!(status, 404);
    assert!(slashid_error(404, &body).contains("no-such-person"));
}

#[tokio::test]
async fn a_malformed_person_id_is_a_400() {
    let app = app().await;
    let tenant = Tenant::create(app).await;
    for id in ["a#b", "..", "x%00y", &"a".repeat(65)] {
        let (status, body) = read(&slashid_get_person::handle(app, get(&tenant, id).build()).await);
        assert_eq!(status, 400, "{id}: {body}");
        slashid_error(400, &body);
    }
}

#[tokio::test]
async fn malformed_creation_bodies_are_400s_that_say_what_is_wrong() {
    let app = app().await;
    let tenant = Tenant::create(app).await;
    let cases: [(&str, &str); 6] = [
        ("", "required"),
        ("{not json", "not valid JSON"),
        (r#"{"handles": []}"#, "at least one handle"),
        (
            r#"{"handles": [{"type": "email_address", "value": "nope"}]}"#,
            "email_address",
        ),
        (r#"{"handles": [{"type": "fax", "value": "1"}]}"#, "fax"),
        (
            r#"{"handles": [{"type": "username", "value": "u"}], "region": "moon"}"#,
            "moon",
        ),
    ];
    for (raw, expected) in cases {
        let req = Event::new("POST", "/persons", "/persons")
            .headers(tenant.headers())
            .raw_body(raw)
            .build();
        let (status, body) = read(&slashid_create_person::handle(app, req).await);
        assert_eq!(status, 400, "{raw}: {body}");
        assert!(
            slashid_error(400, &body).contains(expected),
            "{raw}: {body}"
        );
    }
}

#[tokio::test]
async fn attribute_limits_apply_at_creation() {
    let app = app().await;
    let tenant = Tenant::create(app).await;
    let with_attr = |name: String| {
        json!({"handles": [{"type": "email_address", "value": unique_email()}],
               "attributes": {"end_user_read_write": {name: 1}}})
    };
    let (ok, _) = read(
        &slashid_create_person::handle(app, create(&tenant, &with_attr("a".repeat(70))).build())
            .await,
    );
    let (too_long, body) = read(
        &slashid_create_person::handle(app, create(&tenant, &with_attr("a".repeat(71))).build())
            .await,
    );
    assert_eq!((ok, too_long), (201, 400), "{body}");
}
