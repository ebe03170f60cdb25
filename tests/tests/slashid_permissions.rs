//! SlashID permissions through the router: the seed `PUT /persons/{id}/permissions` with each
//! documented status, catalog deletes racing assignment, sets larger than one transaction, the
//! consistency headers and their 408, and the catalog siblings. The If-Match race is in races.rs;
//! the deterministic interleavings with catalog deletes in permission_interleavings.rs.

use std::collections::BTreeSet;

use idgraph::ids::PersonId;
use idgraph::keys;
use integration_tests::{Api, DEMO_ORG, DEMO_PERSON, Reply, Tenant, app};
use serde_json::json;

fn perms(person: &str) -> String {
    format!("/persons/{person}/permissions")
}

fn names(n: usize, prefix: &str) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}:{i:04}")).collect()
}

/// A fresh tenant with a person and a catalog of `catalog`.
async fn setup(catalog: &[String]) -> (Tenant, Api, String) {
    let tenant = Tenant::create(app().await).await;
    let api = Api::of(&tenant);
    let id = api.create_person().await;
    api.create_permissions(catalog).await;
    (tenant, api, id)
}

async fn put(api: &Api, id: &str, list: &[String], headers: &[(&str, &str)]) -> Reply {
    api.send(
        "PUT",
        &perms(id),
        Some(&json!({"permissions": list})),
        headers,
    )
    .await
}

fn result_set(r: &Reply) -> BTreeSet<String> {
    r.result_set()
}

#[tokio::test]
async fn a_put_replaces_the_set_and_answers_204_with_the_new_etag() {
    let catalog = names(3, "p");
    let (_, api, id) = setup(&catalog).await;

    let r = put(
        &api,
        &id,
        &[catalog[0].clone(), catalog[1].clone(), catalog[0].clone()],
        &[],
    )
    .await;

    assert_eq!(r.status, 204, "{:?}", r.body);
    let etag = r.header("etag").expect("an ETag").to_owned();
    let got = api.get(&perms(&id)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("etag"), Some(etag.as_str()));
    assert_eq!(result_set(&got), catalog[..2].iter().cloned().collect());
    // The v1.1 path serves the same set.
    assert_eq!(
        result_set(
            &api.get(&format!("/persons/{id}/additional-permissions"))
                .await
        ),
        result_set(&got)
    );
}

