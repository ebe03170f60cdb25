//! SlashID RBAC roles through the router: the role catalog (`/rbac/roles`), a person's roles
//! (`/persons/{id}/roles`), and the permissions roles grant (`/rbac/check`,
//! `/persons/{id}/permissions`, but not `/additional-permissions`). Role deletes, catalog deletes
//! and person deletes clean up after themselves; another org's key sees and changes nothing.
//! The races are in role_races.rs.

use std::collections::BTreeSet;

use idgraph::ids::PersonId;
use idgraph::keys;
use integration_tests::{Api, Reply, Tenant, app, unique_email};
use serde_json::{Value, json};

fn names(n: usize, prefix: &str) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}:{i:04}")).collect()
}

fn set(r: &Reply) -> BTreeSet<String> {
    r.result_set()
}

fn of(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// A fresh tenant with a person and a permission catalog of `catalog`.
async fn setup(catalog: &[String]) -> (Tenant, Api, String) {
    let tenant = Tenant::create(app().await).await;
    let api = Api::of(&tenant);
    let id = api.create_person().await;
    api.create_permissions(catalog).await;
    (tenant, api, id)
}

async fn create_role(api: &Api, name: &str, permissions: &[String]) -> Reply {
    api.post(
        "/rbac/roles",
        &json!({"name": name, "description": "A role", "permissions": permissions}),
    )
    .await
}

async fn put_roles(api: &Api, person: &str, roles: &[&str], headers: &[(&str, &str)]) -> Reply {
    api.send(
        "PUT",
        &format!("/persons/{person}/roles"),
        Some(&json!({ "roles": roles })),
        headers,
    )
    .await
}

async fn check(api: &Api, person: &str, permission: &str) -> Value {
    api.granted(person, permission).await
}

// ---- the role catalog ----------------------------------------------------------------------------

#[tokio::test]
async fn a_created_role_reads_back_with_its_permissions_description_created_time_and_etag() {
    let catalog = names(3, "p");
    let (_, api, _) = setup(&catalog).await;

    let r = create_role(&api, "billing-viewer", &catalog[..2]).await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    let got = api.get("/rbac/roles/billing-viewer").await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.result()["name"], "billing-viewer");
    assert_eq!(got.result()["description"], "A role");
    assert_eq!(got.result()["permissions"], json!(catalog[..2]));
    let created = got.result()["created"].as_str().expect("created");
    assert!(
        created.len() >= 20 && created.as_bytes()[10] == b'T' && created.ends_with('Z'),
        "{created}"
    );
    assert!(got.header("etag").is_some());
}

#[tokio::test]
async fn a_role_without_permissions_is_created_with_an_empty_list() {
    let (_, api, _) = setup(&[]).await;
    let r = api.post("/rbac/roles", &json!({"name": "empty"})).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let got = api.get("/rbac/roles/empty").await;
    assert_eq!(got.result()["permissions"], json!([]));
    assert!(got.result().get("description").is_none());
}

#[tokio::test]
async fn creating_a_role_that_exists_is_a_409_and_leaves_it_unchanged() {
    let catalog = names(2, "p");
    let (_, api, _) = setup(&catalog).await;
    create_role(&api, "viewer", &catalog[..1]).await;

    let r = api
        .post(
            "/rbac/roles",
            &json!({"name": "viewer", "description": "other", "permissions": catalog}),
        )
        .await;

    assert_eq!(r.status, 409, "{:?}", r.body);
    assert!(r.error().contains("viewer"));
    let got = api.get("/rbac/roles/viewer").await;
    assert_eq!(got.result()["permissions"], json!(catalog[..1]));
    assert_eq!(got.result()["description"], "A role");
}

#[tokio::test]
async fn a_role_naming_permissions_missing_from_the_catalog_is_a_400_naming_them_and_is_not_created()
 {
    let (_, api, _) = setup(&names(1, "p")).await;
    let r = create_role(&api, "viewer", &["p:0000".into(), "nope:1".into()]).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(r.error().contains("nope:1"), "{:?}", r.body);
    assert_eq!(api.get("/rbac/roles/viewer").await.status, 404);
    assert!(set(&api.get("/rbac/roles").await).is_empty());
}

