//! Test harness: the local stack that `make test` starts (DynamoDB Local, the router), fresh
//! tenants per test so tests never see each other's data, and synthetic API Gateway events.
//! Nothing here skips when the stack is absent: a test without its server fails.

pub mod fault_proxy;
pub mod interleaving;
pub mod local_kms;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use idgraph::App;
use idgraph::auth::sha256_hex;
use idgraph::ids::OrgId;
use idgraph::store::orgs::{self, Organization};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};

pub const DEMO_ORG: &str = "af5fbd30-7ce7-4548-8b30-4cd59cb2aba1";
pub const DEMO_API_KEY: &str = "demo-api-key";
pub const DEMO_PERSON: &str = "903c1ff9-f2cc-435c-b242-9d8a690fcf0a";

fn required_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: these tests need the local stack, run them with `make test`")
    })
}

/// An `App` on DynamoDB Local, as a function builds it. One per test: an SDK client must not
/// outlive the Tokio runtime of the test that made it.
pub async fn app() -> &'static App {
    required_env("AWS_ENDPOINT_URL_DYNAMODB");
    Box::leak(Box::new(
        App::from_env()
            .await
            .expect("app from the test environment"),
    ))
}

/// The local stack's token signing key (`JWT_LOCAL_SIGNING_KEY`, scripts/lib.sh): what the
/// token function signs with, so tests mint tokens the SailPoint functions accept.
pub fn local_signing_key() -> idgraph::jwt::LocalSigningKey {
    required_env("JWT_LOCAL_SIGNING_KEY");
    match idgraph::config::Config::from_env()
        .expect("config")
        .token_signing_key
    {
        idgraph::jwt::SigningKeyConfig::Local(key) => key,
        other => panic!("JWT_LOCAL_SIGNING_KEY is not a local key: {other:?}"),
    }
}

/// An `App` on a new table made from template.yaml, whose stream no consumer reads: for tests
/// that write thousands of items, which on the shared table would queue in the stream ahead of
/// other tests' projections. Its client has the bulk tool's timeouts, as a bulk load's: a busy
/// DynamoDB Local takes seconds to create a table or take thousands of items.
pub async fn app_on_fresh_table() -> &'static App {
    let table = format!("costs-{}", uuid::Uuid::new_v4());
    let app = app_on_table(&table).await;
    let template = std::fs::read_to_string(repo_root().join("template.yaml")).expect("template");
    let spec = devstack::table::spec_from_template(&template).expect("table spec");
    devstack::table::create(&app.db.client, &table, &spec)
        .await
        .expect("table created");
    app
}

/// An `App` on `table` (made by `app_on_fresh_table`), with the bulk tool's timeouts. One per
/// test, as `app()`.
pub async fn app_on_table(table: &str) -> &'static App {
    let base = app().await;
    let client = aws_sdk_dynamodb::Client::from_conf(
        base.db
            .client
            .config()
            .to_builder()
            .timeout_config(idgraph_bulk::timeouts())
            .build(),
    );
    let mut config = base.config.clone();
    config.table_name = table.to_owned();
    Box::leak(Box::new(App::new(config, client)))
}

/// Base URL of the router (`cargo lambda watch`) that `make test` started.
pub fn router_url() -> String {
    required_env("ROUTER_URL")
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

/// A new root organization with its own API key: a tenant no other test touches.
pub struct Tenant {
    pub org: Organization,
    pub api_key: String,
}

impl Tenant {
    pub async fn create(app: &App) -> Self {
        let org = Organization::root(OrgId::new_random(), "test org");
        let api_key = format!("key-{}", uuid::Uuid::new_v4().simple());
        orgs::create(&app.db, &org, &sha256_hex(&api_key))
            .await
            .expect("create test org");
        Self { org, api_key }
    }

    pub fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SlashID-OrgID", self.org.id.to_string()),
            ("SlashID-API-Key", self.api_key.clone()),
        ]
    }
}

