//! The runtime's promises: a handler always produces a response in its face's format, DynamoDB
//! faults become 503 with Retry-After, and requests are counted for the log line.

use std::time::Duration;

use idgraph::faces::Face;
use idgraph::runtime::respond;
use idgraph::{App, Body, Request, Response};
use integration_tests::{
    DEMO_API_KEY, DEMO_ORG, DEMO_PERSON, Event, app, get_person, read, slashid_error,
};

async fn panics(_: &'static App, _: Request) -> Response<Body> {
    panic!("handler bug")
}

fn demo_get() -> Event {
    get_person(DEMO_PERSON, DEMO_ORG, Some(DEMO_API_KEY))
}

#[tokio::test]
async fn a_panicking_handler_still_answers_500_in_its_face_format() {
    let app = app().await;
    for (face, check) in [
        (Face::SlashId, "errors"),
        (Face::SailPoint, "detailCode"),
        (Face::Zato, "sub_status"),
    ] {
        let (status, body) = read(&respond(app, face, panics, demo_get().build()).await);
        assert_eq!(status, 500);
        assert!(body.get(check).is_some(), "{face:?}: {body}");
    }
}

#[tokio::test]
async fn an_unreachable_dynamodb_is_a_503_with_retry_after() {
    // A port nothing listens on: every attempt fails to connect.
    let config = idgraph::config::Config::from_lookup(|k| match k {
        "TABLE_NAME" => Some("idgraph".into()),
        "AUTH_CACHE_SECONDS" => Some("0".into()),
        _ => None,
    })
    .unwrap();
    let sdk = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .http_client(idgraph::app::https_client())
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::for_tests())
        .timeout_config(
            aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(200))
                .build(),
        )
        .build();
    let down: &'static App = Box::leak(Box::new(App::new(
        config,
        aws_sdk_dynamodb::Client::from_conf(sdk),
    )));

    let resp = respond(
        down,
        Face::SlashId,
        slashid_get_person::handle,
        demo_get().build(),
    )
    .await;

    assert_eq!(
        resp.headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("1")
    );
    let (status, body) = read(&resp);
    assert_eq!(status, 503);
    slashid_error(503, &body);
}

#[tokio::test]
async fn a_warm_get_person_costs_one_dynamodb_request() {
    let base = app().await;
    // The same stack, with the API-key cache on as deployed.
    let mut config = base.config.clone();
    config.auth_cache_ttl = Duration::from_secs(60);
    let app: &'static App = Box::leak(Box::new(App::new(config, base.db.client.clone())));

    let (first, cold) =
        idgraph::metrics::measured(slashid_get_person::handle(app, demo_get().build())).await;
    let (second, warm) =
        idgraph::metrics::measured(slashid_get_person::handle(app, demo_get().build())).await;

    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    assert_eq!(cold.calls, 2, "API key check, then the person");
    assert_eq!(warm.calls, 1, "the person only");
}