#[tokio::test]
async fn bad_role_bodies_and_names_are_400s() {
    let (_, api, _) = setup(&names(1, "p")).await;
    let cases = [
        json!({}),
        json!({"name": "x"}),
        json!({"name": "-ab"}),
        json!({"name": "a b"}),
        json!({"name": "org/viewer"}),
        json!({"name": "r".repeat(101)}),
        json!({"name": "viewer", "permissions": "p:0000"}),
        json!({"name": "viewer", "permissions": ["p:0000", "bad perm"]}),
        json!({"name": "viewer", "description": "d".repeat(4097)}),
        json!({"name": 7}),
    ];
    for body in cases {
        let r = api.post("/rbac/roles", &body).await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
        r.error();
    }
    for path in ["/rbac/roles/a%20b", "/rbac/roles/x", "/rbac/roles/a%23b"] {
        assert_eq!(api.get(path).await.status, 400, "{path}");
        assert_eq!(api.delete(path).await.status, 400, "{path}");
    }
}

#[tokio::test]
async fn the_list_names_every_role_and_its_etag_moves_with_creates_and_deletes() {
    let (_, api, _) = setup(&[]).await;
    let empty = api.get("/rbac/roles").await;
    assert_eq!(empty.status, 200);
    assert!(set(&empty).is_empty());
    create_role(&api, "b-role", &[]).await;
    create_role(&api, "a-role", &[]).await;

    let two = api.get("/rbac/roles").await;
    assert_eq!(set(&two), of(&["a-role", "b-role"]));
    assert_ne!(two.header("etag"), empty.header("etag"));

    assert_eq!(api.delete("/rbac/roles/b-role").await.status, 204);
    let one = api.get("/rbac/roles").await;
    assert_eq!(set(&one), of(&["a-role"]));
    assert_ne!(one.header("etag"), two.header("etag"));
}

#[tokio::test]
async fn a_patch_replaces_permissions_and_description_together_and_answers_the_new_etag() {
    let catalog = names(3, "p");
    let (_, api, _) = setup(&catalog).await;
    create_role(&api, "viewer", &catalog[..2]).await;
    let etag = api
        .get("/rbac/roles/viewer")
        .await
        .header("etag")
        .map(str::to_owned);

    let r = api
        .send(
            "PATCH",
            "/rbac/roles/viewer",
            Some(&json!({"description": "Sees more", "permissions": catalog[1..]})),
            &[("If-Match", etag.as_deref().expect("an ETag"))],
        )
        .await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    let got = api.get("/rbac/roles/viewer").await;
    assert_eq!(got.result()["permissions"], json!(catalog[1..]));
    assert_eq!(got.result()["description"], "Sees more");
    assert_eq!(got.header("etag"), r.header("etag"));
    assert_ne!(got.header("etag"), etag.as_deref());
}

#[tokio::test]
async fn a_patch_with_a_stale_etag_is_a_412_and_changes_nothing() {
    let catalog = names(2, "p");
    let (_, api, _) = setup(&catalog).await;
    create_role(&api, "viewer", &catalog[..1]).await;
    let stale = api
        .get("/rbac/roles/viewer")
        .await
        .header("etag")
        .map(str::to_owned);
    let stale = stale.expect("an ETag");
    api.patch("/rbac/roles/viewer", &json!({"description": "moved"}))
        .await;

    for body in [
        json!({"permissions": catalog}),
        json!({"description": "stale"}),
    ] {
        let r = api
            .send(
                "PATCH",
                "/rbac/roles/viewer",
                Some(&body),
                &[("If-Match", &stale)],
            )
            .await;
        assert_eq!(r.status, 412, "{body}: {:?}", r.body);
    }
    let got = api.get("/rbac/roles/viewer").await;
    assert_eq!(got.result()["permissions"], json!(catalog[..1]));
    assert_eq!(got.result()["description"], "moved");
}

#[tokio::test]
async fn a_patch_with_an_empty_description_removes_it_and_one_without_permissions_keeps_them() {
    let catalog = names(1, "p");
    let (_, api, _) = setup(&catalog).await;
    create_role(&api, "viewer", &catalog).await;
    let r = api
        .patch("/rbac/roles/viewer", &json!({"description": ""}))
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let got = api.get("/rbac/roles/viewer").await;
    assert!(got.result().get("description").is_none(), "{:?}", got.body);
    assert_eq!(got.result()["permissions"], json!(catalog));
}

