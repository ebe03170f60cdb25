//! DynamoDB faults, injected by a proxy between the handler and DynamoDB Local: down → 503,
//! throttled → 429 after the SDK's bounded retries, hung → 503 within the configured budget,
//! each with `Retry-After` and in the face's own format; and a multi-transaction write stopped
//! at any of its requests leaves no partial state.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use idgraph::config::{Config, DynamoDbBudget};
use idgraph::faces::Face;
use idgraph::ids::{OrgId, PersonId};
use idgraph::runtime::respond;
use idgraph::{App, Body, Request, Response};
use integration_tests::fault_proxy::{Fault, FaultProxy, PROVISIONED_THROUGHPUT_EXCEEDED};
use integration_tests::{
    Api, DEMO_API_KEY, DEMO_ORG, DEMO_PERSON, DEMO_ROLE, Event, SailPoint, Tenant, ZATO_JDOE, Zato,
    app, read, slashid_error,
};
use serde_json::{Value, json};

/// A budget small enough for tests to wait out, shaped as the default: a few attempts, each
/// shorter than the operation.
const SHORT: DynamoDbBudget = DynamoDbBudget {
    connect_timeout: Duration::from_millis(200),
    attempt_timeout: Duration::from_millis(400),
    operation_timeout: Duration::from_millis(1200),
    max_attempts: 3,
    retry_backoff: Duration::from_millis(100),
};

/// What the handler may add to the operation timeout: our own work and the response.
const MARGIN: Duration = Duration::from_secs(1);

/// An `App` as a function builds it, whose DynamoDB is reached through `proxy`.
async fn app_behind(proxy: &FaultProxy, budget: DynamoDbBudget) -> &'static App {
    let mut config = Config::from_env().expect("the test environment's configuration");
    config.dynamodb = budget;
    Box::leak(Box::new(
        App::from_config(config, Some(&proxy.url()))
            .await
            .expect("an app"),
    ))
}

/// The endpoints under test: a write and a read of each face.
#[derive(Debug, Clone, Copy)]
enum Endpoint {
    SlashIdPutPermissions,
    SlashIdGetAttributes,
    ZatoCreateAttr,
    ZatoGetAttr,
    SailPointCreateRole,
    SailPointAssignedIdentities,
}

impl Endpoint {
    fn face(self) -> Face {
        match self {
            Self::SlashIdPutPermissions | Self::SlashIdGetAttributes => Face::SlashId,
            Self::ZatoCreateAttr | Self::ZatoGetAttr => Face::Zato,
            Self::SailPointCreateRole | Self::SailPointAssignedIdentities => Face::SailPoint,
        }
    }

    /// A request this endpoint answers with success while DynamoDB is well.
    async fn request(self) -> Request {
        match self {
            Self::SlashIdPutPermissions => {
                let tenant = Tenant::create(app().await).await;
                let api = Api::of(&tenant);
                api.create_permissions(&["faults:read"]).await;
                let person = api.create_person().await;
                Event::new(
                    "PUT",
                    "/persons/{person_id}/permissions",
                    &format!("/persons/{person}/permissions"),
                )
                .path_param("person_id", &person)
                .headers(tenant.headers())
                .json(&json!({"permissions": ["faults:read"]}))
                .build()
            }
            Self::SlashIdGetAttributes => Event::new(
                "GET",
                "/persons/{person_id}/attributes",
                &format!("/persons/{DEMO_PERSON}/attributes"),
            )
            .path_param("person_id", DEMO_PERSON)
            .query("buckets=person_pool-end_user_read_write")
            .header("SlashID-OrgID", DEMO_ORG)
            .header("SlashID-API-Key", DEMO_API_KEY)
            .build(),
            Self::ZatoCreateAttr => {
                // A user of its own: the demo user's attribute names are what other tests read.
                let (_, _, ust) = Zato::new().new_user().await;
                let name = format!("faults-{}", uuid::Uuid::new_v4().simple());
                Event::new("POST", "/zato/sso/user/attr", "/zato/sso/user/attr")
                    .json(&json!({"ust": ust, "current_app": "CRM", "name": name, "value": "v"}))
                    .build()
            }
            Self::ZatoGetAttr => {
                let ust = Zato::new().login(ZATO_JDOE).await;
                Event::new("GET", "/zato/sso/user/attr", "/zato/sso/user/attr")
                    .json(&json!({"ust": ust, "current_app": "CRM", "name": "my-attribute"}))
                    .build()
            }
            Self::SailPointCreateRole => {
                let tenant = Tenant::create(app().await).await;
                Event::new("POST", "/v3/roles", "/v3/roles")
                    .header("authorization", &bearer(&tenant.org.id))
                    .json(
                        &json!({"name": format!("faults {}", uuid::Uuid::new_v4().simple()),
                        "owner": {"type": "IDENTITY", "id": "owner"}}),
                    )
                    .build()
            }
            Self::SailPointAssignedIdentities => Event::new(
                "GET",
                "/v3/roles/{id}/assigned-identities",
                &format!("/v3/roles/{DEMO_ROLE}/assigned-identities"),
            )
            .path_param("id", DEMO_ROLE)
            .query("limit=5")
            .header(
                "authorization",
                &bearer(&OrgId::parse(DEMO_ORG).expect("the demo org")),
            )
            .build(),
        }
    }

