//! RBAC role writes (T1) interleaved, deterministically, with the deletes that must undo them, as
//! permission_interleavings.rs does for a person's permissions: T1 runs through the fault proxy,
//! whose gate holds T1's k-th DynamoDB request while the delete runs to completion, for every k
//! from T1's first request to past its last. Afterwards nothing may grant what was deleted:
//! - a role PATCH adding a permission, racing that permission's catalog delete, never leaves the
//!   permission in the role (nor granted to the role's member);
//! - a person-roles PUT adding a role, racing the role's delete, never leaves the role on the
//!   person — not even once a new role of the same name exists.
//!
//! Each runs with a T1 small enough for one transaction and with one larger than a transaction
//! (at the local stack's `TRANSACTION_ITEM_LIMIT`). Handlers run in-process, as Lambda runs them.

use std::collections::BTreeSet;
use std::future::Future;

use idgraph::faces::Face;
use idgraph::ids::PersonId;
use idgraph::permission::{PermissionName, PermissionSet, RoleName, RoleSet};
use idgraph::runtime::respond;
use idgraph::store::permissions;
use idgraph::{App, Body, Request, Response, keys};
use integration_tests::interleaving::Gate;
use integration_tests::{Event, Tenant, read, unique_email};
use serde_json::json;

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}:{i:02}")).collect()
}

fn perm_set(names: &[String]) -> PermissionSet {
    PermissionSet::new(
        names
            .iter()
            .map(|n| PermissionName::parse(n).expect("a permission name"))
            .collect(),
    )
    .expect("a set")
}

fn role(name: &str) -> RoleName {
    RoleName::parse(name).expect("a role name")
}

#[derive(Debug, Clone, Copy)]
enum Size {
    Small,
    Large,
}

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

    fn org(&self) -> &idgraph::ids::OrgId {
        &self.tenant.org.id
    }

    /// How many names T1 adds: `small` fit one transaction; a large T1 more than one holds.
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
            let name = PermissionName::parse(name).expect("a permission name");
            permissions::create(
                &self.base.db,
                self.org(),
                &name,
                None,
                "2026-01-01T00:00:00Z",
            )
            .await
            .expect("a catalog entry");
        }
    }

    async fn create_role(&self, name: &str, permissions: &[String]) {
        permissions::create_role(
            &self.base.db,
            self.org(),
            &role(name),
            None,
            &perm_set(permissions),
            "2026-01-01T00:00:00Z",
        )
        .await
        .expect("a role");
    }

    async fn give_roles(&self, person: &str, roles: &[String]) {
        let set = RoleSet::new(roles.iter().map(|r| role(r)).collect()).expect("a set");
        permissions::replace_person_roles(
            &self.base.db,
            self.org(),
            &PersonId::parse(person).expect("an id"),
            &set,
            None,
        )
        .await
        .expect("the person's roles");
    }

    fn patch_event(&self, name: &str, permissions: &[String]) -> Request {
        Event::new(
            "PATCH",
            "/rbac/roles/{role_name}",
            &format!("/rbac/roles/{name}"),
        )
        .path_param("role_name", name)
        .headers(self.tenant.headers())
        .json(&json!({ "permissions": permissions }))
        .build()
    }

    fn put_roles_event(&self, person: &str, roles: &[String]) -> Request {
        Event::new(
            "PUT",
            "/persons/{person_id}/roles",
            &format!("/persons/{person}/roles"),
        )
        .path_param("person_id", person)
        .headers(self.tenant.headers())
        .json(&json!({ "roles": roles }))
        .build()
    }

    fn t1(&self, req: Request) -> tokio::task::JoinHandle<Response<Body>> {
        if req.method() == "PATCH" {
            tokio::spawn(respond(
                self.gated,
                Face::SlashId,
                slashid_patch_role::handle,
                req,
            ))
        } else {
            tokio::spawn(respond(
                self.gated,
                Face::SlashId,
                slashid_put_person_roles::handle,
                req,
            ))
        }
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

    async fn grants(&self, person: &str, name: &str) -> bool {
        permissions::grants(
            &self.base.db,
            self.org(),
            &PersonId::parse(person).expect("an id"),
            &PermissionName::parse(name).expect("a name"),
        )
        .await
        .expect("a check")
        .expect("a member")
    }

    async fn roles_of(&self, person: &str) -> BTreeSet<String> {
        permissions::person_roles(
            &self.base.db,
            self.org(),
            &PersonId::parse(person).expect("an id"),
        )
        .await
        .expect("a read")
        .expect("a member")
        .0
        .into_iter()
        .collect()
    }
}

// ---- 1. a catalog delete of a permission a role PATCH adds ------------------------------------

