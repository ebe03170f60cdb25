//! Credentials under attack: consecutive wrong Zato passwords and OAuth client secrets lock their
//! credential for a growing wait, counted atomically in DynamoDB; unknown usernames lock alike;
//! a success resets the count. Handlers run in-process against DynamoDB Local.

use idgraph::App;
use idgraph::auth::sha256_hex;
use idgraph::keys::{self, Key};
use idgraph::sso::{self, Password, Username};
use idgraph::store::lockout::Standing;
use idgraph::store::oauth::{self, PutClientError};
use idgraph::store::orgs::{self, Organization};
use idgraph::store::sso_users::{self, SsoUser};
use integration_tests::{Event, Tenant, app, read, set_number};
use serde_json::{Value, json};

const PASSWORD: &str = "the-right-password-1";

/// An approved Zato user of the SSO organization, made through the store.
async fn zato_user(app: &App) -> (SsoUser, String) {
    let org = sso_org(app).await;
    let username = format!("bf{}", uuid::Uuid::new_v4().simple());
    let (mut user, _) = sso::new_user(
        app,
        &org.id,
        sso::new_user_id(),
        &Username::parse(&username).unwrap(),
        &Password::new(PASSWORD).unwrap(),
        "test",
    )
    .await
    .expect("a new user");
    user.approval = idgraph::store::sso_users::Approval::Approved;
    sso_users::create(&app.db, &org, &user, "us-iowa", None, false)
        .await
        .expect("create the user");
    (user, username)
}

async fn sso_org(app: &App) -> Organization {
    orgs::get(&app.db, app.sso_org().unwrap())
        .await
        .unwrap()
        .expect("the SSO org exists")
}

async fn login(app: &'static App, username: &str, password: &str) -> (u16, Value) {
    let req = Event::new("POST", "/zato/sso/user/login", "/zato/sso/user/login")
        .json(&json!({"username": username, "password": password, "current_app": "CRM"}))
        .build();
    read(&zato_login::handle(app, req).await)
}

/// The Zato sub-status of an answer, or `ok`.
fn code((status, body): &(u16, Value)) -> String {
    match body["sub_status"].as_array() {
        Some(codes) => codes[0].as_str().unwrap().to_owned(),
        None => {
            assert_eq!((*status, &body["status"]), (200, &json!("ok")), "{body}");
            "ok".into()
        }
    }
}

async fn login_counter(app: &App, username: &str) -> Key {
    keys::login_failures(
        &sso_org(app).await.id,
        &sha256_hex(&username.to_lowercase()),
    )
}

async fn standing(app: &App, key: &Key) -> Standing {
    Standing::of(app.db.get(key).await.unwrap().as_ref()).unwrap()
}

/// Ends a lock now, as time would: its `locked_until` moves to the past.
async fn expire_lock(app: &App, key: &Key) {
    set_number(app, key, "locked_until", 1).await;
}

fn locked_until(item: &idgraph::db::Item) -> u64 {
    item["locked_until"].as_n().unwrap().parse().unwrap()
}

