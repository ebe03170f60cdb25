//! A Lambda Runtime API emulator (the 2018-06-01 interface a function's runtime polls), enough to
//! run a release binary as Lambda would: `next` hands out queued events, `response` and `error`
//! complete them. One emulator per process, so a killed process's dangling poll takes nothing.
//! The function's first `next` marks the end of its init: the emulator notes when, and runs the
//! hook it was given (the lambda section throttles the process's CPU there, as Lambda ends its
//! init burst).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinSet;

use crate::scenarios::BenchError;

/// What the function answered, and when the emulator received it.
#[derive(Debug)]
pub struct Completion {
    pub at: Instant,
    pub body: Bytes,
    pub error: bool,
}

struct Invocation {
    id: String,
    event: String,
    done: oneshot::Sender<Completion>,
}

/// Run once, on the function's first `GET …/invocation/next`.
pub type FirstNext = Box<dyn FnOnce() + Send>;

struct Shared {
    queue: Mutex<mpsc::Receiver<Invocation>>,
    pending: Mutex<HashMap<String, oneshot::Sender<Completion>>>,
    first_next: std::sync::Mutex<(Option<Instant>, Option<FirstNext>)>,
}

pub struct Emulator {
    pub addr: SocketAddr,
    queue: mpsc::Sender<Invocation>,
    tasks: JoinSet<()>,
    shared: Arc<Shared>,
}

impl Emulator {
    /// Listens on a loopback port; `hook` runs on the function's first `next`.
    pub async fn start_with(hook: Option<FirstNext>) -> Result<Self, BenchError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = mpsc::channel(16);
        let shared = Arc::new(Shared {
            queue: Mutex::new(rx),
            pending: Mutex::new(HashMap::new()),
            first_next: std::sync::Mutex::new((None, hook)),
        });
        let mut tasks = JoinSet::new();
        let kept = shared.clone();
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = service_fn(move |req| serve(shared.clone(), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            queue: tx,
            tasks,
            shared: kept,
        })
    }

    /// When the function first asked for an invocation (the end of its init).
    pub fn first_next(&self) -> Option<Instant> {
        self.shared.first_next.lock().unwrap().0
    }

    /// Queues `event` and waits (bounded) for the function's answer.
    pub async fn invoke(&self, event: String) -> Result<Completion, BenchError> {
        let (done, answer) = oneshot::channel();
        let id = uuid::Uuid::new_v4().to_string();
        self.queue.send(Invocation { id, event, done }).await?;
        Ok(tokio::time::timeout(Duration::from_secs(30), answer).await??)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.tasks.abort_all();
    }
}

fn reply(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    resp
}

async fn serve(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (req.method(), parts.as_slice()) {
        (&Method::GET, ["2018-06-01", "runtime", "invocation", "next"]) => {
            let hook = {
                let mut first = shared.first_next.lock().unwrap();
                first.0.get_or_insert_with(Instant::now);
                first.1.take()
            };
            if let Some(hook) = hook {
                hook();
            }
            let Some(next) = shared.queue.lock().await.recv().await else {
                return Ok(reply(StatusCode::GONE, Bytes::new()));
            };
            shared
                .pending
                .lock()
                .await
                .insert(next.id.clone(), next.done);
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() + 30_000)
                .unwrap_or_default();
            let mut resp = reply(StatusCode::OK, Bytes::from(next.event));
            let headers = resp.headers_mut();
            let mut set = |name: &'static str, value: String| {
                if let Ok(v) = value.parse() {
                    headers.insert(name, v);
                }
            };
            set("lambda-runtime-aws-request-id", next.id);
            set("lambda-runtime-deadline-ms", deadline.to_string());
            set(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:bench".into(),
            );
            set(
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000".into(),
            );
            set("content-type", "application/json".into());
            Ok(resp)
        }
        (
            &Method::POST,
            [
                "2018-06-01",
                "runtime",
                "invocation",
                id,
                outcome @ ("response" | "error"),
            ],
        ) => {
            let error = *outcome == "error";
            let id = (*id).to_owned();
            let body = req
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            if let Some(done) = shared.pending.lock().await.remove(&id) {
                let _ = done.send(Completion {
                    at: Instant::now(),
                    body,
                    error,
                });
            }
            Ok(reply(StatusCode::ACCEPTED, Bytes::new()))
        }
        (&Method::POST, ["2018-06-01", "runtime", "init", "error"]) => {
            Ok(reply(StatusCode::ACCEPTED, Bytes::new()))
        }
        _ => Ok(reply(StatusCode::NOT_FOUND, Bytes::new())),
    }
}
