//! The loop every function runs: each request goes to the handler in its own task, so that even a
//! panic becomes a response in the function's face format (an `Err` out of a Lambda would be an
//! opaque 500 at the gateway), and each request leaves one JSON log line.

use std::convert::Infallible;
use std::future::Future;
use std::time::Instant;

use lambda_http::request::RequestContext;
use lambda_http::tower::ServiceExt;
use lambda_http::{Body, Request, RequestExt, Response, service_fn};

use crate::app::{App, BoxError};
use crate::audit;
use crate::error::ApiError;
use crate::faces::Face;
use crate::metrics;

/// Serves `handler` with `app` until the runtime stops. `app` lives for the whole process.
pub async fn serve<H, F>(app: App, face: Face, handler: H) -> Result<(), BoxError>
where
    H: Fn(&'static App, Request) -> F + Copy + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    // Init runs at full CPU and the first request at the memory size's share of it: opening the
    // connection here moves the CA store's parse and the TLS handshake out of the throttled
    // first answer (bench/results/lambda.md; docs/benchmarks.md, "Warm-up in init").
    app.db.warm_up().await;
    let app: &'static App = Box::leak(Box::new(app));
    let adapter = lambda_http::Adapter::from(service_fn(move |req: Request| async move {
        Ok::<_, Infallible>(respond(app, face, handler, req).await)
    }));
    lambda_runtime::run(adapter.map_response(spelled)).await
}

/// Response headers whose spelling clients depend on. The `http` crate keeps every header name
/// in lowercase, and SailPoint's Python SDK looks `X-Total-Count` up in a case-sensitive dict,
/// so the Lambda's response JSON carries these as the vendor spells them; API Gateway and
/// `sam local start-api` pass a name on as the function wrote it.
pub const SPELLED_HEADERS: [&str; 1] = ["X-Total-Count"];

/// The Lambda response as JSON, with the headers of `SPELLED_HEADERS` respelled.
fn spelled<R: serde::Serialize>(response: R) -> serde_json::Value {
    let mut json = serde_json::to_value(response).unwrap_or_else(|e| {
        // Only a non-UTF-8 header value can fail here; the gateway would refuse it anyway.
        tracing::error!(error = %e, "response not serializable");
        serde_json::json!({"statusCode": 500})
    });
    respell(&mut json);
    json
}

fn respell(json: &mut serde_json::Value) {
    for field in ["headers", "multiValueHeaders"] {
        let Some(headers) = json.get_mut(field).and_then(|h| h.as_object_mut()) else {
            continue;
        };
        for name in SPELLED_HEADERS {
            if let Some(value) = headers.remove(&name.to_ascii_lowercase()) {
                headers.insert(name.to_owned(), value);
            }
        }
    }
}

/// Runs one request through `handler` and logs its summary line. Public so that tests and the
/// benchmarks measure exactly what Lambda runs.
pub async fn respond<H, F>(
    app: &'static App,
    face: Face,
    handler: H,
    req: Request,
) -> Response<Body>
where
    H: Fn(&'static App, Request) -> F,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    let started = Instant::now();
    let (request_id, apigw_request_id) = request_ids(&req);
    let route = route_of(&req);
    let scope = audit::Scope::new(request_id.clone(), apigw_request_id);
    let outcome = if req.uri().query().map_or(0, str::len) > crate::request::MAX_QUERY_BYTES {
        let refused = ApiError::from(crate::request::InputError::QueryTooLong);
        Ok((
            (face.error(&refused), metrics::DbMetrics::default()),
            scope.clone(),
        ))
    } else {
        tokio::spawn(audit::scoped(
            scope.clone(),
            metrics::measured(handler(app, req)),
        ))
        .await
    };
    let ((response, db), scope) = match outcome {
        Ok(done) => done,
        Err(e) => {
            tracing::error!(request_id, route, panicked = e.is_panic(), "handler failed");
            (
                (
                    face.error(&ApiError::Internal),
                    metrics::DbMetrics::default(),
                ),
                scope,
            )
        }
    };
    let status = response.status().as_u16();
    let (auth, auth_reason) = scope.outcome_fields();
    tracing::info!(
        target: "request",
        request_id,
        apigw_request_id = scope.apigw_request_id,
        route,
        status,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        dynamodb_calls = db.calls,
        consumed_capacity = db.capacity_units,
        org = scope.org.as_deref().unwrap_or(""),
        principal = scope.principal.as_deref().unwrap_or(""),
        auth,
        auth_reason,
    );
    // Every refusal of a caller is an audit event. Zato answers bad input with 403 too, so
    // there only a recorded refusal counts.
    let refused_by_status = face != Face::Zato && matches!(status, 401 | 403);
    if auth == "denied" || refused_by_status {
        audit::emit("access_denied", &route, &scope);
    }
    response
}