async fn a_catalog_delete_of_a_permission_a_role_patch_adds(size: Size) {
    let scene = Scene::new().await;
    let adds = scene.adds(size, 2);
    let kept = names("keep", adds - 1);
    scene.catalog(&kept).await;
    let wanted = |victim: &str| [kept.clone(), vec![victim.to_owned()]].concat();
    scene.catalog(&["victim:clean".to_owned()]).await;
    scene.create_role("clean", &[]).await;
    let requests = scene
        .requests_of(scene.patch_event("clean", &wanted("victim:clean")))
        .await;

    let mut outcomes = Vec::new();
    for k in 0..=requests {
        let victim = format!("victim:{k:02}");
        let name = format!("role-{k:02}");
        scene.catalog(std::slice::from_ref(&victim)).await;
        scene.create_role(&name, &[]).await;
        let member = scene.person().await;
        scene.give_roles(&member, std::slice::from_ref(&name)).await;

        let resp = scene
            .interleave(k, scene.patch_event(&name, &wanted(&victim)), async {
                let victim = PermissionName::parse(&victim).expect("a name");
                permissions::delete(&scene.base.db, scene.org(), &victim)
                    .await
                    .expect("the catalog delete");
            })
            .await;

        let at = format!("held at request {k} of {requests}");
        let (status, body) = read(&resp);
        assert!(status == 204 || status == 400, "{at}: {status} {body}");
        outcomes.push(status);
        let got = permissions::get_role(&scene.base.db, scene.org(), &role(&name))
            .await
            .expect("a read")
            .expect("the role");
        assert!(!got.permissions.contains(&victim), "{at}: {got:?}");
        let expected: Vec<String> = if status == 204 {
            kept.clone()
        } else {
            Vec::new()
        };
        assert_eq!(got.permissions, expected, "{at}: T1 answered {status}");
        assert!(!scene.grants(&member, &victim).await, "{at}");
        // Holder entries left by a T1 that lost are stale: no role they name holds the name.
        let holders = keys::permission_holders_partition(scene.org(), &victim);
        for holder in scene.base.db.query_all(&holders).await.expect("a Query") {
            let sk = holder["sk"].as_s().expect("a sort key");
            let Some(holding) = sk.strip_prefix(keys::RBAC_ROLE_PREFIX) else {
                continue;
            };
            if let Some(r) = permissions::get_role(&scene.base.db, scene.org(), &role(holding))
                .await
                .expect("a read")
            {
                assert!(!r.permissions.contains(&victim), "{at}: {r:?}");
            }
        }
    }
    assert!(
        outcomes.contains(&400) && outcomes.contains(&204),
        "T1 answered {outcomes:?}"
    );
}

#[tokio::test]
async fn a_catalog_delete_during_a_small_role_patch_that_adds_it_leaves_it_in_no_role() {
    a_catalog_delete_of_a_permission_a_role_patch_adds(Size::Small).await;
}

#[tokio::test]
async fn a_catalog_delete_during_a_large_role_patch_that_adds_it_leaves_it_in_no_role() {
    a_catalog_delete_of_a_permission_a_role_patch_adds(Size::Large).await;
}

// ---- 2. a role delete racing a person-roles PUT that adds the role ----------------------------

async fn a_role_delete_during_a_person_roles_put_that_adds_it(size: Size) {
    let scene = Scene::new().await;
    let adds = scene.adds(size, 2);
    let kept = names("keep", adds - 1)
        .into_iter()
        .map(|n| n.replace(':', "-"))
        .collect::<Vec<_>>();
    for r in &kept {
        scene.create_role(r, &[]).await;
    }
    scene.catalog(&["secret:read".to_owned()]).await;
    let wanted = |victim: &str| [kept.clone(), vec![victim.to_owned()]].concat();
    scene.create_role("victim-clean", &[]).await;
    let clean = scene.person().await;
    let requests = scene
        .requests_of(scene.put_roles_event(&clean, &wanted("victim-clean")))
        .await;

    let mut outcomes = Vec::new();
    for k in 0..=requests {
        let victim = format!("victim-{k:02}");
        scene
            .create_role(&victim, &["secret:read".to_owned()])
            .await;
        let person = scene.person().await;

        let resp = scene
            .interleave(k, scene.put_roles_event(&person, &wanted(&victim)), async {
                permissions::delete_role(&scene.base.db, scene.org(), &role(&victim))
                    .await
                    .expect("the role delete");
            })
            .await;

        let at = format!("held at request {k} of {requests}");
        let (status, body) = read(&resp);
        assert!(status == 204 || status == 400, "{at}: {status} {body}");
        outcomes.push(status);
        let held = scene.roles_of(&person).await;
        assert!(!held.contains(&victim), "{at}: {held:?}");
        let expected: BTreeSet<String> = if status == 204 {
            kept.iter().cloned().collect()
        } else {
            BTreeSet::new()
        };
        assert_eq!(held, expected, "{at}: T1 answered {status}");
        assert!(!scene.grants(&person, "secret:read").await, "{at}");
        // A new role of the name is not the person's.
        scene
            .create_role(&victim, &["secret:read".to_owned()])
            .await;
        assert!(
            !scene.grants(&person, "secret:read").await,
            "{at}: re-created"
        );
        assert!(!scene.roles_of(&person).await.contains(&victim), "{at}");
    }
    assert!(
        outcomes.contains(&400) && outcomes.contains(&204),
        "T1 answered {outcomes:?}"
    );
}

#[tokio::test]
async fn a_role_delete_during_a_small_person_roles_put_that_adds_it_leaves_it_on_no_one() {
    a_role_delete_during_a_person_roles_put_that_adds_it(Size::Small).await;
}

#[tokio::test]
async fn a_role_delete_during_a_large_person_roles_put_that_adds_it_leaves_it_on_no_one() {
    a_role_delete_during_a_person_roles_put_that_adds_it(Size::Large).await;
}
