//! The Zato SSO face with KMS as its key-encryption key, as deployed in AWS (`SSO_KMS_KEY_ID`):
//! every user's data key comes from `GenerateDataKey` under the encryption context
//! `sso-user = {org}#{user}` and is opened with `Decrypt` under the same context. KMS is moto's
//! server, its local counterpart (`integration_tests::local_kms`), with a fault proxy in front
//! where a test counts the calls or makes KMS fail; DynamoDB is the local stack's. The handlers
//! run in process, as Lambda runs them.

use std::future::Future;

use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::primitives::Blob;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use idgraph::config::{Config, KekConfig};
use idgraph::faces::Face;
use idgraph::ids::{OrgId, PersonId};
use idgraph::keys;
use idgraph::runtime::respond;
use idgraph::sso::crypto::Kek;
use idgraph::{App, Body, Request, Response};
use integration_tests::fault_proxy::{Fault, FaultProxy};
use integration_tests::{Event, ZATO_ADMIN, local_kms, read};
use serde_json::{Value, json};

/// A Zato function as deployed with `SSO_KMS_KEY_ID=key`: its KMS client reaches KMS at `kms`
/// (moto, or a proxy in front of it).
async fn zato_app(key: &str, kms: &str) -> &'static App {
    let config = Config::from_env().expect("the test environment's configuration");
    let client = local_kms::client_at(kms).await;
    let mut app = App::from_config(config, None).await.expect("an app");
    app.config.sso_kek = KekConfig::Kms(key.to_owned());
    app.kek = Kek::from_config(&app.config.sso_kek, Some(client));
    Box::leak(Box::new(app))
}

/// `method path` with a JSON body, through `handler` as Lambda runs it.
async fn call<H, F>(
    app: &'static App,
    handler: H,
    method: &str,
    path: &str,
    body: Value,
) -> Response<Body>
where
    H: Fn(&'static App, Request) -> F,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    let req = Event::new(method, path, path).json(&body).build();
    respond(app, Face::Zato, handler, req).await
}

/// The UST of a login as `(username, password)`.
async fn login(app: &'static App, (username, password): (&str, &str)) -> String {
    let body = json!({"username": username, "password": password, "current_app": "CRM"});
    let (status, body) = read(
        &call(
            app,
            zato_login::handle,
            "POST",
            "/zato/sso/user/login",
            body,
        )
        .await,
    );
    assert_eq!((status, &body["status"]), (200, &json!("ok")), "{body}");
    body["ust"].as_str().expect("a ust").to_owned()
}

const PASSWORD: &str = "a-password-1";

/// `POST /zato/sso/user` by the seeded super-user.
async fn create_user(app: &'static App, admin: &str, username: &str) -> Response<Body> {
    let body =
        json!({"ust": admin, "current_app": "CRM", "username": username, "password": PASSWORD});
    call(
        app,
        zato_create_user::handle,
        "POST",
        "/zato/sso/user",
        body,
    )
    .await
}

/// A new approved user, created by `app` (so its data key is `app`'s KEK's): its id and a UST.
async fn new_user(app: &'static App) -> (PersonId, String) {
    let admin = login(app, ZATO_ADMIN).await;
    let username = format!("u{}", uuid::Uuid::new_v4().simple());
    let (status, created) = read(&create_user(app, &admin, &username).await);
    assert_eq!(status, 200, "{created}");
    let id = created["user_id"].as_str().expect("a user id").to_owned();
    let approve = json!({"ust": admin, "current_app": "CRM", "user_id": id});
    let (status, approved) = read(
        &call(
            app,
            zato_approve_user::handle,
            "POST",
            "/zato/sso/user/approve",
            approve,
        )
        .await,
    );
    assert_eq!(status, 200, "{approved}");
    let ust = login(app, (&username, PASSWORD)).await;
    (PersonId::parse(&id).expect("a user id"), ust)
}

