//! SlashID groups through the router: the nine operations with their documented statuses,
//! changes larger than one transaction (the local cap is 10 items), tenancy and sub-orgs, and
//! deletions racing member changes.

use std::collections::BTreeSet;

use integration_tests::{Api, Reply, Tenant, app, unique_email};
use serde_json::{Value, json};

async fn tenant() -> Api {
    Api::of(&Tenant::create(app().await).await)
}

fn group_name() -> String {
    format!("g-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

async fn create_group(api: &Api, name: &str) {
    let r = api.post("/groups", &json!({"name": name})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
}

async fn add(api: &Api, group: &str, persons: &[String]) -> Reply {
    api.post(
        &format!("/groups/{group}/persons"),
        &json!({ "persons": persons }),
    )
    .await
}

async fn persons(api: &Api, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        ids.push(api.create_person().await);
    }
    ids
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

async fn members(api: &Api, group: &str) -> Vec<String> {
    let r = api.get(&format!("/groups/{group}/persons")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    strings(r.result())
}

async fn count(api: &Api, group: &str) -> u64 {
    let r = api.get(&format!("/groups/{group}")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.result()["members_count"].as_u64().unwrap()
}

async fn groups_of(api: &Api, person: &str) -> Vec<String> {
    let r = api.get(&format!("/persons/{person}/groups")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    strings(r.result())
}

async fn put_groups(api: &Api, person: &str, groups: &[&str]) -> Reply {
    api.put(
        &format!("/persons/{person}/groups"),
        &json!({ "groups": groups }),
    )
    .await
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

// ---- groups ------------------------------------------------------------------------------------

#[tokio::test]
async fn a_group_is_created_listed_read_and_deleted() {
    let api = tenant().await;

    let r = api
        .post(
            "/groups",
            &json!({"name": "Admins.EU-1", "description": "European admins"}),
        )
        .await;
    assert_eq!((r.status, &r.body), (201, &json!({})));
    let listed = api.get("/groups").await;
    assert_eq!(
        (listed.status, listed.result()),
        (200, &json!(["Admins.EU-1"]))
    );
    let got = api.get("/groups/Admins.EU-1").await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.result()["name"], "Admins.EU-1");
    assert_eq!(got.result()["description"], "European admins");
    assert_eq!(got.result()["members_count"], 0);
    let created = got.result()["created"].as_str().unwrap().as_bytes();
    assert!(
        created.len() >= 20 && created[4] == b'-' && created[10] == b'T',
        "an RFC 3339 time: {:?}",
        got.body
    );

    let deleted = api.delete("/groups/Admins.EU-1").await;
    assert_eq!((deleted.status, &deleted.body), (200, &json!({})));
    assert_eq!(api.get("/groups/Admins.EU-1").await.status, 404);
    assert_eq!(api.get("/groups").await.result(), &json!([]));
    assert_eq!(api.delete("/groups/Admins.EU-1").await.status, 404);
}

#[tokio::test]
async fn group_names_are_case_sensitive_and_listed_in_order() {
    let api = tenant().await;
    for name in ["beta", "Beta", "alpha"] {
        create_group(&api, name).await;
    }
    assert_eq!(
        strings(api.get("/groups").await.result()),
        vec!["Beta", "alpha", "beta"]
    );
    assert_eq!(api.get("/groups/ALPHA").await.status, 404);
}

#[tokio::test]
async fn creating_an_existing_group_is_a_no_op_answering_201() {
    let api = tenant().await;
    let name = group_name();
    api.post("/groups", &json!({"name": name, "description": "first"}))
        .await;
    let p = api.create_person().await;
    assert_eq!(add(&api, &name, std::slice::from_ref(&p)).await.status, 201);

    let again = api
        .post("/groups", &json!({"name": name, "description": "second"}))
        .await;

    assert_eq!(again.status, 201, "{:?}", again.body);
    let got = api.get(&format!("/groups/{name}")).await;
    assert_eq!(got.result()["description"], "first");
    assert_eq!(got.result()["members_count"], 1);
}

#[tokio::test]
async fn group_names_outside_slashids_pattern_are_refused_with_400() {
    let api = tenant().await;
    let long = "g".repeat(101);
    for bad in ["a", "-ab", "ab-", "a b", "a#b", "é1", long.as_str()] {
        let r = api.post("/groups", &json!({ "name": bad })).await;
        assert_eq!(r.status, 400, "{bad:?}: {:?}", r.body);
        assert!(!r.error().is_empty());
    }
    assert_eq!(api.post("/groups", &json!({})).await.status, 400);
    assert_eq!(api.post("/groups", &json!({"name": 7})).await.status, 400);
    assert_eq!(api.get("/groups/a").await.status, 400);
    assert_eq!(api.get("/groups/a%20b/persons").await.status, 400);
    assert_eq!(api.delete(&format!("/groups/{long}")).await.status, 400);
    // The longest name is fine.
    create_group(&api, &"g".repeat(100)).await;
}

#[tokio::test]
async fn a_group_description_longer_than_4096_bytes_is_a_400_and_creates_nothing() {
    let api = tenant().await;
    let name = group_name();

    let r = api
        .post(
            "/groups",
            &json!({"name": name, "description": "d".repeat(4097)}),
        )
        .await;

    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(r.error().contains("4096"), "{}", r.error());
    assert_eq!(api.get(&format!("/groups/{name}")).await.status, 404);
}

// ---- members -----------------------------------------------------------------------------------

#[tokio::test]
async fn persons_are_added_listed_and_counted_beyond_one_transaction() {
    let api = tenant().await;
    let name = group_name();
    create_group(&api, &name).await;
    let ids = persons(&api, 5).await;

    let r = add(&api, &name, &ids).await;

    assert_eq!((r.status, &r.body), (201, &json!({})));
    assert_eq!(members(&api, &name).await, sorted(ids.clone()));
    assert_eq!(count(&api, &name).await, 5);
    for id in &ids {
        assert_eq!(groups_of(&api, id).await, vec![name.clone()]);
    }
    let person = api.get(&format!("/persons/{}?fields=groups", ids[0])).await;
    assert_eq!(person.result()["groups"], json!([name]));
}

#[tokio::test]
async fn adding_members_again_changes_nothing_and_duplicates_count_once() {
    let api = tenant().await;
    let name = group_name();
    create_group(&api, &name).await;
    let ids = persons(&api, 2).await;
    add(&api, &name, &ids[..1]).await;

    let r = add(
        &api,
        &name,
        &[ids[0].clone(), ids[1].clone(), ids[1].clone()],
    )
    .await;

    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(count(&api, &name).await, 2);
    assert_eq!(members(&api, &name).await, sorted(ids));
}

#[tokio::test]
async fn adding_an_unknown_person_or_to_an_unknown_group_is_a_404_and_adds_nothing() {
    let api = tenant().await;
    let name = group_name();
    create_group(&api, &name).await;
    let ids = persons(&api, 3).await;

    let unknown = add(&api, &name, &[ids[0].clone(), "no-such-person".into()]).await;
    assert_eq!(unknown.status, 404, "{:?}", unknown.body);
    assert!(unknown.error().contains("no-such-person"));
    assert!(members(&api, &name).await.is_empty());

    let no_group = add(&api, "no-such-group", &ids).await;
    assert_eq!(no_group.status, 404, "{:?}", no_group.body);
    assert!(groups_of(&api, &ids[0]).await.is_empty());
}

#[tokio::test]
async fn bad_member_bodies_are_refused_with_400() {
    let api = tenant().await;
    let name = group_name();
    create_group(&api, &name).await;
    let path = format!("/groups/{name}/persons");
    for body in [
        json!({}),
        json!({"persons": "x"}),
        json!({"persons": [7]}),
        json!({"persons": ["a#b"]}),
        json!({ "persons": (0..101).map(|i| format!("p{i}")).collect::<Vec<_>>() }),
    ] {
        let r = api.post(&path, &body).await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
    }
    let r = api
        .send("POST", &path, None, &[("content-type", "application/json")])
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
}

#[tokio::test]
async fn a_member_is_removed_and_removing_a_non_member_is_a_404() {
    let api = tenant().await;
    let name = group_name();
    create_group(&api, &name).await;
    let ids = persons(&api, 2).await;
    add(&api, &name, &ids).await;

    let r = api
        .delete(&format!("/groups/{name}/persons/{}", ids[0]))
        .await;

    assert_eq!((r.status, &r.body), (200, &json!({})));
    assert_eq!(members(&api, &name).await, vec![ids[1].clone()]);
    assert_eq!(count(&api, &name).await, 1);
    assert!(groups_of(&api, &ids[0]).await.is_empty());
    let again = api
        .delete(&format!("/groups/{name}/persons/{}", ids[0]))
        .await;
    assert_eq!(again.status, 404, "{:?}", again.body);
    assert_eq!(count(&api, &name).await, 1);
    let no_group = api
        .delete(&format!("/groups/no-such-group/persons/{}", ids[1]))
        .await;
    assert_eq!(no_group.status, 404);
    let bad = api.delete(&format!("/groups/{name}/persons/a%23b")).await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn a_persons_groups_of_an_unknown_person_are_a_404() {
    let api = tenant().await;
    assert_eq!(api.get("/persons/no-such-person/groups").await.status, 404);
    assert_eq!(api.get("/persons/a%23b/groups").await.status, 400);
}

// ---- PUT /persons/{id}/groups ------------------------------------------------------------------

#[tokio::test]
async fn a_put_replaces_the_persons_groups_beyond_one_transaction() {
    let api = tenant().await;
    let names: Vec<String> = (0..5).map(|i| format!("team-{i}")).collect();
    for n in &names {
        create_group(&api, n).await;
    }
    let p = api.create_person().await;
    assert_eq!(
        put_groups(&api, &p, &["team-0", "team-1"]).await.status,
        200
    );

    // Leaves team-0, joins team-2..4: four changes, two transactions locally.
    let r = put_groups(
        &api,
        &p,
        &["team-4", "team-1", "team-2", "team-3", "team-4"],
    )
    .await;

    assert_eq!(r.status, 200, "{:?}", r.body);
    let want = vec!["team-1", "team-2", "team-3", "team-4"];
    assert_eq!(r.result(), &json!(want));
    assert_eq!(groups_of(&api, &p).await, want);
    assert_eq!(count(&api, "team-0").await, 0);
    for n in &want {
        assert_eq!(members(&api, n).await, vec![p.clone()]);
        assert_eq!(count(&api, n).await, 1);
    }

    let emptied = put_groups(&api, &p, &[]).await;
    assert_eq!((emptied.status, emptied.result()), (200, &json!([])));
    assert!(groups_of(&api, &p).await.is_empty());
    for n in &names {
        assert_eq!(count(&api, n).await, 0);
    }
}

#[tokio::test]
async fn a_put_naming_a_missing_group_is_a_400_naming_it_and_changes_nothing() {
    let api = tenant().await;
    create_group(&api, "kept").await;
    create_group(&api, "wanted").await;
    let p = api.create_person().await;
    put_groups(&api, &p, &["kept"]).await;

    let r = put_groups(&api, &p, &["wanted", "missing-one"]).await;

    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(r.error().contains("missing-one"), "{}", r.error());
    assert_eq!(groups_of(&api, &p).await, vec!["kept"]);
    assert_eq!(count(&api, "wanted").await, 0);
}

#[tokio::test]
async fn bad_put_requests_are_refused() {
    let api = tenant().await;
    let p = api.create_person().await;
    let path = format!("/persons/{p}/groups");
    for body in [
        json!({}),
        json!({"groups": "ab"}),
        json!({"groups": ["a"]}),
        json!({ "groups": (0..101).map(|i| format!("g{i}")).collect::<Vec<_>>() }),
    ] {
        let r = api.put(&path, &body).await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
    }
    let unknown = put_groups(&api, "no-such-person", &[]).await;
    assert_eq!(unknown.status, 404, "{:?}", unknown.body);
}

// ---- deletions ---------------------------------------------------------------------------------

#[tokio::test]
async fn deleting_a_group_removes_it_from_every_members_groups() {
    let api = tenant().await;
    let name = group_name();
    let other = group_name();
    create_group(&api, &name).await;
    create_group(&api, &other).await;
    let ids = persons(&api, 7).await;
    add(&api, &name, &ids).await;
    add(&api, &other, &ids[..1]).await;

    assert_eq!(api.delete(&format!("/groups/{name}")).await.status, 200);

    for id in &ids {
        let held = groups_of(&api, id).await;
        assert!(!held.contains(&name), "{id}: {held:?}");
    }
    assert_eq!(groups_of(&api, &ids[0]).await, vec![other.clone()]);
    assert_eq!(
        api.get(&format!("/groups/{name}/persons")).await.status,
        404
    );
    // A group made again under the name starts empty.
    create_group(&api, &name).await;
    assert!(members(&api, &name).await.is_empty());
    assert_eq!(count(&api, &name).await, 0);
}

#[tokio::test]
async fn deleting_a_person_removes_it_from_its_groups_and_their_counts() {
    let api = tenant().await;
    let name = group_name();
    create_group(&api, &name).await;
    let ids = persons(&api, 2).await;
    add(&api, &name, &ids).await;

    assert_eq!(
        api.delete(&format!("/persons/{}", ids[0])).await.status,
        204
    );

    assert_eq!(members(&api, &name).await, vec![ids[1].clone()]);
    assert_eq!(count(&api, &name).await, 1);
    assert_eq!(add(&api, &name, &ids[..1]).await.status, 404);
}

// ---- tenancy and sub-organizations -------------------------------------------------------------

#[tokio::test]
async fn another_orgs_key_sees_and_changes_nothing_of_an_orgs_groups() {
    let owner = tenant().await;
    let stranger = tenant().await;
    let name = group_name();
    create_group(&owner, &name).await;
    let p = owner.create_person().await;
    add(&owner, &name, std::slice::from_ref(&p)).await;
    // The stranger's key naming the owner's org is refused outright.
    let forged = Api::new(owner.org(), stranger.key());
    assert_eq!(forged.get(&format!("/groups/{name}")).await.status, 403);

    assert_eq!(stranger.get("/groups").await.result(), &json!([]));
    for path in [
        format!("/groups/{name}"),
        format!("/groups/{name}/persons"),
        format!("/persons/{p}/groups"),
    ] {
        assert_eq!(stranger.get(&path).await.status, 404, "{path}");
    }
    assert_eq!(
        stranger.delete(&format!("/groups/{name}")).await.status,
        404
    );
    assert_eq!(
        stranger
            .delete(&format!("/groups/{name}/persons/{p}"))
            .await
            .status,
        404
    );
    assert_eq!(put_groups(&stranger, &p, &[]).await.status, 404);
    // A group of the same name in the stranger's org cannot take the owner's person.
    create_group(&stranger, &name).await;
    assert_eq!(
        add(&stranger, &name, std::slice::from_ref(&p)).await.status,
        404
    );

    assert_eq!(members(&owner, &name).await, vec![p.clone()]);
    assert_eq!(count(&owner, &name).await, 1);
    assert_eq!(groups_of(&owner, &p).await, vec![name.clone()]);
    assert!(members(&stranger, &name).await.is_empty());
}

#[tokio::test]
async fn a_sub_organization_has_groups_of_its_own_and_only_its_members_join_them() {
    let parent = tenant().await;
    let r = parent
        .post(
            "/organizations/suborganizations",
            &json!({"sub_org_name": "Store", "admins": [], "persons_org_id": parent.org()}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let sub = Api::new(
        r.result()["id"].as_str().unwrap(),
        r.result()["api_key"].as_str().unwrap(),
    );
    let name = group_name();
    create_group(&parent, &name).await;
    let email = unique_email();
    let created = parent
        .post(
            "/persons",
            &json!({"handles": [{"type": "email_address", "value": email}]}),
        )
        .await;
    let p = created.result()["person_id"].as_str().unwrap().to_owned();

    // The parent's group is not the sub-org's; the pool's person is not yet the sub-org's.
    assert_eq!(sub.get(&format!("/groups/{name}")).await.status, 404);
    create_group(&sub, &name).await;
    assert_eq!(add(&sub, &name, std::slice::from_ref(&p)).await.status, 404);
    assert_eq!(put_groups(&sub, &p, &[&name]).await.status, 404);

    // Once the person joins the sub-org, it can join the sub-org's group, apart from the parent's.
    let joined = sub
        .put(
            "/persons",
            &json!({"handles": [{"type": "email_address", "value": email}]}),
        )
        .await;
    assert_eq!(joined.status, 200, "{:?}", joined.body);
    assert_eq!(add(&sub, &name, std::slice::from_ref(&p)).await.status, 201);
    assert_eq!(groups_of(&sub, &p).await, vec![name.clone()]);
    assert!(groups_of(&parent, &p).await.is_empty());
    assert!(members(&parent, &name).await.is_empty());
    // Leaving the sub-org leaves its groups; the parent's membership stays.
    add(&parent, &name, std::slice::from_ref(&p)).await;
    assert_eq!(sub.delete(&format!("/persons/{p}")).await.status, 204);
    assert!(members(&sub, &name).await.is_empty());
    assert_eq!(members(&parent, &name).await, vec![p.clone()]);
}

// ---- races -------------------------------------------------------------------------------------

#[tokio::test]
async fn a_group_deleted_while_members_are_added_leaves_no_member_reachable() {
    let api = tenant().await;
    let ids = persons(&api, 6).await;
    for round in 0..4 {
        let name = format!("race-{round}");
        create_group(&api, &name).await;
        add(&api, &name, &ids[..2]).await;

        let adds: Vec<_> = ids[2..]
            .iter()
            .map(|p| {
                let (api, name, p) = (api.clone(), name.clone(), p.clone());
                tokio::spawn(async move { add(&api, &name, &[p]).await.status })
            })
            .collect();
        let deleted = api.delete(&format!("/groups/{name}")).await;

        assert_eq!(deleted.status, 200, "{:?}", deleted.body);
        for a in adds {
            let s = a.await.unwrap();
            assert!(s == 201 || s == 404, "an add answered {s}");
        }
        for p in &ids {
            let held = groups_of(&api, p).await;
            assert!(
                !held.contains(&name),
                "round {round}: {p} still in {held:?}"
            );
        }
        // No member item survived: a group made again under the name is empty.
        create_group(&api, &name).await;
        assert!(members(&api, &name).await.is_empty(), "round {round}");
        assert_eq!(count(&api, &name).await, 0);
    }
}

#[tokio::test]
async fn concurrent_puts_of_a_persons_groups_end_in_one_of_the_sets_with_exact_counts() {
    let api = tenant().await;
    let names: Vec<String> = (0..6).map(|i| format!("set-{i}")).collect();
    for n in &names {
        create_group(&api, n).await;
    }
    let p = api.create_person().await;
    let a = ["set-0", "set-1", "set-2"];
    let b = ["set-3", "set-4", "set-5"];

    let (ra, rb) = tokio::join!(put_groups(&api, &p, &a), put_groups(&api, &p, &b));

    assert!(
        ra.status == 200 || ra.status == 409,
        "{} {:?}",
        ra.status,
        ra.body
    );
    assert!(
        rb.status == 200 || rb.status == 409,
        "{} {:?}",
        rb.status,
        rb.body
    );
    let held: BTreeSet<String> = groups_of(&api, &p).await.into_iter().collect();
    let set = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<BTreeSet<_>>();
    assert!(held == set(&a) || held == set(&b), "{held:?}");
    for n in &names {
        let m = members(&api, n).await;
        assert_eq!(m.len() as u64, count(&api, n).await, "{n}");
        assert_eq!(m.contains(&p), held.contains(n), "{n}");
    }
}

#[tokio::test]
async fn a_person_deleted_while_added_to_groups_is_left_in_none() {
    let api = tenant().await;
    let names: Vec<String> = (0..4).map(|i| format!("del-{i}")).collect();
    for n in &names {
        create_group(&api, n).await;
    }
    let p = api.create_person().await;

    let adds: Vec<_> = names
        .iter()
        .map(|n| {
            let (api, n, p) = (api.clone(), n.clone(), p.clone());
            tokio::spawn(async move { add(&api, &n, &[p]).await.status })
        })
        .collect();
    let deleted = api.delete(&format!("/persons/{p}")).await;

    assert_eq!(deleted.status, 204);
    for a in adds {
        let s = a.await.unwrap();
        assert!(s == 201 || s == 404, "an add answered {s}");
    }
    for n in &names {
        assert!(!members(&api, n).await.contains(&p), "{n}");
        assert_eq!(count(&api, n).await, 0, "{n}");
    }
}

#[tokio::test]
async fn a_group_deleted_while_a_persons_groups_are_replaced_leaves_no_member_reachable() {
    let api = tenant().await;
    let p = api.create_person().await;
    for round in 0..4 {
        let (doomed, kept) = (format!("doomed-{round}"), format!("kept-{round}"));
        create_group(&api, &doomed).await;
        create_group(&api, &kept).await;

        let put = {
            let (api, p, doomed, kept) = (api.clone(), p.clone(), doomed.clone(), kept.clone());
            tokio::spawn(async move { put_groups(&api, &p, &[&doomed, &kept]).await.status })
        };
        let deleted = api.delete(&format!("/groups/{doomed}")).await;
        let put = put.await.unwrap();

        assert_eq!(deleted.status, 200, "{:?}", deleted.body);
        assert!(matches!(put, 200 | 400 | 409), "the PUT answered {put}");
        let held = groups_of(&api, &p).await;
        assert!(!held.contains(&doomed), "round {round}: {held:?}");
        create_group(&api, &doomed).await;
        assert!(members(&api, &doomed).await.is_empty(), "round {round}");
        let kept_members = members(&api, &kept).await;
        assert_eq!(kept_members.len() as u64, count(&api, &kept).await);
        assert_eq!(kept_members.contains(&p), held.contains(&kept));
    }
}

#[tokio::test]
async fn a_group_whose_deletion_stopped_part_way_is_gone_refuses_its_name_and_a_repeated_delete_finishes_it()
 {
    let app = app().await;
    let tenant = Tenant::create(app).await;
    let api = Api::of(&tenant);
    let name = group_name();
    create_group(&api, &name).await;
    let ids = persons(&api, 2).await;
    add(&api, &name, &ids).await;
    // A deletion that stopped after its first step: the tombstone.
    let group = idgraph::ids::GroupName::parse(&name).unwrap();
    let key = idgraph::keys::group(&tenant.org.id, &group);
    assert!(
        idgraph::store::liveness::tombstone(&app.db, &key)
            .await
            .unwrap()
    );

    assert_eq!(api.get(&format!("/groups/{name}")).await.status, 404);
    assert!(!strings(api.get("/groups").await.result()).contains(&name));
    assert_eq!(add(&api, &name, &ids[..1]).await.status, 404);
    let recreate = api.post("/groups", &json!({ "name": name })).await;
    assert_eq!(recreate.status, 409, "{:?}", recreate.body);

    assert_eq!(api.delete(&format!("/groups/{name}")).await.status, 200);

    for id in &ids {
        assert!(groups_of(&api, id).await.is_empty());
    }
    create_group(&api, &name).await;
    assert!(members(&api, &name).await.is_empty());
}

// ---- groups named at a person's creation -------------------------------------------------------

async fn create_person_in(api: &Api, email: &str, groups: &[&str]) -> Reply {
    api.post(
        "/persons",
        &json!({
            "handles": [{"type": "email_address", "value": email}],
            "groups": groups,
        }),
    )
    .await
}

#[tokio::test]
async fn a_person_created_with_groups_is_a_member_of_each() {
    let api = tenant().await;
    let (a, b) = (group_name(), group_name());
    create_group(&api, &a).await;
    create_group(&api, &b).await;

    let r = create_person_in(&api, &unique_email(), &[&a, &b]).await;

    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.result()["person_id"].as_str().unwrap().to_owned();
    let mut both = vec![a.clone(), b.clone()];
    both.sort();
    assert_eq!(strings(&r.result()["groups"]), both);
    assert_eq!(groups_of(&api, &id).await, both);
    assert_eq!(members(&api, &a).await, vec![id.clone()]);
    assert_eq!(count(&api, &b).await, 1);
}

#[tokio::test]
async fn a_creation_naming_a_missing_group_is_a_400_naming_it_and_creates_nobody() {
    let api = tenant().await;
    let (real, missing) = (group_name(), group_name());
    create_group(&api, &real).await;
    let email = unique_email();

    let r = create_person_in(&api, &email, &[&real, &missing]).await;

    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(r.error().contains(&missing), "{:?}", r.body);
    assert_eq!(count(&api, &real).await, 0);
    assert_eq!(create_person_in(&api, &email, &[]).await.status, 201);
}

#[tokio::test]
async fn a_put_of_persons_with_groups_replaces_the_persons_groups() {
    let api = tenant().await;
    let (old, new) = (group_name(), group_name());
    create_group(&api, &old).await;
    create_group(&api, &new).await;
    let email = unique_email();
    let id = create_person_in(&api, &email, &[&old]).await.result()["person_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = api
        .put(
            "/persons",
            &json!({
                "handles": [{"type": "email_address", "value": email}],
                "groups": [new],
            }),
        )
        .await;

    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(groups_of(&api, &id).await, vec![new.clone()]);
    assert_eq!(count(&api, &old).await, 0);
}

#[tokio::test]
async fn a_put_of_persons_naming_a_missing_group_changes_and_creates_nothing() {
    let api = tenant().await;
    let email = unique_email();

    let r = api
        .put(
            "/persons",
            &json!({
                "handles": [{"type": "email_address", "value": email}],
                "groups": [group_name()],
            }),
        )
        .await;

    assert_eq!(r.status, 400, "{:?}", r.body);
    assert_eq!(create_person_in(&api, &email, &[]).await.status, 201);
}

#[tokio::test]
async fn another_organizations_group_cannot_be_joined_at_creation() {
    let (api, stranger) = (tenant().await, tenant().await);
    let theirs = group_name();
    create_group(&stranger, &theirs).await;

    let r = create_person_in(&api, &unique_email(), &[&theirs]).await;

    assert_eq!(r.status, 400, "{:?}", r.body);
    assert_eq!(count(&stranger, &theirs).await, 0);
}
