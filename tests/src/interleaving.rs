//! Deterministic interleavings: a write (T1) runs on an app whose DynamoDB requests pass through
//! the fault proxy, whose gate holds T1's k-th request while another operation runs to
//! completion. permission_interleavings.rs and role_interleavings.rs step k from T1's first
//! request to past its last.

use std::future::Future;
use std::time::Duration;

use idgraph::config::{Config, DynamoDbBudget};
use idgraph::{App, Body, Response};
use tokio::task::JoinHandle;

use crate::fault_proxy::FaultProxy;

/// How long one interleaving may take before the test fails instead of hanging.
pub const BOUND: Duration = Duration::from_secs(60);

/// The plain app, the gated one (behind `proxy`) and the proxy.
pub struct Gate {
    pub base: &'static App,
    pub gated: &'static App,
    pub proxy: FaultProxy,
}

impl Gate {
    pub async fn new() -> Self {
        let base = crate::app().await;
        let proxy = FaultProxy::for_local_dynamodb().await;
        let mut config = Config::from_env().expect("the test environment's configuration");
        // A held request must not time out or be retried by the SDK: one attempt, ample time.
        config.dynamodb = DynamoDbBudget {
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: BOUND,
            operation_timeout: BOUND,
            max_attempts: 1,
            retry_backoff: Duration::from_millis(100),
        };
        let gated = Box::leak(Box::new(
            App::from_config(config, Some(&proxy.url()))
                .await
                .expect("an app behind the proxy"),
        ));
        Self { base, gated, proxy }
    }

    /// The DynamoDB requests T1 (started by `t1` on the gated app) makes when nothing
    /// interferes; it must succeed (204).
    pub async fn requests_of(&self, t1: impl FnOnce() -> JoinHandle<Response<Body>>) -> usize {
        let before = self.proxy.requests();
        let resp = t1().await.expect("T1 ran");
        assert_eq!(resp.status(), 204, "{:?}", crate::read(&resp));
        self.proxy.requests() - before
    }

    /// Runs T1 with its request `k` (from 0) held until `interfere` has finished. When T1 makes
    /// fewer requests, `interfere` runs after T1.
    pub async fn interleave(
        &self,
        k: usize,
        t1: impl FnOnce() -> JoinHandle<Response<Body>>,
        interfere: impl Future<Output = ()>,
    ) -> Response<Body> {
        let run = async {
            let mut gate = self.proxy.gate_after(k);
            let mut t1 = t1();
            tokio::select! {
                () = gate.reached() => {
                    interfere.await;
                    gate.release();
                    t1.await.expect("T1 ran")
                }
                done = &mut t1 => {
                    drop(gate);
                    interfere.await;
                    done.expect("T1 ran")
                }
            }
        };
        tokio::time::timeout(BOUND, run)
            .await
            .unwrap_or_else(|_| panic!("interleaving at request {k} did not finish"))
    }
}
