//! SailPoint access-token keys as they work in AWS: the token function signs with a KMS key
//! (`kms:Sign`), the other SailPoint functions verify with its public key, fetched from KMS once
//! per process and only for key ids their configuration lists. KMS is moto's server, its local
//! counterpart (`integration_tests::local_kms`), with a fault proxy in front where a test counts
//! the calls or makes KMS fail; DynamoDB is the local stack's.

use std::time::Duration;

use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use idgraph::App;
use idgraph::config::Config;
use idgraph::ids::OrgId;
use idgraph::jwt::{
    Kid, KmsKeyRef, LocalSigningKey, Signer, SigningKeyConfig, Verifier, VerifyingKeyConfig,
};
use integration_tests::fault_proxy::{Fault, FaultProxy};
use integration_tests::{DEMO_ORG, DEMO_ROLE, Event, local_kms, read};
use serde_json::Value;

/// The token function as deployed: it signs with `signing`, through the KMS at `kms` (moto, or
/// a proxy in front of it).
async fn token_function(kms: &str, signing: &KmsKeyRef) -> &'static App {
    let config = Config::from_env().expect("the test environment's configuration");
    let client = local_kms::client_at(kms).await;
    let mut app = App::from_config(config, None).await.expect("an app");
    app.token_signer = Signer::from_config(&SigningKeyConfig::Kms(signing.clone()), Some(client));
    Box::leak(Box::new(app))
}

/// A SailPoint verifier as deployed: it trusts the KMS keys `trusted` and nothing else, and
/// reaches KMS at `kms`.
async fn verifier(kms: &str, trusted: &[&KmsKeyRef]) -> &'static App {
    let config = Config::from_env().expect("the test environment's configuration");
    let client = local_kms::client_at(kms).await;
    let mut app = App::from_config(config, None).await.expect("an app");
    let keys: Vec<VerifyingKeyConfig> = trusted
        .iter()
        .map(|k| VerifyingKeyConfig::Kms((*k).clone()))
        .collect();
    app.token_verifier = Verifier::from_config(&keys, Some(client));
    Box::leak(Box::new(app))
}

/// `POST /oauth/token` with the demo client's credentials.
async fn issue(app: &'static App) -> (u16, Value) {
    let req = Event::new("POST", "/oauth/token", "/oauth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .raw_body("grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret")
        .build();
    read(&sailpoint_token::handle(app, req).await)
}

/// A token of the demo client, issued by a token function that signs with `key` in moto.
async fn token_signed_by(key: &KmsKeyRef) -> String {
    let (status, body) = issue(token_function(&local_kms::url(), key).await).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("a token").to_owned()
}

/// `GET /v3/roles/{id}/assigned-identities` of the demo role with `token`.
async fn read_demo_role(app: &'static App, token: &str) -> (u16, Value) {
    let path = format!("/v3/roles/{DEMO_ROLE}/assigned-identities");
    let req = Event::new("GET", "/v3/roles/{id}/assigned-identities", &path)
        .path_param("id", DEMO_ROLE)
        .header("authorization", &format!("Bearer {token}"))
        .build();
    read(&sailpoint_assigned_identities::handle(app, req).await)
}

fn header_of(token: &str) -> Value {
    use base64::Engine;
    let header = token.split('.').next().expect("a header");
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .expect("base64url");
    serde_json::from_slice(&json).expect("a JSON header")
}

#[tokio::test]
async fn a_token_signed_by_kms_is_es256_named_by_the_key_id_and_accepted_by_a_verifier() {
    let key = local_kms::token_key().await;
    let signer_kms = FaultProxy::for_local_kms().await;

    let (issued, body) = issue(token_function(&signer_kms.url(), &key).await).await;
    let token = body["access_token"].as_str().unwrap_or_default();
    let (status, verified) =
        read_demo_role(verifier(&local_kms::url(), &[&key]).await, token).await;

    assert_eq!(issued, 200, "{body}");
    assert_eq!(status, 200, "{verified}");
    assert_eq!(header_of(token)["alg"], "ES256");
    assert_eq!(header_of(token)["kid"], key.kid().as_str());
    assert_eq!(signer_kms.requests(), 1, "one Sign call per token");
}

#[tokio::test]
async fn a_verifier_fetches_the_kms_public_key_once_per_process() {
    let key = local_kms::token_key().await;
    let token = token_signed_by(&key).await;
    let verifier_kms = FaultProxy::for_local_kms().await;
    let app = verifier(&verifier_kms.url(), &[&key]).await;

    for _ in 0..3 {
        let (status, body) = read_demo_role(app, &token).await;
        assert_eq!(status, 200, "{body}");
    }

    assert_eq!(verifier_kms.requests(), 1, "GetPublicKey calls");
}

#[tokio::test]
async fn a_key_id_that_configuration_does_not_list_is_refused_and_never_fetched() {
    let (listed, other) = (local_kms::token_key().await, local_kms::token_key().await);
    let token = token_signed_by(&other).await;
    let verifier_kms = FaultProxy::for_local_kms().await;

    let (status, body) =
        read_demo_role(verifier(&verifier_kms.url(), &[&listed]).await, &token).await;

    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["error"],
        "JWT validation failed: JWT was signed with an unknown key"
    );
    assert_eq!(verifier_kms.requests(), 0, "KMS calls");
}

