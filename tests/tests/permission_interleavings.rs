//! A person's permission PUT (T1) interleaved, deterministically, with a catalog delete or a
//! second PUT. T1 runs through the fault proxy, whose gate holds T1's k-th DynamoDB request
//! unforwarded while the other operation runs to completion, then lets it go; k takes every
//! value from T1's first request to past its last. Afterwards the API and the raw table must show
//! what some serial order of the two would leave: a permission deleted from the catalog is
//! granted to no one (docs/data-model.md), every endpoint of the person answers, and the holder
//! index covers every granted name. Each scenario runs with a T1 small enough for one
//! transaction and with one larger than a transaction (at the local stack's
//! `TRANSACTION_ITEM_LIMIT`). Handlers run in-process, as Lambda runs them.

use std::collections::BTreeSet;
use std::future::Future;

use aws_sdk_dynamodb::types::AttributeValue;
use idgraph::db::Item;
use idgraph::faces::Face;
use idgraph::ids::PersonId;
use idgraph::permission::IfMatch;
use idgraph::runtime::respond;
use idgraph::{App, Body, Request, Response, keys};
use integration_tests::interleaving::Gate;
use integration_tests::{Event, Tenant, read, unique_email};
use serde_json::{Value, json};

/// Names `{prefix}:00`, `{prefix}:01`, …
fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}:{i:02}")).collect()
}

fn set(names: &[String]) -> BTreeSet<String> {
    names.iter().cloned().collect()
}

/// The version an ETag names.
fn version(etag: &str) -> u64 {
    match IfMatch::parse(etag) {
        IfMatch::Version(v) => v,
        other => panic!("{etag:?} is not one of our ETags ({other:?})"),
    }
}

#[derive(Debug, Clone, Copy)]
enum Size {
    Small,
    Large,
}

/// One tenant, its app (for set-up, the interfering operation and the checks) and T1's app,
/// whose every DynamoDB request passes the proxy.
struct Scene {
    base: &'static App,
    gated: &'static App,
    gate: Gate,
    tenant: Tenant,
}

impl Scene {
    async fn new() -> Self {
        let gate = Gate::new().await;
        let tenant = Tenant::create(gate.base).await;
        Self {
            base: gate.base,
            gated: gate.gated,
            gate,
            tenant,
        }
    }

    /// How many names T1 adds: `small` ones fit one transaction with the rest of the write;
    /// a large T1 adds more than one transaction could hold.
    fn adds(&self, size: Size, small: usize) -> usize {
        match size {
            Size::Small => small,
            Size::Large => self.base.db.max_transaction_items / 2 + 1,
        }
    }

    async fn person(&self) -> String {
        let event = Event::new("POST", "/persons", "/persons")
            .headers(self.tenant.headers())
            .json(&json!({"handles": [{"type": "email_address", "value": unique_email()}]}));
        let (status, body) = read(&slashid_create_person::handle(self.base, event.build()).await);
        assert_eq!(status, 201, "{body}");
        body["result"]["person_id"]
            .as_str()
            .expect("a person id")
            .to_owned()
    }

    async fn catalog(&self, names: &[String]) {
        for name in names {
            let event = Event::new("POST", "/rbac/permissions", "/rbac/permissions")
                .headers(self.tenant.headers())
                .json(&json!({ "name": name }));
            let (status, body) =
                read(&slashid_create_permission::handle(self.base, event.build()).await);
            assert_eq!(status, 204, "{body}");
        }
    }

    fn put_event(&self, person: &str, names: &[String], if_match: Option<&str>) -> Request {
        let event = Event::new(
            "PUT",
            "/persons/{person_id}/permissions",
            &format!("/persons/{person}/permissions"),
        )
        .path_param("person_id", person)
        .headers(self.tenant.headers())
        .json(&json!({ "permissions": names }));
        match if_match {
            Some(etag) => event.header("If-Match", etag),
            None => event,
        }
        .build()
    }

    /// A PUT through the plain app: its status and ETag.
    async fn put(
        &self,
        person: &str,
        names: &[String],
        if_match: Option<&str>,
    ) -> (u16, Option<String>) {
        let resp = respond(
            self.base,
            Face::SlashId,
            slashid_put_person_permissions::handle,
            self.put_event(person, names, if_match),
        )
        .await;
        (resp.status().as_u16(), etag_of(&resp))
    }