    /// The handler, run as Lambda runs it.
    async fn call(self, app: &'static App, req: Request) -> Response<Body> {
        let face = self.face();
        match self {
            Self::SlashIdPutPermissions => {
                respond(app, face, slashid_put_person_permissions::handle, req).await
            }
            Self::SlashIdGetAttributes => {
                respond(app, face, slashid_get_person_attributes::handle, req).await
            }
            Self::ZatoCreateAttr => respond(app, face, zato_create_user_attr::handle, req).await,
            Self::ZatoGetAttr => respond(app, face, zato_get_user_attr::handle, req).await,
            Self::SailPointCreateRole => {
                respond(app, face, sailpoint_create_role::handle, req).await
            }
            Self::SailPointAssignedIdentities => {
                respond(app, face, sailpoint_assigned_identities::handle, req).await
            }
        }
    }
}

fn bearer(org: &OrgId) -> String {
    let org = idgraph::store::orgs::Organization::root(org.clone(), "faults");
    format!("Bearer {}", SailPoint::token_for(&org, &["sp:scopes:all"]))
}

/// `status` with `Retry-After: 1`, in the face's own error format.
fn assert_fault_answer(face: Face, resp: &Response<Body>, status: u16) {
    let (got, body) = read(resp);
    assert_eq!(got, status, "{face:?}: {body}");
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1"),
        "{face:?}"
    );
    match face {
        Face::SlashId => {
            slashid_error(status, &body);
        }
        // The v3 spec's 429 body is `{message}`; every other error an ErrorResponseDto.
        Face::SailPoint if status == 429 => {
            assert!(body["message"].is_string(), "{body}");
        }
        Face::SailPoint => {
            assert_eq!(body["detailCode"], "503 Service Unavailable", "{body}");
            assert_eq!(
                body["trackingId"].as_str().map(str::len),
                Some(32),
                "{body}"
            );
        }
        Face::Zato => {
            assert_eq!(body["status"], "error", "{body}");
            assert_eq!(body["sub_status"], json!(["E008004"]), "{body}");
            assert_eq!(body["cid"].as_str().map(str::len), Some(24), "{body}");
        }
    }
}

/// The request succeeds through the proxy while nothing is injected: what the faulted runs are
/// compared with.
async fn assert_well(endpoint: Endpoint, app: &'static App) {
    let resp = endpoint.call(app, endpoint.request().await).await;
    assert!(
        resp.status().is_success(),
        "{endpoint:?} through a healthy proxy: {:?}",
        read(&resp)
    );
}

async fn down_is_a_503(endpoint: Endpoint) {
    let proxy = FaultProxy::for_local_dynamodb().await;
    let app = app_behind(&proxy, SHORT).await;
    assert_well(endpoint, app).await;
    let req = endpoint.request().await;

    proxy.inject(Fault::Down);
    let resp = endpoint.call(app, req).await;

    assert_fault_answer(endpoint.face(), &resp, 503);
    assert!(proxy.faults() >= 1);
}

async fn throttled_is_a_429_after_bounded_retries(endpoint: Endpoint) {
    let proxy = FaultProxy::for_local_dynamodb().await;
    let app = app_behind(&proxy, SHORT).await;
    let req = endpoint.request().await;

    proxy.inject(Fault::Throttle(PROVISIONED_THROUGHPUT_EXCEEDED));
    let resp = endpoint.call(app, req).await;

    assert_fault_answer(endpoint.face(), &resp, 429);
    let attempts = proxy.requests();
    assert!(
        attempts > 1 && attempts <= SHORT.max_attempts as usize,
        "{attempts} attempts"
    );
}

async fn hung_is_a_503_within_the_budget(endpoint: Endpoint) {
    let proxy = FaultProxy::for_local_dynamodb().await;
    let app = app_behind(&proxy, SHORT).await;
    let req = endpoint.request().await;

    proxy.inject(Fault::Hang);
    let started = Instant::now();
    let resp = endpoint.call(app, req).await;
    let elapsed = started.elapsed();

    assert_fault_answer(endpoint.face(), &resp, 503);
    assert!(
        elapsed < SHORT.operation_timeout + MARGIN,
        "answered after {elapsed:?}"
    );
}

