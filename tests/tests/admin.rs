//! `idgraph-admin` bootstraps a deployment: a root organization and its API key, key rotation
//! and revocation, OAuth clients, the first Zato super-user — each usable at once through the
//! API, and each revocation effective (within the auth cache's lifetime on warm instances).

use idgraph::App;
use idgraph_admin as admin;
use integration_tests::{Event, app, read, repo_root, zato_login_event};
use serde_json::{Value, json};

fn field(report: &admin::Report, name: &str) -> String {
    report.0[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {:?}", report.0))
        .to_owned()
}

/// `GET /organizations` with these credentials; the status.
async fn org_status(app: &'static App, org: &str, key: &str) -> u16 {
    let req = Event::new("GET", "/organizations", "/organizations")
        .header("SlashID-OrgID", org)
        .header("SlashID-API-Key", key)
        .build();
    slashid_get_organization::handle(app, req)
        .await
        .status()
        .as_u16()
}

async fn token(app: &'static App, id: &str, secret: &str) -> (u16, Value) {
    let req = Event::new("POST", "/oauth/token", "/oauth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .raw_body(&format!(
            "grant_type=client_credentials&client_id={id}&client_secret={secret}"
        ))
        .build();
    read(&sailpoint_token::handle(app, req).await)
}

/// A fresh root organization made by the command: (org id, API key).
async fn new_org(app: &App) -> (String, String) {
    let r = admin::create_org(app, "Acme").await.expect("create-org");
    (field(&r, "org_id"), field(&r, "api_key"))
}

#[tokio::test]
async fn a_created_organizations_key_works_at_once() {
    let app = app().await;

    let (org, key) = new_org(app).await;

    assert_eq!(org_status(app, &org, &key).await, 200);
}

