//! SailPoint's seed read `GET /v3/search/{index}/{id}`, the ingest extension, and the
//! `identities`/`roles` projections the stream consumer keeps current.

use idgraph::projection::{self, StreamEvent};
use integration_tests::{
    Api, DEMO_IDENTITY, DEMO_ROLE, SailPoint, SailPointTenant, app, eventually,
};
use serde_json::{Value, json};

#[tokio::test]
async fn every_index_of_the_seed_serves_its_document_with_its_type() {
    let api = SailPoint::demo().await;
    for (index, id, kind) in [
        (
            "accessprofiles",
            "13b856dd9a264206954b63ecbb57a853",
            "accessprofile",
        ),
        (
            "accountactivities",
            "6f76c3add1db4ba8bbe0d42aaceb7a07",
            "accountactivity",
        ),
        ("accounts", "2c91808568c529c60168cca6f90c1324", "account"),
        (
            "aggregations",
            "2c91808568c529c60168cca6f90c1333",
            "aggregation",
        ),
        (
            "entitlements",
            "2c9180867dde18d1017de8ea1f5c130f",
            "entitlement",
        ),
        (
            "events",
            "001909ce8cc3b519436197105426b18b5fc6ca179803c0c3702e9038107bec78",
            "event",
        ),
        ("identities", DEMO_IDENTITY, "identity"),
        ("roles", DEMO_ROLE, "role"),
    ] {
        let path = format!("/v3/search/{index}/{id}");
        let mut reply = api.get(&path).await;
        if reply.status == 404 && (index == "identities" || index == "roles") {
            // Projections arrive through the stream consumer; give it its moment.
            eventually(&format!("{index} projection"), || async {
                api.get(&path).await.status == 200
            })
            .await;
            reply = api.get(&path).await;
        }
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.body["id"], id);
        assert_eq!(reply.body["_type"], kind);
    }
}

#[tokio::test]
async fn the_identity_document_shows_its_roles_as_access() {
    let api = SailPoint::demo().await;
    let path = format!("/search/v1/identities/{DEMO_IDENTITY}");
    eventually("identity projection", || async {
        api.get(&path).await.status == 200
    })
    .await;
    let doc = api.get(&path).await.body;
    assert_eq!(doc["displayName"], "Thomas Edison");
    assert_eq!(doc["access"][0]["id"], DEMO_ROLE);
    assert_eq!(doc["access"][0]["name"], "IT Role");
    assert_eq!(doc["roleCount"], 1);
}

#[tokio::test]
async fn another_index_is_400_and_a_missing_document_404() {
    let api = SailPoint::demo().await;
    let reply = api.get("/v3/search/users/x1").await;
    assert_eq!(reply.status, 400);
    assert!(reply.sailpoint_error().1.contains("users"));
    let reply = api
        .get("/v3/search/identities/00000000000000000000000000000000")
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.sailpoint_error().0, "404 Not found");
}

#[tokio::test]
async fn a_document_is_ingested_when_its_id_and_type_agree_with_the_path() {
    let t = SailPointTenant::create(app().await).await;
    let doc = json!({"id": "e1", "name": "Vendor Creation", "_type": "entitlement"});
    let reply = t
        .api
        .call("PUT", "/v3/search/entitlements/e1", Some(&doc))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(t.api.get("/v3/search/entitlements/e1").await.body, doc);
}

#[tokio::test]
async fn an_ingested_document_that_disagrees_with_its_path_or_is_too_large_is_refused() {
    let t = SailPointTenant::create(app().await).await;
    for (path, doc) in [
        (
            "/v3/search/entitlements/e1",
            json!({"id": "e2", "_type": "entitlement"}),
        ),
        (
            "/v3/search/entitlements/e1",
            json!({"id": "e1", "_type": "event"}),
        ),
        (
            "/v3/search/entitlements/e1",
            json!({"id": "e1", "_type": "entitlement", "pad": "x".repeat(360 * 1024)}),
        ),
        (
            "/v3/search/identities/e1",
            json!({"id": "e1", "_type": "identity"}),
        ),
    ] {
        let reply = t.api.call("PUT", path, Some(&doc)).await;
        assert_eq!(
            reply.status,
            400,
            "{path} {}",
            &doc.to_string()[..60.min(doc.to_string().len())]
        );
    }
    assert_eq!(t.api.get("/v3/search/entitlements/e1").await.status, 404);
}

#[tokio::test]
async fn renaming_a_person_reaches_role_members_and_the_identity_document() {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let ada = t.identity(app, "Ada Lovelace", "ada").await;
    let role = t.role("Engineers", std::slice::from_ref(&ada)).await;
    let tenant_api = Api::new(t.org.id.as_str(), &t.api_key);
    let renamed = tenant_api
        .patch(
            &format!("/persons/{ada}"),
            &json!({"name": "Augusta Ada King"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    let members = format!("/v3/roles/{role}/assigned-identities?filters=name%20sw%20augusta");
    eventually("the member's new name", || async {
        t.api
            .get(&members)
            .await
            .body
            .as_array()
            .is_some_and(|a| a.len() == 1)
    })
    .await;
    let doc = format!("/v3/search/identities/{ada}");
    eventually("the identity document's new name", || async {
        t.api.get(&doc).await.body["displayName"] == "Augusta Ada King"
    })
    .await;
}

#[tokio::test]
async fn a_replayed_or_stale_stream_record_changes_nothing() {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let ada = t.identity(app, "Ada Lovelace", "ada").await;
    let event: StreamEvent = serde_json::from_value(json!({"Records": [{"dynamodb": {
        "Keys": {"pk": {"S": format!("{}#PERSON#{ada}", t.org.id)}, "sk": {"S": "#PROFILE"}},
        "SequenceNumber": "1"}}]}))
    .unwrap();
    assert!(
        projection::apply(&app.db, None, &event)
            .await
            .failures
            .is_empty()
    );
    let doc_key = idgraph::keys::search_document(&t.org.id, "identities", &ada);
    let first = app.db.get(&doc_key).await.unwrap().unwrap();
    assert!(
        projection::apply(&app.db, None, &event)
            .await
            .failures
            .is_empty()
    );
    assert_eq!(app.db.get(&doc_key).await.unwrap().unwrap(), first);
    // A document from a newer profile version is not overwritten by an older one.
    let newer = json!({"id": ada, "displayName": "from the future"});
    idgraph::store::search::project(
        &app.db,
        &t.org.id,
        idgraph::store::search::Index::Identities,
        &ada,
        &newer,
        99,
    )
    .await
    .unwrap();
    assert!(
        projection::apply(&app.db, None, &event)
            .await
            .failures
            .is_empty()
    );
    let stored: Value = serde_json::from_str(
        app.db.get(&doc_key).await.unwrap().unwrap()["doc"]
            .as_s()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored["displayName"], "from the future");
}
