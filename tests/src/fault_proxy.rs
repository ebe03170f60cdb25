//! A fault-injecting HTTP proxy in front of DynamoDB Local or of moto's KMS, for in-process
//! handler tests: point an `App` (or its KMS client) at `proxy.url()` and switch what the
//! service "does" between requests. It counts the requests it sees, so a test can say how often
//! the SDK tried. A *gate* holds one chosen request unforwarded until the test releases it, so a
//! test can run another operation in between, at exactly that point of a multi-request write.
//!
//! Only HTTP/1.1 with `Content-Length` bodies, which is all the SDK sends to DynamoDB and KMS.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// What the proxy does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward it to DynamoDB Local.
    None,
    /// Close the connection unanswered, as a stopped DynamoDB or a broken network does. The
    /// request never reaches DynamoDB.
    Down,
    /// Answer a throttling error with this code: DynamoDB's (`ProvisionedThroughputExceededException`,
    /// `ThrottlingException`, `RequestLimitExceeded`) or KMS's (`ThrottlingException`). Both
    /// SDKs read the code from the `x-amzn-errortype` header, whatever the body's namespace.
    Throttle(&'static str),
    /// Read it and never answer.
    Hang,
}

pub const PROVISIONED_THROUGHPUT_EXCEEDED: &str = "ProvisionedThroughputExceededException";

struct State {
    upstream: String,
    client: reqwest::Client,
    /// The fault, and how many requests still pass before it applies.
    plan: Mutex<(Fault, usize)>,
    requests: AtomicUsize,
    faults: AtomicUsize,
    gate: Mutex<Option<Armed>>,
    gates: AtomicUsize,
}

/// A gate waiting for its request: how many requests still pass first, whom to tell when the
/// request arrives, and what it then waits for.
struct Armed {
    id: usize,
    passing: usize,
    reached: oneshot::Sender<()>,
    release: oneshot::Receiver<()>,
}

/// Holds one request of the proxy's traffic before it reaches DynamoDB (see
/// [`FaultProxy::gate_after`]). Dropping the gate releases a held request and disarms it.
pub struct Gate {
    id: usize,
    state: Arc<State>,
    reached: Option<oneshot::Receiver<()>>,
    release: Option<oneshot::Sender<()>>,
}

impl Gate {
    /// Resolves once the chosen request is held at the gate, unforwarded. Never resolves if
    /// fewer requests come: race it against the client's own completion.
    pub async fn reached(&mut self) {
        if let Some(reached) = self.reached.as_mut()
            && reached.await.is_ok()
        {
            self.reached = None;
            return;
        }
        std::future::pending().await
    }

    /// Lets the held request go on to DynamoDB.
    pub fn release(mut self) {
        self.open();
    }

    fn open(&mut self) {
        let mut armed = self.state.gate.lock().expect("gate lock");
        // Disarm only this gate, never one armed after it.
        if armed.as_ref().is_some_and(|a| a.id == self.id) {
            *armed = None;
        }
        drop(armed);
        if let Some(release) = self.release.take() {
            let _ = release.send(());
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.open();
    }
}

pub struct FaultProxy {
    port: u16,
    state: Arc<State>,
}

impl FaultProxy {
    /// A proxy on a free loopback port, forwarding to `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
        let port = listener.local_addr().expect("an address").port();
        let state = Arc::new(State {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            plan: Mutex::new((Fault::None, 0)),
            requests: AtomicUsize::new(0),
            faults: AtomicUsize::new(0),
            gate: Mutex::new(None),
            gates: AtomicUsize::new(0),
        });
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Self { port, state }
    }

