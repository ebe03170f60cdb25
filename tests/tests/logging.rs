//! Each request leaves one JSON log line with its id, route, status, latency and DynamoDB
//! accounting, and no secret or attribute value.

use idgraph::faces::Face;
use idgraph::runtime::respond;
use integration_tests::{DEMO_API_KEY, DEMO_ORG, DEMO_PERSON, app, get_person};
use serde_json::Value;

#[tokio::test]
async fn a_request_leaves_one_json_summary_line_without_secrets_or_values() {
    integration_tests::captured_log();
    let app = app().await;
    // The event as the router delivers it: no route key, so the route comes from the parameters.
    let mut event = get_person(DEMO_PERSON, DEMO_ORG, Some(DEMO_API_KEY))
        .query("fields=handles,attributes")
        .to_json();
    event["routeKey"] = "$default".into();
    event["requestContext"]["routeKey"] = "$default".into();
    let id = format!("req-{}", uuid::Uuid::new_v4().simple());
    event["requestContext"]["requestId"] = id.clone().into();
    let req = lambda_http::request::from_str(&event.to_string()).unwrap();

    let resp = respond(app, Face::SlashId, slashid_get_person::handle, req).await;

    assert_eq!(resp.status(), 200);
    // This request's lines, and every line that names no request (it may be this one's):
    // other tests of this process log too.
    let lines: Vec<Value> = integration_tests::captured_log()
        .into_iter()
        .filter(|l| {
            let ids = [&l["request_id"], &l["apigw_request_id"]];
            ids.iter().any(|v| *v == id.as_str()) || ids.iter().all(|v| v.is_null())
        })
        .collect();
    let text = lines
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    let summaries: Vec<&Value> = lines.iter().filter(|l| l["target"] == "request").collect();
    assert_eq!(summaries.len(), 1, "{text}");
    let line = summaries[0];
    assert_eq!(line["request_id"], id.as_str());
    assert_eq!(line["route"], "GET /persons/{person_id}");
    assert_eq!(line["status"], 200);
    assert!(line["latency_ms"].as_f64().unwrap() > 0.0);
    // The caches are off in tests, so the bucket definitions are read too.
    assert_eq!(
        line["dynamodb_calls"], 4,
        "key check, person, bucket definitions, attributes"
    );
    assert!(line["consumed_capacity"].as_f64().unwrap() > 0.0);
    // What the lines say, less the timestamps, latencies and random request ids, any of which
    // may hold the digits of the seed's card number ("1234") by chance.
    let said = lines
        .iter()
        .flat_map(|l| l.as_object().into_iter().flatten())
        .filter(|(k, _)| !matches!(k.as_str(), "timestamp" | "request_id" | "apigw_request_id"))
        .filter_map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for secret in [DEMO_API_KEY, "1234", "user@user.com", DEMO_PERSON] {
        assert!(
            !said.contains(secret),
            "{secret:?} leaked into the log: {text}"
        );
    }
}