/// An app whose DynamoDB calls may wait a minute: fifty argon2 hashes at once keep this
/// process's threads busy for seconds, which no Lambda instance (one request each) ever does.
async fn patient_app() -> &'static App {
    let mut config = idgraph::config::Config::from_env().unwrap();
    let minute = std::time::Duration::from_secs(60);
    config.dynamodb.attempt_timeout = minute;
    config.dynamodb.operation_timeout = minute;
    Box::leak(Box::new(App::from_config(config, None).await.unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn fifty_parallel_wrong_passwords_count_exactly_the_threshold_and_lock_the_rest_out() {
    let app = patient_app().await;
    let (_, username) = zato_user(app).await;
    let threshold = app.config.sso_login_lockout.max_failures as usize;

    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let username = username.clone();
            tokio::spawn(async move { login(app, &username, &format!("wrong-{i}")).await })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(code(&t.await.unwrap()));
    }

    let counted = codes.iter().filter(|c| *c == "E005001").count();
    let locked = codes.iter().filter(|c| *c == "E005002").count();
    assert_eq!((counted, locked), (threshold, 50 - threshold), "{codes:?}");
    let key = login_counter(app, &username).await;
    assert_eq!(standing(app, &key).await.failures as usize, threshold);
    // Locked: even the right password is refused, without being checked.
    assert_eq!(code(&login(app, &username, PASSWORD).await), "E005002");
}

#[tokio::test]
async fn a_successful_login_resets_the_failure_count() {
    let app = app().await;
    let (_, username) = zato_user(app).await;
    let below = app.config.sso_login_lockout.max_failures - 1;
    for _ in 0..below {
        assert_eq!(
            code(&login(app, &username, "wrong-password").await),
            "E005001"
        );
    }

    assert_eq!(code(&login(app, &username, PASSWORD).await), "ok");

    for _ in 0..below {
        assert_eq!(
            code(&login(app, &username, "wrong-password").await),
            "E005001"
        );
    }
    assert_eq!(code(&login(app, &username, PASSWORD).await), "ok");
}

#[tokio::test]
async fn an_unknown_username_is_counted_and_locked_exactly_like_a_known_one() {
    let app = app().await;
    let unknown = format!("nobody{}", uuid::Uuid::new_v4().simple());
    let (_, known) = zato_user(app).await;
    let threshold = app.config.sso_login_lockout.max_failures;

    let mut answers = (Vec::new(), Vec::new());
    for _ in 0..=threshold {
        answers
            .0
            .push(code(&login(app, &unknown, "wrong-password").await));
        answers
            .1
            .push(code(&login(app, &known, "wrong-password").await));
    }

    assert_eq!(answers.0, answers.1);
    assert_eq!(answers.0.last().unwrap(), "E005002");
}

#[tokio::test]
async fn each_lockout_lasts_twice_as_long_as_the_one_before() {
    let app = app().await;
    let (_, username) = zato_user(app).await;
    let key = login_counter(app, &username).await;
    let policy = app.config.sso_login_lockout;
    let lock = || async {
        for _ in 0..policy.max_failures {
            login(app, &username, "wrong-password").await;
        }
        let before = idgraph::store::lockout::now();
        let item = app.db.get(&key).await.unwrap().expect("a counter");
        locked_until(&item) - before
    };

    let first = lock().await;
    expire_lock(app, &key).await;
    let second = lock().await;

    let wait = |k| policy.wait(k).as_secs();
    assert!(first.abs_diff(wait(0)) <= 2, "{first} vs {}", wait(0));
    assert!(second.abs_diff(wait(1)) <= 2, "{second} vs {}", wait(1));
    assert_eq!(wait(1), 2 * wait(0));
    assert_eq!(standing(app, &key).await.lockouts, 1);
}

#[tokio::test]
async fn a_person_set_inactive_through_slashid_cannot_log_in_through_zato() {
    let app = app().await;
    let (user, username) = zato_user(app).await;
    let org = sso_org(app).await;
    idgraph::store::persons::patch(&app.db, &org, &user.id, Some(false), None)
        .await
        .unwrap()
        .expect("the person");

    let answer = login(app, &username, PASSWORD).await;

    assert_eq!((answer.0, code(&answer)), (403, "E005001".into()));
}

#[tokio::test]
async fn a_weaker_imported_password_hash_is_replaced_on_the_next_login() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let app = app().await;
    let org = sso_org(app).await;
    let username = format!("imp{}", uuid::Uuid::new_v4().simple());
    let weak_params = argon2::Params::new(4096, 1, 1, None).unwrap();
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2i,
        argon2::Version::V0x13,
        weak_params,
    )
    .hash_password(
        PASSWORD.as_bytes(),
        &SaltString::encode_b64(&[9; 16]).unwrap(),
    )
    .unwrap()
    .to_string();
    let (mut user, _) = sso::new_user(
        app,
        &org.id,
        sso::new_user_id(),
        &Username::parse(&username).unwrap(),
        &Password::new(PASSWORD).unwrap(),
        "import",
    )
    .await
    .unwrap();
    user.password_hash = weak.clone();
    user.approval = idgraph::store::sso_users::Approval::Approved;
    sso_users::create(&app.db, &org, &user, "us-iowa", None, false)
        .await
        .unwrap();

    assert_eq!(code(&login(app, &username, PASSWORD).await), "ok");

    let record = app
        .db
        .get(&keys::sso_user(&org.id, &user.id))
        .await
        .unwrap()
        .unwrap();
    let stored = record["password_hash"].as_s().unwrap();
    assert_ne!(stored, &weak);
    assert!(!idgraph::sso::crypto::needs_rehash(stored), "{stored}");
    assert_eq!(code(&login(app, &username, PASSWORD).await), "ok");
}