/// A request as API Gateway's HTTP API (payload v2) delivers it, parsed by lambda_http exactly
/// as in Lambda. `route` is the template (`/persons/{person_id}`), `path` the concrete path.
pub struct Event {
    method: String,
    route: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    path_params: HashMap<String, String>,
    body: Option<String>,
    /// The body is base64, as API Gateway passes a body that is not UTF-8 text.
    base64: bool,
}

impl Event {
    pub fn new(method: &str, route: &str, path: &str) -> Self {
        Self {
            method: method.into(),
            route: route.into(),
            path: path.into(),
            query: String::new(),
            headers: Vec::new(),
            path_params: HashMap::new(),
            body: None,
            base64: false,
        }
    }
    pub fn path_param(mut self, name: &str, value: &str) -> Self {
        self.path_params.insert(name.into(), value.into());
        self
    }
    pub fn query(mut self, raw: &str) -> Self {
        self.query = raw.into();
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_lowercase(), value.into()));
        self
    }
    pub fn headers(mut self, headers: Vec<(&'static str, String)>) -> Self {
        for (k, v) in headers {
            self = self.header(k, &v);
        }
        self
    }
    pub fn json(mut self, body: &Value) -> Self {
        self.body = Some(body.to_string());
        self.header("content-type", "application/json")
    }
    pub fn raw_body(mut self, body: &str) -> Self {
        self.body = Some(body.into());
        self
    }
    /// Any bytes, base64-encoded in the event as API Gateway does for non-text bodies.
    pub fn binary_body(mut self, body: &[u8]) -> Self {
        use base64::Engine;
        self.body = Some(base64::engine::general_purpose::STANDARD.encode(body));
        self.base64 = true;
        self
    }

    pub fn to_json(&self) -> Value {
        let headers: serde_json::Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        json!({
            "version": "2.0",
            "routeKey": format!("{} {}", self.method, self.route),
            "rawPath": self.path,
            "rawQueryString": self.query,
            "headers": headers,
            "pathParameters": self.path_params,
            "requestContext": {
                "accountId": "123456789012", "apiId": "local", "domainName": "localhost",
                "domainPrefix": "localhost", "requestId": uuid::Uuid::new_v4().to_string(),
                "routeKey": format!("{} {}", self.method, self.route), "stage": "$default",
                "time": "22/Nov/2026:12:00:00 +0000", "timeEpoch": 1795348800000u64,
                "http": { "method": self.method, "path": self.path, "protocol": "HTTP/1.1",
                          "sourceIp": "127.0.0.1", "userAgent": "tests" }
            },
            "body": self.body,
            "isBase64Encoded": self.base64
        })
    }

    pub fn build(&self) -> Request {
        lambda_http::request::from_str(&self.to_json().to_string())
            .expect("a valid API Gateway v2 event")
    }
}

/// `GET /persons/{id}` with the given SlashID credentials (`None` leaves the key header out).
pub fn get_person(id: &str, org: &str, api_key: Option<&str>) -> Event {
    let event = Event::new("GET", "/persons/{person_id}", &format!("/persons/{id}"))
        .path_param("person_id", id)
        .header("SlashID-OrgID", org);
    match api_key {
        Some(key) => event.header("SlashID-API-Key", key),
        None => event,
    }
}

/// Status and JSON body of a handler's response (`Value::Null` for an empty body).
pub fn read(resp: &Response<Body>) -> (u16, Value) {
    let bytes: &[u8] = resp.body().as_ref();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(bytes).expect("a JSON body")
    };
    (resp.status().as_u16(), body)
}

/// The single `message` of a SlashID error envelope, checking the envelope's shape on the way.
pub fn slashid_error(status: u16, body: &Value) -> String {
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors array in {body}"));
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["httpcode"], json!(status), "{body}");
    errors[0]["message"].as_str().expect("a message").to_owned()
}

pub fn unique_email() -> String {
    format!("p{}@example.com", uuid::Uuid::new_v4().simple())
}

/// An HTTP client of the router, with a caller's SlashID credentials.
#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    headers: Vec<(String, String)>,
}

