//! The tenancy matrix: every route of the route table (the router's table in Cargo.toml, which
//! `scripts/routes.py` generates) × every kind of wrong credential, aimed at the demo org's data.
//! Each answer must be the face's documented refusal, and its body must carry none of the demo
//! org's data. A route is called with its function's event file (`events/<function>.json`:
//! path parameters, query, body), so a new route is covered as soon as it is generated; a route
//! the matrix cannot call, or a case it has no rule for, fails the test.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use idgraph::ids::OrgId;
use idgraph::store::orgs::Organization;
use integration_tests::{
    DEMO_API_KEY, DEMO_IDENTITY, DEMO_ORG, DEMO_PERSON, DEMO_ROLE, SailPoint, SailPointTenant,
    ZATO_ADMIN, ZATO_JDOE_ID, Zato, app, repo_root, router_url,
};
use serde_json::Value;

/// The demo sub-organization (`seed/demo.json`): it shares the demo org's person pool.
const DEMO_STORE: &str = "5e1a5a3e-0c3b-4c1e-9f43-1b2d3c4e5f60";
const DEMO_STORE_KEY: &str = "demo-store-api-key";
/// What `scripts/routes.py` puts where a fresh UST belongs.
const UST_PLACEHOLDER: &str = "replace-with-a-fresh-ust-from-zato-login";
/// Requests in flight at once: enough to finish well within a minute, few enough for 2 cores.
const IN_FLIGHT: usize = 8;

/// The demo org's data that no refused caller may see. Strings the request itself carries
/// (an id in the path, say) are no leak and are not looked for.
const DEMO_DATA: &[&str] = &[
    DEMO_ORG,
    "Demo Org",
    DEMO_PERSON,
    "user@user.com",
    "card_number",
    "07/25",
    "risk_score",
    "store_credit",
    "demo:read",
    "demo:write",
    "demo:admin",
    "Read the demo data",
    "demo-admins",
    "Views the demo data",
    DEMO_ROLE,
    "IT Role",
    DEMO_IDENTITY,
    "Thomas Edison",
    "t.edison",
    "demo-client",
    "jdoe",
    ZATO_JDOE_ID,
    "zusr3qnafn39208krbt0vt2nypx2ta",
    "my-attribute",
    "my-value",
];
/// The part of the demo org's data a sub-org sharing its pool must not see: the pool's persons
/// and their `person_pool` attributes are the sub-org's too, by design (docs/api.md).
const DEMO_PRIVATE_DATA: &[&str] = &[
    "Demo Org",
    "demo:read",
    "demo:write",
    "demo:admin",
    "Read the demo data",
    "demo-admins",
    "Views the demo data",
    DEMO_ROLE,
    "IT Role",
    "Thomas Edison",
    "t.edison",
    "demo-client",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Face {
    SlashId,
    Zato,
    SailPoint,
}

/// One route of the route table, with its sample request from the function's event file.
#[derive(Debug, Clone)]
struct Route {
    method: String,
    template: String,
    function: String,
    face: Face,
    path: String,
    query: String,
    body: Option<String>,
    content_type: Option<String>,
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.method, self.template, self.function)
    }
}

fn routes() -> Vec<Route> {
    integration_tests::router_routes()
        .iter()
        .map(|(method, template, function)| route(method, template, function))
        .collect()
}

/// The route's sample request: its function's event file, with the path parameters put into
/// this route's template (an alias such as `/roles/v1/{id}` shares its function's event).
fn route(method: &str, template: &str, function: &str) -> Route {
    let face = match function.split('-').next() {
        Some("slashid") => Face::SlashId,
        Some("zato") => Face::Zato,
        Some("sailpoint") => Face::SailPoint,
        _ => panic!("{method} {template}: the matrix knows no face of function {function}"),
    };
    let file = repo_root().join("events").join(format!("{function}.json"));
    let event: Value = serde_json::from_str(
        &std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{method} {template}: no event file {file:?}: {e}")),
    )
    .expect("an event file is JSON");
    let mut path = template.to_owned();
    for (name, value) in event["pathParameters"].as_object().expect("pathParameters") {
        path = path.replace(&format!("{{{name}}}"), value.as_str().expect("a string"));
    }
    assert!(
        !path.contains('{'),
        "{method} {template}: {function}'s event file has no sample for a parameter of {path}"
    );
    Route {
        method: method.to_owned(),
        template: template.to_owned(),
        function: function.to_owned(),
        face,
        path,
        query: event["rawQueryString"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body: event["body"].as_str().map(str::to_owned),
        content_type: event["headers"]["content-type"].as_str().map(str::to_owned),
    }
}

/// Who calls. Each face's credentials, wrong in one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Case {
    /// No credentials at all.
    Missing,
    /// Credentials that cannot be valid (a garbled org id, token or UST).
    Malformed,
    /// Another org's valid key/token; on Zato (one org per deployment) another user's session.
    OtherOrg,
    /// Another org acting as itself on the demo org's ids (SlashID names the org in a header).
    OtherOrgOwn,
    /// The demo sub-org's valid key/token, for the demo org.
    SubOrg,
    /// The demo sub-org acting as itself: reads only, since it shares the pool by design.
    SubOrgOwnRead,
    /// An expired token or session, and on Zato a logged-out one.
    Expired,
    LoggedOut,
}

