//! Races, through the router: many requests at once on one item, then the table's own state
//! (read raw where the API could hide a leftover) must be what some serial order would leave.
//! Each test says how many requests it races.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::AttributeValue;
use integration_tests::{Api, Reply, SailPointTenant, Tenant, Zato, app, unique_email};
use serde_json::{Value, json};

/// Runs `make` for each of `0..n` concurrently; the replies in index order.
async fn race<F, Fut>(n: usize, make: F) -> Vec<Reply>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Reply> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(make(i))).collect();
    let mut replies = Vec::with_capacity(n);
    for t in tasks {
        replies.push(t.await.expect("a request task"));
    }
    replies
}

/// Every item of one partition, read straight from the table (strongly consistent).
async fn partition(pk: &str) -> Vec<std::collections::HashMap<String, AttributeValue>> {
    let db = &app().await.db;
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = db
            .client
            .query()
            .table_name(&db.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("a raw Query of DynamoDB Local");
        items.extend(page.items.unwrap_or_default());
        start = page.last_evaluated_key;
        if start.is_none() {
            return items;
        }
    }
}

fn sort_keys(items: &[std::collections::HashMap<String, AttributeValue>]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["sk"].as_s().expect("a string sort key").clone())
        .collect()
}

// ---- SlashID: If-Match on a person's permissions ---------------------------------------------

#[tokio::test]
async fn of_fifty_concurrent_permission_puts_with_one_etag_exactly_one_wins_and_its_body_stands() {
    const RACERS: usize = 50;
    let api = Api::of(&Tenant::create(app().await).await);
    let id = api.create_person().await;
    let catalog: Vec<String> = (0..RACERS).map(|i| format!("race:{i:02}")).collect();
    api.create_permissions(&catalog).await;
    let path = format!("/persons/{id}/permissions");
    let etag = api
        .get(&path)
        .await
        .header("etag")
        .expect("an ETag")
        .to_owned();
    // Two names each, overlapping their neighbours', so no two bodies are the same set.
    let body = |i: usize| vec![catalog[i].clone(), catalog[(i + 1) % RACERS].clone()];

    let replies = race(RACERS, |i| {
        let (api, path, etag, list) = (api.clone(), path.clone(), etag.clone(), body(i));
        async move {
            api.send(
                "PUT",
                &path,
                Some(&json!({"permissions": list})),
                &[("If-Match", &etag)],
            )
            .await
        }
    })
    .await;

    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    let winners: Vec<usize> = (0..RACERS).filter(|&i| statuses[i] == 204).collect();
    assert_eq!(winners.len(), 1, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 204 || *s == 412),
        "{statuses:?}"
    );
    let held: BTreeSet<String> = api
        .get(&path)
        .await
        .result()
        .as_array()
        .expect("names")
        .iter()
        .map(|v| v.as_str().expect("a name").to_owned())
        .collect();
    assert_eq!(held, body(winners[0]).into_iter().collect());
}

// ---- Zato: creating one attribute --------------------------------------------------------------

#[tokio::test]
async fn of_thirty_concurrent_zato_creations_of_one_attribute_exactly_one_succeeds() {
    const RACERS: usize = 30;
    let (_, _, ust) = Zato::new().new_user().await;

    let replies = race(RACERS, |i| {
        let ust = ust.clone();
        async move {
            Zato::new()
                .call(
                    "POST",
                    "/zato/sso/user/attr",
                    &json!({"ust": ust, "current_app": "CRM", "name": "contested", "value": format!("v{i}")}),
                )
                .await
        }
    })
    .await;

    let winners: Vec<usize> = (0..RACERS).filter(|&i| replies[i].is_zato_ok()).collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    for (i, r) in replies.iter().enumerate() {
        if i != winners[0] {
            assert_eq!(r.zato_error(), (403, "E009001".to_owned()), "racer {i}");
        }
    }
    let stored = Zato::new()
        .call(
            "GET",
            "/zato/sso/user/attr",
            &json!({"ust": ust, "current_app": "CRM", "name": "contested"}),
        )
        .await;
    assert_eq!(
        stored.body["value"],
        json!(format!("v{}", winners[0])),
        "{}",
        stored.body
    );
}

// ---- SailPoint: grants and revokes on one role ---------------------------------------------------

fn access_request(kind: &str, who: &str, role: &str) -> Value {
    json!({"requestType": kind, "requestedFor": [who],
        "requestedItems": [{"type": "ROLE", "id": role, "comment": "race"}]})
}