    /// A person holding `names`, and its ETag.
    async fn person_holding(&self, names: &[String]) -> (String, String) {
        let person = self.person().await;
        let (status, etag) = self.put(&person, names, None).await;
        assert_eq!(status, 204);
        (person, etag.expect("an ETag"))
    }

    /// `GET /persons/{id}/permissions`: status, names and ETag.
    async fn permissions(&self, person: &str) -> (u16, BTreeSet<String>, Option<String>) {
        let event = Event::new(
            "GET",
            "/persons/{person_id}/permissions",
            &format!("/persons/{person}/permissions"),
        )
        .path_param("person_id", person)
        .headers(self.tenant.headers());
        let resp = slashid_get_person_permissions::handle(self.base, event.build()).await;
        let etag = etag_of(&resp);
        let (status, body) = read(&resp);
        let names = body["result"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|n| n.as_str().expect("a name").to_owned())
                    .collect()
            })
            .unwrap_or_default();
        (status, names, etag)
    }

    /// `POST /rbac/check`: status and body.
    async fn check(&self, person: &str, name: &str) -> (u16, Value) {
        let event = Event::new("POST", "/rbac/check", "/rbac/check")
            .headers(self.tenant.headers())
            .json(&json!({"person_id": person, "permission_name": name}));
        read(&slashid_check_permission::handle(self.base, event.build()).await)
    }

    async fn delete_permission(&self, name: &str) -> u16 {
        let path = format!("/rbac/permissions/{name}");
        let event = Event::new("DELETE", "/rbac/permissions/{permission_name}", &path)
            .path_param("permission_name", name)
            .headers(self.tenant.headers());
        read(&slashid_delete_permission::handle(self.base, event.build()).await).0
    }

    /// T1 on the gated app, as Lambda runs it.
    fn t1(&self, req: Request) -> tokio::task::JoinHandle<Response<Body>> {
        tokio::spawn(respond(
            self.gated,
            Face::SlashId,
            slashid_put_person_permissions::handle,
            req,
        ))
    }

    /// The DynamoDB requests T1 makes when nothing interferes.
    async fn requests_of(&self, req: Request) -> usize {
        self.gate.requests_of(|| self.t1(req)).await
    }

    /// Runs T1 with its request `k` (from 0) held until `interfere` has finished.
    async fn interleave(
        &self,
        k: usize,
        t1: Request,
        interfere: impl Future<Output = ()>,
    ) -> Response<Body> {
        self.gate.interleave(k, || self.t1(t1), interfere).await
    }

    fn person_id(person: &str) -> PersonId {
        PersonId::parse(person).expect("a person id")
    }

    /// Every item of the person's partition in this org, read raw and strongly consistent.
    async fn raw_person(&self, person: &str) -> Vec<Item> {
        let pk = keys::person_partition(&self.tenant.org.id, &Self::person_id(person));
        self.base.db.query_all(&pk).await.expect("a raw Query")
    }

    /// Every item of the permission's holder partition, read raw and strongly consistent.
    async fn raw_holders(&self, name: &str) -> Vec<Item> {
        let pk = keys::permission_holders_partition(&self.tenant.org.id, name);
        self.base.db.query_all(&pk).await.expect("a raw Query")
    }

    async fn holder_exists(&self, person: &str, name: &str) -> bool {
        let key = keys::permission_holder(&self.tenant.org.id, name, &Self::person_id(person));
        self.base
            .db
            .get(&key)
            .await
            .expect("a raw GetItem")
            .is_some()
    }

    /// Nothing that could grant `name` to `person`: `/rbac/check` says no, the GET does not list
    /// it, no stored item of the person names it, and whoever the holder index lists holds it
    /// nowhere either.
    async fn assert_not_granted(&self, person: &str, name: &str, at: &str) {
        let (status, body) = self.check(person, name).await;
        assert_eq!(
            (status, &body["result"]["granted"]),
            (200, &json!(false)),
            "{at}: /rbac/check {body}"
        );
        let (status, held, _) = self.permissions(person).await;
        assert_eq!(status, 200, "{at}");
        assert!(!held.contains(name), "{at}: GET lists {name}: {held:?}");
        for item in self.raw_person(person).await {
            assert!(!mentions(&item, name), "{at}: stored {item:?}");
        }
        for holder in self.raw_holders(name).await {
            let sk = holder["sk"].as_s().expect("a sort key");
            let listed = sk.strip_prefix(keys::HOLDER_PREFIX).expect("a holder");
            for item in self.raw_person(listed).await {
                assert!(!mentions(&item, name), "{at}: {listed} stores {item:?}");
            }
        }
    }
}

