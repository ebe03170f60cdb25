//! End to end: HTTP → `cargo lambda watch` (routed like API Gateway) → the function binary →
//! the shared library → DynamoDB Local → response.

use integration_tests::{DEMO_API_KEY, DEMO_ORG, DEMO_PERSON, router_url, unique_email};
use serde_json::{Value, json};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn the_demo_person_is_served_through_the_router() {
    let resp = client()
        .get(format!(
            "{}/persons/{DEMO_PERSON}?fields=handles,attributes",
            router_url()
        ))
        .header("SlashID-OrgID", DEMO_ORG)
        .header("SlashID-API-Key", DEMO_API_KEY)
        .send()
        .await
        .expect("the router answers");

    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["result"]["person_id"], DEMO_PERSON);
    assert_eq!(
        body["result"]["handles"],
        json!([{"type": "email_address", "value": "user@user.com"}])
    );
    assert_eq!(
        body["result"]["attributes"]["person_pool-end_user_read_write"]["card_number"],
        "1234"
    );
}

#[tokio::test]
async fn a_person_created_through_the_router_reads_back_through_it() {
    let email = unique_email();
    let created: Value = client()
        .post(format!("{}/persons", router_url()))
        .header("SlashID-OrgID", DEMO_ORG)
        .header("SlashID-API-Key", DEMO_API_KEY)
        .json(&json!({"handles": [{"type": "email_address", "value": email}]}))
        .send()
        .await
        .expect("the router answers")
        .json()
        .await
        .unwrap();
    let id = created["result"]["person_id"]
        .as_str()
        .expect("a person id");

    let resp = client()
        .get(format!("{}/persons/{id}?fields=handles", router_url()))
        .header("SlashID-OrgID", DEMO_ORG)
        .header("SlashID-API-Key", DEMO_API_KEY)
        .send()
        .await
        .unwrap();

    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["result"]["handles"][0]["value"], email);
}

#[tokio::test]
async fn a_request_without_credentials_is_refused_through_the_router() {
    let resp = client()
        .get(format!("{}/persons/{DEMO_PERSON}", router_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["httpcode"], 401);
}
