//! The pieces that must agree: every function crate has one template.yaml function of the same
//! name, the router serves exactly the template's routes, docs/openapi.yaml describes exactly
//! those routes, and each function's event file is a valid API Gateway event that its handler
//! answers.

use std::collections::BTreeSet;
use std::fs;

use integration_tests::{Tenant, app, read, repo_root};
use serde_norway::Value;

fn function_crates() -> BTreeSet<String> {
    fs::read_dir(repo_root().join("functions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

fn template() -> Value {
    serde_norway::from_str(&fs::read_to_string(repo_root().join("template.yaml")).unwrap()).unwrap()
}

/// `!Sub '${AWS::StackName}-name'` → `name`.
fn function_name(props: &Value) -> String {
    let Value::Tagged(tagged) = &props["FunctionName"] else {
        panic!("FunctionName is not a !Sub")
    };
    let sub = tagged.value.as_str().unwrap();
    sub.strip_prefix("${AWS::StackName}-")
        .unwrap_or_else(|| panic!("unexpected FunctionName {sub}"))
        .to_owned()
}

/// (METHOD, path, function) for every HttpApi event of every function in template.yaml.
fn template_routes() -> BTreeSet<(String, String, String)> {
    let mut routes = BTreeSet::new();
    for (_, res) in template()["Resources"].as_mapping().unwrap() {
        if res["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let name = function_name(&res["Properties"]);
        for (_, event) in res["Properties"]["Events"].as_mapping().unwrap() {
            if event["Type"].as_str() == Some("HttpApi") {
                let p = &event["Properties"];
                routes.insert((
                    p["Method"].as_str().unwrap().to_uppercase(),
                    p["Path"].as_str().unwrap().into(),
                    name.clone(),
                ));
            }
        }
    }
    routes
}

fn router_routes() -> BTreeSet<(String, String, String)> {
    let manifest: toml::Table = fs::read_to_string(repo_root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .unwrap();
    let mut routes = BTreeSet::new();
    for (path, targets) in router {
        for t in targets.as_array().unwrap() {
            routes.insert((
                t["method"].as_str().unwrap().into(),
                path.clone(),
                t["function"].as_str().unwrap().into(),
            ));
        }
    }
    routes
}

#[test]
fn every_function_crate_is_a_template_function_of_the_same_name() {
    let mut in_template = BTreeSet::new();
    for (_, res) in template()["Resources"].as_mapping().unwrap() {
        if res["Type"].as_str() == Some("AWS::Serverless::Function") {
            let name = function_name(&res["Properties"]);
            assert_eq!(
                res["Properties"]["CodeUri"].as_str(),
                Some(format!("functions/{name}").as_str())
            );
            assert_eq!(
                res["Metadata"]["BuildMethod"].as_str(),
                Some("rust-cargolambda")
            );
            in_template.insert(name);
        }
    }
    assert_eq!(in_template, function_crates());
}

#[test]
fn the_router_serves_exactly_the_template_routes() {
    assert_eq!(router_routes(), template_routes());
}

/// A stalled DynamoDB must end in the function's own 503, not in Lambda killing it: the SDK's
/// whole-operation timeout, plus a second to answer, fits in every function's Timeout.
#[test]
fn every_function_outlasts_its_dynamodb_client_timeout() {
    let needed = idgraph::config::DynamoDbBudget::default()
        .operation_timeout
        .as_secs()
        + 1;
    let mut checked = 0;
    for (_, res) in template()["Resources"].as_mapping().unwrap() {
        if res["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let name = function_name(&res["Properties"]);
        let timeout = res["Properties"]["Timeout"]
            .as_u64()
            .unwrap_or_else(|| panic!("{name} has no Timeout of its own"));
        assert!(
            timeout >= needed,
            "{name}: Timeout {timeout}s, the SDK may take {needed}s"
        );
        checked += 1;
    }
    assert_eq!(checked, function_crates().len());
}

/// (METHOD, path) of every operation in docs/openapi.yaml.
fn openapi_routes() -> BTreeSet<(String, String)> {
    let text = fs::read_to_string(repo_root().join("docs/openapi.yaml")).unwrap();
    let doc: Value = serde_norway::from_str(&text).unwrap();
    let methods = [
        "get", "put", "post", "delete", "patch", "head", "options", "trace",
    ];
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        for (key, _) in item.as_mapping().unwrap() {
            let key = key.as_str().unwrap();
            if methods.contains(&key) {
                routes.insert((key.to_uppercase(), path.as_str().unwrap().to_owned()));
            }
        }
    }
    routes
}

fn without_function(routes: BTreeSet<(String, String, String)>) -> BTreeSet<(String, String)> {
    routes.into_iter().map(|(m, p, _)| (m, p)).collect()
}

#[test]
fn the_openapi_document_describes_exactly_the_template_routes() {
    assert_eq!(openapi_routes(), without_function(template_routes()));
}

#[test]
fn the_openapi_document_describes_exactly_the_router_routes() {
    assert_eq!(openapi_routes(), without_function(router_routes()));
}

#[test]
fn every_function_has_an_event_file() {
    for f in function_crates() {
        assert!(
            repo_root().join(format!("events/{f}.json")).exists(),
            "events/{f}.json is missing"
        );
    }
}

fn event(name: &str) -> String {
    fs::read_to_string(repo_root().join(format!("events/{name}.json"))).unwrap()
}

#[tokio::test]
async fn the_get_person_event_reads_the_demo_person() {
    let app = app().await;
    let req = lambda_http::request::from_str(&event("slashid-get-person")).expect("a valid event");
    let (status, body) = read(&slashid_get_person::handle(app, req).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["handles"][0]["value"], "user@user.com");
}

#[tokio::test]
async fn the_create_person_event_creates_a_person() {
    let app = app().await;
    // The event carries the demo org's credentials; a fresh tenant keeps the demo data as seeded.
    let tenant = Tenant::create(app).await;
    let mut json: serde_json::Value =
        serde_json::from_str(&event("slashid-create-person")).unwrap();
    json["headers"]["slashid-orgid"] = tenant.org.id.to_string().into();
    json["headers"]["slashid-api-key"] = tenant.api_key.clone().into();
    let req = lambda_http::request::from_str(&json.to_string()).expect("a valid event");
    let (status, body) = read(&slashid_create_person::handle(app, req).await);
    assert_eq!(status, 201, "{body}");
}

#[test]
fn the_local_table_is_built_from_the_template_table() {
    let text = fs::read_to_string(repo_root().join("template.yaml")).unwrap();
    let spec = devstack::table::spec_from_template(&text).unwrap();
    let names = |v: &[devstack::table::IndexSpec]| {
        v.iter().map(|i| i.index_name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(&spec.global_secondary_indexes), ["lookup"]);
    assert_eq!(
        names(&spec.local_secondary_indexes),
        ["by_name", "by_alias", "by_email"]
    );
    assert_eq!(
        spec.time_to_live_specification.unwrap().attribute_name,
        idgraph::keys::EXPIRES_AT
    );
}

#[test]
fn the_table_stream_carries_keys_only_as_the_projector_reads_no_more() {
    let text = fs::read_to_string(repo_root().join("template.yaml")).unwrap();

    let spec = devstack::table::spec_from_template(&text).unwrap();

    assert_eq!(
        spec.stream_specification.unwrap().stream_view_type,
        "KEYS_ONLY"
    );
}
