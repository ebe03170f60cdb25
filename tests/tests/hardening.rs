//! The small hardening rules: credentials are never cached, sessions end at an absolute limit,
//! Zato users always get a data key and Zato functions refuse to start without a key to wrap it.

use idgraph::App;
use idgraph::config::{Config, KekConfig};
use idgraph::sso::{self, Password, Username};
use idgraph::store::{orgs, sso_users};
use integration_tests::{Event, Tenant, ZATO_JDOE, app, read, set_number, zato_login_event};
use serde_json::json;

fn not_cacheable(resp: &lambda_http::Response<lambda_http::Body>) -> bool {
    let header = |name| resp.headers().get(name).and_then(|v| v.to_str().ok());
    header("cache-control") == Some("no-store") && header("pragma") == Some("no-cache")
}

fn zato_login(username: &str, password: &str) -> lambda_http::Request {
    zato_login_event(username, password).build()
}

#[tokio::test]
async fn a_new_ust_is_sent_uncacheable() {
    let resp = zato_login::handle(app().await, zato_login(ZATO_JDOE.0, ZATO_JDOE.1)).await;

    assert_eq!(resp.status(), 200);
    assert!(not_cacheable(&resp), "{:?}", resp.headers());
}

#[tokio::test]
async fn a_new_access_token_is_sent_uncacheable() {
    let req = Event::new("POST", "/oauth/token", "/oauth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .raw_body("grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret")
        .build();

    let resp = sailpoint_token::handle(app().await, req).await;

    assert_eq!(resp.status(), 200);
    assert!(not_cacheable(&resp), "{:?}", resp.headers());
}

#[tokio::test]
async fn a_new_api_key_is_sent_uncacheable() {
    let tenant = Tenant::create(app().await).await;
    let req = Event::new(
        "POST",
        "/organizations/suborganizations",
        "/organizations/suborganizations",
    )
    .headers(tenant.headers())
    .json(&json!({"sub_org_name": "Cache test", "admins": []}))
    .build();

    let resp = slashid_create_suborganization::handle(app().await, req).await;

    assert_eq!(resp.status(), 200, "{:?}", read(&resp));
    assert!(not_cacheable(&resp), "{:?}", resp.headers());
}

#[tokio::test]
async fn a_renewal_never_extends_a_session_past_its_absolute_end() {
    let app = app().await;
    let login = read(&zato_login::handle(app, zato_login(ZATO_JDOE.0, ZATO_JDOE.1)).await);
    let ust = login.1["ust"].as_str().expect("a ust").to_owned();
    let org = app.sso_org().unwrap();
    let key = sso_users::session_key(org, &idgraph::sso::Ust::parse(&ust).unwrap());
    // The session's absolute end comes in five minutes, well before the idle hour a renewal gives.
    let end = idgraph::sso::time::now_us() + 5 * 60 * 1_000_000;
    set_number(app, &key, "max_exp_us", end).await;
    let renew = Event::new("PATCH", "/zato/sso/user/session", "/zato/sso/user/session")
        .json(&json!({"ust": ust, "current_app": "CRM"}))
        .build();

    let renewed = read(&zato_renew_session::handle(app, renew).await);

    assert_eq!(renewed.1["status"], "ok", "{}", renewed.1);
    let item = app.db.get(&key).await.unwrap().expect("the session");
    assert_eq!(item["exp_us"].as_n().unwrap(), &end.to_string());
    assert_eq!(
        renewed.1["expiration_time"].as_str().unwrap(),
        idgraph::sso::time::format(end)
    );
}

#[tokio::test]
async fn a_login_session_ends_at_the_configured_absolute_limit_at_the_latest() {
    let mut config = Config::from_env().unwrap();
    config.sso_session_max = std::time::Duration::from_secs(120);
    let app: &'static App = Box::leak(Box::new(App::from_config(config, None).await.unwrap()));
    let before = idgraph::sso::time::now_us();

    let login = read(&zato_login::handle(app, zato_login(ZATO_JDOE.0, ZATO_JDOE.1)).await);

    let ust = idgraph::sso::Ust::parse(login.1["ust"].as_str().unwrap()).unwrap();
    let key = sso_users::session_key(app.sso_org().unwrap(), &ust);
    let item = app.db.get(&key).await.unwrap().unwrap();
    let exp: i64 = item["exp_us"].as_n().unwrap().parse().unwrap();
    assert!(exp <= idgraph::sso::time::now_us() + 120_000_000 && exp >= before + 119_000_000);
}

fn without_kek() -> Config {
    let mut config = Config::from_env().unwrap();
    config.sso_kek = KekConfig::None;
    config
}

#[tokio::test]
async fn a_zato_function_refuses_to_start_without_a_key_encryption_key() {
    let built = App::from_config_for_sso_users(without_kek(), None).await;

    let refused = built.err().expect("no app without a key-encryption key");
    assert!(refused.to_string().contains("SSO_LOCAL_KEK"), "{refused}");
}

#[tokio::test]
async fn no_zato_user_is_created_without_a_data_key() {
    let app = App::from_config(without_kek(), None).await.unwrap();
    let org = orgs::get(&app.db, app.sso_org().unwrap())
        .await
        .unwrap()
        .unwrap();

    let user = sso::new_user(
        &app,
        &org.id,
        sso::new_user_id(),
        &Username::parse("keyless").unwrap(),
        &Password::new("a-password-1").unwrap(),
        "test",
    )
    .await;

    assert!(user.is_err(), "a user without a data key was made");
}