#[tokio::test]
async fn a_zato_password_in_the_query_string_is_refused_and_opens_no_session() {
    let app = app().await;
    let (_, username) = zato_user(app).await;
    let req = Event::new("POST", "/zato/sso/user/login", "/zato/sso/user/login")
        .query(&format!(
            "username={username}&password={PASSWORD}&current_app=CRM"
        ))
        .build();

    let answer = read(&zato_login::handle(app, req).await);

    assert_eq!((answer.0, code(&answer)), (403, "E008002".into()));
    assert!(answer.1.get("ust").is_none());
}

// ---- OAuth clients ------------------------------------------------------------------------------

/// A fresh org with an OAuth client of its own: (client id, secret).
async fn oauth_client(app: &App) -> (String, String) {
    let tenant = Tenant::create(app).await;
    let (id, secret) = (
        format!("c{}", uuid::Uuid::new_v4().simple()),
        format!("s{}", uuid::Uuid::new_v4().simple()),
    );
    oauth::put(
        &app.db,
        &tenant.org,
        &id,
        &secret,
        &["sp:scopes:all".into()],
    )
    .await
    .unwrap();
    (id, secret)
}

async fn token(app: &'static App, id: &str, secret: &str) -> (u16, Option<String>, Value) {
    let req = Event::new("POST", "/oauth/token", "/oauth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .raw_body(&format!(
            "grant_type=client_credentials&client_id={id}&client_secret={secret}"
        ))
        .build();
    let resp = sailpoint_token::handle(app, req).await;
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = read(&resp);
    (status, retry, body)
}

#[tokio::test]
async fn an_oauth_client_past_its_failure_threshold_is_answered_429_with_retry_after() {
    let app = app().await;
    let (id, secret) = oauth_client(app).await;
    let threshold = app.config.oauth_lockout.max_failures;
    for _ in 0..threshold {
        assert_eq!(token(app, &id, "wrong-secret").await.0, 401);
    }

    let (status, retry_after, body) = token(app, &id, &secret).await;

    assert_eq!(status, 429, "{body}");
    let wait: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=app.config.oauth_lockout.wait(0).as_secs()).contains(&wait));
    assert!(body["message"].is_string(), "SailPoint's 429 shape: {body}");
}

#[tokio::test]
async fn the_right_secret_resets_an_oauth_clients_failure_count() {
    let app = app().await;
    let (id, secret) = oauth_client(app).await;
    let below = app.config.oauth_lockout.max_failures - 1;
    for _ in 0..below {
        token(app, &id, "wrong-secret").await;
    }

    assert_eq!(token(app, &id, &secret).await.0, 200);

    for _ in 0..below {
        assert_eq!(token(app, &id, "wrong-secret").await.0, 401);
    }
    assert_eq!(token(app, &id, &secret).await.0, 200);
}

#[tokio::test]
async fn a_client_id_cannot_be_registered_by_a_second_organization() {
    let app = app().await;
    let (first, second) = (Tenant::create(app).await, Tenant::create(app).await);
    let id = format!("c{}", uuid::Uuid::new_v4().simple());
    oauth::put(&app.db, &first.org, &id, "secret-of-the-first-org", &[])
        .await
        .unwrap();

    let taken = oauth::put(&app.db, &second.org, &id, "secret-of-the-second-org", &[]).await;

    assert!(
        matches!(taken, Err(PutClientError::IdTaken(_))),
        "{taken:?}"
    );
    // The first org's client still authenticates, into the first org.
    let (status, _, body) = token(app, &id, "secret-of-the-first-org").await;
    assert_eq!(
        (status, body["tenant_id"].as_str()),
        (200, Some(first.org.id.as_str()))
    );
    // Its owner may replace it (a new secret).
    oauth::put(
        &app.db,
        &first.org,
        &id,
        "a-rotated-secret-of-the-first",
        &[],
    )
    .await
    .unwrap();
}