const CASES: [Case; 8] = [
    Case::Missing,
    Case::Malformed,
    Case::OtherOrg,
    Case::OtherOrgOwn,
    Case::SubOrg,
    Case::SubOrgOwnRead,
    Case::Expired,
    Case::LoggedOut,
];

/// What the face documents for a refused caller.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    /// This HTTP status, in the face's own error format.
    Refused(u16),
    /// Zato's envelope: this HTTP status and sub_status.
    Zato(u16, &'static str),
    /// The caller's credentials are good and it acts in its own org (or as itself): any answer
    /// but a credential refusal or a fault; none of the demo org's data.
    OwnTenant,
    /// A read through the sub-org, of what the pool shares: none of the demo org's private data.
    SharedPoolOnly,
}

/// The exchange routes take credentials in their body, not a token or session.
fn exchanges_credentials(route: &Route) -> bool {
    matches!(route.function.as_str(), "sailpoint-token" | "zato-login")
}

/// The Zato routes whose credential is a token mailed to a user, and the field that carries it.
fn mailed_token_field(route: &Route) -> Option<&'static str> {
    match route.function.as_str() {
        "zato-confirm-signup" => Some("confirm_token"),
        "zato-access-password-reset" | "zato-complete-password-reset" => Some("token"),
        _ => None,
    }
}

/// The Zato routes anyone may call, with no credential: what they answer tells nothing of any
/// account (docs/zato.md).
fn open_to_anyone(route: &Route) -> bool {
    matches!(
        route.function.as_str(),
        "zato-signup" | "zato-request-password-reset"
    )
}

/// The documented outcome of `case` on `route`; `None` when the case does not exist on that
/// face (say so in docs/api.md), a panic when there is no rule.
fn expected(route: &Route, case: Case) -> Option<Expect> {
    use Case::*;
    use Expect::*;
    // The org's own attributes in a bucket every org has (the events name a default bucket)
    // name no tenant's data: another org acting as itself reads and writes its own.
    let names_target =
        route.template.contains('{') && !route.template.starts_with("/organizations/attributes/");
    match (route.face, case) {
        (Face::SlashId, Missing | Malformed) => Some(Refused(401)),
        (Face::SlashId, OtherOrg | SubOrg) => Some(Refused(403)),
        (Face::SlashId, OtherOrgOwn) if names_target => Some(Refused(404)),
        (Face::SlashId, OtherOrgOwn) => Some(OwnTenant),
        (Face::SlashId, SubOrgOwnRead) if route.method == "GET" => Some(SharedPoolOnly),
        (Face::SlashId, SubOrgOwnRead | Expired | LoggedOut) => None,

        // RFC 6749: a request that is not well formed is `invalid_request` (400).
        (Face::SailPoint, _) if exchanges_credentials(route) => match case {
            Missing | Malformed => Some(Refused(400)),
            OtherOrg => Some(Refused(401)),
            _ => None,
        },
        (Face::SailPoint, Missing | Malformed | Expired) => Some(Refused(401)),
        // A SailPoint token names its org: another org's or the sub-org's acts in its own.
        (Face::SailPoint, OtherOrg | SubOrg) if route.function == "sailpoint-put-document" => {
            Some(OwnTenant)
        }
        (Face::SailPoint, OtherOrg | SubOrg) if names_target => Some(Refused(404)),
        (Face::SailPoint, OtherOrg | SubOrg) if route.function == "sailpoint-access-request" => {
            Some(Refused(400))
        }
        // The sub-org's search finds its own documents, which include the identities of the
        // pool's persons it shares with the demo org (docs/search.md, "Tenancy").
        (Face::SailPoint, SubOrg) if route.function.starts_with("sailpoint-search") => {
            Some(SharedPoolOnly)
        }
        (Face::SailPoint, OtherOrg | SubOrg) => Some(OwnTenant),
        (Face::SailPoint, OtherOrgOwn | SubOrgOwnRead | LoggedOut) => None,

        (Face::Zato, _) if open_to_anyone(route) => None,
        // A mailed token is the organization's own: there is no other org's token to try.
        (Face::Zato, _) if mailed_token_field(route).is_some() => match case {
            Missing => Some(Zato(400, "E008003")),
            Malformed if route.function == "zato-confirm-signup" => Some(Zato(403, "E005006")),
            Malformed => Some(Zato(403, "E005001")),
            _ => None,
        },
        (Face::Zato, _) if exchanges_credentials(route) => match case {
            Missing => Some(Zato(400, "E008003")),
            Malformed | OtherOrg => Some(Zato(403, "E005001")),
            _ => None,
        },
        // Logging out is always ok, as Zato's is: it reveals nothing.
        (Face::Zato, Missing | Malformed | Expired | LoggedOut)
            if route.function == "zato-logout" =>
        {
            Some(OwnTenant)
        }
        (Face::Zato, Missing | Malformed | Expired | LoggedOut) => Some(Zato(403, "E007001")),
        // Another user: refused where the request names the demo user or needs a super-user;
        // elsewhere the session acts on its own user.
        (Face::Zato, OtherOrg)
            if route
                .body
                .as_deref()
                .is_some_and(|b| b.contains(ZATO_JDOE_ID))
                || matches!(
                    route.function.as_str(),
                    "zato-create-user" | "zato-search-users"
                ) =>
        {
            Some(Zato(403, "E005001"))
        }
        (Face::Zato, OtherOrg) => Some(OwnTenant),
        (Face::Zato, OtherOrgOwn | SubOrg | SubOrgOwnRead) => None,
    }
}