/// A response: status, headers and JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The `result` of a SlashID envelope.
    pub fn result(&self) -> &Value {
        &self.body["result"]
    }
    /// The message of a SlashID error envelope, checking its shape.
    pub fn error(&self) -> String {
        slashid_error(self.status, &self.body)
    }
    /// `result`, a list of strings (names, ids), as a set.
    pub fn result_set(&self) -> BTreeSet<String> {
        self.result()
            .as_array()
            .unwrap_or_else(|| panic!("a list: {:?}", self.body))
            .iter()
            .map(|v| v.as_str().expect("a string").to_owned())
            .collect()
    }
}

/// SlashID's consistency headers asking every replica region within one second: the replica
/// tables of `make test` never receive a write on their own, so such a request answers 408.
pub const ALL_REGIONS_WITHIN_1S: [(&str, &str); 2] = [
    ("SlashID-Required-Consistency", "all_regions"),
    ("SlashID-Required-Consistency-Timeout", "1"),
];

impl Api {
    /// `POST /rbac/check`: `granted`, of a check that must succeed.
    pub async fn granted(&self, person: &str, permission: &str) -> Value {
        let r = self
            .post(
                "/rbac/check",
                &json!({"person_id": person, "permission_name": permission}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.result()["granted"].clone()
    }
    pub fn new(org: &str, api_key: &str) -> Self {
        Self::with_headers(vec![
            ("SlashID-OrgID".into(), org.into()),
            ("SlashID-API-Key".into(), api_key.into()),
        ])
    }
    pub fn of(tenant: &Tenant) -> Self {
        Self::new(tenant.org.id.as_str(), &tenant.api_key)
    }
    pub fn demo() -> Self {
        Self::new(DEMO_ORG, DEMO_API_KEY)
    }
    pub fn anonymous() -> Self {
        Self::with_headers(Vec::new())
    }
    /// The API key this client sends.
    pub fn key(&self) -> &str {
        self.header_value("SlashID-API-Key")
    }
    /// The organization this client names.
    pub fn org(&self) -> &str {
        self.header_value("SlashID-OrgID")
    }
    fn header_value(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
    fn with_headers(headers: Vec<(String, String)>) -> Self {
        Self {
            client: reqwest::Client::new(),
            headers,
        }
    }

    /// Sends `method path` (path with its query) to the router, with extra headers.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self
            .client
            .request(method, format!("{}{path}", router_url()));
        for (k, v) in self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(extra.iter().copied())
        {
            req = req.header(k, v);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        reply(req).await
    }
    /// Sends a body that is not JSON, as its `content_type`.
    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self
            .client
            .request(method, format!("{}{path}", router_url()))
            .header("content-type", content_type)
            .body(body);
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        reply(req).await
    }
    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, &[]).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send("POST", path, Some(body), &[]).await
    }
    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send("PUT", path, Some(body), &[]).await
    }
    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send("PATCH", path, Some(body), &[]).await
    }
    pub async fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, None, &[]).await
    }

    /// Creates a person with a fresh email handle; returns its id.
    pub async fn create_person(&self) -> String {
        let r = self
            .post(
                "/persons",
                &json!({"handles": [{"type": "email_address", "value": unique_email()}]}),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.result()["person_id"]
            .as_str()
            .expect("a person id")
            .to_owned()
    }

    /// Adds permissions to the caller's catalog.
    pub async fn create_permissions<S: AsRef<str>>(&self, names: &[S]) {
        for name in names {
            let r = self
                .post("/rbac/permissions", &json!({"name": name.as_ref()}))
                .await;
            assert_eq!(r.status, 204, "{:?}", r.body);
        }
    }
}

// ---- Zato SSO ---------------------------------------------------------------------------------

/// The demo seed's SSO users (`seed/demo.json`).
pub const ZATO_ADMIN: (&str, &str) = ("admin", "admin-password-1");
pub const ZATO_JDOE: (&str, &str) = ("jdoe", "jdoe-password-1");
pub const ZATO_JDOE_ID: &str = "zusr6fh6fdgd4997ksjkpx7qnk659q";

