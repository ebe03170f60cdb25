//! Per-organization admission: an org that has used its request allowance is answered 429 in
//! its face's format, while every other org is served. The allowance is counted in DynamoDB,
//! leased by instances ten requests at a time. Apps here turn the allowance on for themselves
//! (the shared test stack runs with it off).

use idgraph::App;
use idgraph::ids::OrgId;
use idgraph::keys;
use idgraph::store::admission::{Admission, LEASE, WINDOW};
use idgraph::store::lockout::now;
use integration_tests::{
    DEMO_PERSON, Event, SailPoint, Tenant, ZATO_JDOE, app, get_person, read, slashid_error,
};
use serde_json::json;

const PER_SECOND: u32 = 5;

/// An app that admits `PER_SECOND` requests per second and org.
async fn limited_app() -> &'static App {
    let mut config = idgraph::config::Config::from_env().unwrap();
    config.org_requests_per_second = PER_SECOND;
    Box::leak(Box::new(App::from_config(config, None).await.unwrap()))
}

/// Uses up `org`'s allowance in this window and the next, so the test cannot straddle a fresh one.
async fn exhaust(app: &App, org: &OrgId) {
    let window = now() / WINDOW;
    for w in [window, window + 1] {
        let mut item = keys::admission_window(org, w).to_item();
        item.insert(
            "used".into(),
            idgraph::item::n(u64::from(PER_SECOND) * WINDOW),
        );
        app.db
            .client
            .put_item()
            .table_name(&app.db.table)
            .set_item(Some(item))
            .send()
            .await
            .expect("fill the window");
    }
}

async fn used(app: &App, org: &OrgId, window: u64) -> u64 {
    app.db
        .get(&keys::admission_window(org, window))
        .await
        .unwrap()
        .map_or(0, |i| i["used"].as_n().unwrap().parse().unwrap())
}

#[tokio::test]
async fn an_instance_counts_one_lease_for_ten_requests() {
    let app = app().await;
    let org = Tenant::create(app).await.org.id;
    let admission = Admission::default();
    let before = now() / WINDOW;

    for _ in 0..LEASE {
        assert_eq!(
            admission.admit(&app.db, &org, PER_SECOND).await.unwrap(),
            Ok(())
        );
    }

    let after = now() / WINDOW;
    // One lease, unless a window began meanwhile (then one in each).
    let counted: u64 = if before == after {
        used(app, &org, before).await
    } else {
        used(app, &org, before).await + used(app, &org, after).await
    };
    assert!(
        counted == LEASE || (before != after && counted == 2 * LEASE),
        "{counted}"
    );
}

#[tokio::test]
async fn an_organization_past_its_allowance_is_refused_until_the_next_window() {
    let app = app().await;
    let org = Tenant::create(app).await.org.id;
    exhaust(app, &org).await;

    let refused = Admission::default()
        .admit(&app.db, &org, PER_SECOND)
        .await
        .unwrap();

    let over = refused.expect_err("refused");
    assert!((1..=2 * WINDOW).contains(&over.retry_after.as_secs()));
}

#[tokio::test]
async fn one_organizations_flood_does_not_refuse_another_organization() {
    let app = limited_app().await;
    let (flooding, other) = (Tenant::create(app).await, Tenant::create(app).await);
    exhaust(app, &flooding.org.id).await;
    let person = |t: &Tenant| get_person(DEMO_PERSON, t.org.id.as_str(), Some(&t.api_key)).build();

    let refused = slashid_get_person::handle(app, person(&flooding)).await;
    let served = slashid_get_person::handle(app, person(&other)).await;

    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let (status, body) = read(&refused);
    assert_eq!(slashid_error(status, &body), "Rate Limit Exceeded");
    // The other org gets its own answer (no such person in it): not a 429.
    assert_eq!(served.status(), 404);
}

#[tokio::test]
async fn a_sailpoint_org_past_its_allowance_gets_sailpoints_429() {
    let app = limited_app().await;
    let tenant = Tenant::create(app).await;
    exhaust(app, &tenant.org.id).await;
    let token = SailPoint::token_for(&tenant.org, &["sp:scopes:all"]);
    let req = Event::new("GET", "/v3/search/{index}/{id}", "/v3/search/identities/x")
        .path_param("index", "identities")
        .path_param("id", "x")
        .header("authorization", &format!("Bearer {token}"))
        .build();

    let resp = sailpoint_get_document::handle(app, req).await;

    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    assert!(read(&resp).1["message"].is_string());
}

#[tokio::test]
async fn the_zato_organization_past_its_allowance_gets_zatos_envelope() {
    let app = limited_app().await;
    exhaust(app, app.sso_org().unwrap()).await;
    let req = Event::new("POST", "/zato/sso/user/login", "/zato/sso/user/login")
        .json(&json!({"username": ZATO_JDOE.0, "password": ZATO_JDOE.1, "current_app": "CRM"}))
        .build();

    let resp = zato_login::handle(app, req).await;

    assert_eq!(resp.status(), 429);
    let body = read(&resp).1;
    assert_eq!(
        (body["status"].as_str(), body["sub_status"][0].as_str()),
        (Some("error"), Some("E008004"))
    );
}