#[tokio::test]
async fn an_empty_list_revokes_everything() {
    let catalog = names(2, "p");
    let (_, api, id) = setup(&catalog).await;
    put(&api, &id, &catalog, &[]).await;
    let r = api
        .put(
            &format!("/persons/{id}/additional-permissions"),
            &json!({"permissions": []}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert!(result_set(&api.get(&perms(&id)).await).is_empty());
}

#[tokio::test]
async fn bad_bodies_are_400s_naming_the_bad_item() {
    let (_, api, id) = setup(&names(1, "p")).await;
    let cases = [
        (json!({}), "required"),
        (json!({"permissions": "p:0000"}), "array"),
        (
            json!({"permissions": ["p:0000", "not valid!"]}),
            "permissions[1]",
        ),
        (json!({"permissions": ["x"]}), "permissions[0]"),
        (
            json!({"permissions": [format!("a{}", "b".repeat(1024))]}),
            "permissions[0]",
        ),
    ];
    for (body, expected) in cases {
        let r = api.put(&perms(&id), &body).await;
        assert_eq!(r.status, 400, "{body}");
        assert!(r.error().contains(expected), "{body}: {:?}", r.body);
    }
}

#[tokio::test]
async fn names_missing_from_the_catalog_are_a_400_naming_them_and_change_nothing() {
    let catalog = names(2, "p");
    let (_, api, id) = setup(&catalog).await;
    put(&api, &id, &catalog[..1], &[]).await;
    let before = api.get(&perms(&id)).await;

    let r = put(
        &api,
        &id,
        &[catalog[1].clone(), "nope:one".into(), "nope:two".into()],
        &[],
    )
    .await;

    assert_eq!(r.status, 400);
    let message = r.error();
    assert!(
        message.contains("nope:one") && message.contains("nope:two"),
        "{message}"
    );
    let after = api.get(&perms(&id)).await;
    assert_eq!(
        (result_set(&after), after.header("etag")),
        (result_set(&before), before.header("etag"))
    );
}

#[tokio::test]
async fn an_unknown_person_is_a_404() {
    let (_, api, _) = setup(&names(1, "p")).await;
    let r = put(&api, "no-such-person", &names(1, "p"), &[]).await;
    assert_eq!(r.status, 404);
    r.error();
}

#[tokio::test]
async fn a_missing_key_is_a_401_and_another_orgs_key_a_403() {
    let (other, _, _) = setup(&[]).await;
    assert_eq!(
        Api::anonymous()
            .put(&perms(DEMO_PERSON), &json!({"permissions": []}))
            .await
            .status,
        401
    );
    let r = Api::new(DEMO_ORG, &other.api_key)
        .put(&perms(DEMO_PERSON), &json!({"permissions": []}))
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn if_match_stale_is_412_current_is_204_and_star_matches_any() {
    let catalog = names(3, "p");
    let (_, api, id) = setup(&catalog).await;
    let first = put(&api, &id, &catalog[..1], &[]).await;
    let etag = first.header("etag").unwrap().to_owned();
    put(&api, &id, &catalog[..2], &[]).await;

    let stale = put(&api, &id, &catalog, &[("If-Match", &etag)]).await;
    assert_eq!(stale.status, 412);
    stale.error();

    let current = api
        .get(&perms(&id))
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let ok = put(&api, &id, &catalog, &[("If-Match", &current)]).await;
    assert_eq!(ok.status, 204);
    assert_ne!(ok.header("etag"), Some(current.as_str()));
    assert_eq!(
        put(&api, &id, &catalog[..1], &[("If-Match", "*")])
            .await
            .status,
        204
    );
    assert_eq!(
        put(&api, &id, &catalog[..1], &[("If-Match", "\"garbage\"")])
            .await
            .status,
        412
    );
}

#[tokio::test]
async fn a_permission_deleted_concurrently_is_never_left_assigned() {
    let catalog = names(10, "doomed");
    let (_, api, id) = setup(&catalog).await;
    for name in &catalog {
        let (a, b) = (api.clone(), api.clone());
        let (id2, name2) = (id.clone(), name.clone());
        let assign = tokio::spawn(async move { put(&a, &id2, &[name2], &[]).await.status });
        let path = format!("/rbac/permissions/{name}");
        let remove = tokio::spawn(async move { b.delete(&path).await.status });
        let (assigned, removed) = (assign.await.unwrap(), remove.await.unwrap());
        assert_eq!(removed, 204);
        assert!(assigned == 204 || assigned == 400, "{assigned}");
        let held = result_set(&api.get(&perms(&id)).await);
        assert!(
            !held.contains(name),
            "{name} survived its deletion (PUT answered {assigned})"
        );
    }
}

#[tokio::test]
async fn sets_larger_than_one_transaction_are_replaced_whole() {
    let big = names(150, "big");
    let other = names(120, "other");
    let (_, api, id) = setup(&[big.clone(), other.clone()].concat()).await;

    let first = put(&api, &id, &big, &[]).await;
    assert_eq!(first.status, 204, "{:?}", first.body);
    assert_eq!(
        result_set(&api.get(&perms(&id)).await),
        big.iter().cloned().collect()
    );

    let etag = first.header("etag").unwrap().to_owned();
    let mixed: Vec<String> = big[..30].iter().chain(&other).cloned().collect();
    let second = put(&api, &id, &mixed, &[("If-Match", &etag)]).await;
    assert_eq!(second.status, 204, "{:?}", second.body);
    assert_eq!(
        result_set(&api.get(&perms(&id)).await),
        mixed.iter().cloned().collect()
    );
    assert_eq!(
        put(&api, &id, &big, &[("If-Match", &etag)]).await.status,
        412
    );
}

#[tokio::test]
async fn a_large_set_with_a_missing_name_changes_nothing() {
    let big = names(120, "big");
    let (tenant, api, id) = setup(&big).await;
    let mut wanted = big.clone();
    wanted.push("big:missing".into());
    let r = put(&api, &id, &wanted, &[]).await;
    assert_eq!(r.status, 400);
    assert!(r.error().contains("big:missing"));
    assert!(result_set(&api.get(&perms(&id)).await).is_empty());
    // Nothing was written for the refused body, not even a holder entry.
    let app = app().await;
    let person = PersonId::parse(&id).unwrap();
    for name in &big {
        let holder = keys::permission_holder(&tenant.org.id, name, &person);
        assert!(app.db.get(&holder).await.unwrap().is_none(), "{name}");
    }
    // Nor does anything block the next write.
    assert_eq!(put(&api, &id, &big, &[]).await.status, 204);
    assert_eq!(result_set(&api.get(&perms(&id)).await).len(), 120);
}

#[tokio::test]
async fn a_stale_holder_entry_grants_nothing_and_the_catalog_delete_clears_it() {
    let catalog = names(2, "p");
    let (tenant, api, id) = setup(&catalog).await;
    put(&api, &id, &catalog[..1], &[]).await;
    // What a PUT that lost a race may leave: the holder entry of a name it never committed.
    let app = app().await;
    let person = PersonId::parse(&id).unwrap();
    let stale = keys::permission_holder(&tenant.org.id, &catalog[1], &person);
    app.db
        .client
        .put_item()
        .table_name(&app.db.table)
        .set_item(Some(stale.to_item()))
        .send()
        .await
        .unwrap();
    let check = json!({"person_id": id, "permission_name": catalog[1]});

    assert_eq!(
        result_set(&api.get(&perms(&id)).await),
        BTreeSet::from([catalog[0].clone()])
    );
    assert_eq!(
        api.post("/rbac/check", &check).await.result()["granted"],
        false
    );
    let deleted = api
        .delete(&format!("/rbac/permissions/{}", catalog[1]))
        .await;
    assert_eq!(deleted.status, 204);
    assert!(app.db.get(&stale).await.unwrap().is_none());
    assert_eq!(
        result_set(&api.get(&perms(&id)).await),
        BTreeSet::from([catalog[0].clone()])
    );
}

#[tokio::test]
async fn more_distinct_names_than_a_person_may_hold_are_a_400_saying_the_limit() {
    let (_, api, id) = setup(&names(1, "p")).await;
    let max = idgraph::permission::MAX_DIRECT_PERMISSIONS;
    let before = api.get(&perms(&id)).await;

    let r = put(&api, &id, &names(max + 1, "many"), &[]).await;

    assert_eq!(r.status, 400);
    assert!(
        r.error().contains(&format!("at most {max}")),
        "{:?}",
        r.body
    );
    assert_eq!(
        api.get(&perms(&id)).await.header("etag"),
        before.header("etag")
    );
}

#[tokio::test]
async fn the_consistency_headers_are_validated() {
    let (_, api, id) = setup(&names(1, "p")).await;
    for (header, value) in [
        ("SlashID-Required-Consistency", "everywhere"),
        ("SlashID-Required-Consistency-Timeout", "0"),
        ("SlashID-Required-Consistency-Timeout", "121"),
        ("SlashID-Required-Consistency-Timeout", "soon"),
    ] {
        let r = put(&api, &id, &[], &[(header, value)]).await;
        assert_eq!(r.status, 400, "{header}: {value}");
        assert!(r.error().contains(header), "{:?}", r.body);
    }
    assert_eq!(
        put(
            &api,
            &id,
            &[],
            &[("SlashID-Required-Consistency", "local_region")]
        )
        .await
        .status,
        204
    );
}

#[tokio::test]
async fn all_regions_past_the_timeout_is_408_and_the_write_stands() {
    // make test configures a replica region whose table never receives the writes.
    let catalog = names(1, "p");
    let (_, api, id) = setup(&catalog).await;

    let r = put(
        &api,
        &id,
        &catalog,
        &integration_tests::ALL_REGIONS_WITHIN_1S,
    )
    .await;

    assert_eq!(r.status, 408, "{:?}", r.body);
    assert!(r.error().contains("stored"));
    assert_eq!(
        result_set(&api.get(&perms(&id)).await),
        catalog.iter().cloned().collect()
    );
}

#[tokio::test]
async fn all_regions_without_replicas_is_satisfied_at_once() {
    let base = app().await;
    let mut config = base.config.clone();
    config.replicas.clear();
    let single: &'static idgraph::App =
        Box::leak(Box::new(idgraph::App::new(config, base.db.client.clone())));
    let tenant = Tenant::create(single).await;
    let api = Api::of(&tenant);
    let id = api.create_person().await;
    let req = integration_tests::Event::new("PUT", "/persons/{person_id}/permissions", &perms(&id))
        .path_param("person_id", &id)
        .headers(tenant.headers())
        .header("SlashID-Required-Consistency", "all_regions")
        .json(&json!({"permissions": []}))
        .build();
    let (status, _) =
        integration_tests::read(&slashid_put_person_permissions::handle(single, req).await);
    assert_eq!(status, 204);
}

#[tokio::test]
async fn the_catalog_lists_with_an_etag_and_patch_honours_if_match() {
    let (_, api, _) = setup(&[]).await;
    assert_eq!(
        api.post(
            "/rbac/permissions",
            &json!({"name": "org/read", "description": "Read"})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        api.post("/rbac/permissions", &json!({"name": "org/read"}))
            .await
            .status,
        204,
        "an existing name is a no-op"
    );
    let list = api.get("/rbac/permissions").await;
    assert_eq!(*list.result(), json!(["org/read"]));
    let etag = list.header("etag").unwrap().to_owned();

    let one = api.get("/rbac/permissions/org%2Fread").await;
    assert_eq!(one.status, 200, "{:?}", one.body);
    assert_eq!(one.result()["description"], "Read");
    assert!(one.result()["created"].as_str().unwrap().ends_with('Z'));

    let patched = api
        .send(
            "PATCH",
            "/rbac/permissions/org%2Fread",
            Some(&json!({"description": "Read all"})),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(patched.status, 204, "{:?}", patched.body);
    let stale = api
        .send(
            "PATCH",
            "/rbac/permissions/org%2Fread",
            Some(&json!({"description": "x"})),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(stale.status, 412);
    assert_eq!(
        api.get("/rbac/permissions/org%2Fread").await.result()["description"],
        "Read all"
    );
    assert_eq!(
        api.patch("/rbac/permissions/org%2Fnope", &json!({}))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn deleting_a_permission_revokes_it_and_check_reports_grants() {
    let catalog = names(2, "p");
    let (_, api, id) = setup(&catalog).await;
    put(&api, &id, &catalog, &[]).await;
    let check = |name: &str| json!({"person_id": id, "permission_name": name});
    assert_eq!(
        api.post("/rbac/check", &check(&catalog[0])).await.result()["granted"],
        true
    );

    assert_eq!(
        api.delete(&format!("/rbac/permissions/{}", catalog[0]))
            .await
            .status,
        204
    );

    assert_eq!(
        api.post("/rbac/check", &check(&catalog[0])).await.result()["granted"],
        false
    );
    assert_eq!(
        result_set(&api.get(&perms(&id)).await),
        BTreeSet::from([catalog[1].clone()])
    );
    assert_eq!(
        api.get(&format!("/rbac/permissions/{}", catalog[0]))
            .await
            .status,
        404
    );
    assert_eq!(
        api.delete(&format!("/rbac/permissions/{}", catalog[0]))
            .await
            .status,
        404
    );
    assert_eq!(
        api.post(
            "/rbac/check",
            &json!({"person_id": "nobody", "permission_name": "p:0000"})
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn the_demo_person_holds_the_seeded_permission() {
    let r = Api::demo().get(&perms(DEMO_PERSON)).await;
    assert_eq!(r.status, 200);
    assert!(result_set(&r).contains("demo:read"));
}