/// A client of the Zato SSO face through the router. Zato clients send no credentials in
/// headers: the UST is a parameter.
pub struct Zato {
    client: reqwest::Client,
}

impl Default for Zato {
    fn default() -> Self {
        Self::new()
    }
}

impl Zato {
    pub fn new() -> Self {
        Self {
            client: reqwest::Client::new(),
        }
    }

    /// `method path` with `body` as the JSON body (on GET and DELETE too, as Zato's clients do).
    pub async fn call(&self, method: &str, path: &str, body: &Value) -> Reply {
        self.send(method, path, Some(body.to_string()), "application/json")
            .await
    }

    /// As `curl -X<method> <url> -d '<body>'` sends it: the body, form-encoded by its header.
    pub async fn curl(&self, method: &str, path: &str, body: &str) -> Reply {
        self.send(
            method,
            path,
            Some(body.to_owned()),
            "application/x-www-form-urlencoded",
        )
        .await
    }

    async fn send(&self, method: &str, path: &str, body: Option<String>, kind: &str) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self
            .client
            .request(method, format!("{}{path}", router_url()));
        if let Some(b) = body {
            req = req.header("content-type", kind).body(b);
        }
        let r = reply(req).await;
        // Zato answers every request with its envelope; an empty body is a fault.
        assert!(!r.body.is_null(), "an empty body from {path}");
        r
    }

    /// Logs in (app `CRM`); the UST, or a panic naming the answer.
    pub async fn login(&self, (username, password): (&str, &str)) -> String {
        let r = self
            .call(
                "POST",
                "/zato/sso/user/login",
                &json!({"username": username, "password": password, "current_app": "CRM"}),
            )
            .await;
        assert_eq!(
            (r.status, &r.body["status"]),
            (200, &json!("ok")),
            "{}",
            r.body
        );
        r.body["ust"].as_str().expect("a ust").to_owned()
    }

    /// A new approved regular user: (user id, username, a UST of theirs).
    pub async fn new_user(&self) -> (String, String, String) {
        let admin = self.login(ZATO_ADMIN).await;
        let username = format!("u{}", uuid::Uuid::new_v4().simple());
        let password = "a-password-1";
        let created = self
            .call(
                "POST",
                "/zato/sso/user",
                &json!({"ust": admin, "current_app": "CRM", "username": username, "password": password}),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.body);
        let id = created.body["user_id"]
            .as_str()
            .expect("a user id")
            .to_owned();
        let approved = self
            .call(
                "POST",
                "/zato/sso/user/approve",
                &json!({"ust": admin, "current_app": "CRM", "user_id": id}),
            )
            .await;
        assert_eq!(approved.status, 200, "{}", approved.body);
        let ust = self.login((&username, password)).await;
        (id, username, ust)
    }
}

/// The newest message the local stack mailed to `to` (its outbox, `SSO_OUTBOX_DIR`), as
/// `{to, subject, text}`. The functions write a message before they answer, so it is there when
/// the call that sends it has returned.
pub fn last_mail_to(to: &str) -> Option<Value> {
    idgraph::notify::outbox_last_to(&PathBuf::from(required_env("SSO_OUTBOX_DIR")), to)
}

/// The token in the newest message to `to`.
pub fn mailed_token(to: &str) -> String {
    idgraph::notify::outbox_token(&PathBuf::from(required_env("SSO_OUTBOX_DIR")), to)
        .unwrap_or_else(|| panic!("no mail with a token to {to}"))
}

impl Reply {
    /// `(HTTP status, the one sub_status code)` of a Zato error, checking the envelope.
    pub fn zato_error(&self) -> (u16, String) {
        assert_eq!(self.body["status"], "error", "{}", self.body);
        assert_eq!(
            self.body["cid"].as_str().map(str::len),
            Some(24),
            "{}",
            self.body
        );
        let codes = self.body["sub_status"].as_array().expect("sub_status");
        assert_eq!(codes.len(), 1, "{}", self.body);
        (self.status, codes[0].as_str().expect("a code").to_owned())
    }

