//! The search engine: Amazon OpenSearch Service in AWS, osmem-server on one machine, both
//! spoken to through OpenSearch's REST API (docs/search.md). `SEARCH_ENDPOINT` names it; empty
//! or absent means this deployment has no engine (`SearchEngine=none`).
//!
//! An `https://` endpoint is a managed domain: every request is SigV4-signed (service `es`) with
//! the function's own credentials. A plain `http://` endpoint is the local emulator, unsigned.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::cache::TtlCache;
use crate::error::{ApiError, RETRY_AFTER};
use crate::search_mapping::{INDEX_PREFIX, index_template};

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// One engine request's budget: the functions time out at 10 s, and a search may make two
/// requests (the field types, then the search) and must still have time to answer 503.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(4);
/// How long an instance trusts the field types it read (sorting text needs them).
const MAPPING_TTL: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The engine refused the request as malformed: the caller's query, not our fault.
    #[error("{0}")]
    Rejected(String),
    #[error("the search engine is throttling requests")]
    Throttled,
    #[error("the search engine is unavailable: {0}")]
    Unavailable(String),
    #[error("search engine fault: {0}")]
    Internal(String),
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Rejected(reason) => ApiError::BadRequest(reason),
            EngineError::Throttled => ApiError::Throttled {
                retry_after: RETRY_AFTER,
            },
            EngineError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "search engine unavailable");
                ApiError::Unavailable {
                    retry_after: RETRY_AFTER,
                }
            }
            EngineError::Internal(detail) => {
                tracing::error!(error = %detail, "search engine fault");
                ApiError::Internal
            }
        }
    }
}

/// Field name → engine type (`text`, `keyword`, `date`, `long`, …), dotted paths.
pub type FieldTypes = HashMap<String, String>;

pub struct SearchEngine {
    endpoint: String,
    signer: Option<Signer>,
    client: OnceCell<HttpsClient>,
    templates: OnceCell<()>,
    field_types: TtlCache<(), Arc<FieldTypes>>,
}

struct Signer {
    credentials: SharedCredentialsProvider,
    region: String,
}

impl SearchEngine {
    /// The engine `SEARCH_ENDPOINT` names, signing with `credentials` in `region` when it is a
    /// managed (HTTPS) domain; `None` when no engine is configured.
    pub fn from_env(
        credentials: Option<SharedCredentialsProvider>,
        region: Option<String>,
    ) -> Option<Self> {
        let endpoint = std::env::var("SEARCH_ENDPOINT").ok()?;
        Self::new(&endpoint, credentials, region)
    }

    pub fn new(
        endpoint: &str,
        credentials: Option<SharedCredentialsProvider>,
        region: Option<String>,
    ) -> Option<Self> {
        let endpoint = endpoint.trim().trim_end_matches('/');
        if endpoint.is_empty() {
            return None;
        }
        let signer = match (endpoint.starts_with("https://"), credentials, region) {
            (true, Some(credentials), Some(region)) => Some(Signer {
                credentials,
                region,
            }),
            _ => None,
        };
        Some(Self {
            endpoint: endpoint.to_owned(),
            signer,
            client: OnceCell::new(),
            templates: OnceCell::new(),
            field_types: TtlCache::new(MAPPING_TTL),
        })
    }

    /// One page of hits (and aggregations) from `indices`; indices not created yet (no document
    /// indexed) count as empty.
    pub async fn search(&self, indices: &[String], body: &Value) -> Result<Value, EngineError> {
        let path = format!("/{}/_search?{LENIENT}", indices.join(","));
        whole(self.json(Method::POST, &path, body).await?)
    }

    /// How many documents of `indices` match `body`'s query.
    pub async fn count(&self, indices: &[String], body: &Value) -> Result<u64, EngineError> {
        let path = format!("/{}/_count?{LENIENT}", indices.join(","));
        let answer = whole(self.json(Method::POST, &path, body).await?)?;
        answer["count"].as_u64().ok_or_else(|| {
            EngineError::Internal(format!("a _count answer without a count: {answer}"))
        })
    }

    /// The types of the fields the indices map, read once a minute per instance: a sort on a
    /// text field must use its `.exact` keyword instead.
    pub async fn field_types(&self) -> Result<Arc<FieldTypes>, EngineError> {
        if let Some(types) = self.field_types.get(&()) {
            return Ok(types);
        }
        let path = format!("/{INDEX_PREFIX}*/_mapping?{LENIENT}");
        let answer = self.call(Method::GET, &path, None, JSON).await?;
        let mut types = FieldTypes::new();
        if let Some(indices) = answer.as_object() {
            for index in indices.values() {
                collect_types("", &index["mappings"]["properties"], &mut types);
            }
        }
        let types = Arc::new(types);
        self.field_types.put((), types.clone());
        Ok(types)
    }

