//! RBAC roles under concurrency, through the router: role PATCHes, person-roles PUTs, direct
//! grants, a role delete and a catalog delete all at once; afterwards what the API and the table
//! show must be what some serial order would leave. The deterministic interleavings are in
//! role_interleavings.rs.

use std::collections::BTreeSet;

use integration_tests::{Api, Reply, Tenant, app};
use serde_json::{Value, json};

async fn check(api: &Api, person: &str, permission: &str) -> Value {
    api.granted(person, permission).await
}

fn names(r: &Reply) -> BTreeSet<String> {
    r.result_set()
}

#[tokio::test]
async fn a_role_delete_and_a_catalog_delete_racing_role_edits_and_grants_leave_nothing_they_removed_granted()
 {
    let tenant = Tenant::create(app().await).await;
    let api = Api::of(&tenant);
    api.create_permissions(&["p:doomed-role", "p:kept", "p:doomed", "p:direct"])
        .await;
    for (role, perms) in [("doomed", vec!["p:doomed-role"]), ("kept", vec!["p:kept"])] {
        let r = api
            .post("/rbac/roles", &json!({"name": role, "permissions": perms}))
            .await;
        assert_eq!(r.status, 204, "{:?}", r.body);
    }
    let mut persons = Vec::new();
    for _ in 0..4 {
        persons.push(api.create_person().await);
    }

    // 4 persons × 4 roles PUTs, 4 direct grants, 12 PATCHes of each role, one role delete and
    // one catalog delete: 46 requests at once.
    let mut tasks = Vec::new();
    for person in &persons {
        for round in 0..4 {
            let (api, person) = (api.clone(), person.clone());
            tasks.push(tokio::spawn(async move {
                let roles = if round % 2 == 0 {
                    json!(["doomed", "kept"])
                } else {
                    json!(["kept", "doomed"])
                };
                api.put(
                    &format!("/persons/{person}/roles"),
                    &json!({ "roles": roles }),
                )
                .await
            }));
        }
        let (api, person) = (api.clone(), person.clone());
        tasks.push(tokio::spawn(async move {
            api.put(
                &format!("/persons/{person}/permissions"),
                &json!({"permissions": ["p:direct"]}),
            )
            .await
        }));
    }
    for round in 0..12 {
        for (role, base) in [("doomed", "p:doomed-role"), ("kept", "p:kept")] {
            let api = api.clone();
            tasks.push(tokio::spawn(async move {
                let perms = if round % 2 == 0 {
                    json!([base, "p:doomed"])
                } else {
                    json!([base])
                };
                api.patch(
                    &format!("/rbac/roles/{role}"),
                    &json!({ "permissions": perms }),
                )
                .await
            }));
        }
    }
    let deleter = api.clone();
    tasks.push(tokio::spawn(async move {
        deleter.delete("/rbac/roles/doomed").await
    }));
    let deleter = api.clone();
    tasks.push(tokio::spawn(async move {
        deleter.delete("/rbac/permissions/p:doomed").await
    }));
    for task in tasks {
        let r = task.await.expect("a request task");
        // 400: a PUT or PATCH that lost to a delete; 404: a PATCH after the role's delete;
        // 409: a write that kept losing races.
        assert!(
            [204, 400, 404, 409].contains(&r.status),
            "{}: {:?}",
            r.status,
            r.body
        );
    }

    assert_eq!(api.get("/rbac/roles/doomed").await.status, 404);
    let kept = api.get("/rbac/roles/kept").await;
    assert!(
        !kept.result()["permissions"]
            .as_array()
            .expect("permissions")
            .contains(&json!("p:doomed")),
        "{:?}",
        kept.body
    );
    for person in &persons {
        let roles = names(&api.get(&format!("/persons/{person}/roles")).await);
        assert!(!roles.contains("doomed"), "{person}: {roles:?}");
        assert_eq!(check(&api, person, "p:doomed-role").await, json!(false));
        assert_eq!(check(&api, person, "p:doomed").await, json!(false));
        assert_eq!(check(&api, person, "p:direct").await, json!(true));
        let effective = names(&api.get(&format!("/persons/{person}/permissions")).await);
        assert!(!effective.contains("p:doomed") && !effective.contains("p:doomed-role"));
        // A new role of the deleted name is no one's.
        if person == &persons[0] {
            let r = api
                .post(
                    "/rbac/roles",
                    &json!({"name": "doomed", "permissions": ["p:doomed-role"]}),
                )
                .await;
            assert_eq!(r.status, 204, "{:?}", r.body);
        }
        assert_eq!(check(&api, person, "p:doomed-role").await, json!(false));
    }
}