/// The three behaviours for one endpoint, each a test of its own.
macro_rules! fault_tests {
    ($module:ident, $endpoint:expr) => {
        mod $module {
            use super::*;

            #[tokio::test]
            async fn answers_503_with_retry_after_when_dynamodb_is_down() {
                down_is_a_503($endpoint).await;
            }

            #[tokio::test]
            async fn answers_429_with_retry_after_when_throttled_past_the_sdk_retries() {
                throttled_is_a_429_after_bounded_retries($endpoint).await;
            }

            #[tokio::test]
            async fn answers_503_within_the_operation_timeout_when_dynamodb_hangs() {
                hung_is_a_503_within_the_budget($endpoint).await;
            }
        }
    };
}

fault_tests!(slashid_permission_write, Endpoint::SlashIdPutPermissions);
fault_tests!(slashid_attribute_read, Endpoint::SlashIdGetAttributes);
fault_tests!(zato_attribute_write, Endpoint::ZatoCreateAttr);
fault_tests!(zato_attribute_read, Endpoint::ZatoGetAttr);
fault_tests!(sailpoint_role_write, Endpoint::SailPointCreateRole);
fault_tests!(
    sailpoint_role_members_read,
    Endpoint::SailPointAssignedIdentities
);

#[tokio::test]
async fn every_dynamodb_throttling_code_is_a_429() {
    for code in [
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
    ] {
        let proxy = FaultProxy::for_local_dynamodb().await;
        let app = app_behind(&proxy, SHORT).await;
        let req = Endpoint::SlashIdGetAttributes.request().await;

        proxy.inject(Fault::Throttle(code));
        let resp = Endpoint::SlashIdGetAttributes.call(app, req).await;

        assert_eq!(resp.status(), 429, "{code}");
    }
}

/// The shortest Lambda timeout of template.yaml's functions (each sets its own).
fn lambda_timeout() -> Duration {
    let text = std::fs::read_to_string(integration_tests::repo_root().join("template.yaml"))
        .expect("template.yaml");
    let template: serde_norway::Value = serde_norway::from_str(&text).expect("YAML");
    let secs = template["Resources"]
        .as_mapping()
        .expect("resources")
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|r| {
            r["Properties"]["Timeout"]
                .as_u64()
                .expect("a function Timeout")
        })
        .min()
        .expect("functions");
    Duration::from_secs(secs)
}

#[tokio::test]
async fn with_the_default_budget_a_hung_dynamodb_is_a_503_inside_the_lambda_timeout() {
    let budget = DynamoDbBudget::default();
    assert!(budget.operation_timeout + MARGIN < lambda_timeout());
    let proxy = FaultProxy::for_local_dynamodb().await;
    let app = app_behind(&proxy, budget).await;
    let req = Endpoint::SailPointAssignedIdentities.request().await;

    proxy.inject(Fault::Hang);
    let started = Instant::now();
    let resp = Endpoint::SailPointAssignedIdentities.call(app, req).await;
    let elapsed = started.elapsed();

    assert_fault_answer(Face::SailPoint, &resp, 503);
    assert!(
        elapsed < budget.operation_timeout + MARGIN,
        "answered after {elapsed:?}"
    );
}

// ---- stopped mid-run ---------------------------------------------------------------------------

fn put_permissions(tenant: &Tenant, person: &str, names: &[String]) -> Request {
    Event::new(
        "PUT",
        "/persons/{person_id}/permissions",
        &format!("/persons/{person}/permissions"),
    )
    .path_param("person_id", person)
    .headers(tenant.headers())
    .json(&json!({ "permissions": names }))
    .build()
}

/// A person of `api`'s org holding `names`, and the ETag of that set.
async fn person_holding(api: &Api, names: &[String]) -> (String, String) {
    let person = api.create_person().await;
    let put = api
        .put(
            &format!("/persons/{person}/permissions"),
            &json!({ "permissions": names }),
        )
        .await;
    assert_eq!(put.status, 204, "{:?}", put.body);
    let etag = put.header("etag").expect("an ETag").to_owned();
    (person, etag)
}

/// What the API shows: the set and its ETag.
async fn visible(api: &Api, person: &str) -> (BTreeSet<String>, String) {
    let got = api.get(&format!("/persons/{person}/permissions")).await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    let names = got.result().as_array().expect("names").iter();
    let names = names
        .map(|n| n.as_str().expect("a name").to_owned())
        .collect();
    (names, got.header("etag").expect("an ETag").to_owned())
}

/// Names of `held` whose holder entry is missing from the table: a catalog delete would not find
/// those holders, so this must always be empty.
async fn without_holder(org: &OrgId, person: &str, held: &BTreeSet<String>) -> Vec<String> {
    let db = &app().await.db;
    let person = PersonId::parse(person).expect("a person id");
    let mut missing = Vec::new();
    for name in held {
        let key = idgraph::keys::permission_holder(org, name, &person);
        if db.get(&key).await.expect("a raw GetItem").is_none() {
            missing.push(name.clone());
        }
    }
    missing
}

