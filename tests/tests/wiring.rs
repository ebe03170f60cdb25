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
    integration_tests::router_routes().into_iter().collect()
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

/// Each function's MemorySize is the one the benchmarks chose (bench/results/memory.json, which
/// scripts/routes.py writes into the template), or Globals' for a function not measured yet.
#[test]
fn every_function_memory_size_is_the_measured_one() {
    let chosen: serde_json::Value =
        fs::read_to_string(repo_root().join("bench/results/memory.json"))
            .map(|t| serde_json::from_str(&t).unwrap())
            .unwrap_or(serde_json::json!({"memory_mb": {}}));
    let chosen = chosen["memory_mb"].as_object().unwrap();
    let global = template()["Globals"]["Function"]["MemorySize"].as_u64();
    for (name, function) in functions() {
        let own = function["Properties"]["MemorySize"].as_u64();
        let measured = chosen.get(&name).map(|v| v.as_u64().unwrap());
        assert_eq!(
            own.or(global),
            measured.or(global),
            "{name}: run python3 scripts/routes.py"
        );
        assert!(
            own.is_none() || measured.is_some(),
            "{name}: a MemorySize not measured"
        );
    }
    for name in chosen.keys() {
        assert!(
            function_crates().contains(name),
            "memory.json names no function {name}"
        );
    }
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
    assert_eq!(
        names(&spec.global_secondary_indexes),
        [
            "lookup",
            idgraph::keys::SSO_DIRECTORY_INDEX,
            idgraph::keys::ORG_MEMBERS_INDEX
        ]
    );
    let members = &spec.global_secondary_indexes[2];
    assert_eq!(members.projection.projection_type, "KEYS_ONLY");
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
fn the_sso_directory_index_holds_no_password_hash_or_key() {
    let text = fs::read_to_string(repo_root().join("template.yaml")).unwrap();

    let spec = devstack::table::spec_from_template(&text).unwrap();

    let index = spec
        .global_secondary_indexes
        .iter()
        .find(|i| i.index_name == idgraph::keys::SSO_DIRECTORY_INDEX)
        .expect("the directory index");
    assert_eq!(index.projection.projection_type, "INCLUDE");
    for secret in ["password_hash", "dek", "totp_key"] {
        assert!(
            !index
                .projection
                .non_key_attributes
                .iter()
                .any(|a| a == secret),
            "{secret}"
        );
    }
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

// ---- SailPoint token keys ------------------------------------------------------------------

/// Every function resource of the template: (name, its resource).
fn functions() -> Vec<(String, Value)> {
    template()["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, res)| res["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|(_, res)| (function_name(&res["Properties"]), res.clone()))
        .collect()
}

/// The names of the environment variables a function gets: Globals' and its own.
/// The variables a function is given in AWS. A variable declared empty is not given: it is
/// declared only so that `sam local --env-vars` may set it (docs/operations.md).
fn environment_of(function: &Value) -> BTreeSet<String> {
    let globals = template()["Globals"]["Function"]["Environment"]["Variables"].clone();
    let own = function["Properties"]["Environment"]["Variables"].clone();
    [globals, own]
        .iter()
        .filter_map(Value::as_mapping)
        .flat_map(|m| m.iter())
        .filter(|(_, v)| v.as_str() != Some(""))
        .map(|(k, _)| k.as_str().unwrap().to_owned())
        .collect()
}

/// Every action any policy statement of a function allows, inside `!If` branches too.
fn actions_of(function: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Mapping(m) => {
                for (k, v) in m {
                    if k.as_str() == Some("Action") {
                        let actions = v.as_sequence().cloned().unwrap_or_else(|| vec![v.clone()]);
                        out.extend(actions.iter().filter_map(|a| a.as_str().map(str::to_owned)));
                    } else {
                        walk(v, out);
                    }
                }
            }
            Value::Sequence(s) => s.iter().for_each(|v| walk(v, out)),
            Value::Tagged(t) => walk(&t.value, out),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(&function["Properties"]["Policies"], &mut out);
    out
}

fn is_token_setting(name: &str) -> bool {
    name.starts_with("JWT_") || name == "OAUTH_TOKEN_SECONDS"
}

#[test]
fn no_template_parameter_or_function_environment_carries_a_token_signing_secret() {
    let t = template();
    for (name, param) in t["Parameters"].as_mapping().unwrap() {
        assert_ne!(
            param["NoEcho"].as_bool(),
            Some(true),
            "parameter {name:?} is a secret: secrets go to KMS, not to parameters"
        );
    }
    for (name, function) in functions() {
        let env = environment_of(&function);
        for secret in ["JWT_SIGNING_KEYS", "JWT_LOCAL_SIGNING_KEY"] {
            assert!(!env.contains(secret), "{name} is given {secret}");
        }
    }
}

#[test]
fn only_sailpoint_functions_get_token_settings_and_only_the_token_function_may_sign() {
    let signer: BTreeSet<String> = ["JWT_KMS_KEY_ID", "OAUTH_TOKEN_SECONDS"]
        .map(String::from)
        .into();
    let verifier: BTreeSet<String> = ["JWT_KMS_VERIFY_KEYS", "JWT_PUBLIC_KEYS"]
        .map(String::from)
        .into();
    let mut checked = 0;
    for (name, function) in functions() {
        let settings: BTreeSet<String> = environment_of(&function)
            .into_iter()
            .filter(|v| is_token_setting(v))
            .collect();
        let actions = actions_of(&function);
        let kms = |a: &str| actions.contains(a);
        let http = function["Properties"]["Events"]
            .as_mapping()
            .unwrap()
            .values()
            .any(|e| e["Type"].as_str() == Some("HttpApi"));
        if name == "sailpoint-token" {
            assert_eq!(settings, signer, "{name}");
            assert!(
                kms("kms:Sign") && !kms("kms:GetPublicKey"),
                "{name}: {actions:?}"
            );
        } else if name.starts_with("sailpoint-") && http {
            assert_eq!(settings, verifier, "{name}");
            assert!(
                kms("kms:GetPublicKey") && !kms("kms:Sign"),
                "{name}: {actions:?}"
            );
        } else {
            assert!(settings.is_empty(), "{name} is given {settings:?}");
            assert!(
                !kms("kms:Sign") && !kms("kms:GetPublicKey"),
                "{name}: {actions:?}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, function_crates().len());
}

#[test]
fn the_token_key_is_an_asymmetric_p256_signing_key() {
    let key = &template()["Resources"]["TokenKey"];
    assert_eq!(key["Type"].as_str(), Some("AWS::KMS::Key"));
    assert_eq!(key["Properties"]["KeySpec"].as_str(), Some("ECC_NIST_P256"));
    assert_eq!(key["Properties"]["KeyUsage"].as_str(), Some("SIGN_VERIFY"));
}

/// The bearer token of each SailPoint event file (all but the token endpoint's).
fn event_tokens() -> Vec<(String, String)> {
    function_crates()
        .into_iter()
        .filter(|f| {
            f.starts_with("sailpoint-") && f != "sailpoint-token" && f != "sailpoint-projector"
        })
        .map(|f| {
            let json: serde_json::Value = serde_json::from_str(&event(&f)).unwrap();
            let auth = json["headers"]["authorization"]
                .as_str()
                .unwrap_or_default();
            let token = auth
                .strip_prefix("Bearer ")
                .unwrap_or_else(|| panic!("{f}: no bearer token"));
            (f, token.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_event_files_demo_token_verifies_under_the_local_key_and_carries_the_demo_claims() {
    use base64::Engine;
    let config = idgraph::config::Config::from_env().expect("the local stack's configuration");
    let verifier = idgraph::jwt::Verifier::from_config(&config.token_verifying_keys, None);
    let tokens = event_tokens();
    let (_, token) = tokens.first().expect("SailPoint event files");

    let caller = verifier.verify(token).await;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();

    let caller = caller.expect("the demo token verifies under JWT_PUBLIC_KEYS");
    assert_eq!(caller.org.as_str(), integration_tests::DEMO_ORG);
    assert_eq!(caller.client_id, "demo-client");
    assert_eq!(caller.scopes, ["sp:scopes:all"]);
    assert_eq!(
        claims,
        serde_json::to_value(devstack::tokens::demo_claims()).unwrap()
    );
    let five_years_on = idgraph::jwt::now() + 5 * 365 * 24 * 3600;
    assert!(claims["exp"].as_u64().unwrap() > five_years_on, "{claims}");
    for (f, other) in &tokens {
        assert_eq!(other, token, "{f} carries another token");
    }
}

#[tokio::test]
async fn the_assigned_identities_event_is_answered_with_its_demo_token() {
    let app = app().await;
    let req = lambda_http::request::from_str(&event("sailpoint-assigned-identities"))
        .expect("a valid event");
    let (status, body) = read(&sailpoint_assigned_identities::handle(app, req).await);
    assert_eq!(status, 200, "{body}");
}