#[tokio::test]
async fn patching_or_deleting_a_role_that_does_not_exist_is_a_404() {
    let (_, api, _) = setup(&names(1, "p")).await;
    assert_eq!(
        api.patch("/rbac/roles/ghost", &json!({"description": "x"}))
            .await
            .status,
        404
    );
    assert_eq!(
        api.patch("/rbac/roles/ghost", &json!({"permissions": ["p:0000"]}))
            .await
            .status,
        404
    );
    assert_eq!(api.delete("/rbac/roles/ghost").await.status, 404);
    assert_eq!(api.get("/rbac/roles/ghost").await.status, 404);
}

#[tokio::test]
async fn a_patch_naming_a_permission_missing_from_the_catalog_is_a_400_and_changes_nothing() {
    let catalog = names(1, "p");
    let (_, api, _) = setup(&catalog).await;
    create_role(&api, "viewer", &catalog).await;
    let r = api
        .patch(
            "/rbac/roles/viewer",
            &json!({"permissions": ["p:0000", "nope:1"], "description": "x"}),
        )
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(r.error().contains("nope:1"));
    let got = api.get("/rbac/roles/viewer").await;
    assert_eq!(got.result()["permissions"], json!(catalog));
    assert_eq!(got.result()["description"], "A role");
}

// ---- a person's roles, and what they grant ---------------------------------------------------------

#[tokio::test]
async fn a_persons_roles_grant_their_permissions_in_check_and_permissions_but_not_additional_permissions()
 {
    let catalog = names(3, "p");
    let (_, api, id) = setup(&catalog).await;
    create_role(&api, "viewer", &catalog[1..]).await;
    api.put(
        &format!("/persons/{id}/permissions"),
        &json!({"permissions": [catalog[0]]}),
    )
    .await;

    let r = put_roles(&api, &id, &["viewer", "viewer"], &[]).await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    let roles = api.get(&format!("/persons/{id}/roles")).await;
    assert_eq!(roles.status, 200);
    assert_eq!(set(&roles), of(&["viewer"]));
    assert_eq!(roles.header("etag"), r.header("etag"));
    for name in &catalog {
        assert_eq!(check(&api, &id, name).await, json!(true), "{name}");
    }
    assert_eq!(check(&api, &id, "p:9999").await, json!(false));
    let effective = api.get(&format!("/persons/{id}/permissions")).await;
    assert_eq!(set(&effective), catalog.iter().cloned().collect());
    let direct = api
        .get(&format!("/persons/{id}/additional-permissions"))
        .await;
    assert_eq!(set(&direct), of(&[&catalog[0]]));
}

#[tokio::test]
async fn an_etag_read_with_role_grants_cannot_write_them_back_as_direct_ones() {
    let catalog = names(2, "p");
    let (_, api, id) = setup(&catalog).await;
    create_role(&api, "viewer", &catalog[1..]).await;
    put_roles(&api, &id, &["viewer"], &[]).await;
    let effective = api.get(&format!("/persons/{id}/permissions")).await;
    let tag = effective.header("etag").expect("an ETag").to_owned();

    let r = api
        .send(
            "PUT",
            &format!("/persons/{id}/permissions"),
            Some(&json!({"permissions": catalog})),
            &[("If-Match", &tag)],
        )
        .await;

    assert_eq!(r.status, 412, "{:?}", r.body);
    let direct = api
        .get(&format!("/persons/{id}/additional-permissions"))
        .await;
    assert!(set(&direct).is_empty());
    assert_ne!(direct.header("etag"), Some(tag.as_str()));
}

#[tokio::test]
async fn while_roles_add_nothing_the_effective_etag_is_the_direct_sets() {
    let catalog = names(1, "p");
    let (_, api, id) = setup(&catalog).await;
    create_role(&api, "viewer", &catalog).await;
    api.put(
        &format!("/persons/{id}/permissions"),
        &json!({"permissions": catalog}),
    )
    .await;
    put_roles(&api, &id, &["viewer"], &[]).await;

    let effective = api.get(&format!("/persons/{id}/permissions")).await;

    let direct = api
        .get(&format!("/persons/{id}/additional-permissions"))
        .await;
    assert_eq!(effective.header("etag"), direct.header("etag"));
    assert!(effective.header("etag").is_some());
}