    /// Sends `_bulk` actions (NDJSON, each line ending in a newline); the engine's per-item
    /// answer comes back for the caller to judge.
    pub async fn bulk(&self, ndjson: String) -> Result<Value, EngineError> {
        self.call(
            Method::POST,
            "/_bulk",
            Some(Bytes::from(ndjson)),
            "application/x-ndjson",
        )
        .await
    }

    /// Puts the index templates (idempotent), once per instance: indices are created from them
    /// when their first document arrives.
    pub async fn ensure_templates(&self, indices: &[&str]) -> Result<(), EngineError> {
        self.templates
            .get_or_try_init(|| async {
                for index in indices {
                    let path = format!("/_index_template/{INDEX_PREFIX}{index}");
                    self.json(Method::PUT, &path, &index_template(index))
                        .await?;
                }
                Ok(())
            })
            .await
            .map(|_| ())
    }

    async fn json(&self, method: Method, path: &str, body: &Value) -> Result<Value, EngineError> {
        let bytes = Bytes::from(body.to_string());
        self.call(method, path, Some(bytes), JSON).await
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        content_type: &str,
    ) -> Result<Value, EngineError> {
        let uri = format!("{}{path}", self.endpoint);
        let body = body.unwrap_or_default();
        let mut req = Request::builder()
            .method(method)
            .uri(&uri)
            .header(http::header::CONTENT_TYPE, content_type)
            .body(Full::new(body.clone()))
            .map_err(|e| EngineError::Internal(e.to_string()))?;
        if let Some(signer) = &self.signer {
            signer.sign(&mut req, &body).await?;
        }
        let client = self
            .client
            .get_or_try_init(|| async { client_for(&self.endpoint) })
            .await?;
        let resp = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let resp = client.request(req).await?;
            let status = resp.status();
            let bytes = resp.into_body().collect().await?.to_bytes();
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>((status, bytes))
        })
        .await
        .map_err(|_| EngineError::Unavailable(format!("no answer within {REQUEST_TIMEOUT:?}")))?
        .map_err(|e| EngineError::Unavailable(e.to_string()))?;
        judge(resp.0, &resp.1)
    }
}

/// Query parameters that make a search over indices not created yet answer nothing, not 404.
const LENIENT: &str = "ignore_unavailable=true&allow_no_indices=true";
const JSON: &str = "application/json";

impl Signer {
    async fn sign(&self, req: &mut Request<Full<Bytes>>, body: &[u8]) -> Result<(), EngineError> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        use aws_sigv4::sign::v4;
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| EngineError::Internal(format!("no credentials to sign with: {e}")))?;
        let identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("es")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| EngineError::Internal(e.to_string()))?
            .into();
        let host = req
            .uri()
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_default();
        req.headers_mut().insert(
            http::header::HOST,
            http::HeaderValue::from_str(&host).map_err(|e| EngineError::Internal(e.to_string()))?,
        );
        let headers: Vec<(&str, &str)> = req
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
            .collect();
        let signable = SignableRequest::new(
            req.method().as_str(),
            req.uri().to_string(),
            headers.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| EngineError::Internal(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| EngineError::Internal(e.to_string()))?
            .into_parts();
        instructions.apply_to_request_http1x(req);
        Ok(())
    }
}

/// The HTTP client: the system's CA roots for a managed domain; none for the local emulator,
/// whose plain-HTTP endpoint never presents a certificate (reading the CA store is slow).
fn client_for(endpoint: &str) -> Result<HttpsClient, EngineError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = hyper_rustls::HttpsConnectorBuilder::new();
    let builder = if endpoint.starts_with("https://") {
        builder
            .with_provider_and_native_roots(provider)
            .map_err(|e| EngineError::Internal(format!("no CA roots: {e}")))?
    } else {
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| EngineError::Internal(e.to_string()))?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        builder.with_tls_config(config)
    };
    let connector = builder.https_or_http().enable_http1().build();
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

/// The engine's answer as ours: success, the caller's mistake (400), or the engine's fault.
fn judge(status: StatusCode, body: &[u8]) -> Result<Value, EngineError> {
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match status.as_u16() {
        200..=299 => Ok(parsed),
        429 => Err(EngineError::Throttled),
        400 => Err(EngineError::Rejected(reason(&parsed))),
        s if s >= 500 => Err(EngineError::Unavailable(format!(
            "{s}: {}",
            reason(&parsed)
        ))),
        s => Err(EngineError::Internal(format!("{s}: {}", reason(&parsed)))),
    }
}

