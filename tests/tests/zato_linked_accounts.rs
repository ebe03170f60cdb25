//! Zato's linked accounts through the router: `LinkedAuth.create`, `.get` and `.delete` on
//! `/zato/sso/user/linked`, first as Zato 3.2's REST reference shows them, then who may do
//! what, the one-user-per-definition rule, and what a user's deletion leaves behind.

use idgraph::ids::{OrgId, PersonId};
use idgraph::keys;
use integration_tests::{Api, Reply, ZATO_ADMIN, Zato, app};
use serde_json::{Value, json};

const LINKED: &str = "/zato/sso/user/linked";

/// A definition name no other test uses: each one links at most one user.
fn fresh_username() -> String {
    format!("my.user.{}", uuid::Uuid::new_v4().simple())
}

fn link_body(ust: &str, user_id: &str, auth_type: &str, auth_username: &str) -> Value {
    json!({"current_ust": ust, "current_app": "CRM", "user_id": user_id,
           "auth_type": auth_type, "auth_username": auth_username, "is_active": true})
}

const CREATE: &str = "POST";
const DELETE: &str = "DELETE";

/// `LinkedAuth.create` (`CREATE`) or `.delete` (`DELETE`) of a Basic Auth definition.
async fn link(zato: &Zato, method: &str, ust: &str, user_id: &str, auth_username: &str) -> Reply {
    zato.call(
        method,
        LINKED,
        &link_body(ust, user_id, "basic_auth", auth_username),
    )
    .await
}

/// A new user with a Basic Auth definition a super-user linked to them:
/// (user id, the user's UST, the super-user's UST, the definition's username).
async fn linked_user(zato: &Zato) -> (String, String, String, String) {
    let (id, _, ust) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;
    let name = fresh_username();
    let created = link(zato, CREATE, &admin, &id, &name).await;
    assert!(created.is_zato_ok(), "{}", created.body);
    (id, ust, admin, name)
}

/// The `result` of the caller's own list, checking the call succeeded.
async fn own_links(zato: &Zato, ust: &str) -> Vec<Value> {
    let r = zato
        .call(
            "GET",
            LINKED,
            &json!({"current_ust": ust, "current_app": "CRM"}),
        )
        .await;
    assert!(r.is_zato_ok(), "{}", r.body);
    r.body["result"].as_array().expect("a result list").clone()
}

fn sso_org() -> OrgId {
    OrgId::parse(&std::env::var("SSO_ORG_ID").expect("SSO_ORG_ID")).expect("an org id")
}

/// The stored link item and the definition's owner item, as they are in the table.
async fn stored(user_id: &str, auth_username: &str) -> (bool, bool) {
    let db = &app().await.db;
    let user = PersonId::parse(user_id).expect("a user id");
    let link = keys::sso_link(&sso_org(), &user, "basic_auth", auth_username);
    let owner = keys::sso_link_owner(&sso_org(), "basic_auth", auth_username);
    (
        db.get(&link).await.expect("the link reads").is_some(),
        db.get(&owner).await.expect("the owner reads").is_some(),
    )
}

#[tokio::test]
async fn a_super_user_links_an_account_that_the_user_then_lists_as_the_doc_example_shows() {
    let zato = Zato::new();
    let (id, _, ust) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;
    let name = fresh_username();

    let created = link(&zato, CREATE, &admin, &id, &name).await;
    let listed = own_links(&zato, &ust).await;

    assert!(created.is_zato_ok(), "{}", created.body);
    assert_eq!(created.body["cid"].as_str().map(str::len), Some(24));
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["auth_type"], "basic_auth");
    assert_eq!(listed[0]["auth_username"], name.as_str());
    assert_eq!(listed[0]["is_active"], true);
    let created_at = listed[0]["creation_time"]
        .as_str()
        .expect("a creation_time");
    assert!(
        created_at.len() >= 19 && created_at.as_bytes()[10] == b'T' && !created_at.ends_with('Z'),
        "Zato's naive UTC isoformat: {created_at}"
    );
}

