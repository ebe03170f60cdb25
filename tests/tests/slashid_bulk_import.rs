//! `GET` and `POST /persons/bulk-import`: SlashID's CSV template and import, each row created as
//! `POST /persons` creates a person, bad rows reported with their reason.

use integration_tests::{Api, DEMO_ORG, Tenant, app, unique_email};
use serde_json::{Value, json};

const BOUNDARY: &str = "test-boundary-7f3a";

fn multipart(csv: &str) -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"persons\"; filename=\"p.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{BOUNDARY}--\r\n"
    )
    .into_bytes()
}

async fn import(api: &Api, csv: &str) -> integration_tests::Reply {
    api.send_raw(
        "POST",
        "/persons/bulk-import",
        &format!("multipart/form-data; boundary={BOUNDARY}"),
        multipart(csv),
    )
    .await
}

/// The person holding an email handle, through `PUT /persons` (200 when it exists), with its
/// handles and attributes.
async fn person_with_email(api: &Api, email: &str) -> Value {
    let r = api
        .put(
            "/persons",
            &json!({"handles": [{"type": "email_address", "value": email}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{email} was not imported: {:?}", r.body);
    let id = r.result()["person_id"].as_str().expect("an id").to_owned();
    let got = api
        .get(&format!("/persons/{id}?fields=handles,attributes"))
        .await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    got.result().clone()
}

/// Whether no person holds `email`: a creation with it succeeds (and makes one, harmlessly).
async fn email_is_free(api: &Api, email: &str) -> bool {
    let r = api
        .post(
            "/persons",
            &json!({"handles": [{"type": "email_address", "value": email}]}),
        )
        .await;
    r.status == 201
}

#[tokio::test]
async fn the_template_is_the_header_row_of_the_columns_the_import_reads() {
    let api = Api::demo();

    let r = api.get("/persons/bulk-import").await;

    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.header("content-type"), Some("text/csv"));
    assert_eq!(
        r.body,
        "\"slashid:emails\",\"slashid:phone_numbers\",\"slashid:usernames\",\"slashid:region\",\"slashid:groups\",\"slashid:attributes\"\r\n"
    );
}

#[tokio::test]
async fn every_row_becomes_a_person_with_its_handles_region_and_attributes() {
    let api = Api::of(&Tenant::create(app().await).await);
    let (a, b) = (unique_email(), unique_email());
    let csv = format!(
        "\"slashid:emails\",\"slashid:phone_numbers\",\"slashid:region\",\"slashid:attributes\"\n\
         \"{a}\",\"+12025550100\",\"us-iowa\",\"{{\"\"end_user_read_only\"\":{{\"\"tier\"\":\"\"gold\"\"}}}}\"\n\
         \"{b}\",,,\n"
    );

    let r = import(&api, &csv).await;

    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.result()["successful_imports"], 2);
    assert_eq!(r.result()["failed_imports"], 0);
    let first = person_with_email(&api, &a).await;
    assert_eq!(first["region"], "us-iowa");
    assert_eq!(first["handles"].as_array().map(Vec::len), Some(2));
    assert_eq!(first["attributes"]["end_user_read_only"]["tier"], "gold");
    person_with_email(&api, &b).await;
}

#[tokio::test]
async fn a_row_whose_handle_is_taken_is_reported_with_its_reason_and_the_others_import() {
    let api = Api::of(&Tenant::create(app().await).await);
    let taken = unique_email();
    assert!(email_is_free(&api, &taken).await);
    let fresh = unique_email();
    let csv = format!("slashid:emails\n{taken}\n{fresh}\n");

    let r = import(&api, &csv).await;

    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.result()["successful_imports"], 1);
    assert_eq!(r.result()["failed_imports"], 1);
    let failed = r.result()["failed_csv"].as_str().expect("the failed rows");
    let mut lines = failed.lines();
    assert_eq!(lines.next(), Some("slashid:emails,slashid:error"));
    let row = lines.next().expect("the taken row");
    assert!(row.starts_with(&format!("{taken},")), "{row}");
    assert!(row.contains("already belongs to a person"), "{row}");
    assert_eq!(lines.next(), None);
    person_with_email(&api, &fresh).await;
}

#[tokio::test]
async fn a_row_without_a_handle_or_with_attributes_that_are_not_json_fails_alone() {
    let api = Api::of(&Tenant::create(app().await).await);
    let good = unique_email();
    let csv = format!(
        "slashid:emails,slashid:attributes\n,\n{}, not json\n{good},\n",
        unique_email()
    );

    let r = import(&api, &csv).await;

    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.result()["successful_imports"], 1);
    assert_eq!(r.result()["failed_imports"], 2);
    let failed = r.result()["failed_csv"].as_str().expect("the failed rows");
    assert!(failed.contains("at least one handle"), "{failed}");
    assert!(failed.contains("JSON object"), "{failed}");
}

#[tokio::test]
async fn a_body_that_is_not_a_multipart_csv_file_is_a_400() {
    let api = Api::demo();

    let r = api
        .send_raw(
            "POST",
            "/persons/bulk-import",
            "text/csv",
            b"slashid:emails\na@b.c\n".to_vec(),
        )
        .await;

    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(r.error().contains("multipart/form-data"), "{}", r.error());
}

#[tokio::test]
async fn a_file_without_a_handle_column_is_a_400() {
    let api = Api::demo();

    let r = import(&api, "slashid:region\nus-iowa\n").await;

    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(r.error().contains("needs a handle"), "{}", r.error());
}

#[tokio::test]
async fn a_file_of_more_than_a_thousand_rows_is_refused_before_any_write() {
    let api = Api::of(&Tenant::create(app().await).await);
    let first = unique_email();
    let mut csv = format!("slashid:emails\n{first}\n");
    for i in 0..1000 {
        csv.push_str(&format!("row{i}-{first}\n"));
    }

    let r = import(&api, &csv).await;

    assert_eq!(r.status, 400, "{:?}", r.body);
    assert!(r.error().contains("at most 1000"), "{}", r.error());
    assert!(email_is_free(&api, &first).await, "nothing was imported");
}

#[tokio::test]
async fn another_organizations_key_imports_nothing_into_the_demo_org() {
    let other = Tenant::create(app().await).await;
    let intruder = Api::new(DEMO_ORG, &other.api_key);
    let email = unique_email();

    let r = import(&intruder, &format!("slashid:emails\n{email}\n")).await;

    assert_eq!(r.status, 403, "{:?}", r.body);
    assert!(email_is_free(&Api::demo(), &email).await);
}

#[tokio::test]
async fn a_rows_groups_are_joined_and_a_row_naming_a_missing_group_fails_alone() {
    let api = Api::of(&Tenant::create(app().await).await);
    let group = format!("g-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    assert_eq!(
        api.post("/groups", &json!({"name": group})).await.status,
        201
    );
    let (joins, fails) = (unique_email(), unique_email());
    let csv =
        format!("slashid:emails,slashid:groups\n{joins},{group}\n{fails},\"{group},no-such\"\n");

    let r = import(&api, &csv).await;

    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.result()["successful_imports"], 1);
    assert_eq!(r.result()["failed_imports"], 1);
    let failed = r.result()["failed_csv"].as_str().expect("the failed rows");
    assert!(failed.contains("no-such"), "{failed}");
    let id = person_with_email(&api, &joins).await["person_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let members = api.get(&format!("/groups/{group}/persons")).await;
    assert_eq!(members.result(), &json!([id]));
    assert!(email_is_free(&api, &fails).await);
}