/// An answer only if every shard answered: a page missing a shard's documents would look like
/// the last page to the SDKs' paginators. The first failure says why: the query's fault (400)
/// or the engine's.
fn whole(answer: Value) -> Result<Value, EngineError> {
    if answer["_shards"]["failed"].as_u64().unwrap_or(0) == 0 {
        return Ok(answer);
    }
    let failure = &answer["_shards"]["failures"][0];
    let reason = failure["reason"]["reason"]
        .as_str()
        .unwrap_or("a shard failed")
        .to_owned();
    match failure["status"].as_u64() {
        Some(400) => Err(EngineError::Rejected(format!(
            "the search engine refused the query: {reason}"
        ))),
        _ => Err(EngineError::Unavailable(reason)),
    }
}

/// An engine error's most specific reason: the first root cause's, else the error's own.
pub fn reason(error: &Value) -> String {
    let e = &error["error"];
    let root = &e["root_cause"][0]["reason"];
    root.as_str()
        .or_else(|| e["reason"].as_str())
        .or_else(|| e.as_str())
        .map(|r| format!("the search engine refused the query: {r}"))
        .unwrap_or_else(|| "the search engine refused the query".into())
}

fn collect_types(prefix: &str, properties: &Value, out: &mut FieldTypes) {
    let Some(fields) = properties.as_object() else {
        return;
    };
    for (name, field) in fields {
        let path = format!("{prefix}{name}");
        match field["type"].as_str() {
            Some(t) if t != "nested" && t != "object" => {
                out.entry(path.clone()).or_insert_with(|| t.to_owned());
            }
            _ => {}
        }
        collect_types(&format!("{path}."), &field["properties"], out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_types_are_read_from_nested_and_object_mappings_as_dotted_paths() {
        let mapping = json!({
            "name": {"type": "text", "fields": {"exact": {"type": "keyword"}}},
            "accounts": {"type": "nested", "properties": {"source": {"properties": {
                "name": {"type": "text"}}}}},
            "created": {"type": "date"},
        });
        let mut types = FieldTypes::new();

        collect_types("", &mapping, &mut types);

        assert_eq!(types["name"], "text");
        assert_eq!(types["accounts.source.name"], "text");
        assert_eq!(types["created"], "date");
        assert!(!types.contains_key("accounts"));
    }

    #[test]
    fn an_engine_400_is_the_callers_mistake_and_a_5xx_is_the_engines_fault() {
        let refused = br#"{"error":{"root_cause":[{"reason":"Cannot parse 'name:('"}],"reason":"all shards failed"},"status":400}"#;

        assert_eq!(
            judge(StatusCode::BAD_REQUEST, refused),
            Err(EngineError::Rejected(
                "the search engine refused the query: Cannot parse 'name:('".into()
            ))
        );
        assert!(matches!(
            judge(StatusCode::SERVICE_UNAVAILABLE, b"{}"),
            Err(EngineError::Unavailable(_))
        ));
        assert_eq!(
            judge(StatusCode::TOO_MANY_REQUESTS, b""),
            Err(EngineError::Throttled)
        );
        assert_eq!(
            judge(StatusCode::OK, br#"{"count":3}"#),
            Ok(json!({"count": 3}))
        );
    }

    #[test]
    fn an_answer_missing_a_shard_is_an_error_never_a_short_page() {
        let partial = json!({"_shards": {"total": 2, "failed": 1, "failures": [
            {"status": 400, "reason": {"reason": "failed to create query: x"}}]}});
        let lost = json!({"_shards": {"total": 2, "failed": 1, "failures": [
            {"status": 503, "reason": {"reason": "no shard available"}}]}});

        assert!(matches!(whole(partial), Err(EngineError::Rejected(_))));
        assert!(matches!(whole(lost), Err(EngineError::Unavailable(_))));
        assert!(whole(json!({"_shards": {"total": 2, "failed": 0}})).is_ok());
    }

    #[test]
    fn no_endpoint_means_no_engine() {
        assert!(SearchEngine::new("", None, None).is_none());
        assert!(SearchEngine::new("  ", None, None).is_none());
        let local = SearchEngine::new("http://127.0.0.1:9200/", None, None).expect("an engine");
        assert_eq!(local.endpoint, "http://127.0.0.1:9200");
        assert!(local.signer.is_none());
    }
}