#[tokio::test]
async fn concurrent_grants_and_revokes_on_one_role_leave_its_count_equal_to_its_members() {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let mut people = Vec::new();
    for i in 0..15 {
        people.push(t.identity(app, &format!("P {i}"), &format!("p{i}")).await);
    }
    // Five only ever granted, five members beforehand only ever revoked, five that flip: the
    // first two groups' outcome is known whatever the order, the third's is whatever happened.
    let (granted, revoked, flipped) = (&people[0..5], &people[5..10], &people[10..15]);
    let role = t.role("Busy", &[]).await;
    let before = t
        .api
        .post(
            "/v3/access-requests",
            &json!({"requestType": "GRANT_ACCESS",
            "requestedFor": revoked, "requestedItems": [{"type": "ROLE", "id": role}]}),
        )
        .await;
    assert_eq!(before.status, 202, "{}", before.body);
    let mut requests = Vec::new();
    for p in granted {
        requests.extend(["GRANT_ACCESS"; 3].map(|k| access_request(k, p, &role)));
    }
    for p in revoked {
        requests.extend(["REVOKE_ACCESS"; 3].map(|k| access_request(k, p, &role)));
    }
    for p in flipped {
        requests.extend(
            [
                "GRANT_ACCESS",
                "REVOKE_ACCESS",
                "GRANT_ACCESS",
                "REVOKE_ACCESS",
            ]
            .map(|k| access_request(k, p, &role)),
        );
    }
    assert_eq!(requests.len(), 50);

    let replies = race(requests.len(), |i| {
        let (api, body) = (t.api.clone(), requests[i].clone());
        async move { api.post("/v3/access-requests", &body).await }
    })
    .await;

    for r in &replies {
        assert_eq!(r.status, 202, "{}", r.body);
    }
    let listed = t
        .api
        .get(&format!(
            "/v3/roles/{role}/assigned-identities?count=true&limit=250"
        ))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let members: BTreeSet<String> = listed
        .body
        .as_array()
        .expect("a list")
        .iter()
        .map(|m| m["id"].as_str().expect("an id").to_owned())
        .collect();
    let raw = partition(&format!("{}#ROLE#{role}", t.org.id)).await;
    let raw_members = sort_keys(&raw)
        .iter()
        .filter(|sk| sk.starts_with("M#"))
        .count();
    let sentinel_counts: Vec<&str> = raw
        .iter()
        .filter_map(|i| {
            i.get("member_count")
                .and_then(|c| c.as_n().ok())
                .map(String::as_str)
        })
        .collect();
    assert_eq!(
        listed.header("x-total-count"),
        Some(members.len().to_string().as_str())
    );
    assert_eq!(raw_members, members.len());
    assert_eq!(sentinel_counts, vec![members.len().to_string(); 2]);
    assert!(granted.iter().all(|p| members.contains(p)), "{members:?}");
    assert!(revoked.iter().all(|p| !members.contains(p)), "{members:?}");
    assert!(
        members
            .iter()
            .all(|m| granted.contains(m) || flipped.contains(m))
    );
}

// ---- SlashID: deleting a person while its attributes are written --------------------------------

const ROUNDS: usize = 8;

/// The writes that race one deletion: replace and merge, across the whole-person and per-bucket
/// endpoints, in `person_pool` buckets (the pool's partition) and `organization` buckets (the
/// org's).
fn attribute_writes(person: &str, round: usize) -> Vec<(&'static str, String, Value)> {
    let p = format!("/persons/{person}/attributes");
    vec![
        (
            "PUT",
            p.clone(),
            json!({"person_pool-end_user_read_write": {"a": round}, "end_user_read_write": {"b": round}}),
        ),
        (
            "PATCH",
            p.clone(),
            json!({"person_pool-end_user_no_access": {"c": round}, "end_user_no_access": {"d": round}}),
        ),
        (
            "PUT",
            format!("{p}/person_pool-end_user_read_only"),
            json!({"e": round, "f": "x"}),
        ),
        (
            "PATCH",
            format!("{p}/end_user_read_only"),
            json!({"g": round}),
        ),
        (
            "PATCH",
            format!("{p}/person_pool-end_user_read_write"),
            json!({"h": round}),
        ),
        (
            "PUT",
            format!("{p}/end_user_read_write"),
            json!({"i": round}),
        ),
    ]
}

/// One round: the person with attributes, then its deletion racing every write of
/// `attribute_writes` (half sent before the DELETE, half after). Returns how many requests raced,
/// and how many writes found the person gone.
async fn delete_racing_writes(api: &Api, person: &str, round: usize) -> (usize, usize) {
    let mut writes = attribute_writes(person, round);
    // Something in every bucket beforehand, so the deletion has attributes to find.
    for (method, path, body) in &writes {
        let r = api.send(method, path, Some(body), &[]).await;
        assert_eq!(r.status, 204, "{method} {path}: {}", r.body);
    }
    let later = writes.split_off(writes.len() / 2);
    let spawn_writes = |ws: Vec<(&'static str, String, Value)>| {
        ws.into_iter()
            .map(|(m, path, body)| {
                let api = api.clone();
                tokio::spawn(async move { api.send(m, &path, Some(&body), &[]).await.status })
            })
            .collect::<Vec<_>>()
    };
    let mut tasks = spawn_writes(writes);
    let deletion = {
        let (api, path) = (api.clone(), format!("/persons/{person}"));
        tokio::spawn(async move { api.delete(&path).await })
    };
    tasks.extend(spawn_writes(later));
    let raced = tasks.len() + 1;
    let mut lost = 0;
    for t in tasks {
        let status = t.await.expect("a write task");
        assert!(status == 204 || status == 404, "a write answered {status}");
        lost += usize::from(status == 404);
    }
    let deleted = deletion.await.expect("the delete task");
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    (raced, lost)
}