#[tokio::test]
async fn a_deleted_link_is_no_longer_listed() {
    let zato = Zato::new();
    let (id, ust, admin, name) = linked_user(&zato).await;

    let deleted = link(&zato, DELETE, &admin, &id, &name).await;

    assert!(deleted.is_zato_ok(), "{}", deleted.body);
    assert_eq!(own_links(&zato, &ust).await, Vec::<Value>::new());
    assert_eq!(stored(&id, &name).await, (false, false));
}

#[tokio::test]
async fn a_super_user_lists_another_users_links_by_user_id_from_the_query_string() {
    let zato = Zato::new();
    let (id, _, _) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;
    let name = fresh_username();
    zato.call(
        "POST",
        LINKED,
        &json!({"ust": admin, "current_app": "CRM", "user_id": id, "auth_type": "jwt",
                "auth_username": name, "is_active": false}),
    )
    .await;

    let r = zato
        .call(
            "GET",
            &format!("{LINKED}?ust={admin}&current_app=CRM&user_id={id}"),
            &json!({}),
        )
        .await;

    assert!(r.is_zato_ok(), "{}", r.body);
    let listed = r.body["result"].as_array().expect("a result list");
    assert_eq!(listed.len(), 1, "{}", r.body);
    assert_eq!(listed[0]["auth_type"], "jwt");
    assert_eq!(listed[0]["is_active"], false);
}

#[tokio::test]
async fn a_regular_user_cannot_create_or_delete_a_link_even_for_themselves() {
    let zato = Zato::new();
    let (id, _, ust) = zato.new_user().await;
    let name = fresh_username();

    let created = link(&zato, CREATE, &ust, &id, &name).await;
    let deleted = link(&zato, DELETE, &ust, &id, &name).await;

    assert_eq!(created.zato_error(), (403, "E005001".into()));
    assert_eq!(deleted.zato_error(), (403, "E005001".into()));
    assert_eq!(stored(&id, &name).await, (false, false));
}

#[tokio::test]
async fn a_regular_user_cannot_list_another_users_links() {
    let zato = Zato::new();
    let (other, _, _) = zato.new_user().await;
    let (_, _, ust) = zato.new_user().await;

    let r = zato
        .call(
            "GET",
            LINKED,
            &json!({"ust": ust, "current_app": "CRM", "user_id": other}),
        )
        .await;

    assert_eq!(r.zato_error(), (403, "E005001".into()));
}

#[tokio::test]
async fn another_users_session_sees_none_of_the_links() {
    let zato = Zato::new();
    linked_user(&zato).await;
    let (_, _, stranger) = zato.new_user().await;

    let listed = own_links(&zato, &stranger).await;

    assert_eq!(listed, Vec::<Value>::new());
}

#[tokio::test]
async fn links_are_kept_per_organization() {
    let zato = Zato::new();
    let (id, _, _, name) = linked_user(&zato).await;
    let other_org = OrgId::new_random();
    let user = PersonId::parse(&id).expect("a user id");

    let seen = idgraph::store::sso_links::list(&app().await.db, &other_org, &user)
        .await
        .expect("the list reads");
    let owner = app()
        .await
        .db
        .get(&keys::sso_link_owner(&other_org, "basic_auth", &name))
        .await
        .expect("the owner reads");

    assert_eq!(seen, vec![]);
    assert!(owner.is_none(), "{owner:?}");
}

#[tokio::test]
async fn a_definition_links_to_one_user_only() {
    let zato = Zato::new();
    let (first, _, _) = zato.new_user().await;
    let (second, _, ust) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;
    let name = fresh_username();
    link(&zato, CREATE, &admin, &first, &name).await;

    let again = link(&zato, CREATE, &admin, &first, &name).await;
    let elsewhere = link(&zato, CREATE, &admin, &second, &name).await;

    assert_eq!(again.zato_error(), (403, "E001002".into()));
    assert_eq!(elsewhere.zato_error(), (403, "E001002".into()));
    assert_eq!(own_links(&zato, &ust).await, Vec::<Value>::new());
}

