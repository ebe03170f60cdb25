//! Per-request DynamoDB accounting for the one summary log line. A task-local, so the store code
//! records without every function threading a counter through.

use std::cell::RefCell;
use std::future::Future;

#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct DbMetrics {
    pub calls: u32,
    pub capacity_units: f64,
}

tokio::task_local! {
    static DB_METRICS: RefCell<DbMetrics>;
}

/// Counts one DynamoDB request and the capacity it reports consuming.
pub fn record(capacity_units: f64) {
    let _ = DB_METRICS.try_with(|m| {
        let mut m = m.borrow_mut();
        m.calls += 1;
        m.capacity_units += capacity_units;
    });
}

/// Runs `f`, returning what it returned and the DynamoDB requests made while it ran.
pub async fn measured<F: Future>(f: F) -> (F::Output, DbMetrics) {
    DB_METRICS
        .scope(RefCell::new(DbMetrics::default()), async {
            let out = f.await;
            (out, DB_METRICS.with(|m| *m.borrow()))
        })
        .await
}