    /// Whether this is Zato's `status: ok` with HTTP 200.
    pub fn is_zato_ok(&self) -> bool {
        self.status == 200 && self.body["status"] == "ok"
    }
}

// ---- SailPoint --------------------------------------------------------------------------------

pub const DEMO_ROLE: &str = "2c91808c6faadea6016fb4f2bc69077b";
pub const DEMO_IDENTITY: &str = "2c9180a46faadee4016fb4e018c20639";

/// A SailPoint client of the router, with a bearer token.
#[derive(Clone)]
pub struct SailPoint {
    client: reqwest::Client,
    token: Option<String>,
}

/// A tenant of the SailPoint face: a new org, and a token with every scope.
pub struct SailPointTenant {
    pub org: Organization,
    pub api: SailPoint,
    /// The same org's SlashID API key: both faces serve one identity graph.
    pub api_key: String,
}

impl SailPoint {
    pub fn with_token(token: Option<String>) -> Self {
        Self {
            client: reqwest::Client::new(),
            token,
        }
    }

    /// A token minted with the local signing key, as `/oauth/token` would issue it.
    pub fn token_for(org: &Organization, scopes: &[&str]) -> String {
        Self::token_issued_at(idgraph::jwt::now(), 600, org, "test-client", scopes)
    }

    /// A token issued at `iat` (epoch seconds) for `ttl` seconds: tests mint expired ones.
    pub fn token_issued_at(
        iat: u64,
        ttl: u64,
        org: &Organization,
        client_id: &str,
        scopes: &[&str],
    ) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        let claims = idgraph::jwt::claims(
            iat,
            std::time::Duration::from_secs(ttl),
            &org.id,
            &org.pool,
            client_id,
            &scopes,
        );
        local_signing_key().issue(&claims)
    }

    /// The demo OAuth client, through the token endpoint.
    pub async fn demo() -> Self {
        let reply = Self::with_token(None)
            .form(
                "/oauth/token",
                "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        Self::with_token(reply.body["access_token"].as_str().map(str::to_owned))
    }

    /// POSTs a form-encoded body.
    pub async fn form(&self, path: &str, body: &str) -> Reply {
        let req = self
            .client
            .post(format!("{}{path}", router_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned());
        reply(req).await
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.call_with_headers(method, path, body, &[]).await
    }

    /// As `call`, with more headers (`Accept`).
    pub async fn call_with_headers(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", router_url()));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            let kind = if method == reqwest::Method::PATCH {
                "application/json-patch+json"
            } else {
                "application/json"
            };
            req = req.header("content-type", kind).body(b.to_string());
        }
        reply(req).await
    }
    pub async fn get(&self, path: &str) -> Reply {
        self.call("GET", path, None).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.call("POST", path, Some(body)).await
    }
}

/// Sends `req` and reads the answer: JSON body, `Null` when empty.
async fn reply(req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.expect("the router answers");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("a body");
    let text = headers
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"text/"));
    let body = if bytes.is_empty() {
        Value::Null
    } else if text {
        Value::String(String::from_utf8_lossy(&bytes).into_owned())
    } else {
        serde_json::from_slice(&bytes).expect("a JSON body")
    };
    Reply {
        status,
        headers,
        body,
    }
}

impl SailPointTenant {
    pub async fn create(app: &App) -> Self {
        let tenant = Tenant::create(app).await;
        let api =
            SailPoint::with_token(Some(SailPoint::token_for(&tenant.org, &["sp:scopes:all"])));
        Self {
            org: tenant.org,
            api,
            api_key: tenant.api_key,
        }
    }

    /// A person of this org with a display name, a username and an email; returns its id.
    pub async fn identity(&self, app: &App, name: &str, alias: &str) -> String {
        self.identity_with(app, Some(name), alias).await
    }

