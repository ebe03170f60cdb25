//! SailPoint access-token keys as they work in AWS: the token function signs with a KMS key
//! (`kms:Sign`), the other SailPoint functions verify with its public key, fetched from KMS once
//! per process and only for key ids their configuration lists. KMS is the loopback emulator of
//! `integration_tests::kms_emulator`; DynamoDB is the local stack's.

use idgraph::App;
use idgraph::config::Config;
use idgraph::jwt::{KmsKeyRef, Signer, SigningKeyConfig, Verifier, VerifyingKeyConfig};
use integration_tests::kms_emulator::{KmsEmulator, KmsFault};
use integration_tests::{DEMO_ROLE, Event, read};
use serde_json::Value;

/// The token function as deployed: it signs with `signing`, through the emulator.
async fn token_function(kms: &KmsEmulator, signing: &KmsKeyRef) -> &'static App {
    let config = Config::from_env().expect("the test environment's configuration");
    let client = App::kms_client_at(&config, &kms.url()).await;
    let mut app = App::from_config(config, None).await.expect("an app");
    app.token_signer = Signer::from_config(&SigningKeyConfig::Kms(signing.clone()), Some(client));
    Box::leak(Box::new(app))
}

/// A SailPoint verifier as deployed: it trusts the KMS keys `trusted` and nothing else.
async fn verifier(kms: &KmsEmulator, trusted: &[&KmsKeyRef]) -> &'static App {
    let config = Config::from_env().expect("the test environment's configuration");
    let client = App::kms_client_at(&config, &kms.url()).await;
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

async fn token_signed_by(kms: &KmsEmulator, key: &KmsKeyRef) -> String {
    let (status, body) = issue(token_function(kms, key).await).await;
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
    let kms = KmsEmulator::start().await;
    let key = kms.new_signing_key();

    let token = token_signed_by(&kms, &key).await;
    let (status, body) = read_demo_role(verifier(&kms, &[&key]).await, &token).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(header_of(&token)["alg"], "ES256");
    assert_eq!(header_of(&token)["kid"], key.kid().as_str());
    assert_eq!(kms.signs(), 1);
}

#[tokio::test]
async fn a_verifier_fetches_the_kms_public_key_once_per_process() {
    let kms = KmsEmulator::start().await;
    let key = kms.new_signing_key();
    let token = token_signed_by(&kms, &key).await;
    let app = verifier(&kms, &[&key]).await;

    for _ in 0..3 {
        let (status, body) = read_demo_role(app, &token).await;
        assert_eq!(status, 200, "{body}");
    }

    assert_eq!(kms.public_key_reads(&key), 1);
}

#[tokio::test]
async fn a_key_id_that_configuration_does_not_list_is_refused_and_never_fetched() {
    let kms = KmsEmulator::start().await;
    let (listed, other) = (kms.new_signing_key(), kms.new_signing_key());
    let token = token_signed_by(&kms, &other).await;

    let (status, body) = read_demo_role(verifier(&kms, &[&listed]).await, &token).await;

    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["error"],
        "JWT validation failed: JWT was signed with an unknown key"
    );
    assert_eq!(kms.all_public_key_reads(), 0);
}

#[tokio::test]
async fn a_token_of_the_previous_key_verifies_while_listed_and_is_refused_once_dropped() {
    let kms = KmsEmulator::start().await;
    let (previous, current) = (kms.new_signing_key(), kms.new_signing_key());
    let token = token_signed_by(&kms, &previous).await;

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
    let kms = KmsEmulator::start().await;
    let key = kms.new_signing_key();
    let token = token_signed_by(&kms, &key).await;
    let signer = token_function(&kms, &key).await;
    let app = verifier(&kms, &[&key]).await;

    kms.inject(KmsFault::Down);
    let (issued, issue_body) = issue(signer).await;
    let (verified, verify_body) = read_demo_role(app, &token).await;
    kms.inject(KmsFault::None);
    let (recovered, recovered_body) = read_demo_role(app, &token).await;

    assert_eq!(issued, 503, "{issue_body}");
    assert_eq!(verified, 503, "{verify_body}");
    assert_eq!(verify_body["detailCode"], "503 Service Unavailable");
    assert_eq!(recovered, 200, "{recovered_body}");
}

#[tokio::test]
async fn kms_throttling_is_a_429_not_a_401() {
    let kms = KmsEmulator::start().await;
    let key = kms.new_signing_key();
    let token = token_signed_by(&kms, &key).await;
    let app = verifier(&kms, &[&key]).await;

    kms.inject(KmsFault::Throttle);
    let (status, body) = read_demo_role(app, &token).await;

    assert_eq!(status, 429, "{body}");
}

#[tokio::test]
async fn a_kms_key_that_is_not_a_p256_signing_key_is_never_trusted() {
    let kms = KmsEmulator::start().await;
    for (spec, usage) in [
        ("ECC_NIST_P384", "SIGN_VERIFY"),
        ("ECC_NIST_P256", "KEY_AGREEMENT"),
    ] {
        let misreported = kms.new_key(spec, usage);
        let token = token_signed_by(&kms, &misreported).await;

        let (status, body) = read_demo_role(verifier(&kms, &[&misreported]).await, &token).await;

        assert_eq!(status, 500, "{spec} {usage}: {body}");
    }
}
