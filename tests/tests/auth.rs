//! SlashID API keys across the organization tree: a key serves its own org and every
//! descendant, never an ancestor or a sibling.

use idgraph::auth::sha256_hex;
use idgraph::ids::OrgId;
use idgraph::store::orgs::{self, Organization};
use integration_tests::{Tenant, app, get_person, read, slashid_error};

/// A sub-organization of `parent` in the parent's person pool, with a key of its own.
async fn sub_org(app: &idgraph::App, parent: &Organization) -> (Organization, String) {
    let mut ancestors = parent.ancestors.clone();
    ancestors.push(parent.id.clone());
    let org = Organization {
        id: OrgId::new_random(),
        name: "sub".into(),
        ancestors,
        pool: parent.pool.clone(),
    };
    let key = format!("key-{}", uuid::Uuid::new_v4().simple());
    orgs::create(&app.db, &org, &sha256_hex(&key))
        .await
        .expect("create sub-org");
    (org, key)
}

/// 404 means authentication passed (the person simply does not exist there).
async fn status_for(app: &'static idgraph::App, org: &OrgId, key: &str) -> u16 {
    let (status, body) = read(
        &slashid_get_person::handle(app, get_person("nobody", org.as_str(), Some(key)).build())
            .await,
    );
    slashid_error(status, &body);
    status
}

#[tokio::test]
async fn a_root_key_serves_its_sub_organizations_down_the_tree() {
    let app = app().await;
    let root = Tenant::create(app).await;
    let (child, _) = sub_org(app, &root.org).await;
    let (grandchild, _) = sub_org(app, &child).await;

    assert_eq!(status_for(app, &child.id, &root.api_key).await, 404);
    assert_eq!(status_for(app, &grandchild.id, &root.api_key).await, 404);
}

#[tokio::test]
async fn a_sub_organization_key_does_not_serve_its_parent_or_a_sibling() {
    let app = app().await;
    let root = Tenant::create(app).await;
    let (child, child_key) = sub_org(app, &root.org).await;
    let (sibling, _) = sub_org(app, &root.org).await;

    assert_eq!(status_for(app, &child.id, &child_key).await, 404);
    assert_eq!(status_for(app, &root.org.id, &child_key).await, 403);
    assert_eq!(status_for(app, &sibling.id, &child_key).await, 403);
}

#[tokio::test]
async fn an_unknown_organization_with_an_unknown_key_is_a_401() {
    let app = app().await;
    assert_eq!(
        status_for(app, &OrgId::new_random(), "no-such-key").await,
        401
    );
}

#[tokio::test]
async fn a_valid_key_for_an_unknown_organization_is_a_403() {
    let app = app().await;
    let tenant = Tenant::create(app).await;
    assert_eq!(
        status_for(app, &OrgId::new_random(), &tenant.api_key).await,
        403
    );
}
