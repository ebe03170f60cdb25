//! The Zato SSO face's user attributes through the router: the seed `GET /zato/sso/user/attr`,
//! its siblings, who may reach whose attributes, atomic batches, expiry and encryption at rest.

use std::time::{Duration, Instant};

use idgraph::ids::{OrgId, PersonId};
use idgraph::keys;
use integration_tests::{ZATO_ADMIN, ZATO_JDOE, Zato, app};
use serde_json::{Value, json};

const ATTR: &str = "/zato/sso/user/attr";

/// `{ust, current_app: CRM}` plus `extra`.
fn body(ust: &str, extra: Value) -> Value {
    let mut b = json!({"ust": ust, "current_app": "CRM"});
    b.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    b
}

#[tokio::test]
async fn the_docs_curl_examples_answer_as_printed_with_a_fresh_ust() {
    let zato = Zato::new();
    let ust = zato.login(ZATO_JDOE).await;
    let doc = |extra: &str| {
        format!(
            r#"{{"current_ust": "{ust}", "current_app": "CRM", "user_id": "zusr6fh6fdgd4997ksjkpx7qnk659q"{extra}}}"#
        )
    };
    // A previous run against `make run` may have left the examples' attributes.
    zato.curl(
        "DELETE",
        ATTR,
        &doc(r#", "data": ["my-rest-attribute", "my-new-rest-attribute"]"#),
    )
    .await;

    let get = zato
        .curl("GET", ATTR, &doc(r#", "name": "my-attribute""#))
        .await;
    assert!(get.is_zato_ok(), "{}", get.body);
    for (k, v) in [
        ("found", json!(true)),
        ("name", json!("my-attribute")),
        ("value", json!("my-value")),
        ("expiration_time", json!("9999-12-31T00:00:00")),
        ("is_encrypted", json!(false)),
    ] {
        assert_eq!(get.body[k], v, "{k}");
    }
    let create = zato.curl("POST", ATTR, &doc(r#", "name": "my-rest-attribute", "value": "my-rest-value", "encrypt": true, "expiration": 3600"#)).await;
    let update = zato.curl("PATCH", ATTR, &doc(r#", "name": "my-rest-attribute", "value": "my-rest-value", "encrypt": true, "expiration": 3600"#)).await;
    let set = zato.curl("PUT", ATTR, &doc(r#", "name": "my-new-rest-attribute", "value": "my-new-rest-value", "encrypt": true, "expiration": 3600"#)).await;
    let exists = zato
        .curl(
            "GET",
            "/zato/sso/user/attr/exists",
            &doc(r#", "name": "my-attribute""#),
        )
        .await;
    let names = zato
        .curl("GET", "/zato/sso/user/attr/names", &doc(""))
        .await;
    let delete = zato
        .curl("DELETE", ATTR, &doc(r#", "name": "my-attribute""#))
        .await;
    let gone = zato
        .curl("GET", ATTR, &doc(r#", "name": "my-attribute""#))
        .await;
    // Put the seed back for whoever reads it next.
    zato.curl(
        "PUT",
        ATTR,
        &doc(r#", "name": "my-attribute", "value": "my-value""#),
    )
    .await;

    for r in [&create, &update, &set, &delete] {
        assert!(r.is_zato_ok(), "{}", r.body);
        assert_eq!(
            r.body.as_object().unwrap().len(),
            2,
            "only cid and status: {}",
            r.body
        );
    }
    assert_eq!(exists.body["result"], true);
    let mut listed: Vec<_> = names.body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        ["my-attribute", "my-new-rest-attribute", "my-rest-attribute"]
    );
    assert_eq!(
        gone.body,
        json!({"cid": gone.body["cid"], "status": "ok", "found": false})
    );
}

#[tokio::test]
async fn parameters_in_the_query_string_work_as_in_the_body() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    zato.call(
        "POST",
        ATTR,
        &body(&ust, json!({"name": "colour", "value": "blue"})),
    )
    .await;

    let r = zato
        .call(
            "GET",
            &format!("{ATTR}?current_app=CRM&name=colour&ust={ust}"),
            &json!({}),
        )
        .await;

    assert_eq!(
        (r.body["found"].clone(), r.body["value"].clone()),
        (json!(true), json!("blue")),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_user_reaches_their_own_attributes_and_a_super_user_anyones() {
    let zato = Zato::new();
    let (id, _, ust) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;
    let jdoe = zato.login(ZATO_JDOE).await;

    let own = zato
        .call(
            "POST",
            ATTR,
            &body(&ust, json!({"name": "n", "value": "v"})),
        )
        .await;
    let own_by_id = zato
        .call(
            "GET",
            ATTR,
            &body(&ust, json!({"name": "n", "user_id": id})),
        )
        .await;
    let by_admin = zato
        .call(
            "GET",
            ATTR,
            &body(&admin, json!({"name": "n", "user_id": id})),
        )
        .await;
    let by_peer = zato
        .call(
            "GET",
            ATTR,
            &body(&jdoe, json!({"name": "n", "user_id": id})),
        )
        .await;
    let write_by_peer = zato
        .call(
            "PUT",
            ATTR,
            &body(&jdoe, json!({"name": "n", "value": "x", "user_id": id})),
        )
        .await;
    let no_such_user = zato
        .call(
            "GET",
            ATTR,
            &body(&admin, json!({"name": "n", "user_id": "zusrnobody"})),
        )
        .await;

    assert!(own.is_zato_ok(), "{}", own.body);
    assert_eq!(own_by_id.body["value"], "v");
    assert_eq!(by_admin.body["value"], "v");
    assert_eq!(by_peer.zato_error(), (403, "E005001".into()));
    assert_eq!(write_by_peer.zato_error(), (403, "E005001".into()));
    assert_eq!(no_such_user.zato_error(), (403, "E005001".into()));
}

#[tokio::test]
async fn a_dead_session_or_a_bad_app_is_refused_before_any_attribute() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    zato.call("POST", "/zato/sso/user/logout", &body(&ust, json!({})))
        .await;

    let read = zato
        .call("GET", ATTR, &body(&ust, json!({"name": "n"})))
        .await;
    let write = zato
        .call(
            "POST",
            ATTR,
            &body(&ust, json!({"name": "n", "value": "v"})),
        )
        .await;
    let app = zato
        .call(
            "GET",
            ATTR,
            &json!({"ust": ust, "current_app": "Nope", "name": "n"}),
        )
        .await;

    assert_eq!(read.zato_error(), (403, "E007001".into()));
    assert_eq!(write.zato_error(), (403, "E007001".into()));
    assert_eq!(app.zato_error(), (200, "E004001".into()));
}

#[tokio::test]
async fn neither_name_nor_data_is_e008002() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    for method in ["GET", "POST", "PATCH", "PUT", "DELETE"] {
        let r = zato.call(method, ATTR, &body(&ust, json!({}))).await;
        assert_eq!(r.zato_error(), (403, "E008002".into()), "{method}");
    }
    let exists = zato
        .call("GET", "/zato/sso/user/attr/exists", &body(&ust, json!({})))
        .await;
    assert_eq!(exists.zato_error(), (403, "E008002".into()));
}

#[tokio::test]
async fn several_names_answer_a_map_with_null_for_the_missing() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    zato.call(
        "POST",
        ATTR,
        &body(
            &ust,
            json!({"data": [{"name": "a", "value": 1}, {"name": "b", "value": {"x": [true]}}]}),
        ),
    )
    .await;

    let got = zato
        .call("GET", ATTR, &body(&ust, json!({"data": ["a", "b", "c"]})))
        .await;
    let exists = zato
        .call(
            "GET",
            "/zato/sso/user/attr/exists",
            &body(&ust, json!({"data": ["a", "c"]})),
        )
        .await;

    assert_eq!(
        got.body["result"]["a"]["value"], 1,
        "data values keep their JSON type"
    );
    assert_eq!(got.body["result"]["b"]["value"], json!({"x": [true]}));
    assert_eq!(got.body["result"]["c"], Value::Null);
    assert_eq!(exists.body["result"], json!({"a": true, "c": false}));
}

#[tokio::test]
async fn creating_an_existing_attribute_is_e009001_and_fails_the_whole_batch() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    zato.call(
        "POST",
        ATTR,
        &body(&ust, json!({"name": "taken", "value": "v"})),
    )
    .await;

    let single = zato
        .call(
            "POST",
            ATTR,
            &body(&ust, json!({"name": "taken", "value": "w"})),
        )
        .await;
    let batch = zato
        .call(
            "POST",
            ATTR,
            &body(
                &ust,
                json!({"data": [{"name": "fresh", "value": "1"}, {"name": "taken", "value": "2"}]}),
            ),
        )
        .await;
    let fresh = zato
        .call(
            "GET",
            "/zato/sso/user/attr/exists",
            &body(&ust, json!({"name": "fresh"})),
        )
        .await;

    assert_eq!(single.zato_error(), (403, "E009001".into()));
    assert_eq!(batch.zato_error(), (403, "E009001".into()));
    assert_eq!(
        fresh.body["result"], false,
        "nothing of a failed batch is written"
    );
}

#[tokio::test]
async fn updating_a_missing_attribute_is_e009002_and_changes_nothing() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    zato.call(
        "POST",
        ATTR,
        &body(&ust, json!({"name": "here", "value": "old"})),
    )
    .await;

    let r = zato
        .call("PATCH", ATTR, &body(&ust, json!({"data": [{"name": "here", "value": "new"}, {"name": "absent", "value": "x"}]})))
        .await;
    let here = zato
        .call("GET", ATTR, &body(&ust, json!({"name": "here"})))
        .await;

    assert_eq!(r.zato_error(), (403, "E009002".into()));
    assert_eq!(here.body["value"], "old");
}

#[tokio::test]
async fn an_update_with_an_empty_value_keeps_the_value_and_sets_the_expiry() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    zato.call(
        "POST",
        ATTR,
        &body(&ust, json!({"name": "k", "value": "kept"})),
    )
    .await;

    let r = zato
        .call(
            "PATCH",
            ATTR,
            &body(&ust, json!({"name": "k", "value": "", "expiration": 3600})),
        )
        .await;
    let got = zato
        .call("GET", ATTR, &body(&ust, json!({"name": "k"})))
        .await;

    assert!(r.is_zato_ok(), "{}", r.body);
    assert_eq!(got.body["value"], "kept");
    assert_ne!(got.body["expiration_time"], "9999-12-31T00:00:00");
}

#[tokio::test]
async fn put_creates_then_replaces_and_delete_of_a_missing_attribute_is_ok() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;

    let first = zato
        .call("PUT", ATTR, &body(&ust, json!({"name": "p", "value": "1"})))
        .await;
    let second = zato
        .call("PUT", ATTR, &body(&ust, json!({"name": "p", "value": "2"})))
        .await;
    let got = zato
        .call("GET", ATTR, &body(&ust, json!({"name": "p"})))
        .await;
    let deleted = zato
        .call(
            "DELETE",
            ATTR,
            &body(&ust, json!({"data": ["p", "never-was"]})),
        )
        .await;
    let after = zato
        .call("GET", ATTR, &body(&ust, json!({"name": "p"})))
        .await;

    assert!(first.is_zato_ok() && second.is_zato_ok() && deleted.is_zato_ok());
    assert_eq!(got.body["value"], "2");
    assert_eq!(after.body["found"], false);
}

#[tokio::test]
async fn a_batch_larger_than_one_transaction_is_e008002_and_writes_nothing() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    // The session and user checks take two of the transaction's items.
    let max = app().await.db.max_transaction_items - 2;
    let items = |n: usize| {
        (0..n)
            .map(|i| json!({"name": format!("b{i}"), "value": i}))
            .collect::<Vec<_>>()
    };

    let over = zato
        .call("POST", ATTR, &body(&ust, json!({"data": items(max + 1)})))
        .await;
    let none = zato
        .call("GET", "/zato/sso/user/attr/names", &body(&ust, json!({})))
        .await;
    let at_cap = zato
        .call("POST", ATTR, &body(&ust, json!({"data": items(max)})))
        .await;
    let all = zato
        .call("GET", "/zato/sso/user/attr/names", &body(&ust, json!({})))
        .await;

    assert_eq!(over.zato_error(), (403, "E008002".into()));
    assert_eq!(none.body["result"], json!([]));
    assert!(at_cap.is_zato_ok(), "{}", at_cap.body);
    assert_eq!(all.body["result"].as_array().unwrap().len(), max);
}

#[tokio::test]
async fn an_attribute_with_expiration_1_is_gone_after_it_lapses() {
    let zato = Zato::new();
    let (id, _, ust) = zato.new_user().await;
    let created = zato
        .call(
            "POST",
            ATTR,
            &body(
                &ust,
                json!({"name": "brief", "value": "v", "expiration": 1}),
            ),
        )
        .await;
    assert!(created.is_zato_ok(), "{}", created.body);
    // Read from the table, not the API: on a loaded machine the API read can come after the
    // second has lapsed, which is what this test waits for anyway.
    let lapses_at = stored_expiry(&id, "brief").await;

    // Wait on the clock: poll until the expiry has passed, bounded.
    let deadline = Instant::now() + Duration::from_secs(10);
    let gone = loop {
        let r = zato
            .call("GET", ATTR, &body(&ust, json!({"name": "brief"})))
            .await;
        if r.body["found"] == false {
            break r;
        }
        assert!(Instant::now() < deadline, "still there after 10 s");
        tokio::task::yield_now().await;
    };
    let names = zato
        .call("GET", "/zato/sso/user/attr/names", &body(&ust, json!({})))
        .await;
    let again = zato
        .call(
            "POST",
            ATTR,
            &body(&ust, json!({"name": "brief", "value": "w"})),
        )
        .await;

    assert!(gone.is_zato_ok());
    assert!(
        lapses_at.is_some(),
        "it was there with an expiry before it lapsed"
    );
    assert_eq!(names.body["result"], json!([]));
    assert!(
        again.is_zato_ok(),
        "an expired attribute can be created again: {}",
        again.body
    );
}

/// The expiration time the attribute `brief` shows, if it is still there.
/// The expiry (epoch µs) stored with `user`'s attribute `name`, if it has one.
async fn stored_expiry(user: &str, name: &str) -> Option<i64> {
    let org = OrgId::parse(&std::env::var("SSO_ORG_ID").unwrap()).unwrap();
    let item = app()
        .await
        .db
        .get(&keys::sso_attribute(
            &org,
            &PersonId::parse(user).unwrap(),
            name,
        ))
        .await
        .unwrap()?;
    match item.get("exp_us") {
        Some(aws_sdk_dynamodb::types::AttributeValue::N(v)) => v.parse().ok(),
        _ => None,
    }
}

#[tokio::test]
async fn an_encrypted_value_is_not_stored_in_plaintext_and_decrypts_on_read() {
    let zato = Zato::new();
    let (id, _, ust) = zato.new_user().await;
    let secret = format!("card-{}", uuid::Uuid::new_v4().simple());
    zato.call(
        "POST",
        ATTR,
        &body(
            &ust,
            json!({"name": "card", "value": secret, "encrypt": true}),
        ),
    )
    .await;

    let org = OrgId::parse(&std::env::var("SSO_ORG_ID").unwrap()).unwrap();
    let raw = app()
        .await
        .db
        .get(&keys::sso_attribute(
            &org,
            &PersonId::parse(&id).unwrap(),
            "card",
        ))
        .await
        .unwrap()
        .expect("the stored item");
    let plain = zato
        .call("GET", ATTR, &body(&ust, json!({"name": "card"})))
        .await;
    let sealed = zato
        .call(
            "GET",
            ATTR,
            &body(&ust, json!({"name": "card", "decrypt": false})),
        )
        .await;

    assert!(
        !format!("{raw:?}").contains(&secret),
        "plaintext at rest: {raw:?}"
    );
    assert_eq!(
        (
            plain.body["value"].as_str(),
            plain.body["is_encrypted"].clone()
        ),
        (Some(secret.as_str()), json!(true))
    );
    let stored = raw["v"].as_s().unwrap();
    assert_eq!(sealed.body["value"].as_str(), Some(stored.as_str()));
    assert_eq!(sealed.body["is_encrypted"], true);
}

#[tokio::test]
async fn turning_encryption_on_with_patch_or_put_sets_is_encrypted() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    zato.call(
        "POST",
        ATTR,
        &body(
            &ust,
            json!({"data": [{"name": "a", "value": "x"}, {"name": "b", "value": "y"}]}),
        ),
    )
    .await;

    zato.call(
        "PATCH",
        ATTR,
        &body(&ust, json!({"name": "a", "value": "x2", "encrypt": true})),
    )
    .await;
    zato.call(
        "PUT",
        ATTR,
        &body(&ust, json!({"name": "b", "value": "y2", "encrypt": true})),
    )
    .await;
    let got = zato
        .call("GET", ATTR, &body(&ust, json!({"data": ["a", "b"]})))
        .await;
    let sealed = zato
        .call(
            "GET",
            ATTR,
            &body(&ust, json!({"data": ["a", "b"], "decrypt": false})),
        )
        .await;

    assert_eq!(got.body["result"]["a"]["value"], "x2");
    assert_eq!(got.body["result"]["b"]["value"], "y2");
    for n in ["a", "b"] {
        assert_eq!(sealed.body["result"][n]["is_encrypted"], true);
        assert!(
            sealed.body["result"][n]["value"]
                .as_str()
                .unwrap()
                .starts_with("v1:")
        );
    }
}

#[tokio::test]
async fn a_super_user_sets_another_users_encrypted_attribute_which_they_then_read() {
    let zato = Zato::new();
    let (id, _, ust) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;

    let set = zato
        .call(
            "PUT",
            ATTR,
            &body(
                &admin,
                json!({"user_id": id, "name": "s", "value": "for-you", "encrypt": true}),
            ),
        )
        .await;
    let got = zato
        .call("GET", ATTR, &body(&ust, json!({"name": "s"})))
        .await;

    assert!(set.is_zato_ok(), "{}", set.body);
    assert_eq!(got.body["value"], "for-you");
}