#[tokio::test]
async fn a_person_without_roles_has_an_empty_list_and_a_put_of_none_revokes_all() {
    let catalog = names(1, "p");
    let (_, api, id) = setup(&catalog).await;
    let none = api.get(&format!("/persons/{id}/roles")).await;
    assert_eq!(none.status, 200);
    assert!(set(&none).is_empty());
    create_role(&api, "viewer", &catalog).await;
    put_roles(&api, &id, &["viewer"], &[]).await;

    let r = put_roles(&api, &id, &[], &[]).await;

    assert_eq!(r.status, 204);
    assert!(set(&api.get(&format!("/persons/{id}/roles")).await).is_empty());
    assert_eq!(check(&api, &id, &catalog[0]).await, json!(false));
}

#[tokio::test]
async fn a_role_patch_is_seen_by_its_members_next_check() {
    let catalog = names(2, "p");
    let (_, api, id) = setup(&catalog).await;
    create_role(&api, "viewer", &catalog[..1]).await;
    put_roles(&api, &id, &["viewer"], &[]).await;
    assert_eq!(check(&api, &id, &catalog[1]).await, json!(false));

    api.patch("/rbac/roles/viewer", &json!({"permissions": [catalog[1]]}))
        .await;

    assert_eq!(check(&api, &id, &catalog[1]).await, json!(true));
    assert_eq!(check(&api, &id, &catalog[0]).await, json!(false));
}

#[tokio::test]
async fn a_person_roles_put_naming_a_missing_role_is_a_400_naming_it_and_changes_nothing() {
    let (_, api, id) = setup(&[]).await;
    create_role(&api, "viewer", &[]).await;
    put_roles(&api, &id, &["viewer"], &[]).await;
    let r = put_roles(&api, &id, &["viewer", "ghost"], &[]).await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(r.error().contains("ghost"));
    assert_eq!(
        set(&api.get(&format!("/persons/{id}/roles")).await),
        of(&["viewer"])
    );
}

#[tokio::test]
async fn a_person_roles_put_with_a_stale_etag_is_a_412_and_with_the_current_one_succeeds() {
    let (_, api, id) = setup(&[]).await;
    create_role(&api, "viewer", &[]).await;
    create_role(&api, "editor", &[]).await;
    let first = api.get(&format!("/persons/{id}/roles")).await;
    let first = first.header("etag").expect("an ETag").to_owned();
    let now = put_roles(&api, &id, &["viewer"], &[("If-Match", &first)]).await;
    assert_eq!(now.status, 204, "{:?}", now.body);

    let stale = put_roles(&api, &id, &["editor"], &[("If-Match", &first)]).await;
    assert_eq!(stale.status, 412, "{:?}", stale.body);
    let current = now.header("etag").expect("an ETag");
    let ok = put_roles(&api, &id, &["editor"], &[("If-Match", current)]).await;
    assert_eq!(ok.status, 204);
    assert_eq!(
        set(&api.get(&format!("/persons/{id}/roles")).await),
        of(&["editor"])
    );
}

#[tokio::test]
async fn person_roles_of_an_unknown_person_are_404s_and_bad_bodies_400s() {
    let (_, api, id) = setup(&[]).await;
    create_role(&api, "viewer", &[]).await;
    assert_eq!(api.get("/persons/nobody-here/roles").await.status, 404);
    assert_eq!(
        put_roles(&api, "nobody-here", &["viewer"], &[])
            .await
            .status,
        404
    );
    let too_many: Vec<String> = (0..101).map(|i| format!("r{i:03}")).collect();
    for body in [
        json!({}),
        json!({"roles": "viewer"}),
        json!({"roles": ["viewer", "bad role"]}),
        json!({"roles": [7]}),
        json!({ "roles": too_many }),
    ] {
        let r = api.put(&format!("/persons/{id}/roles"), &body).await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
        r.error();
    }
    assert_eq!(api.get("/persons/bad%20id/roles").await.status, 400);
}