/// `POST /zato/sso/user/attr` of one encrypted attribute.
async fn create_sealed(app: &'static App, ust: &str, name: &str, value: &str) -> Response<Body> {
    let body =
        json!({"ust": ust, "current_app": "CRM", "name": name, "value": value, "encrypt": true});
    call(
        app,
        zato_create_user_attr::handle,
        "POST",
        "/zato/sso/user/attr",
        body,
    )
    .await
}

fn sso_org() -> OrgId {
    OrgId::parse(&std::env::var("SSO_ORG_ID").expect("SSO_ORG_ID")).expect("an org id")
}

/// The stored user record's `dek`: the wrapped data key.
async fn wrapped_key(app: &App, user: &PersonId) -> String {
    let record = app
        .db
        .get(&keys::sso_user(&sso_org(), user))
        .await
        .expect("a GetItem")
        .expect("the user's record");
    record["dek"].as_s().expect("a wrapped key").clone()
}

/// The stored attribute item, if any.
async fn stored_attribute(app: &App, user: &PersonId, name: &str) -> Option<idgraph::db::Item> {
    app.db
        .get(&keys::sso_attribute(&sso_org(), user, name))
        .await
        .expect("a GetItem")
}

/// `status` with `Retry-After: 1`, in Zato's envelope with E008004.
fn assert_zato_fault(resp: &Response<Body>, status: u16) {
    let (got, body) = read(resp);
    assert_eq!(got, status, "{body}");
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert_eq!(body["status"], "error", "{body}");
    assert_eq!(body["sub_status"], json!(["E008004"]), "{body}");
    assert_eq!(body["cid"].as_str().map(str::len), Some(24), "{body}");
}

#[tokio::test]
async fn a_user_created_with_kms_as_kek_gets_a_data_key_that_kms_opens_for_that_user_only() {
    let key = local_kms::key_encryption_key().await;
    let app = zato_app(&key, &local_kms::url()).await;
    let ((user, _), (other, _)) = (new_user(app).await, new_user(app).await);

    let wrapped = wrapped_key(app, &user).await;
    let blob = STANDARD
        .decode(
            wrapped
                .strip_prefix("kms:")
                .unwrap_or_else(|| panic!("not wrapped by KMS: {wrapped}")),
        )
        .expect("base64");
    let kms = local_kms::admin().await;
    let decrypt = |context: Option<String>| {
        kms.decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .set_encryption_context(context.map(|c| [("sso-user".to_owned(), c)].into()))
            .send()
    };
    let own = decrypt(Some(format!("{}#{user}", sso_org()))).await;
    let others = decrypt(Some(format!("{}#{other}", sso_org()))).await;
    let contextless = decrypt(None).await;

    let own = own.expect("KMS opens the data key under its user's context");
    assert_eq!(own.key_id(), Some(key.as_str()));
    assert_eq!(own.plaintext().map(|p| p.as_ref().len()), Some(32));
    for (what, refused) in [
        ("another user's context", others),
        ("no context", contextless),
    ] {
        let code = refused.err().and_then(|e| e.code().map(str::to_owned));
        assert_eq!(
            code.as_deref(),
            Some("InvalidCiphertextException"),
            "{what}"
        );
    }
}