#[tokio::test]
async fn a_key_rotated_in_works_and_the_revoked_one_does_not() {
    let app = app().await;
    let (org, old) = new_org(app).await;
    let old_id = &admin::list_api_keys(app, &org).await.unwrap().0["api_key_ids"][0];
    let new = field(&admin::add_api_key(app, &org).await.unwrap(), "api_key");

    admin::revoke_api_key(app, &org, old_id.as_str().unwrap())
        .await
        .unwrap();

    assert_eq!(org_status(app, &org, &new).await, 200);
    assert_eq!(org_status(app, &org, &old).await, 401);
    assert_eq!(
        admin::list_api_keys(app, &org).await.unwrap().0["api_key_ids"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_revoked_key_lives_on_only_in_warm_instances_that_cached_it() {
    let mut config = idgraph::config::Config::from_env().unwrap();
    config.auth_cache_ttl = std::time::Duration::from_secs(60);
    let warm: &'static App = Box::leak(Box::new(App::from_config(config, None).await.unwrap()));
    let (org, key) = new_org(app().await).await;
    assert_eq!(org_status(warm, &org, &key).await, 200);
    let id = admin::list_api_keys(warm, &org).await.unwrap().0["api_key_ids"][0].clone();

    admin::revoke_api_key(warm, &org, id.as_str().unwrap())
        .await
        .unwrap();

    // The instance that verified it remembers it for AUTH_CACHE_SECONDS; a cold one refuses it.
    assert_eq!(org_status(warm, &org, &key).await, 200);
    assert_eq!(org_status(app().await, &org, &key).await, 401);
}

#[tokio::test]
async fn a_created_client_gets_tokens_a_rotated_secret_replaces_the_old_and_revocation_ends_it() {
    let app = app().await;
    let (org, _) = new_org(app).await;
    let created = admin::create_client(app, &org, &["sp:scopes:all".into()])
        .await
        .unwrap();
    let (id, first) = (
        field(&created, "client_id"),
        field(&created, "client_secret"),
    );
    let issued = token(app, &id, &first).await;
    assert_eq!(
        (issued.0, issued.1["tenant_id"].as_str()),
        (200, Some(org.as_str()))
    );
    assert_eq!(issued.1["scope"], "sp:scopes:all");

    let second = field(
        &admin::rotate_client_secret(app, &org, &id).await.unwrap(),
        "client_secret",
    );
    assert_eq!(token(app, &id, &first).await.0, 401);
    assert_eq!(token(app, &id, &second).await.0, 200);

    admin::revoke_client(app, &org, &id).await.unwrap();
    assert_eq!(token(app, &id, &second).await.0, 401);
    assert_eq!(
        admin::list_clients(app, &org).await.unwrap().0["clients"],
        json!([])
    );
}

#[tokio::test]
async fn the_first_super_user_logs_in_and_may_create_users() {
    let app = app().await;
    let username = format!("root{}", uuid::Uuid::new_v4().simple());
    let made = admin::create_super_user(app, &username).await.unwrap();
    let login = zato_login_event(&username, &field(&made, "password")).build();
    let ust = read(&zato_login::handle(app, login).await).1["ust"]
        .as_str()
        .unwrap()
        .to_owned();

    let create = Event::new("POST", "/zato/sso/user", "/zato/sso/user")
        .json(&json!({"ust": ust, "current_app": "CRM", "username": format!("u{}", uuid::Uuid::new_v4().simple())}))
        .build();
    let created = read(&zato_create_user::handle(app, create).await);

    assert_eq!(created.1["status"], "ok", "{}", created.1);
}

#[tokio::test]
async fn the_binary_prints_one_json_object_with_json() {
    let bin = repo_root().join("target/debug/idgraph-admin");

    let out = tokio::process::Command::new(&bin)
        .args(["--json", "create-org", "--name", "From the CLI"])
        .output()
        .await
        .unwrap_or_else(|e| panic!("{}: {e} (make test builds it)", bin.display()));

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["name"], "From the CLI");
    assert_eq!(
        org_status(
            app().await,
            report["org_id"].as_str().unwrap(),
            report["api_key"].as_str().unwrap()
        )
        .await,
        200
    );
}

#[tokio::test]
async fn the_demo_seed_refuses_a_table_that_is_not_on_this_machine() {
    let bin = repo_root().join("target/debug/devstack");

    let out = tokio::process::Command::new(&bin)
        .args(["seed", "seed/demo.json"])
        .current_dir(repo_root())
        .env(
            "AWS_ENDPOINT_URL_DYNAMODB",
            "https://dynamodb.eu-west-1.amazonaws.com",
        )
        .output()
        .await
        .unwrap_or_else(|e| panic!("{}: {e} (make test builds it)", bin.display()));

    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("--write-public-demo-credentials-to-a-remote-table"),
        "{said}"
    );
}

#[test]
fn a_directory_generated_without_a_seed_has_random_credentials() {
    use idgraph_bulk::generate::{self, Credentials, Spec};
    let spec = |credentials| Spec {
        seed: 7,
        orgs: 2,
        persons: 1,
        attributes: 0,
        permissions: 0,
        role_sizes: vec![],
        documents: 0,
        sso_users: 1,
        credentials,
    };
    let (first, second) = (
        spec(Credentials::random(2, 1)),
        spec(Credentials::random(2, 1)),
    );

    assert_ne!(generate::api_key(&first, 0), generate::api_key(&second, 0));
    assert_ne!(generate::api_key(&first, 0), generate::api_key(&first, 1));
    assert_ne!(
        generate::sso_password(&first, 0),
        generate::sso_password(&second, 0)
    );
    let seeded = spec(Credentials::FromSeed);
    assert_eq!(generate::api_key(&seeded, 0), "generated-key-7-0");
    assert!(generate::api_key(&first, 0).len() >= 32);
}

#[tokio::test]
async fn the_directory_backfill_makes_older_zato_users_searchable() {
    // Arrange: a user as written before the sso_directory index: no place in it.
    let app = app().await;
    let zato = integration_tests::Zato::new();
    let admin_ust = zato.login(integration_tests::ZATO_ADMIN).await;
    let last_name = format!("Old{}", uuid::Uuid::new_v4().simple());
    let created = zato
        .call(
            "POST",
            "/zato/sso/user",
            &json!({"ust": admin_ust, "current_app": "CRM", "last_name": last_name,
                    "username": format!("u{}", uuid::Uuid::new_v4().simple())}),
        )
        .await;
    let id = idgraph::ids::PersonId::parse(created.body["user_id"].as_str().unwrap()).unwrap();
    let org = idgraph::ids::OrgId::parse(integration_tests::DEMO_ORG).unwrap();
    let key = idgraph::keys::sso_user(&org, &id);
    app.db
        .transact(vec![app.db.update(
            &key,
            "REMOVE dir_pk, dir_sk, dir_last_name",
            idgraph::db::Condition::present(),
        )])
        .await
        .unwrap();
    let query = json!({"ust": admin_ust, "current_app": "CRM", "last_name": last_name});
    let search = || zato.call("GET", "/zato/sso/user/search", &query);
    assert_eq!(search().await.body["total"], 0);

    // Act
    let report = admin::backfill_sso_directory(app).await.unwrap();

    // Assert
    assert!(report.0["updated"].as_u64().unwrap() >= 1, "{:?}", report.0);
    let found = search().await;
    assert_eq!(found.body["total"], 1, "{}", found.body);
    assert_eq!(found.body["result"][0]["user_id"], id.as_str());
}