/// Every credential the cases need, made once, but for another org: each request of the
/// other-org cases gets an org of its own, so what one request creates there (a permission
/// named like the demo's, say) is never mistaken by another for the demo org's data.
struct Credentials {
    store_token: String,
    expired_token: String,
    /// A regular Zato user's live sessions (not the demo user's): one for logging out, one
    /// for everything else.
    stranger_ust: String,
    stranger_ust_to_end: String,
    /// The super-user's session, expired; and another, logged out.
    expired_ust: String,
    logged_out_ust: String,
}

async fn credentials() -> Credentials {
    let demo_org = OrgId::parse(DEMO_ORG).expect("the demo org id");
    let store = Organization::in_pool(
        OrgId::parse(DEMO_STORE).expect("the store's id"),
        demo_org.clone(),
    );
    let an_hour_ago = idgraph::jwt::now() - 3600;
    let demo = Organization::in_pool(demo_org.clone(), demo_org.clone());
    let expired_token =
        SailPoint::token_issued_at(an_hour_ago, 749, &demo, "demo-client", &["sp:scopes:all"]);

    let zato = Zato::new();
    let (_, username, stranger_ust) = zato.new_user().await;
    let stranger_ust_to_end = zato.login((&username, "a-password-1")).await;
    let expired_ust = zato.login(ZATO_ADMIN).await;
    expire_session(&demo_org, &expired_ust).await;
    let logged_out_ust = zato.login(ZATO_ADMIN).await;
    let out = zato
        .call(
            "POST",
            "/zato/sso/user/logout",
            &serde_json::json!({"ust": logged_out_ust, "current_app": "CRM"}),
        )
        .await;
    assert!(out.is_zato_ok(), "{}", out.body);

    Credentials {
        store_token: SailPoint::token_for(&store, &["sp:scopes:all"]),
        expired_token,
        stranger_ust,
        stranger_ust_to_end,
        expired_ust,
        logged_out_ust,
    }
}

/// Moves a live session's expiry into the past, as time would (TTL deletion lags; reads must
/// not trust the item's presence).
async fn expire_session(org: &OrgId, ust: &str) {
    let db = &app().await.db;
    let key =
        idgraph::store::sso_users::session_key(org, &idgraph::sso::Ust::parse(ust).expect("a UST"));
    let past = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_micros()
        - 1_000_000) as i64;
    db.client
        .update_item()
        .table_name(&db.table)
        .set_key(Some(key.to_item()))
        .update_expression("SET exp_us = :past")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(":past", AttributeValue::N(past.to_string()))
        .send()
        .await
        .expect("the session expired");
}