#[tokio::test]
async fn an_encrypted_attribute_of_a_kms_user_round_trips_through_kms_decrypt() {
    let key = local_kms::key_encryption_key().await;
    let kms = FaultProxy::for_local_kms().await;
    let app = zato_app(&key, &kms.url()).await;
    let (user, ust) = new_user(app).await;
    let secret = format!("card-{}", uuid::Uuid::new_v4().simple());

    let (created, created_body) = read(&create_sealed(app, &ust, "card", &secret).await);
    let before_read = kms.requests();
    let read_back = call(
        app,
        zato_get_user_attr::handle,
        "GET",
        "/zato/sso/user/attr",
        json!({"ust": ust, "current_app": "CRM", "name": "card"}),
    )
    .await;
    let (status, got) = read(&read_back);
    let raw = stored_attribute(app, &user, "card")
        .await
        .expect("the stored attribute");

    assert_eq!(created, 200, "{created_body}");
    assert_eq!(status, 200, "{got}");
    assert_eq!(
        (got["value"].as_str(), &got["is_encrypted"]),
        (Some(secret.as_str()), &json!(true))
    );
    assert_eq!(
        kms.requests() - before_read,
        1,
        "one Decrypt of the user's data key"
    );
    let sealed = raw["v"].as_s().expect("a stored value");
    assert!(
        sealed.starts_with("v1:") && !sealed.contains(&secret),
        "{sealed}"
    );
}

#[tokio::test]
async fn a_kms_wrapped_data_key_moved_to_another_user_does_not_open() {
    let key = local_kms::key_encryption_key().await;
    let app = zato_app(&key, &local_kms::url()).await;
    let ((owner, _), (thief, thief_ust)) = (new_user(app).await, new_user(app).await);
    let owners_key = wrapped_key(app, &owner).await;
    app.db
        .client
        .update_item()
        .table_name(&app.db.table)
        .set_key(Some(keys::sso_user(&sso_org(), &thief).to_item()))
        .update_expression("SET dek = :moved")
        .expression_attribute_values(":moved", idgraph::item::s(&owners_key))
        .send()
        .await
        .expect("move the owner's wrapped key onto the thief's record");

    let resp = create_sealed(app, &thief_ust, "moved", "sealed-with-a-stolen-key").await;

    let (status, body) = read(&resp);
    assert_eq!(
        status, 500,
        "a moved key is corrupt data, not an outage to retry: {body}"
    );
    assert_eq!(body["sub_status"], json!(["E008004"]), "{body}");
    assert!(stored_attribute(app, &thief, "moved").await.is_none());
}

#[tokio::test]
async fn kms_down_while_sealing_is_a_503_in_zatos_envelope_and_writes_nothing() {
    let key = local_kms::key_encryption_key().await;
    let kms = FaultProxy::for_local_kms().await;
    let app = zato_app(&key, &kms.url()).await;
    let (user, ust) = new_user(app).await;

    kms.inject(Fault::Down);
    let resp = create_sealed(app, &ust, "card", "never-stored").await;
    kms.inject(Fault::None);

    assert_zato_fault(&resp, 503);
    assert!(kms.faults() >= 1);
    assert!(stored_attribute(app, &user, "card").await.is_none());
}

#[tokio::test]
async fn kms_throttling_while_sealing_is_a_429_in_zatos_envelope_and_writes_nothing() {
    let key = local_kms::key_encryption_key().await;
    let kms = FaultProxy::for_local_kms().await;
    let app = zato_app(&key, &kms.url()).await;
    let (user, ust) = new_user(app).await;

    kms.inject(Fault::Throttle("ThrottlingException"));
    let resp = create_sealed(app, &ust, "card", "never-stored").await;
    kms.inject(Fault::None);

    assert_zato_fault(&resp, 429);
    assert!(stored_attribute(app, &user, "card").await.is_none());
}

#[tokio::test]
async fn kms_down_while_creating_a_user_is_a_503_and_creates_no_user() {
    let key = local_kms::key_encryption_key().await;
    let kms = FaultProxy::for_local_kms().await;
    let app = zato_app(&key, &kms.url()).await;
    let admin = login(app, ZATO_ADMIN).await;
    let username = format!("u{}", uuid::Uuid::new_v4().simple());

    kms.inject(Fault::Down);
    let refused = create_user(app, &admin, &username).await;
    kms.inject(Fault::None);
    let (again, again_body) = read(&create_user(app, &admin, &username).await);

    assert_zato_fault(&refused, 503);
    assert_eq!(again, 200, "the username was left free: {again_body}");
}
