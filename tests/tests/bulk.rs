//! The bulk tool (`idgraph-bulk`): import, generate and export against DynamoDB Local, each test
//! in a table of its own so that nothing else (the stream poller, other tests) writes there.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextMut, FinalizerInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::batch_write_item::{BatchWriteItemInput, BatchWriteItemOutput};
use aws_sdk_dynamodb::types::WriteRequest;
use idgraph::App;
use idgraph::db::Item;
use idgraph::ids::{DocumentId, OrgId};
use idgraph::store::search::{self, Index};
use idgraph_bulk::generate::{self, Spec};
use idgraph_bulk::import::{self, Options, Summary};
use idgraph_bulk::record::Record;
use indicatif::ProgressBar;
use integration_tests::{app, repo_root};

/// An App like the functions', on a new table made from template.yaml, with the bulk tool's
/// timeouts (a busy DynamoDB Local takes seconds to create a table).
async fn app_on_fresh_table(client: Option<aws_sdk_dynamodb::Client>) -> &'static App {
    let base = app().await;
    let client = client.unwrap_or_else(|| base.db.client.clone());
    let client = aws_sdk_dynamodb::Client::from_conf(
        client
            .config()
            .to_builder()
            .timeout_config(idgraph_bulk::timeouts())
            .build(),
    );
    let table = format!("bulk-{}", uuid::Uuid::new_v4());
    let template = std::fs::read_to_string(repo_root().join("template.yaml")).expect("template");
    let spec = devstack::table::spec_from_template(&template).expect("table spec");
    devstack::table::create(&client, &table, &spec)
        .await
        .expect("table created");
    let mut config = base.config.clone();
    config.table_name = table;
    Box::leak(Box::new(App::new(config, client)))
}

fn small_spec(seed: u64) -> Spec {
    Spec {
        seed,
        orgs: 1,
        persons: 12,
        attributes: 4,
        permissions: 5,
        role_sizes: vec![3, 9],
        documents: 2,
        sso_users: 2,
        credentials: generate::Credentials::FromSeed,
    }
}

fn generated(spec: &Spec) -> String {
    let mut out = Vec::new();
    generate::generate(spec, &mut out).expect("generated");
    String::from_utf8(out).expect("utf-8")
}

async fn import_text(app: &App, text: &str, strict: bool) -> Summary {
    let opts = Options {
        strict,
        ..Options::default()
    };
    import::import(app, text.as_bytes(), &opts, &ProgressBar::hidden())
        .await
        .expect("import ran")
}

fn records(text: &str) -> Vec<Record> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a record"))
        .collect()
}

async fn export(app: &App, org: &str) -> Vec<Record> {
    idgraph_bulk::export::export(app, &OrgId::parse(org).expect("org id"))
        .await
        .expect("exported")
}

/// Every item of the org's partitions, in key order: what "nothing changed" is checked against.
async fn raw_items(app: &App, org: &str) -> Vec<Item> {
    let mut items = app
        .db
        .scan_partitions(&[org.to_owned()], 1)
        .await
        .expect("scanned");
    let key = |i: &Item| format!("{:?}{:?}", i.get("pk"), i.get("sk"));
    items.sort_by_key(key);
    items
}

/// A generated SSO user has no data key: import mints one. Everything else comes back as given.
fn without_minted_keys(mut exported: Vec<Record>) -> Vec<Record> {
    for r in &mut exported {
        if let Record::SsoUser { wrapped_key, .. } = r {
            assert!(
                !wrapped_key.is_empty(),
                "an imported SSO user has a data key"
            );
            wrapped_key.clear();
        }
    }
    exported
}

#[tokio::test]
async fn a_generated_directory_is_exported_exactly_as_it_was_imported() {
    let app = app_on_fresh_table(None).await;
    let spec = small_spec(11);
    let text = generated(&spec);

    let summary = import_text(app, &text, false).await;
    let exported = export(app, &generate::org_id(&spec, 0)).await;

    assert!(summary.bad.is_empty(), "{:?}", summary.bad);
    assert_eq!(without_minted_keys(exported), records(&text));
}