#[tokio::test]
async fn a_person_holds_roles_beyond_one_transaction_and_loses_them_in_one_put() {
    let (_, api, id) = setup(&[]).await;
    let roles: Vec<String> = (0..12).map(|i| format!("r{i:02}")).collect();
    for r in &roles {
        create_role(&api, r, &[]).await;
    }
    let refs: Vec<&str> = roles.iter().map(String::as_str).collect();
    assert_eq!(put_roles(&api, &id, &refs, &[]).await.status, 204);
    assert_eq!(
        set(&api.get(&format!("/persons/{id}/roles")).await),
        roles.iter().cloned().collect()
    );
    assert_eq!(put_roles(&api, &id, &refs[..1], &[]).await.status, 204);
    assert_eq!(
        set(&api.get(&format!("/persons/{id}/roles")).await),
        of(&refs[..1])
    );
}

// ---- deletes -----------------------------------------------------------------------------------------

#[tokio::test]
async fn deleting_a_role_revokes_it_and_its_grants_from_every_member_and_a_new_role_of_its_name_grants_nothing_old()
 {
    let catalog = names(2, "p");
    let (tenant, api, id) = setup(&catalog).await;
    let other = api.create_person().await;
    create_role(&api, "viewer", &catalog[..1]).await;
    put_roles(&api, &id, &["viewer"], &[]).await;
    put_roles(&api, &other, &["viewer"], &[]).await;

    assert_eq!(api.delete("/rbac/roles/viewer").await.status, 204);

    assert_eq!(api.get("/rbac/roles/viewer").await.status, 404);
    for person in [&id, &other] {
        assert!(set(&api.get(&format!("/persons/{person}/roles")).await).is_empty());
        assert_eq!(check(&api, person, &catalog[0]).await, json!(false));
    }
    // Nothing of the role is left in the table.
    let db = &app().await.db;
    let org = &tenant.org.id;
    let members = keys::rbac_role_members_partition(org, "viewer");
    assert!(db.query_all(&members).await.unwrap().is_empty());
    let holders = keys::permission_holders_partition(org, &catalog[0]);
    assert!(db.query_all(&holders).await.unwrap().is_empty());
    // A role created again under the name is new: its former members do not hold it.
    create_role(&api, "viewer", &catalog[1..]).await;
    assert_eq!(check(&api, &id, &catalog[1]).await, json!(false));
    assert_eq!(api.delete("/rbac/roles/viewer").await.status, 204);
    assert_eq!(api.delete("/rbac/roles/viewer").await.status, 404);
}

#[tokio::test]
async fn deleting_a_catalog_permission_removes_it_from_every_role_holding_it() {
    let catalog = names(2, "p");
    let (tenant, api, id) = setup(&catalog).await;
    create_role(&api, "viewer", &catalog).await;
    create_role(&api, "auditor", &catalog[..1]).await;
    put_roles(&api, &id, &["viewer"], &[]).await;
    let before = api.get("/rbac/roles/viewer").await;

    let r = api
        .delete(&format!("/rbac/permissions/{}", catalog[0]))
        .await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    let viewer = api.get("/rbac/roles/viewer").await;
    assert_eq!(viewer.result()["permissions"], json!(catalog[1..]));
    assert_ne!(viewer.header("etag"), before.header("etag"));
    assert_eq!(
        api.get("/rbac/roles/auditor").await.result()["permissions"],
        json!([])
    );
    assert_eq!(check(&api, &id, &catalog[0]).await, json!(false));
    assert_eq!(check(&api, &id, &catalog[1]).await, json!(true));
    let holders = keys::permission_holders_partition(&tenant.org.id, &catalog[0]);
    assert!(app().await.db.query_all(&holders).await.unwrap().is_empty());
}

#[tokio::test]
async fn deleting_a_person_removes_its_role_memberships() {
    let (tenant, api, id) = setup(&[]).await;
    create_role(&api, "viewer", &[]).await;
    put_roles(&api, &id, &["viewer"], &[]).await;

    assert_eq!(api.delete(&format!("/persons/{id}")).await.status, 204);

    let db = &app().await.db;
    let org = &tenant.org.id;
    let person = PersonId::parse(&id).unwrap();
    assert!(
        db.get(&keys::person_rbac_roles(org, &person))
            .await
            .unwrap()
            .is_none()
    );
    let members = keys::rbac_role_members_partition(org, "viewer");
    assert!(db.query_all(&members).await.unwrap().is_empty());
    assert_eq!(api.get(&format!("/persons/{id}/roles")).await.status, 404);
    assert_eq!(api.delete("/rbac/roles/viewer").await.status, 204);
}