/// Lambda's request id (API Gateway's when the request did not come through a Lambda runtime),
/// and API Gateway's own, which its access log carries.
fn request_ids(req: &Request) -> (String, String) {
    let apigw = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.clone(),
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.request_id.clone(),
        _ => None,
    }
    .unwrap_or_default();
    let lambda = req
        .lambda_context_ref()
        .map(|ctx| ctx.request_id.clone())
        .unwrap_or_else(|| apigw.clone());
    (lambda, apigw)
}

/// The route template (`GET /persons/{person_id}`), never the concrete path, so the log says
/// which endpoint ran without carrying request data. API Gateway names the route; a router
/// that does not (`cargo lambda watch`) gets it rebuilt from the path parameters.
fn route_of(req: &Request) -> String {
    let from_context = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.route_key.clone(),
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx
            .resource_path
            .as_ref()
            .map(|p| format!("{} {p}", req.method())),
        _ => None,
    };
    from_context
        .filter(|r| r != "$default" && !r.is_empty())
        .unwrap_or_else(|| {
            let params = req.path_parameters_ref();
            let template: Vec<String> = req
                .uri()
                .path()
                .split('/')
                .map(|segment| {
                    let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
                    params
                        .and_then(|p| p.iter().find(|(_, v)| *v == decoded))
                        .map_or_else(|| segment.to_owned(), |(name, _)| format!("{{{name}}}"))
                })
                .collect();
            format!("{} {}", req.method(), template.join("/"))
        })
}

/// JSON lines on stdout (CloudWatch adds nothing but the line). `LOG_LEVEL` sets the level.
pub fn init_logging() {
    init_logging_to(std::io::stdout);
}

/// The same lines to another writer: the benchmarks read them back as the functions write them.
pub fn init_logging_to<W>(writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let level = std::env::var("LOG_LEVEL")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .with_current_span(false)
        .with_span_list(false)
        .flatten_event(true)
        .with_ansi(false)
        .with_writer(writer)
        .try_init();
}

/// The whole `main` of a function binary: build the clients its face needs once, then serve its
/// `handle` in its face's error format. `lambda_main!(my_function);` — the face is the one the
/// crate's `handler!` named.
#[macro_export]
macro_rules! lambda_main {
    ($krate:ident) => {
        fn main() -> Result<(), $crate::app::BoxError> {
            use $crate::faces::FaceApi;
            $crate::runtime::block_on(async {
                $crate::runtime::init_logging();
                let app = <$krate::Face as FaceApi>::app().await?;
                $crate::runtime::serve(app, <$krate::Face as FaceApi>::FACE, $krate::handle).await
            })
        }
    };
}

/// Runs a function's `main` on one thread, as Lambda gives an instance one request at a time:
/// what `#[tokio::main(flavor = "current_thread")]` expands to, here so that a function crate
/// needs no tokio dependency of its own.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime")
        .block_on(future)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_count_header_leaves_spelled_as_sailpoint_spells_it() {
        let mut json = serde_json::json!({
            "statusCode": 200,
            "headers": {"x-total-count": "26", "content-type": "application/json"},
            "multiValueHeaders": {"x-total-count": ["26"]},
        });

        respell(&mut json);

        assert_eq!(json["headers"]["X-Total-Count"], "26");
        assert_eq!(json["multiValueHeaders"]["X-Total-Count"][0], "26");
        assert!(json["headers"].get("x-total-count").is_none());
        assert_eq!(json["headers"]["content-type"], "application/json");
    }
}