    /// As `identity`, the display name optional.
    pub async fn identity_with(&self, app: &App, name: Option<&str>, alias: &str) -> String {
        let id = idgraph::ids::PersonId::new_random();
        let req: idgraph::faces::slashid::PersonCreateReq = serde_json::from_value(json!({
            "name": name,
            "handles": [
                {"type": "username", "value": alias},
                {"type": "email_address", "value": format!("{alias}@example.com")}
            ]
        }))
        .expect("a person");
        let view = idgraph::store::buckets::view(app, &self.org)
            .await
            .expect("buckets");
        let new = req
            .validate(id.clone(), "us-iowa", &view)
            .expect("a valid person");
        idgraph::store::persons::create(&app.db, &self.org, &new.person, &[])
            .await
            .expect("person created");
        id.as_str().to_owned()
    }

    /// Creates a role whose identity list names `members`; returns its id.
    pub async fn role(&self, name: &str, members: &[String]) -> String {
        let identities: Vec<Value> = members.iter().map(|m| json!({"id": m})).collect();
        let reply = self
            .api
            .post(
                "/v3/roles",
                &json!({"name": name, "owner": {"type": "IDENTITY", "id": "owner"},
                    "membership": {"type": "IDENTITY_LIST", "identities": identities}}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["id"].as_str().expect("an id").to_owned()
    }
}

impl SailPointTenant {
    /// A role (created through the store) whose members are written directly, as the bulk
    /// loader and the benchmarks write them: one member per name, with ids `m00000`, `m00001`,
    /// ... and the exact count on the sentinels. Thousands of members take seconds, where
    /// persons and grants through the API would take minutes; the reads under test read only
    /// member items.
    pub async fn role_with_members(&self, app: &'static App, names: Vec<String>) -> String {
        use idgraph::ids::{PersonId, RoleId};
        use idgraph::role::{IdentityFields, RoleBody, Source};
        use idgraph::store::roles;
        let role = RoleId::new_random();
        let body = RoleBody::parse(json!({"name": "generated", "owner": {"id": "owner"}}))
            .expect("a valid role");
        roles::create(
            &app.db,
            &self.org,
            role.clone(),
            body,
            "2026-01-01T00:00:00.000Z",
        )
        .await
        .expect("role created");
        let count = names.len() as u64;
        let items: Vec<_> = names
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                let person = PersonId::parse(&format!("m{i:05}")).expect("a valid id");
                let fields = IdentityFields {
                    alias: Some(format!("m{i:05}")),
                    email: Some(format!("m{i:05}@example.com")),
                    name: Some(name),
                    version: 1,
                };
                roles::member_item(&self.org, &role, &person, &fields, Source::AccessRequest)
            })
            .collect();
        batch_put_concurrently(app, items).await;
        roles::commit_member_count(&app.db, &self.org, &role, 0, count)
            .await
            .expect("count set");
        role.as_str().to_owned()
    }

    /// `n` roles written directly (BatchWriteItem), as complete role items.
    pub async fn many_roles(&self, app: &'static App, n: usize) {
        let items = (0..n)
            .map(|i| {
                let id = format!("r{i:06}");
                let doc = json!({"id": id, "name": id, "owner": {"id": "owner"},
                    "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z"});
                let mut item = idgraph::keys::role(&self.org.id, &id).to_item();
                item.insert("id".into(), idgraph::item::s(&id));
                item.insert("name".into(), idgraph::item::s(&id));
                item.insert("doc".into(), idgraph::item::s(doc.to_string()));
                item.insert("version".into(), idgraph::item::n(1));
                item
            })
            .collect();
        batch_put_concurrently(app, items).await;
    }
}

/// BatchWriteItem in chunks of 500 items, four chunks at a time.
async fn batch_put_concurrently(app: &'static App, items: Vec<idgraph::db::Item>) {
    let mut chunks = items
        .chunks(500)
        .map(<[_]>::to_vec)
        .collect::<Vec<_>>()
        .into_iter();
    loop {
        let running: Vec<_> = chunks
            .by_ref()
            .take(4)
            .map(|chunk| tokio::spawn(async move { app.db.batch_put(chunk).await }))
            .collect();
        if running.is_empty() {
            return;
        }
        for task in running {
            task.await.expect("a batch task").expect("a batch written");
        }
    }
}