// ---- tenancy -----------------------------------------------------------------------------------------

#[tokio::test]
async fn another_orgs_key_sees_none_of_an_orgs_roles_and_changes_none() {
    let catalog = names(1, "p");
    let (_, api, id) = setup(&catalog).await;
    create_role(&api, "viewer", &catalog).await;
    put_roles(&api, &id, &["viewer"], &[]).await;
    let (_, stranger, their_person) = setup(&catalog).await;

    // Under its own org, the stranger finds no such role and no such person.
    assert!(set(&stranger.get("/rbac/roles").await).is_empty());
    assert_eq!(stranger.get("/rbac/roles/viewer").await.status, 404);
    assert_eq!(
        stranger
            .patch("/rbac/roles/viewer", &json!({"description": "mine"}))
            .await
            .status,
        404
    );
    assert_eq!(stranger.delete("/rbac/roles/viewer").await.status, 404);
    assert_eq!(
        stranger.get(&format!("/persons/{id}/roles")).await.status,
        404
    );
    assert_eq!(put_roles(&stranger, &id, &[], &[]).await.status, 404);
    // Nor can it give its own person the other org's role.
    assert_eq!(
        put_roles(&stranger, &their_person, &["viewer"], &[])
            .await
            .status,
        400
    );
    // Naming the other org with its own key is refused outright.
    let forged = Api::new(api.org(), stranger.key());
    for r in [
        forged.get("/rbac/roles").await,
        forged.get("/rbac/roles/viewer").await,
        forged.delete("/rbac/roles/viewer").await,
        forged.get(&format!("/persons/{id}/roles")).await,
    ] {
        assert_eq!(r.status, 403, "{:?}", r.body);
        assert!(!r.body.to_string().contains("p:0000"));
    }
    // The owner's role and grant are intact.
    let got = api.get("/rbac/roles/viewer").await;
    assert_eq!(got.result()["description"], "A role");
    assert_eq!(check(&api, &id, &catalog[0]).await, json!(true));
}