#[tokio::test]
async fn an_auth_type_other_than_basic_auth_or_jwt_is_invalid_input() {
    let zato = Zato::new();
    let (id, _, _) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;

    for auth_type in ["oauth", "BASIC_AUTH", "apikey"] {
        let r = zato
            .call(
                "POST",
                LINKED,
                &link_body(&admin, &id, auth_type, &fresh_username()),
            )
            .await;
        assert_eq!(r.zato_error(), (403, "E008002".into()), "{auth_type}");
    }
}

#[tokio::test]
async fn an_auth_username_over_191_characters_is_invalid_input() {
    let zato = Zato::new();
    let (id, _, _) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;

    let r = link(&zato, CREATE, &admin, &id, &"a".repeat(192)).await;

    assert_eq!(r.zato_error(), (403, "E008002".into()));
}

#[tokio::test]
async fn a_link_without_is_active_is_missing_input() {
    let zato = Zato::new();
    let (id, _, _) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;

    let r = zato
        .call(
            "POST",
            LINKED,
            &json!({"ust": admin, "current_app": "CRM", "user_id": id,
                    "auth_type": "jwt", "auth_username": fresh_username()}),
        )
        .await;

    assert_eq!(r.zato_error(), (400, "E008003".into()));
}

#[tokio::test]
async fn deleting_a_link_the_user_does_not_have_is_not_allowed() {
    let zato = Zato::new();
    let (id, _, _) = zato.new_user().await;
    let (other, _, _) = zato.new_user().await;
    let admin = zato.login(ZATO_ADMIN).await;
    let name = fresh_username();
    link(&zato, CREATE, &admin, &other, &name).await;

    let never_made = link(&zato, DELETE, &admin, &id, &fresh_username()).await;
    let anothers = link(&zato, DELETE, &admin, &id, &name).await;

    assert_eq!(never_made.zato_error(), (403, "E005001".into()));
    assert_eq!(anothers.zato_error(), (403, "E005001".into()));
    assert_eq!(stored(&other, &name).await, (true, true));
}

#[tokio::test]
async fn linking_to_a_user_that_does_not_exist_is_not_allowed() {
    let zato = Zato::new();
    let admin = zato.login(ZATO_ADMIN).await;
    let nobody = PersonId::new_random();
    let name = fresh_username();

    let r = link(&zato, CREATE, &admin, nobody.as_str(), &name).await;

    assert_eq!(r.zato_error(), (403, "E005001".into()));
    assert_eq!(stored(nobody.as_str(), &name).await, (false, false));
}

#[tokio::test]
async fn deleting_the_user_removes_their_links_and_frees_the_definitions() {
    let zato = Zato::new();
    let (id, _, admin, name) = linked_user(&zato).await;
    let (next, _, ust) = zato.new_user().await;

    let deleted = zato
        .call(
            "DELETE",
            "/zato/sso/user",
            &json!({"ust": admin, "current_app": "CRM", "user_id": id}),
        )
        .await;
    let left = stored(&id, &name).await;
    let relinked = link(&zato, CREATE, &admin, &next, &name).await;

    assert!(deleted.is_zato_ok(), "{}", deleted.body);
    assert_eq!(left, (false, false));
    assert!(relinked.is_zato_ok(), "{}", relinked.body);
    assert_eq!(own_links(&zato, &ust).await.len(), 1);
}

#[tokio::test]
async fn deleting_the_person_through_slashid_removes_their_links_too() {
    let zato = Zato::new();
    let (id, _, _, name) = linked_user(&zato).await;

    let deleted = Api::demo().delete(&format!("/persons/{id}")).await;

    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(stored(&id, &name).await, (false, false));
}