impl Reply {
    /// The `detailCode` and first message of a SailPoint `ErrorResponseDto`, checking its shape.
    pub fn sailpoint_error(&self) -> (String, String) {
        let code = self.body["detailCode"]
            .as_str()
            .unwrap_or_else(|| panic!("not an ErrorResponseDto ({}): {}", self.status, self.body));
        assert_eq!(self.body["trackingId"].as_str().map(str::len), Some(32));
        let text = self.body["messages"][0]["text"].as_str().unwrap_or("");
        (code.to_owned(), text.to_owned())
    }
}

/// What a scenario script (the SDK runs, the generated client, the search corpus) reports: it
/// must have exited 0, and its last line on stdout is its JSON summary. `what` names it.
pub fn script_summary(what: &str, out: &std::process::Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{what} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{what}: no JSON summary as its last line ({e}):\n{stdout}"))
}

/// Waits, bounded, until `check` passes: for what the stream consumer projects asynchronously.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 30 s");
}

// ---- helpers of the in-process tests ------------------------------------------------------------

/// A log sink for tests that read what the functions log: a `tracing` writer that keeps every
/// byte, shared by its clones.
#[derive(Clone, Default)]
pub struct LogCapture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogCapture {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("the capture").clone()).expect("UTF-8 lines")
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("the capture").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A Zato login (app `CRM`) as the router delivers it.
pub fn zato_login_event(username: &str, password: &str) -> Event {
    Event::new("POST", "/zato/sso/user/login", "/zato/sso/user/login")
        .json(&json!({"username": username, "password": password, "current_app": "CRM"}))
}

/// Sets one numeric attribute of a stored item directly, as time or an operator would (a
/// lock's end, a session's absolute end).
pub async fn set_number(app: &App, key: &idgraph::keys::Key, attribute: &str, value: i64) {
    app.db
        .client
        .update_item()
        .table_name(&app.db.table)
        .set_key(Some(key.to_item()))
        .update_expression("SET #a = :v")
        .expression_attribute_names("#a", attribute)
        .expression_attribute_values(":v", idgraph::item::n(value))
        .send()
        .await
        .expect("a direct update of DynamoDB Local");
}

/// Copies the table's item at `key` to every replica, as replication of its last write would:
/// the replica tables of `make test` receive nothing on their own.
pub async fn replicate(app: &App, key: &idgraph::keys::Key) {
    let item = app
        .db
        .get(key)
        .await
        .expect("a read of DynamoDB Local")
        .expect("the item to replicate");
    assert!(!app.replicas.is_empty(), "make test configures a replica");
    for replica in &app.replicas {
        replica
            .batch_put(vec![item.clone()])
            .await
            .expect("a write to the replica table");
    }
}

/// The functions' log lines in this test process, as JSON. A process has one tracing
/// subscriber: the first call installs it (the functions' own format, into a `LogCapture`), so
/// call it once before the requests whose lines a test reads, and pick them by request id.
pub fn captured_log() -> Vec<Value> {
    static SINK: std::sync::OnceLock<LogCapture> = std::sync::OnceLock::new();
    let sink = SINK.get_or_init(|| {
        let sink = LogCapture::default();
        let writer = sink.clone();
        idgraph::runtime::init_logging_to(move || writer.clone());
        sink
    });
    sink.text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The router's route table (`[workspace.metadata.lambda.watch.router]` in Cargo.toml, which
/// scripts/routes.py generates): `(METHOD, path template, function)` for every route.
pub fn router_routes() -> Vec<(String, String, String)> {
    let manifest: toml::Table = std::fs::read_to_string(repo_root().join("Cargo.toml"))
        .expect("Cargo.toml")
        .parse()
        .expect("valid TOML");
    let table = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .expect("the router table");
    let mut routes = Vec::new();
    for (template, targets) in table {
        for target in targets.as_array().expect("a list of targets") {
            routes.push((
                target["method"].as_str().expect("a method").to_owned(),
                template.clone(),
                target["function"].as_str().expect("a function").to_owned(),
            ));
        }
    }
    routes
}