fn etag_of(resp: &Response<Body>) -> Option<String> {
    resp.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Whether the item refers to permission `name` anywhere: in its sort key, or in any value.
fn mentions(item: &Item, name: &str) -> bool {
    fn refers(value: &AttributeValue, name: &str) -> bool {
        let is = |s: &str| s == name || s.ends_with(&format!("#{name}"));
        match value {
            AttributeValue::S(s) => is(s),
            AttributeValue::Ss(ss) => ss.iter().any(|s| is(s)),
            AttributeValue::L(l) => l.iter().any(|v| refers(v, name)),
            AttributeValue::M(m) => m.values().any(|v| refers(v, name)),
            _ => false,
        }
    }
    item.iter()
        .any(|(attribute, value)| attribute != "pk" && refers(value, name))
}

fn status_and_body(resp: &Response<Body>) -> (u16, Value) {
    read(resp)
}

// ---- 1. a catalog delete of a name T1 adds -----------------------------------------------------

/// T1 adds names (one for a small T1), one of which the catalog delete removes: afterwards no one holds it.
async fn a_catalog_delete_of_an_added_name(size: Size) {
    let scene = Scene::new().await;
    let adds = scene.adds(size, 2);
    let kept = names("keep", adds - 1);
    scene.catalog(&kept).await;
    let wanted = |victim: &str| [kept.clone(), vec![victim.to_owned()]].concat();
    scene.catalog(&["victim:clean".to_owned()]).await;
    let (person, _) = scene.person_holding(&[]).await;
    let requests = scene
        .requests_of(scene.put_event(&person, &wanted("victim:clean"), None))
        .await;

    let mut outcomes = Vec::new();
    for k in 0..=requests {
        let victim = format!("victim:{k:02}");
        scene.catalog(std::slice::from_ref(&victim)).await;
        let (person, _) = scene.person_holding(&[]).await;

        let resp = scene
            .interleave(k, scene.put_event(&person, &wanted(&victim), None), async {
                assert_eq!(scene.delete_permission(&victim).await, 204, "at {k}");
            })
            .await;

        let at = format!("held at request {k} of {requests}");
        scene.assert_not_granted(&person, &victim, &at).await;
        let (status, body) = status_and_body(&resp);
        assert!(status == 204 || status == 400, "{at}: {status} {body}");
        outcomes.push(status);
        let (_, held, _) = scene.permissions(&person).await;
        let expected = if status == 204 { set(&kept) } else { set(&[]) };
        assert_eq!(held, expected, "{at}: T1 answered {status}");
    }
    // The delete landed both before T1 (whose name was then gone) and after it.
    assert!(
        outcomes.contains(&400) && outcomes.contains(&204),
        "T1 answered {outcomes:?}"
    );
    eprintln!("T1 answered {outcomes:?}, held at each of its {requests} requests and after");
}

#[tokio::test]
async fn a_catalog_delete_during_a_small_put_that_adds_the_name_leaves_it_granted_to_no_one() {
    a_catalog_delete_of_an_added_name(Size::Small).await;
}

#[tokio::test]
async fn a_catalog_delete_during_a_large_put_that_adds_the_name_leaves_it_granted_to_no_one() {
    a_catalog_delete_of_an_added_name(Size::Large).await;
}

// ---- 2. a catalog delete of a name T1 removes --------------------------------------------------

/// T1 removes the name the catalog delete removes, and adds `adds` others: every endpoint of
/// the person still answers, and no stored item is left half-formed.
async fn a_catalog_delete_of_a_removed_name(size: Size) {
    let scene = Scene::new().await;
    let adds = scene.adds(size, 1);
    let kept = names("keep", 2);
    let added = names("added", adds);
    scene.catalog(&[kept.clone(), added.clone()].concat()).await;
    let wanted = [kept.clone(), added.clone()].concat();
    let before = |victim: &str| [kept.clone(), vec![victim.to_owned()]].concat();
    scene.catalog(&["victim:clean".to_owned()]).await;
    let (person, _) = scene.person_holding(&before("victim:clean")).await;
    let requests = scene
        .requests_of(scene.put_event(&person, &wanted, None))
        .await;

    for k in 0..=requests {
        let victim = format!("victim:{k:02}");
        scene.catalog(std::slice::from_ref(&victim)).await;
        let (person, _) = scene.person_holding(&before(&victim)).await;

        let resp = scene
            .interleave(k, scene.put_event(&person, &wanted, None), async {
                assert_eq!(scene.delete_permission(&victim).await, 204, "at {k}");
            })
            .await;

        let at = format!("held at request {k} of {requests}");
        let (status, body) = status_and_body(&resp);
        assert_eq!(status, 204, "{at}: {body}");
        let (status, held, _) = scene.permissions(&person).await;
        assert_eq!((status, held), (200, set(&wanted)), "{at}");
        for name in [&victim, &kept[0], &added[0]] {
            let (status, body) = scene.check(&person, name).await;
            assert_eq!(status, 200, "{at}: /rbac/check {name}: {body}");
        }
        for item in scene.raw_person(&person).await {
            let sk = item["sk"].as_s().expect("a sort key");
            if sk.starts_with(keys::PERMISSIONS_PREFIX) {
                assert!(
                    item.contains_key("name") || item.contains_key("version"),
                    "{at}: a half-formed item {item:?}"
                );
            }
        }
        let (status, _) = scene.put(&person, &kept, None).await;
        assert_eq!(status, 204, "{at}: the next PUT");
        scene.assert_not_granted(&person, &victim, &at).await;
    }
}

#[tokio::test]
async fn a_catalog_delete_during_a_small_put_that_removes_the_name_leaves_every_endpoint_answering()
{
    a_catalog_delete_of_a_removed_name(Size::Small).await;
}

#[tokio::test]
async fn a_catalog_delete_during_a_large_put_that_removes_the_name_leaves_every_endpoint_answering()
{
    a_catalog_delete_of_a_removed_name(Size::Large).await;
}

// ---- 3. a second PUT racing T1 ---------------------------------------------------------------

/// T1 and T2 each replace the set (`adds` new names each, partly the same); with `if_match`,
/// both send the ETag they started from.
async fn a_second_put(size: Size, if_match: bool) {
    let scene = Scene::new().await;
    let adds = scene.adds(size, 1);
    let kept = names("keep", 2);
    let a = names("a", adds);
    let b = names("b", adds);
    scene
        .catalog(&[kept.clone(), a.clone(), b.clone()].concat())
        .await;
    let first = [vec![kept[0].clone()], a.clone()].concat();
    let second = [vec![kept[1].clone(), a[0].clone()], b.clone()].concat();
    let (person, _) = scene.person_holding(&kept).await;
    let requests = scene
        .requests_of(scene.put_event(&person, &first, None))
        .await;

    let mut winners = BTreeSet::new();
    for k in 0..=requests {
        let (person, start) = scene.person_holding(&kept).await;
        let condition = if_match.then_some(start.as_str());
        let mut t2 = None;

        let resp = scene
            .interleave(k, scene.put_event(&person, &first, condition), async {
                t2 = Some(scene.put(&person, &second, condition).await);
            })
            .await;

        let at = format!("held at request {k} of {requests}");
        let (s1, body) = status_and_body(&resp);
        let (s2, e2) = t2.expect("T2 ran");
        let e1 = etag_of(&resp);
        let (status, held, etag) = scene.permissions(&person).await;
        assert_eq!(status, 200, "{at}");
        let winner = if if_match {
            let mut statuses = [s1, s2];
            statuses.sort_unstable();
            assert_eq!(statuses, [204, 412], "{at}: T1 {s1} {body}, T2 {s2}");
            if s1 == 204 {
                (&first, e1)
            } else {
                (&second, e2)
            }
        } else {
            assert_eq!((s1, s2), (204, 204), "{at}: {body}");
            let (v1, v2) = (
                version(e1.as_deref().expect("T1's ETag")),
                version(e2.as_deref().expect("T2's ETag")),
            );
            assert_ne!(v1, v2, "{at}: two writes, one version");
            if v1 > v2 { (&first, e1) } else { (&second, e2) }
        };
        winners.insert(winner.0 == &first);
        assert_eq!(held, set(winner.0), "{at}");
        assert_eq!(etag, winner.1, "{at}: the GET's ETag is the winner's");
        for name in &held {
            assert!(
                scene.holder_exists(&person, name).await,
                "{at}: {name} is held without its holder entry"
            );
        }
    }
    // T2 ran both before T1's commit and after it.
    assert_eq!(winners.len(), 2, "the same PUT won at every request");
}

#[tokio::test]
async fn two_small_puts_racing_leave_the_set_of_the_higher_etag_and_its_holders() {
    a_second_put(Size::Small, false).await;
}

#[tokio::test]
async fn two_large_puts_racing_leave_the_set_of_the_higher_etag_and_its_holders() {
    a_second_put(Size::Large, false).await;
}

#[tokio::test]
async fn of_two_small_puts_racing_with_one_if_match_one_wins_and_the_other_is_412() {
    a_second_put(Size::Small, true).await;
}

#[tokio::test]
async fn of_two_large_puts_racing_with_one_if_match_one_wins_and_the_other_is_412() {
    a_second_put(Size::Large, true).await;
}

// ---- 4. a catalog delete refusing T1's commit ---------------------------------------------------

/// T1 keeps a name and adds `adds` others; the catalog delete removes the kept name, which
/// moves the person's version under T1 wherever it lands. T1 settles (204, or 400 once the name
/// is gone from the catalog), never 409, and the name is left granted to no one.
async fn a_catalog_delete_of_a_kept_name(size: Size) {
    let scene = Scene::new().await;
    let adds = scene.adds(size, 1);
    let added = names("added", adds);
    scene.catalog(&added).await;
    let with = |victim: &str| vec![victim.to_owned()];
    let wanted = |victim: &str| [with(victim), added.clone()].concat();
    scene.catalog(&["victim:clean".to_owned()]).await;
    let (person, _) = scene.person_holding(&with("victim:clean")).await;
    let requests = scene
        .requests_of(scene.put_event(&person, &wanted("victim:clean"), None))
        .await;

    let mut outcomes = Vec::new();
    for k in 0..=requests {
        let victim = format!("victim:{k:02}");
        scene.catalog(std::slice::from_ref(&victim)).await;
        let (person, _) = scene.person_holding(&with(&victim)).await;

        let resp = scene
            .interleave(k, scene.put_event(&person, &wanted(&victim), None), async {
                assert_eq!(scene.delete_permission(&victim).await, 204, "at {k}");
            })
            .await;

        let at = format!("held at request {k} of {requests}");
        scene.assert_not_granted(&person, &victim, &at).await;
        let (status, body) = status_and_body(&resp);
        assert!(status == 204 || status == 400, "{at}: {status} {body}");
        outcomes.push(status);
        let (_, held, _) = scene.permissions(&person).await;
        let expected = if status == 204 { set(&added) } else { set(&[]) };
        assert_eq!(held, expected, "{at}: T1 answered {status}");
    }
    // The delete landed both before T1 (whose name was then gone) and after it.
    assert!(
        outcomes.contains(&400) && outcomes.contains(&204),
        "T1 answered {outcomes:?}"
    );
    eprintln!("T1 answered {outcomes:?}, held at each of its {requests} requests and after");
}

#[tokio::test]
async fn a_small_put_whose_kept_name_is_deleted_meanwhile_answers_204_or_400_never_409() {
    a_catalog_delete_of_a_kept_name(Size::Small).await;
}

#[tokio::test]
async fn a_large_put_whose_kept_name_is_deleted_meanwhile_answers_204_or_400_never_409() {
    a_catalog_delete_of_a_kept_name(Size::Large).await;
}
