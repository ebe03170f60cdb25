//! The reference function: each invocation's body is a `Payload` of DynamoDB operations, sent in
//! order through one client built at init. `REFERENCE_WARMUP=1` makes one GetItem (of a key
//! that does not exist) before the first `/next`, which opens the connection, reads the CA
//! store and completes the TLS handshake during init, at full CPU.

use lambda_http::{Body, Error, Request, Response, service_fn};
use reference_lambda::{Op, Payload};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let client: &'static aws_sdk_dynamodb::Client = Box::leak(Box::new(reference_lambda::client()));
    if std::env::var("REFERENCE_WARMUP").is_ok_and(|v| v == "1") {
        // The table's key schema (template.yaml): pk and sk. Nothing is stored under this key.
        let key = |v: &str| aws_sdk_dynamodb::types::AttributeValue::S(v.into());
        let table = std::env::var("TABLE_NAME").unwrap_or_default();
        let _ = client
            .get_item()
            .table_name(table)
            .key("pk", key("#reference-warmup"))
            .key("sk", key("#reference-warmup"))
            .send()
            .await;
    }
    lambda_http::run(service_fn(move |req: Request| async move {
        let payload: Payload = serde_json::from_slice(req.body().as_ref())?;
        let (mut sent, mut refused) = (0, 0);
        for op in payload.ops {
            if Op::send(op, client).await.is_err() {
                refused += 1;
            }
            sent += 1;
        }
        Ok::<_, Error>(Response::new(Body::from(format!(
            r#"{{"sent":{sent},"refused":{refused}}}"#
        ))))
    }))
    .await
}