    /// In front of the local stack's DynamoDB (`AWS_ENDPOINT_URL_DYNAMODB`).
    pub async fn for_local_dynamodb() -> Self {
        let upstream = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| {
            panic!("AWS_ENDPOINT_URL_DYNAMODB is not set: run the tests with `make test`")
        });
        Self::start(&upstream).await
    }

    /// In front of moto's server, the local KMS (`KMS_LOCAL_URL`).
    pub async fn for_local_kms() -> Self {
        Self::start(&crate::local_kms::url()).await
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// From the next request on, `fault` applies.
    pub fn inject(&self, fault: Fault) {
        self.inject_after(0, fault);
    }

    /// The next `passing` requests are forwarded, then `fault` applies.
    pub fn inject_after(&self, passing: usize, fault: Fault) {
        *self.state.plan.lock().expect("plan lock") = (fault, passing);
    }

    /// The next `passing` requests are forwarded; the one after them is held before it reaches
    /// DynamoDB until the returned gate is released (or dropped). Replaces an armed gate.
    pub fn gate_after(&self, passing: usize) -> Gate {
        let (reached_tx, reached_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        let id = self.state.gates.fetch_add(1, Ordering::SeqCst);
        *self.state.gate.lock().expect("gate lock") = Some(Armed {
            id,
            passing,
            reached: reached_tx,
            release: release_rx,
        });
        Gate {
            id,
            state: self.state.clone(),
            reached: Some(reached_rx),
            release: Some(release_tx),
        }
    }

    /// Requests seen so far, faulted or not.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Requests that met a fault.
    pub fn faults(&self) -> usize {
        self.state.faults.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    // The run's fault count is part of what a fault test reports (`--nocapture` shows it).
    fn drop(&mut self) {
        eprintln!(
            "fault proxy: {} requests seen, {} faults injected",
            self.requests(),
            self.faults()
        );
    }
}

/// What to do with the request just read.
fn decide(state: &State) -> Fault {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let mut plan = state.plan.lock().expect("plan lock");
    if plan.0 == Fault::None {
        return Fault::None;
    }
    if plan.1 > 0 {
        plan.1 -= 1;
        return Fault::None;
    }
    state.faults.fetch_add(1, Ordering::SeqCst);
    plan.0
}

/// Whether the request just read is the one an armed gate holds; if so, what releases it.
fn gated(state: &State) -> Option<oneshot::Receiver<()>> {
    let mut gate = state.gate.lock().expect("gate lock");
    let armed = gate.as_mut()?;
    if armed.passing > 0 {
        armed.passing -= 1;
        return None;
    }
    let Armed {
        reached, release, ..
    } = gate.take()?;
    let _ = reached.send(());
    Some(release)
}

/// One client connection, request after request (the SDK keeps connections alive).
async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let mut buf = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buf).await else {
            return;
        };
        if let Some(release) = gated(&state) {
            // Released or dropped: either way the request goes on.
            let _ = release.await;
        }
        let response = match decide(&state) {
            Fault::None => match forward(&state, request).await {
                Some(r) => r,
                None => return,
            },
            Fault::Down => return,
            Fault::Hang => std::future::pending().await,
            Fault::Throttle(code) => throttled(code),
        };
        if stream.write_all(&response).await.is_err() {
            return;
        }
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

/// Reads one request; `None` when the client closed the connection or sent something else.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        if let httparse::Status::Complete(head) = parsed.parse(buf).ok()? {
            let length: usize = parsed
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .map_or(Some(0), |h| {
                    std::str::from_utf8(h.value).ok()?.trim().parse().ok()
                })?;
            let request = Request {
                method: parsed.method?.to_owned(),
                path: parsed.path?.to_owned(),
                headers: parsed
                    .headers
                    .iter()
                    .map(|h| (h.name.to_owned(), h.value.to_owned()))
                    .collect(),
                body: Vec::new(),
            };
            while buf.len() < head + length {
                read_more(stream, buf).await?;
            }
            let rest = buf.split_off(head + length);
            let body = buf[head..].to_vec();
            *buf = rest;
            return Some(Request { body, ..request });
        }
        read_more(stream, buf).await?;
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 16 * 1024];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Some(())
        }
    }
}

/// Sends the request on and serializes DynamoDB's answer; `None` if DynamoDB did not answer.
async fn forward(state: &State, request: Request) -> Option<Vec<u8>> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).ok()?;
    let mut outgoing = state
        .client
        .request(method, format!("{}{}", state.upstream, request.path))
        .body(request.body);
    for (name, value) in &request.headers {
        // The client sets these for its own connection.
        if !["host", "content-length", "connection"].contains(&name.to_lowercase().as_str()) {
            outgoing = outgoing.header(name.as_str(), value.as_slice());
        }
    }
    let answer = outgoing.send().await.ok()?;
    let status = answer.status();
    let headers = answer.headers().clone();
    let body = answer.bytes().await.ok()?;
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    for (name, value) in &headers {
        if !["content-length", "transfer-encoding", "connection"].contains(&name.as_str()) {
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(&body);
    Some(out)
}

/// DynamoDB's throttling answer, as its JSON protocol sends it.
fn throttled(code: &str) -> Vec<u8> {
    let body = serde_json::json!({
        "__type": format!("com.amazonaws.dynamodb.v20120810#{code}"),
        "message": "The request rate is too high (injected by the test proxy)."
    })
    .to_string();
    format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/x-amz-json-1.0\r\n\
         x-amzn-errortype: {code}\r\nx-amzn-requestid: fault-proxy\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