/// Adds up rounds' `(raced, lost)` and says so, for the record of how much really raced.
#[derive(Default)]
struct Tally(usize, usize);

impl Tally {
    fn add(&mut self, (raced, lost): (usize, usize)) {
        self.0 += raced;
        self.1 += lost;
    }
    fn report(&self, what: &str) {
        println!(
            "{what}: {} requests raced, {} writes found the person gone",
            self.0, self.1
        );
    }
}

/// The attribute items (`ATTR#…`) left in a person partition.
async fn attributes_left(org: &str, person: &str) -> Vec<String> {
    sort_keys(&partition(&format!("{org}#PERSON#{person}")).await)
        .into_iter()
        .filter(|sk| sk.starts_with("ATTR"))
        .collect()
}

#[tokio::test]
async fn a_person_deleted_while_its_attributes_are_written_leaves_no_attribute_behind() {
    let tenant = Tenant::create(app().await).await;
    let api = Api::of(&tenant);
    let org = tenant.org.id.to_string();
    let mut tally = Tally::default();

    for round in 0..ROUNDS {
        let person = api.create_person().await;
        tally.add(delete_racing_writes(&api, &person, round).await);

        assert_eq!(api.get(&format!("/persons/{person}")).await.status, 404);
        let left = partition(&format!("{org}#PERSON#{person}")).await;
        assert_eq!(sort_keys(&left), Vec::<String>::new(), "round {round}");
    }
    tally.report("deletion in a root org");
}

/// A sub-org sharing the tenant's person pool: its `organization` attributes live in its own
/// partition, its `person_pool` ones in the pool's.
async fn store_of(parent: &Api, parent_org: &str) -> (Api, String) {
    let r = parent
        .post(
            "/organizations/suborganizations",
            &json!({"sub_org_name": "Store", "persons_org_id": parent_org,
                "admins": [{"type": "email_address", "value": unique_email()}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.result()["id"].as_str().expect("an id").to_owned();
    (
        Api::new(&id, r.result()["api_key"].as_str().expect("a key")),
        id,
    )
}

#[tokio::test]
async fn a_person_deleted_from_its_only_sub_org_while_written_leaves_no_attribute_in_either_partition()
 {
    let tenant = Tenant::create(app().await).await;
    let pool = tenant.org.id.to_string();
    let (store, store_org) = store_of(&Api::of(&tenant), &pool).await;
    let mut tally = Tally::default();

    for round in 0..ROUNDS {
        let person = store.create_person().await;
        tally.add(delete_racing_writes(&store, &person, round).await);

        assert_eq!(store.get(&format!("/persons/{person}")).await.status, 404);
        // Leaving its last org takes the person out of the pool: nothing at all remains.
        for org in [&store_org, &pool] {
            let left = partition(&format!("{org}#PERSON#{person}")).await;
            assert_eq!(sort_keys(&left), Vec::<String>::new(), "round {round}");
        }
    }
    tally.report("deletion from the only (sub-)org");
}

#[tokio::test]
async fn a_person_leaving_one_of_two_orgs_while_written_keeps_only_what_the_other_still_reaches() {
    let tenant = Tenant::create(app().await).await;
    let pool = tenant.org.id.to_string();
    let parent = Api::of(&tenant);
    let (store, store_org) = store_of(&parent, &pool).await;
    let mut tally = Tally::default();

    for round in 0..ROUNDS {
        let person = parent.create_person().await;
        // The person joins the store too (PUT /persons finds it by its handle).
        let handle = parent
            .get(&format!("/persons/{person}?fields=handles"))
            .await;
        let joined = store
            .put("/persons", &json!({"handles": handle.result()["handles"]}))
            .await;
        assert_eq!(joined.status, 200, "{}", joined.body);
        tally.add(delete_racing_writes(&store, &person, round).await);

        // Gone from the store, with everything the store alone had; still the parent's, whose
        // view of the pool's shared attributes is whatever the race left, all reachable.
        assert_eq!(store.get(&format!("/persons/{person}")).await.status, 404);
        assert_eq!(parent.get(&format!("/persons/{person}")).await.status, 200);
        assert_eq!(
            attributes_left(&store_org, &person).await,
            Vec::<String>::new()
        );
        let pool_items = sort_keys(&partition(&format!("{pool}#PERSON#{person}")).await);
        assert!(
            !pool_items.contains(&format!("#MEMBER#{store_org}")),
            "{pool_items:?}"
        );
        // Attributes (`ATTR#bucket#name`) and replace guards (`ATTRV#bucket`) alike.
        for sk in attributes_left(&pool, &person).await {
            let rest = sk.split_once('#').map_or("", |(_, rest)| rest);
            let bucket = rest.split('#').next().unwrap_or_default();
            assert!(
                bucket.starts_with("person_pool-"),
                "the store's deletion left {sk} in the pool's partition (round {round})"
            );
        }
    }
    tally.report("deletion from one of two orgs");
}