#[tokio::test]
async fn an_export_imported_elsewhere_exports_identically() {
    let first = app_on_fresh_table(None).await;
    let spec = small_spec(12);
    import_text(first, &generated(&spec), false).await;
    let exported = export(first, &generate::org_id(&spec, 0)).await;
    let text: String = exported.iter().map(|r| r.to_line() + "\n").collect();
    let second = app_on_fresh_table(None).await;

    let summary = import_text(second, &text, false).await;

    assert!(summary.bad.is_empty(), "{:?}", summary.bad);
    assert_eq!(export(second, &generate::org_id(&spec, 0)).await, exported);
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing() {
    let app = app_on_fresh_table(None).await;
    let spec = small_spec(13);
    let org = generate::org_id(&spec, 0);
    let text = generated(&spec);
    import_text(app, &text, false).await;
    let before = raw_items(app, &org).await;

    let again = import_text(app, &text, false).await;

    assert!(again.bad.is_empty(), "{:?}", again.bad);
    let after = raw_items(app, &org).await;
    let changed: Vec<_> = after.iter().filter(|i| !before.contains(i)).collect();
    assert_eq!(after.len(), before.len());
    assert!(changed.is_empty(), "changed: {changed:?}");
}

#[tokio::test]
async fn role_member_counts_equal_the_imported_memberships() {
    let app = app_on_fresh_table(None).await;
    let spec = small_spec(14);

    let summary = import_text(app, &generated(&spec), false).await;

    let counts: Vec<u64> = summary.recounted.values().copied().collect();
    assert_eq!(counts, vec![3, 9]);
}

const BAD_FILE: &str = r#"{"type":"organization","id":"0badf11e-0000-4000-8000-000000000001","name":"Bad Lines","api_key":"bad-lines-key"}
{"type":"person","org":"0badf11e-0000-4000-8000-000000000001"
{"type":"group","org":"0badf11e-0000-4000-8000-000000000001","id":"g"}
{"type":"person","org":"0badf11e-0000-4000-8000-000000000001","id":"has space","active":true,"region":"us-iowa","handles":[]}
{"type":"person","org":"0badf11e-0000-4000-8000-000000000001","id":"good-person","active":true,"region":"us-iowa","handles":[{"type":"email_address","value":"good.person@example.com"}]}
{"type":"assignment","org":"0badf11e-0000-4000-8000-000000000001","role":"0000000000000000000000000000beef","person":"good-person","sources":["ACCESS_REQUEST"]}
{"type":"document","org":"0badf11e-0000-4000-8000-000000000001","index":"accounts","doc":{"id":"acc-1","_type":"account","name":"kept"}}
"#;

/// Whether BAD_FILE's last line, a good document after the bad lines, is in the table.
async fn last_line_imported(app: &App) -> bool {
    let org = OrgId::parse("0badf11e-0000-4000-8000-000000000001").unwrap();
    let id = DocumentId::parse("acc-1").unwrap();
    search::get(&app.db, &org, Index::Accounts, &id)
        .await
        .expect("read")
        .is_some()
}

#[tokio::test]
async fn bad_lines_are_reported_with_their_numbers_and_reasons_and_the_rest_imported() {
    let app = app_on_fresh_table(None).await;

    let summary = import_text(app, BAD_FILE, false).await;

    let lines: Vec<usize> = summary.bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 6], "{:?}", summary.bad);
    assert!(
        summary.bad[1].reason.contains("group"),
        "{:?}",
        summary.bad[1]
    );
    assert!(
        summary.bad[2].reason.contains("person id"),
        "{:?}",
        summary.bad[2]
    );
    assert!(
        summary.bad[3].reason.contains("does not exist"),
        "{:?}",
        summary.bad[3]
    );
    assert!(
        last_line_imported(app).await,
        "the line after the bad ones was imported"
    );
}

#[tokio::test]
async fn strict_mode_stops_at_the_first_bad_line() {
    let app = app_on_fresh_table(None).await;

    let summary = import_text(app, BAD_FILE, true).await;

    assert!(summary.stopped);
    assert_eq!(
        summary.bad.iter().map(|b| b.line).collect::<Vec<_>>(),
        vec![2]
    );
    assert!(
        !last_line_imported(app).await,
        "nothing after the bad line was imported"
    );
}