#[tokio::test]
async fn a_sub_org_has_roles_of_its_own_and_does_not_see_its_parents() {
    let catalog = names(1, "p");
    let (tenant, parent, _) = setup(&catalog).await;
    create_role(&parent, "viewer", &catalog).await;
    let r = parent
        .post(
            "/organizations/suborganizations",
            &json!({"sub_org_name": "Store", "persons_org_id": tenant.org.id.as_str(),
                "admins": [{"type": "email_address", "value": unique_email()}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let store = Api::new(
        r.result()["id"].as_str().expect("an id"),
        r.result()["api_key"].as_str().expect("a key"),
    );

    assert!(set(&store.get("/rbac/roles").await).is_empty());
    assert_eq!(store.get("/rbac/roles/viewer").await.status, 404);
    // Its catalog is its own too: the parent's permission is not in it.
    assert_eq!(create_role(&store, "viewer", &catalog).await.status, 400);
    store.create_permissions(&catalog).await;
    assert_eq!(create_role(&store, "viewer", &catalog).await.status, 204);
    assert_eq!(store.delete("/rbac/roles/viewer").await.status, 204);
    assert_eq!(parent.get("/rbac/roles/viewer").await.status, 200);
}

// ---- consistency headers -------------------------------------------------------------------------

#[tokio::test]
async fn bad_consistency_headers_on_role_writes_are_400s_naming_the_header() {
    let (_, api, id) = setup(&[]).await;
    create_role(&api, "viewer", &[]).await;
    let header = [("SlashID-Required-Consistency", "everywhere")];
    let writes = [
        ("POST", "/rbac/roles".to_owned(), json!({"name": "other"})),
        (
            "PATCH",
            "/rbac/roles/viewer".to_owned(),
            json!({"description": "x"}),
        ),
        ("DELETE", "/rbac/roles/viewer".to_owned(), Value::Null),
        (
            "PUT",
            format!("/persons/{id}/roles"),
            json!({"roles": ["viewer"]}),
        ),
    ];
    for (method, path, body) in &writes {
        let body = (!body.is_null()).then_some(body);
        let r = api.send(method, path, body, &header).await;
        assert_eq!(r.status, 400, "{method} {path}: {:?}", r.body);
        assert!(r.error().contains("SlashID-Required-Consistency"));
    }
    // Nothing was written.
    assert_eq!(api.get("/rbac/roles/other").await.status, 404);
    assert_eq!(
        api.get("/rbac/roles/viewer").await.result()["description"],
        "A role"
    );
    assert!(set(&api.get(&format!("/persons/{id}/roles")).await).is_empty());
}

#[tokio::test]
async fn a_person_roles_put_waiting_for_all_regions_past_the_timeout_is_408_and_the_write_stands() {
    // make test configures a replica region whose table never receives the writes.
    let (_, api, id) = setup(&[]).await;
    create_role(&api, "viewer", &[]).await;

    let r = put_roles(
        &api,
        &id,
        &["viewer"],
        &integration_tests::ALL_REGIONS_WITHIN_1S,
    )
    .await;

    assert_eq!(r.status, 408, "{:?}", r.body);
    assert!(r.error().contains("stored"));
    assert_eq!(
        set(&api.get(&format!("/persons/{id}/roles")).await),
        of(&["viewer"])
    );
}

#[tokio::test]
async fn a_role_delete_waiting_for_all_regions_is_408_while_a_replica_still_shows_the_role() {
    let (_, api, _) = setup(&[]).await;
    create_role(&api, "viewer", &[]).await;
    let org = idgraph::ids::OrgId::parse(api.org()).unwrap();
    integration_tests::replicate(app().await, &keys::rbac_role(&org, "viewer")).await;

    let r = api
        .send(
            "DELETE",
            "/rbac/roles/viewer",
            None,
            &integration_tests::ALL_REGIONS_WITHIN_1S,
        )
        .await;

    assert_eq!(r.status, 408, "{:?}", r.body);
    assert!(r.error().contains("delete is done"), "{:?}", r.body);
    assert_eq!(api.get("/rbac/roles/viewer").await.status, 404);
}

/// What the first of a POST's two writes leaves when the second never happens: the role,
/// marked incomplete, without its permissions.
async fn leave_unfinished_role(api: &Api, name: &str, description: Option<&str>) {
    let org = idgraph::ids::OrgId::parse(api.org()).unwrap();
    let mut leftover = keys::rbac_role(&org, name).to_item();
    leftover.insert("name".into(), idgraph::item::s(name));
    leftover.insert("created".into(), idgraph::item::s("2026-12-07T12:00:00Z"));
    if let Some(d) = description {
        leftover.insert("description".into(), idgraph::item::s(d));
    }
    leftover.insert("version".into(), idgraph::item::n(0));
    leftover.insert(
        "incomplete".into(),
        aws_sdk_dynamodb::types::AttributeValue::Bool(true),
    );
    app().await.db.batch_put(vec![leftover]).await.unwrap();
}

#[tokio::test]
async fn a_creation_interrupted_before_its_permissions_is_completed_by_the_retry() {
    let catalog = names(2, "p");
    let (_, api, _) = setup(&catalog).await;
    leave_unfinished_role(&api, "viewer", None).await;

    let r = create_role(&api, "viewer", &catalog).await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    let got = api.get("/rbac/roles/viewer").await;
    assert_eq!(got.result()["permissions"], json!(catalog));
    assert_eq!(got.result()["description"], "A role");
    assert_eq!(create_role(&api, "viewer", &catalog).await.status, 409);
}

#[tokio::test]
async fn a_retry_without_permissions_completes_an_interrupted_creation_as_it_asks() {
    let catalog = names(1, "p");
    let (_, api, _) = setup(&catalog).await;
    leave_unfinished_role(&api, "viewer", Some("first attempt")).await;

    let r = create_role(&api, "viewer", &[]).await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    let got = api.get("/rbac/roles/viewer").await;
    assert_eq!(got.result()["permissions"], json!([]));
    assert_eq!(got.result()["description"], "A role");
    assert_eq!(create_role(&api, "viewer", &[]).await.status, 409);
}
