//! Zato's session attributes (`/zato/sso/session/attr`, `/exists`, `/names`) through the router,
//! first as Zato 3.2's REST reference shows them (`api/rest/session/attr/*.txt`), with fresh USTs.

use integration_tests::{ZATO_ADMIN, ZATO_JDOE, Zato};
use serde_json::{Value, json};

const ATTR: &str = "/zato/sso/session/attr";

fn on(ust: &str, target: &str, extra: Value) -> Value {
    let mut body = json!({"current_ust": ust, "target_ust": target, "current_app": "CRM"});
    body.as_object_mut()
        .expect("an object")
        .extend(extra.as_object().expect("an object").clone());
    body
}

#[tokio::test]
async fn a_session_attribute_is_created_and_read_back_as_the_doc_examples_do() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;

    let created = zato
        .call(
            "POST",
            ATTR,
            &on(
                &ust,
                &ust,
                json!({"name": "my-rest-attribute", "value": "my-rest-value",
                                    "encrypt": true, "expiration": 3600}),
            ),
        )
        .await;
    let read = zato
        .call(
            "GET",
            ATTR,
            &on(&ust, &ust, json!({"name": "my-rest-attribute"})),
        )
        .await;

    assert!(created.is_zato_ok(), "{}", created.body);
    assert_eq!(read.body["found"], true, "{}", read.body);
    assert_eq!(read.body["value"], "my-rest-value");
    assert_eq!(read.body["is_encrypted"], true);
}

#[tokio::test]
async fn each_session_has_its_own_attributes() {
    let zato = Zato::new();
    let (_, username, first) = zato.new_user().await;
    let second = zato.login((&username, "a-password-1")).await;
    zato.call(
        "PUT",
        ATTR,
        &on(&first, &first, json!({"name": "theme", "value": "dark"})),
    )
    .await;

    let from_second = zato
        .call("GET", ATTR, &on(&second, &second, json!({"name": "theme"})))
        .await;
    let user_attr = zato
        .call(
            "GET",
            "/zato/sso/user/attr",
            &json!({"ust": first, "current_app": "CRM", "name": "theme"}),
        )
        .await;

    assert_eq!(from_second.body["found"], false, "{}", from_second.body);
    assert_eq!(user_attr.body["found"], false, "{}", user_attr.body);
}

#[tokio::test]
async fn a_user_reaches_the_attributes_of_their_other_sessions() {
    let zato = Zato::new();
    let (_, username, first) = zato.new_user().await;
    let second = zato.login((&username, "a-password-1")).await;
    zato.call(
        "PUT",
        ATTR,
        &on(&first, &first, json!({"name": "theme", "value": "dark"})),
    )
    .await;

    let r = zato
        .call("GET", ATTR, &on(&second, &first, json!({"name": "theme"})))
        .await;

    assert_eq!(r.body["value"], "dark", "{}", r.body);
}

#[tokio::test]
async fn another_users_session_attributes_take_a_super_user() {
    let zato = Zato::new();
    let (_, _, theirs) = zato.new_user().await;
    zato.call(
        "PUT",
        ATTR,
        &on(&theirs, &theirs, json!({"name": "theme", "value": "dark"})),
    )
    .await;
    let peer = zato.login(ZATO_JDOE).await;
    let admin = zato.login(ZATO_ADMIN).await;

    let by_peer = zato
        .call("GET", ATTR, &on(&peer, &theirs, json!({"name": "theme"})))
        .await;
    let by_admin = zato
        .call("GET", ATTR, &on(&admin, &theirs, json!({"name": "theme"})))
        .await;

    assert_eq!(by_peer.zato_error(), (403, "E005001".into()));
    assert_eq!(by_admin.body["value"], "dark", "{}", by_admin.body);
}

#[tokio::test]
async fn a_logged_out_sessions_attributes_are_gone() {
    let zato = Zato::new();
    let (_, username, gone) = zato.new_user().await;
    let live = zato.login((&username, "a-password-1")).await;
    zato.call(
        "PUT",
        ATTR,
        &on(&gone, &gone, json!({"name": "theme", "value": "dark"})),
    )
    .await;
    zato.call(
        "POST",
        "/zato/sso/user/logout",
        &json!({"ust": gone, "current_app": "CRM"}),
    )
    .await;

    let read = zato
        .call("GET", ATTR, &on(&live, &gone, json!({"name": "theme"})))
        .await;
    let write = zato
        .call(
            "PUT",
            ATTR,
            &on(&live, &gone, json!({"name": "theme", "value": "light"})),
        )
        .await;

    assert_eq!(read.zato_error(), (403, "E007001".into()));
    assert_eq!(write.zato_error(), (403, "E007001".into()));
}

#[tokio::test]
async fn exists_and_names_answer_about_the_sessions_attributes_only() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    zato.call(
        "PUT",
        ATTR,
        &on(
            &ust,
            &ust,
            json!({"data": [{"name": "a", "value": 1}, {"name": "b", "value": 2}]}),
        ),
    )
    .await;
    zato.call(
        "PUT",
        "/zato/sso/user/attr",
        &json!({"ust": ust, "current_app": "CRM", "name": "user-level", "value": "x"}),
    )
    .await;

    let exists = zato
        .call(
            "GET",
            &format!("{ATTR}/exists"),
            &on(&ust, &ust, json!({"data": ["a", "user-level"]})),
        )
        .await;
    let names = zato
        .call("GET", &format!("{ATTR}/names"), &on(&ust, &ust, json!({})))
        .await;

    assert_eq!(
        exists.body["result"],
        json!({"a": true, "user-level": false})
    );
    let mut listed: Vec<String> = serde_json::from_value(names.body["result"].clone()).unwrap();
    listed.sort();
    assert_eq!(listed, ["a", "b"]);
}

#[tokio::test]
async fn update_and_delete_change_only_the_named_session_attribute() {
    let zato = Zato::new();
    let (_, _, ust) = zato.new_user().await;
    zato.call(
        "POST",
        ATTR,
        &on(
            &ust,
            &ust,
            json!({"name": "my-rest-attribute", "value": "one"}),
        ),
    )
    .await;

    let updated = zato
        .call(
            "PATCH",
            ATTR,
            &on(
                &ust,
                &ust,
                json!({"name": "my-rest-attribute", "value": "two"}),
            ),
        )
        .await;
    let read = zato
        .call(
            "GET",
            ATTR,
            &on(&ust, &ust, json!({"name": "my-rest-attribute"})),
        )
        .await;
    let deleted = zato
        .call(
            "DELETE",
            ATTR,
            &on(&ust, &ust, json!({"name": "my-rest-attribute"})),
        )
        .await;
    let missing = zato
        .call(
            "PATCH",
            ATTR,
            &on(
                &ust,
                &ust,
                json!({"name": "my-rest-attribute", "value": "three"}),
            ),
        )
        .await;

    assert!(updated.is_zato_ok() && deleted.is_zato_ok());
    assert_eq!(read.body["value"], "two");
    assert_eq!(missing.zato_error(), (403, "E009002".into()));
}

#[tokio::test]
async fn reading_too_many_names_of_another_session_is_e008002_not_a_fault() {
    let zato = Zato::new();
    let (_, username, first) = zato.new_user().await;
    let second = zato.login((&username, "a-password-1")).await;
    let names: Vec<String> = (0..98).map(|i| format!("n{i}")).collect();

    let r = zato
        .call("GET", ATTR, &on(&second, &first, json!({"data": names})))
        .await;

    assert_eq!(r.zato_error(), (403, "E008002".into()));
}
