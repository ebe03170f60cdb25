//! The DynamoDB Streams consumer (not an HTTP function): keeps role members and the
//! `identities`/`roles` search documents current, and the search engine's copy of every search
//! document. Reports partial batch failures, so Lambda
//! retries from the first record that failed.

use idgraph::App;
use idgraph::projection::{self, BatchResponse, StreamEvent};
use serde_json::Value;

pub async fn handle(app: &App, event: Value) -> BatchResponse {
    match serde_json::from_value::<StreamEvent>(event) {
        Ok(event) => projection::apply(&app.db, app.search.as_ref(), &event).await,
        Err(e) => {
            // Not a stream event: nothing to retry, nothing to project.
            tracing::warn!(error = %e, "ignoring an event that is not a DynamoDB stream batch");
            BatchResponse::default()
        }
    }
}
