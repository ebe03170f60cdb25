//! Section 5: `GET /v3/roles/{id}/assigned-identities` on roles of 1k to 1M members — the first
//! page and the page at offset 1,000 for each sorter both ways, `sw`, `co` and `count=true` —
//! with the latency and the items DynamoDB read. The roles live in a persistent DynamoDB Local
//! (`bench/run` keeps its files), loaded once: the member items only, with their denormalized
//! identity fields, which is all this endpoint reads (the persons themselves are not written).

use std::time::Instant;

use futures_util::StreamExt;
use idgraph::App;
use idgraph::db::Item;
use idgraph::ids::{OrgId, PersonId, RoleId};
use idgraph::role::{IdentityFields, RoleBody, Source};
use idgraph::store::orgs::{self, Organization};
use idgraph::store::roles;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::capture::Recorder;
use crate::handlers;
use crate::report::{self, Table, quantile_ms};
use crate::scenarios::{BenchError, Scenarios, request_of, set_path};

pub(crate) const DEMO_ORG: &str = "af5fbd30-7ce7-4548-8b30-4cd59cb2aba1";
pub(crate) const DEMO_IDENTITY: &str = "2c9180a46faadee4016fb4e018c20639";
const FUNCTION: &str = "sailpoint-assigned-identities";

fn role_id(size: usize) -> RoleId {
    RoleId::parse(&format!("5ca1e{size:027}")).expect("a valid role id")
}