/// The request of `case` on `route`: the sample with this case's credentials in place.
fn request(
    client: &reqwest::Client,
    route: &Route,
    case: Case,
    creds: &Credentials,
    other: &SailPointTenant,
) -> reqwest::RequestBuilder {
    let url = match route.query.as_str() {
        "" => format!("{}{}", router_url(), route.path),
        q => format!("{}{}?{q}", router_url(), route.path),
    };
    let method = reqwest::Method::from_bytes(route.method.as_bytes()).expect("a method");
    let mut req = client.request(method, url);
    let mut body = route.body.clone();
    match route.face {
        Face::SlashId => {
            let headers: &[(&str, &str)] = match case {
                Case::Missing => &[],
                Case::Malformed => &[
                    ("SlashID-OrgID", "not-an-org-id"),
                    ("SlashID-API-Key", DEMO_API_KEY),
                ],
                Case::OtherOrg => &[
                    ("SlashID-OrgID", DEMO_ORG),
                    ("SlashID-API-Key", &other.api_key),
                ],
                Case::OtherOrgOwn => &[
                    ("SlashID-OrgID", other.org.id.as_str()),
                    ("SlashID-API-Key", &other.api_key),
                ],
                Case::SubOrg => &[
                    ("SlashID-OrgID", DEMO_ORG),
                    ("SlashID-API-Key", DEMO_STORE_KEY),
                ],
                Case::SubOrgOwnRead => &[
                    ("SlashID-OrgID", DEMO_STORE),
                    ("SlashID-API-Key", DEMO_STORE_KEY),
                ],
                Case::Expired | Case::LoggedOut => unreachable!("no such SlashID credential"),
            };
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
        }
        Face::SailPoint if exchanges_credentials(route) => {
            body = Some(match case {
                Case::Missing => "grant_type=client_credentials".to_owned(),
                Case::Malformed => {
                    "grant_type=client_credentials&client_id=demo-client&client_secret=%00%ff"
                        .to_owned()
                }
                Case::OtherOrg => format!(
                    "grant_type=client_credentials&client_id=demo-client&client_secret={}",
                    other.api_key
                ),
                _ => unreachable!("no such credential for the token endpoint"),
            });
        }
        Face::SailPoint => {
            let token = match case {
                Case::Missing => None,
                Case::Malformed => Some("not.a-jwt".to_owned()),
                Case::OtherOrg => Some(SailPoint::token_for(&other.org, &["sp:scopes:all"])),
                Case::SubOrg => Some(creds.store_token.clone()),
                Case::Expired => Some(creds.expired_token.clone()),
                _ => unreachable!("no such SailPoint credential"),
            };
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
        }
        Face::Zato if exchanges_credentials(route) => {
            let (username, password) = match case {
                Case::Missing => (None, None),
                Case::Malformed => (Some("jdoe"), Some("\u{0}\u{1}")),
                Case::OtherOrg => (Some("jdoe"), Some(ZATO_ADMIN.1)),
                _ => unreachable!("no such credential for login"),
            };
            let mut sample: Value =
                serde_json::from_str(body.as_deref().expect("a login body")).expect("a JSON body");
            let fields = sample.as_object_mut().expect("an object");
            for (k, v) in [("username", username), ("password", password)] {
                match v {
                    Some(v) => fields.insert(k.into(), v.into()),
                    None => fields.remove(k),
                };
            }
            body = Some(sample.to_string());
        }
        Face::Zato if mailed_token_field(route).is_some() => {
            let field = mailed_token_field(route).expect("a token route");
            let mut sample: Value =
                serde_json::from_str(body.as_deref().expect("a token body")).expect("a JSON body");
            let fields = sample.as_object_mut().expect("an object");
            match case {
                Case::Missing => fields.remove(field),
                Case::Malformed => fields.insert(field.into(), "garbage".into()),
                _ => unreachable!("no such mailed-token credential"),
            };
            body = Some(sample.to_string());
        }
        Face::Zato => {
            let sample = body.as_deref().expect("Zato requests carry a body");
            body = Some(match case {
                Case::Missing => {
                    let mut v: Value = serde_json::from_str(sample).expect("a JSON body");
                    let fields = v.as_object_mut().expect("an object");
                    fields.retain(|_, v| v.as_str() != Some(UST_PLACEHOLDER));
                    v.to_string()
                }
                Case::Malformed => sample.replace(UST_PLACEHOLDER, "garbage"),
                Case::OtherOrg if route.function == "zato-logout" => {
                    sample.replace(UST_PLACEHOLDER, &creds.stranger_ust_to_end)
                }
                Case::OtherOrg => sample.replace(UST_PLACEHOLDER, &creds.stranger_ust),
                Case::Expired => sample.replace(UST_PLACEHOLDER, &creds.expired_ust),
                Case::LoggedOut => sample.replace(UST_PLACEHOLDER, &creds.logged_out_ust),
                _ => unreachable!("no such Zato credential"),
            });
        }
    }
    if let Some(b) = body {
        if let Some(kind) = &route.content_type {
            req = req.header("content-type", kind);
        }
        req = req.body(b);
    }
    req
}