#[tokio::test]
async fn a_large_permission_write_stopped_at_any_of_its_requests_leaves_no_partial_state() {
    let tenant = Tenant::create(app().await).await;
    let api = Api::of(&tenant);
    let catalog: Vec<String> = (0..14).map(|i| format!("faults:p{i:02}")).collect();
    api.create_permissions(&catalog).await;
    // Small enough for one transaction; the new set (one kept, one removed, twelve added) needs
    // several, so the write checks the catalog, puts holder entries, checks again and commits.
    let old: Vec<String> = catalog[..2].to_vec();
    let new: Vec<String> = catalog[1..].to_vec();
    let old_set: BTreeSet<String> = old.iter().cloned().collect();
    let new_set: BTreeSet<String> = new.iter().cloned().collect();
    let proxy = FaultProxy::for_local_dynamodb().await;
    // One attempt per request: each fault then stops the write at exactly one request.
    let faulty = app_behind(
        &proxy,
        DynamoDbBudget {
            max_attempts: 1,
            ..SHORT
        },
    )
    .await;
    let (person, _) = person_holding(&api, &old).await;
    let before = proxy.requests();
    let clean_run = respond(
        faulty,
        Face::SlashId,
        slashid_put_person_permissions::handle,
        put_permissions(&tenant, &person, &new),
    )
    .await;
    assert_eq!(clean_run.status(), 204);
    let requests = proxy.requests() - before;
    assert!(
        requests > 4,
        "a large write takes several requests, not {requests}"
    );

    for stop_at in 0..requests {
        let (person, old_etag) = person_holding(&api, &old).await;
        proxy.inject_after(stop_at, Fault::Down);
        let resp = respond(
            faulty,
            Face::SlashId,
            slashid_put_person_permissions::handle,
            put_permissions(&tenant, &person, &new),
        )
        .await;
        proxy.inject(Fault::None);

        let (names, etag) = visible(&api, &person).await;
        match resp.status().as_u16() {
            // The commit is the last request: stopped anywhere, the old set and ETag stand.
            503 => {
                assert_eq!(names, old_set, "stopped at request {stop_at}");
                assert_eq!(etag, old_etag, "stopped at request {stop_at}");
            }
            other => panic!("stopped at request {stop_at}: {other} {:?}", read(&resp)),
        }
        assert_eq!(
            without_holder(&tenant.org.id, &person, &names).await,
            Vec::<String>::new(),
            "stopped at request {stop_at}"
        );
        // The next write is not held up by what the stopped one left.
        let again = respond(
            faulty,
            Face::SlashId,
            slashid_put_person_permissions::handle,
            put_permissions(&tenant, &person, &new),
        )
        .await;
        assert_eq!(again.status(), 204, "after a stop at {stop_at}");
        assert_eq!(visible(&api, &person).await.0, new_set);
    }
    eprintln!("a large permission write stopped at each of its {requests} requests");
}

fn zato_batch(ust: &str, names: &[String]) -> Request {
    let data: Vec<Value> = names
        .iter()
        .map(|n| json!({"name": n, "value": n}))
        .collect();
    Event::new("POST", "/zato/sso/user/attr", "/zato/sso/user/attr")
        .json(&json!({"ust": ust, "current_app": "CRM", "data": data}))
        .build()
}

#[tokio::test]
async fn a_zato_batch_create_stopped_at_its_write_creates_none_of_its_attributes() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    let first: Vec<String> = (0..5).map(|i| format!("first-{i}")).collect();
    let second: Vec<String> = (0..5).map(|i| format!("second-{i}")).collect();
    let proxy = FaultProxy::for_local_dynamodb().await;
    let faulty = app_behind(&proxy, SHORT).await;
    let clean = respond(
        faulty,
        Face::Zato,
        zato_create_user_attr::handle,
        zato_batch(&ust, &first),
    )
    .await;
    assert_eq!(clean.status(), 200, "{:?}", read(&clean));
    let requests = proxy.requests();
    // The same batch's requests again; the last of them, the write, meets the outage.
    proxy.inject_after(requests - 1, Fault::Down);

    let resp = respond(
        faulty,
        Face::Zato,
        zato_create_user_attr::handle,
        zato_batch(&ust, &second),
    )
    .await;

    assert_fault_answer(Face::Zato, &resp, 503);
    let listed = zato
        .call(
            "GET",
            "/zato/sso/user/attr/names",
            &json!({"ust": ust, "current_app": "CRM"}),
        )
        .await;
    assert!(listed.is_zato_ok(), "{}", listed.body);
    let mut names: Vec<String> =
        serde_json::from_value(listed.body["result"].clone()).expect("names");
    names.sort();
    assert_eq!(names, first);
}