/// Makes DynamoDB look overloaded: the first `times` BatchWriteItem calls send only half their
/// items and hand the rest back as `UnprocessedItems`, as DynamoDB does under pressure. Clones
/// share their counters: the SDK takes one, the test reads another.
#[derive(Debug, Default, Clone)]
struct HalfUnprocessed {
    times: usize,
    calls: Arc<AtomicUsize>,
    handed_back: Arc<AtomicUsize>,
    held: Arc<Mutex<HashMap<String, Vec<WriteRequest>>>>,
}

impl Intercept for HalfUnprocessed {
    fn name(&self) -> &'static str {
        "HalfUnprocessed"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(input) = context.input_mut().downcast_mut::<BatchWriteItemInput>() else {
            return Ok(());
        };
        if self.calls.fetch_add(1, Ordering::SeqCst) >= self.times {
            return Ok(());
        }
        let mut held = self.held.lock().unwrap();
        for (table, requests) in input.request_items.iter_mut().flatten() {
            let keep = requests.len().div_ceil(2);
            let rest = requests.split_off(keep);
            self.handed_back.fetch_add(rest.len(), Ordering::SeqCst);
            held.insert(table.clone(), rest);
        }
        Ok(())
    }

    fn modify_before_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(Ok(output)) = context.output_or_error_mut()
            && let Some(out) = output.downcast_mut::<BatchWriteItemOutput>()
        {
            let held = std::mem::take(&mut *self.held.lock().unwrap());
            if !held.is_empty() {
                out.unprocessed_items = Some(held);
            }
        }
        Ok(())
    }
}

#[tokio::test]
async fn unprocessed_items_are_retried_until_every_record_is_written() {
    let base = app().await;
    let interceptor = HalfUnprocessed {
        times: 4,
        ..HalfUnprocessed::default()
    };
    let conf = base
        .db
        .client
        .config()
        .to_builder()
        .interceptor(interceptor.clone())
        .build();
    let app = app_on_fresh_table(Some(aws_sdk_dynamodb::Client::from_conf(conf))).await;
    let org = "0badf11e-0000-4000-8000-00000000beef";
    let mut text = format!(
        "{{\"type\":\"organization\",\"id\":\"{org}\",\"name\":\"Retry\",\"api_key\":\"retry-key\"}}\n"
    );
    for d in 0..40 {
        text += &format!(
            "{{\"type\":\"document\",\"org\":\"{org}\",\"index\":\"events\",\"doc\":{{\"id\":\"ev-{d}\",\"_type\":\"event\"}}}}\n"
        );
    }

    let summary = import_text(app, &text, false).await;

    assert!(summary.bad.is_empty(), "{:?}", summary.bad);
    assert!(
        interceptor.handed_back.load(Ordering::SeqCst) > 0,
        "the retry path ran"
    );
    let exported = export(app, org).await;
    let docs = exported.iter().filter(|r| r.kind() == "document").count();
    assert_eq!(docs, 40);
}

#[test]
fn the_same_seed_generates_the_same_directory_and_another_seed_another() {
    let a = generated(&small_spec(21));

    let b = generated(&small_spec(21));
    let c = generated(&small_spec(22));

    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn a_large_role_streams_out_without_the_directory_in_memory() {
    let spec = Spec {
        seed: 5,
        orgs: 1,
        persons: 0,
        attributes: 0,
        permissions: 0,
        role_sizes: vec![100_000],
        documents: 0,
        sso_users: 0,
        credentials: generate::Credentials::FromSeed,
    };
    let mut assignments = 0usize;
    struct Counter<'a>(&'a mut usize);
    impl std::io::Write for Counter<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            *self.0 += buf.iter().filter(|b| **b == b'\n').count();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let written = generate::generate(&spec, &mut Counter(&mut assignments)).expect("generated");

    // One org, its persons, one role and as many assignments: counted as they stream past
    // (bench/run generates the million-member role).
    assert_eq!(written, 200_002);
    assert_eq!(assignments, 200_002);
}