#[tokio::test]
async fn a_token_of_the_previous_key_verifies_while_listed_and_is_refused_once_dropped() {
    let (previous, current) = (local_kms::token_key().await, local_kms::token_key().await);
    let token = token_signed_by(&previous).await;
    let kms = local_kms::url();

    let during = read_demo_role(verifier(&kms, &[&current, &previous]).await, &token).await;
    let after = read_demo_role(verifier(&kms, &[&current]).await, &token).await;

    assert_eq!(during.0, 200, "{}", during.1);
    assert_eq!(after.0, 401, "{}", after.1);
    assert_eq!(
        after.1["error"],
        "JWT validation failed: JWT was signed with an unknown key"
    );
}

#[tokio::test]
async fn kms_down_is_a_503_for_signer_and_verifier_and_the_next_request_fetches_again() {
    let key = local_kms::token_key().await;
    let token = token_signed_by(&key).await;
    let kms = FaultProxy::for_local_kms().await;
    let signer = token_function(&kms.url(), &key).await;
    let app = verifier(&kms.url(), &[&key]).await;

    kms.inject(Fault::Down);
    let (issued, issue_body) = issue(signer).await;
    let (verified, verify_body) = read_demo_role(app, &token).await;
    kms.inject(Fault::None);
    let before_recovery = kms.requests();
    let (recovered, recovered_body) = read_demo_role(app, &token).await;

    assert_eq!(issued, 503, "{issue_body}");
    assert_eq!(verified, 503, "{verify_body}");
    assert_eq!(verify_body["detailCode"], "503 Service Unavailable");
    assert_eq!(recovered, 200, "{recovered_body}");
    assert_eq!(
        kms.requests() - before_recovery,
        1,
        "the failed fetch was not remembered: the next request fetched the key"
    );
}

#[tokio::test]
async fn kms_throttling_is_a_429_for_signer_and_verifier_not_a_401() {
    let key = local_kms::token_key().await;
    let token = token_signed_by(&key).await;
    let kms = FaultProxy::for_local_kms().await;
    let signer = token_function(&kms.url(), &key).await;
    let app = verifier(&kms.url(), &[&key]).await;

    kms.inject(Fault::Throttle("ThrottlingException"));
    let (issued, issue_body) = issue(signer).await;
    let (verified, verify_body) = read_demo_role(app, &token).await;

    assert_eq!(issued, 429, "{issue_body}");
    assert_eq!(verified, 429, "{verify_body}");
}

/// A token for the demo org under `kid`, signed by a P-256 key of our own: what a verifier
/// would accept if it trusted whatever public key KMS handed it for that kid.
fn token_under(kid: &Kid) -> String {
    let (key, _) = LocalSigningKey::generate(kid.clone());
    let org = OrgId::parse(DEMO_ORG).expect("the demo org");
    let scopes = ["sp:scopes:all".to_owned()];
    let claims = idgraph::jwt::claims(
        idgraph::jwt::now(),
        Duration::from_secs(600),
        &org,
        &org,
        "demo-client",
        &scopes,
    );
    key.issue(&claims)
}

#[tokio::test]
async fn a_kms_key_that_is_not_a_p256_signing_key_is_a_500_and_never_trusted() {
    // A P-256 key for KEY_AGREEMENT has a public key a verifier could read: only its usage
    // tells it from a token key. The others are other curves, RSA and a symmetric key (whose
    // GetPublicKey real KMS refuses and moto answers).
    let kinds = [
        (KeySpec::EccNistP256, KeyUsageType::KeyAgreement),
        (KeySpec::EccSecgP256K1, KeyUsageType::SignVerify),
        (KeySpec::EccNistP384, KeyUsageType::SignVerify),
        (KeySpec::Rsa2048, KeyUsageType::SignVerify),
        (KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt),
    ];
    for (spec, usage) in kinds {
        let key = local_kms::key_ref(local_kms::create_key(spec.clone(), usage.clone()).await);
        let token = token_under(key.kid());
        let app = verifier(&local_kms::url(), &[&key]).await;

        let first = read_demo_role(app, &token).await;
        let second = read_demo_role(app, &token).await;

        assert_eq!(first.0, 500, "{spec:?} {usage:?}: {}", first.1);
        assert_eq!(
            second.0, 500,
            "{spec:?} {usage:?}, asked again: {}",
            second.1
        );
    }
}