/// Creates each role of `sizes` members unless it is there with that many already.
pub async fn load(app: &App, sizes: &[usize]) -> Result<(), BenchError> {
    let org_id = OrgId::parse(DEMO_ORG)?;
    let org = orgs::get(&app.db, &org_id)
        .await?
        .ok_or("the demo org is not seeded")?;
    for &size in sizes {
        let id = role_id(size);
        if roles::get(&app.db, &org, &id).await?.is_none() {
            let body = RoleBody::parse(json!({
                "name": format!("Scale {size}"),
                "owner": {"type": "IDENTITY", "id": DEMO_IDENTITY},
            }))?;
            let now = idgraph::faces::sailpoint::now_iso();
            roles::create(&app.db, &org, id.clone(), body, &now).await?;
        }
        // Member items are written without the count, and only the load's last step sets it: so
        // it equals `size` exactly when a load finished.
        let stored = roles::stored_member_count(&app.db, &org, &id).await?;
        if stored == size as u64 {
            eprintln!("role of {size} members: already loaded");
            continue;
        }
        let started = Instant::now();
        // Made a batch at a time, in order from one rng: a million members never sit in memory.
        let mut rng = ChaCha8Rng::seed_from_u64(size as u64);
        let mut next = 0;
        let batches = std::iter::from_fn(|| {
            let batch: Vec<_> = (next..(next + 500).min(size))
                .map(|i| member(&org, &id, &mut rng, size, i))
                .collect();
            next += batch.len();
            (!batch.is_empty()).then_some(batch)
        });
        let mut written = 0usize;
        let mut writes = futures_util::stream::iter(batches)
            .map(|batch| async move {
                let batch = batch.into_iter().collect::<Result<Vec<_>, _>>()?;
                let n = batch.len();
                app.db.batch_put(batch).await?;
                Ok::<_, BenchError>(n)
            })
            .buffer_unordered(4);
        while let Some(done) = writes.next().await {
            written += done?;
            if written % 50_000 < 500 {
                eprintln!("role of {size} members: {written} written");
            }
        }
        // Every batch was written (batch_put resends what DynamoDB leaves unprocessed) and the
        // keys are the same on every run, so the tally is the count. Counting a million items
        // instead takes DynamoDB Local over an hour (18 s a page).
        roles::commit_member_count(&app.db, &org, &id, stored, written as u64).await?;
        eprintln!(
            "role of {size} members: {written} members in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Member `i` of the role of `size` members, its identity drawn from `rng`.
fn member(
    org: &Organization,
    role: &RoleId,
    rng: &mut ChaCha8Rng,
    size: usize,
    i: usize,
) -> Result<Item, BenchError> {
    let person = idgraph_bulk::generate::identity(rng, i);
    let fields = IdentityFields {
        name: person.name,
        alias: Some(person.username),
        email: Some(person.email),
        version: 1,
    };
    let pid = PersonId::parse(&idgraph_bulk::generate::person_id(size % 1000, i))?;
    Ok(roles::member_item(
        org,
        role,
        &pid,
        &fields,
        Source::RoleMembership,
    ))
}

struct Case {
    label: String,
    query: String,
    /// The members a page needs before it (offset + limit): smaller roles end sooner.
    reach: usize,
    /// Served by the table's or an LSI's order (or the sentinels): must not grow with the role.
    indexed: bool,
    /// A count under a filter: past `MAX_COUNT` matches the answer is the 400 that says so,
    /// after reading at most `MAX_COUNT + 1` items, and that is what the row then shows.
    may_refuse: bool,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for field in ["id", "name", "aliasName", "email"] {
        for sorter in [field.to_string(), format!("-{field}")] {
            for offset in [0, 1000] {
                cases.push(Case {
                    label: format!("sorters={sorter} offset={offset}"),
                    query: format!("limit=50&offset={offset}&sorters={sorter}"),
                    reach: offset + 50,
                    indexed: true,
                    may_refuse: false,
                });
            }
        }
    }
    cases.push(Case {
        label: "name sw \"ma\"".into(),
        query: "limit=50&filters=name%20sw%20%22ma%22&sorters=name".into(),
        reach: 50,
        indexed: true,
        may_refuse: false,
    });
    cases.push(Case {
        label: "count=true".into(),
        query: "limit=50&count=true".into(),
        reach: 50,
        indexed: true,
        may_refuse: false,
    });
    cases.push(Case {
        label: "name co \"son\"".into(),
        query: "limit=50&filters=name%20co%20%22son%22".into(),
        reach: 50,
        indexed: false,
        may_refuse: false,
    });
    cases.push(Case {
        label: "name sw \"ma\" count=true".into(),
        query: "limit=50&count=true&filters=name%20sw%20%22ma%22&sorters=name".into(),
        reach: 50,
        indexed: false,
        may_refuse: true,
    });
    cases
}

pub async fn run(
    app: &'static App,
    recorder: &Recorder,
    scenarios: &Scenarios,
    sizes: &[usize],
    reps: usize,
    out: &std::path::Path,
) -> Result<(), BenchError> {
    let mut data = Vec::new();
    let mut header = vec!["case".to_string()];
    header.extend(sizes.iter().map(|s| size_label(*s)));
    header.push("flat".into());
    let mut table = Table::new(
        "5. Assigned identities as roles grow",
        &format!(
            "`GET /v3/roles/{{id}}/assigned-identities`, `limit=50`, through the handler \
             in-process; median of {reps} calls, and the items DynamoDB read (`ScannedCount` of \
             every Query). Indexed paths (sorters by the table or an LSI, `sw` by an LSI prefix, \
             `count` from the sentinels) must stay flat — the same items read whatever the role's \
             size, once the role holds the page; `co`, and a count under a filter, read what \
             they match, a count at most 10,001 items (past 10,000 matches it is a 400)."
        ),
        &header.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    for case in cases() {
        let mut cells = vec![format!(
            "{}{}",
            case.label,
            if case.indexed { "" } else { " (unindexed)" }
        )];
        let mut reads = Vec::new();
        for &size in sizes {
            let mut event = scenarios.event(FUNCTION).await?;
            let id = role_id(size);
            set_path(
                &mut event,
                "id",
                id.as_str(),
                &format!("/v3/roles/{id}/assigned-identities", id = id.as_str()),
            );
            event["rawQueryString"] = json!(case.query);
            let mut took = Vec::new();
            let (mut items, mut calls, mut status) = (0, 0, 0);
            for _ in 0..reps {
                let req = request_of(&event)?;
                recorder.start();
                let started = Instant::now();
                let resp = handlers::respond(FUNCTION, app, req)
                    .await
                    .ok_or("no handler")?;
                took.push(started.elapsed());
                let (ops, read) = recorder.stop();
                (items, calls, status) = (read, ops.len(), resp.status().as_u16());
            }
            let p50 = quantile_ms(&took, 0.5);
            cells.push(if status == 200 {
                format!("{p50:.1} ms / {items} read")
            } else {
                format!("{status} in {p50:.1} ms / {items} read")
            });
            if size > case.reach {
                reads.push(items);
            }
            data.push(json!({
                "case": case.label, "indexed": case.indexed, "size": size, "status": status,
                "p50_ms": p50, "items_read": items, "dynamodb_calls": calls,
            }));
            if status != 200 && !(case.may_refuse && status == 400) {
                return Err(format!("{} on {size} answered {status}", case.label).into());
            }
        }
        // Over the roles big enough to hold the page: a smaller one simply ends first.
        let flat = reads.iter().all(|r| *r == reads[0]);
        cells.push(if case.indexed {
            report::verdict(flat)
        } else if flat {
            "flat".into()
        } else {
            "grows".into()
        });
        table.row(cells);
    }
    report::write(out, "scale", &table, &json!(data))
}

fn size_label(size: usize) -> String {
    match size {
        s if s >= 1_000_000 && s % 1_000_000 == 0 => format!("{}M", s / 1_000_000),
        s if s >= 1_000 && s % 1_000 == 0 => format!("{}k", s / 1_000),
        s => s.to_string(),
    }
}