/// What went wrong with one case, if anything.
fn verdict(route: &Route, case: Case, expect: &Expect, status: u16, body: &str) -> Option<String> {
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let shape_ok = match (route.face, expect) {
        (_, Expect::Refused(s)) if status != *s => false,
        (Face::SlashId, Expect::Refused(s)) => {
            json["errors"][0]["httpcode"] == *s && json["errors"][0]["message"].is_string()
        }
        (Face::SailPoint, Expect::Refused(_)) if exchanges_credentials(route) => {
            json["error"].is_string()
        }
        // 401 is the JWT layer's own `{error}`; the rest are `ErrorResponseDto`s.
        (Face::SailPoint, Expect::Refused(401)) => json["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("JWT validation failed")),
        (Face::SailPoint, Expect::Refused(_)) => json["detailCode"].is_string(),
        (_, Expect::Zato(s, code)) => {
            status == *s && json["status"] == "error" && json["sub_status"][0] == *code
        }
        // Zato refuses its own users with 403 too (E005001…); only E007001 doubts the session.
        (Face::Zato, Expect::OwnTenant) => status < 500 && json["sub_status"][0] != "E007001",
        (_, Expect::OwnTenant | Expect::SharedPoolOnly) => {
            status < 500 && !matches!(status, 401 | 403)
        }
        _ => false,
    };
    let sent = format!(
        "{} {} {}",
        route.path,
        route.query,
        route.body.as_deref().unwrap_or("")
    );
    let markers = if *expect == Expect::SharedPoolOnly {
        DEMO_PRIVATE_DATA
    } else {
        DEMO_DATA
    };
    let leaked: Vec<&&str> = markers
        .iter()
        .filter(|m| body.contains(**m) && !sent.contains(**m))
        .collect();
    if shape_ok && leaked.is_empty() {
        return None;
    }
    Some(format!(
        "{route} as {case:?}: expected {expect:?}, got {status} {body}{}",
        if leaked.is_empty() {
            String::new()
        } else {
            format!(" — leaks {leaked:?}")
        }
    ))
}

#[tokio::test]
async fn every_route_refuses_every_wrong_credential_without_revealing_the_demo_orgs_data() {
    let routes = routes();
    let creds = Arc::new(credentials().await);
    let mut plan = Vec::new();
    for route in &routes {
        for case in CASES {
            if let Some(expect) = expected(route, case) {
                plan.push((route.clone(), case, expect));
            }
        }
    }

    let client = reqwest::Client::new();
    let app = app().await;
    let gate = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let tasks: Vec<_> = plan
        .into_iter()
        .map(|(route, case, expect)| {
            let (client, creds, gate) = (client.clone(), creds.clone(), gate.clone());
            tokio::spawn(async move {
                let _permit = gate.acquire_owned().await.expect("the gate stays open");
                let other = SailPointTenant::create(app).await;
                let resp = request(&client, &route, case, &creds, &other)
                    .send()
                    .await
                    .expect("the router answers");
                let status = resp.status().as_u16();
                let body = resp.text().await.expect("a body");
                (
                    route.face,
                    case,
                    verdict(&route, case, &expect, status, &body),
                )
            })
        })
        .collect();
    let mut tried: BTreeMap<(Face, Case), usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for task in tasks {
        let (face, case, failure) = task.await.expect("a case task");
        *tried.entry((face, case)).or_default() += 1;
        failures.extend(failure);
    }

    let total: usize = tried.values().sum();
    println!("{} routes, {total} tenancy cases: {tried:?}", routes.len());
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every face meets every case docs/api.md lists for it.
    for face in [Face::SlashId, Face::Zato, Face::SailPoint] {
        let cases = tried.keys().filter(|(f, _)| *f == face).count();
        assert!(
            cases >= 4,
            "{face:?} was tried with only {cases} kinds of credential"
        );
    }
}
