//! SailPoint's seed read, `GET /v3/roles/{id}/assigned-identities`: parameters, errors, paging,
//! and a property test that DynamoDB Local's answers equal a plain in-memory oracle.

use std::cmp::Ordering;

use idgraph::filter::{self, Expr, Op};
use idgraph::ids::RoleId;
use idgraph::role::{MemberFilter, Paging, Sorters};
use idgraph::store::assignments;
use integration_tests::{DEMO_ROLE, SailPoint, SailPointTenant, app};
use serde_json::json;

fn assigned(query: &str) -> String {
    format!("/v3/roles/{DEMO_ROLE}/assigned-identities?{query}")
}

#[tokio::test]
async fn bad_paging_sorters_and_filters_are_400_naming_the_problem() {
    let api = SailPoint::demo().await;
    for (query, mentions) in [
        ("limit=251", "limit"),
        ("offset=-1", "offset"),
        ("count=yes", "count"),
        ("sorters=created", "created"),
        ("filters=name%20ne%20x", "ne"),
        ("filters=created%20eq%201", "created"),
        ("filters=email%20co%20x", "co"),
        ("filters=name%20EQ%20x", "lowercase"),
        ("filters=name%20eq%20%22open", "unterminated"),
    ] {
        let reply = api.get(&assigned(query)).await;
        assert_eq!(reply.status, 400, "{query}");
        let (code, text) = reply.sailpoint_error();
        assert_eq!(code, "400.1 Bad Request Content");
        assert!(text.contains(mentions), "{query}: {text}");
    }
}

#[tokio::test]
async fn count_true_gives_the_filtered_total_in_x_total_count() {
    let api = SailPoint::demo().await;
    let reply = api
        .get(&assigned(
            "limit=1&count=true&filters=aliasName%20sw%20%22t.%22",
        ))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("x-total-count"), Some("1"));
    assert_eq!(reply.body[0]["aliasName"], "t.edison");
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn the_whole_role_is_counted_without_a_filter() {
    let reply = SailPoint::demo()
        .await
        .get(&assigned("limit=0&count=true"))
        .await;
    assert_eq!(reply.header("x-total-count"), Some("201"));
    assert_eq!(reply.body, json!([]));
}

#[tokio::test]
async fn an_offset_past_the_end_is_an_empty_page() {
    let reply = SailPoint::demo().await.get(&assigned("offset=5000")).await;
    assert_eq!((reply.status, reply.body.clone()), (200, json!([])));
}

#[tokio::test]
async fn an_unknown_role_is_404() {
    let reply = SailPoint::demo()
        .await
        .get("/v3/roles/2c91808c0000000000000000000000ff/assigned-identities")
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.sailpoint_error().0, "404 Not found");
}

#[tokio::test]
async fn the_sdk_2_paths_serve_the_same_page() {
    let api = SailPoint::demo().await;
    let q = "limit=5&sorters=-email";
    let v3 = api.get(&assigned(q)).await;
    let v1 = api
        .get(&format!("/roles/v1/{DEMO_ROLE}/assigned-identities?{q}"))
        .await;
    assert_eq!(v3.body, v1.body);
    assert_eq!(v3.body.as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn a_sorted_page_reads_in_proportion_to_offset_and_limit_not_the_role() {
    let app = app().await;
    let org = idgraph::store::orgs::Organization::root(
        idgraph::ids::OrgId::parse(integration_tests::DEMO_ORG).unwrap(),
        "demo",
    );
    let role = RoleId::parse(DEMO_ROLE).unwrap();
    let cost = |limit: usize| {
        let (org, role) = (org.clone(), role.clone());
        async move {
            let sorters = Sorters::parse(Some("-name")).unwrap();
            let paging = Paging {
                limit,
                offset: 0,
                count: true,
            };
            let (page, metrics) = idgraph::metrics::measured(async {
                assignments::assigned(&app.db, &org, &role, None, &sorters, paging).await
            })
            .await;
            assert_eq!(page.unwrap().members.len(), limit);
            metrics
        }
    };
    let small = cost(5).await;
    let large = cost(200).await;
    assert_eq!((small.calls, large.calls), (1, 1), "one Query each");
    assert!(
        small.capacity_units * 5.0 < large.capacity_units,
        "5 items cost {} RCU, 200 cost {}",
        small.capacity_units,
        large.capacity_units
    );
}

// ---- the oracle -------------------------------------------------------------------------------

/// xorshift: deterministic, so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

#[derive(Clone, Debug)]
struct Row {
    id: String,
    name: Option<String>,
    alias: Option<String>,
    email: Option<String>,
}

fn value(row: &Row, field: &str) -> String {
    match field {
        "id" => row.id.clone(),
        "name" => row.name.clone().unwrap_or_default().to_lowercase(),
        "aliasName" => row.alias.clone().unwrap_or_default().to_lowercase(),
        _ => row.email.clone().unwrap_or_default().to_lowercase(),
    }
}

fn holds(e: &Expr, row: &Row) -> bool {
    let want = |field: &str, v: &filter::Value| {
        if field == "id" {
            v.as_str().to_owned()
        } else {
            v.as_str().to_lowercase()
        }
    };
    match e {
        Expr::Or(xs) => xs.iter().any(|x| holds(x, row)),
        Expr::And(xs) => xs.iter().all(|x| holds(x, row)),
        Expr::Not(x) => !holds(x, row),
        Expr::Compare {
            field,
            op,
            value: v,
        } => {
            let (have, want) = (value(row, field), want(field, v));
            match op {
                Op::Eq => have == want,
                Op::Sw => have.starts_with(&want),
                Op::Co => have.contains(&want),
                _ => unreachable!(),
            }
        }
        Expr::In { field, values } => values.iter().any(|v| want(field, v) == value(row, field)),
        _ => unreachable!(),
    }
}

fn oracle(
    rows: &[Row],
    filter: Option<&str>,
    sorters: &[(&str, bool)],
    paging: Paging,
) -> (Vec<String>, usize) {
    let expr = filter.map(|f| filter::parse(f).unwrap());
    let mut hits: Vec<&Row> = rows
        .iter()
        .filter(|r| expr.as_ref().is_none_or(|e| holds(e, r)))
        .collect();
    let first_desc = sorters.first().is_some_and(|s| s.1);
    hits.sort_by(|a, b| {
        for (field, desc) in sorters.iter().copied().chain([("id", first_desc)]) {
            let o = value(a, field).cmp(&value(b, field));
            let o = if desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    let total = hits.len();
    let page = hits
        .into_iter()
        .skip(paging.offset)
        .take(paging.limit)
        .map(|r| r.id.clone())
        .collect();
    (page, total)
}

#[tokio::test]
async fn pages_from_dynamodb_equal_an_in_memory_oracle_for_random_queries() {
    let app = app().await;
    let t = SailPointTenant::create(app).await;
    let mut rng = Rng(0x5eed_1dea_u64);
    const NAMES: [&str; 6] = [
        "Ada Lovelace",
        "ada lovelace",
        "Alan Turing",
        "Grace Hopper",
        "Zoë Zed",
        "Al",
    ];
    let mut rows = Vec::new();
    for i in 0..36 {
        let name = (rng.below(6) > 0).then(|| NAMES[rng.below(NAMES.len())].to_owned());
        let alias = format!("{}{}", ["ada", "Al", "grace", "z"][rng.below(4)], i);
        let id = t.identity_with(app, name.as_deref(), &alias).await;
        rows.push(Row {
            id,
            // Without a display name an identity's name is its alias (docs/sailpoint.md).
            name: name.or_else(|| Some(alias.clone())),
            alias: Some(alias.clone()),
            email: Some(format!("{alias}@example.com")),
        });
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let role = RoleId::parse(&t.role("Oracle", &ids).await).unwrap();
    let fields = ["id", "name", "aliasName", "email"];
    let filters: Vec<String> = {
        let some_id = rows[3].id.clone();
        let other_id = rows[9].id.clone();
        vec![
            "name sw \"ada\"".into(),
            "name sw ADA".into(),
            "name eq \"al\"".into(),
            "name co \"o\"".into(),
            "aliasName sw \"al\"".into(),
            "email sw \"Z\"".into(),
            "email eq \"grace5@example.com\"".into(),
            format!("id eq \"{some_id}\""),
            format!("id in (\"{some_id}\",\"{other_id}\",\"missing\")"),
            "name sw \"a\" and not aliasName sw \"al\"".into(),
            "name co \"r\" or email sw \"z\"".into(),
            "(name sw \"g\" or name sw \"z\") and not name co \"zed\"".into(),
        ]
    };
    for case in 0..120 {
        let filter = (rng.below(5) > 0).then(|| filters[rng.below(filters.len())].clone());
        let mut sorters: Vec<(&str, bool)> = Vec::new();
        for _ in 0..rng.below(3) {
            let f = rng.pick(&fields);
            if !sorters.iter().any(|s| s.0 == f) {
                sorters.push((f, rng.below(2) == 1));
            }
        }
        let paging = Paging {
            limit: [0, 1, 3, 7, 250][rng.below(5)],
            offset: [0, 0, 2, 5, 30, 40][rng.below(6)],
            count: true,
        };
        let raw_sorters = sorters
            .iter()
            .map(|(f, d)| format!("{}{f}", if *d { "-" } else { "" }))
            .collect::<Vec<_>>()
            .join(",");
        let parsed_filter = filter.as_deref().map(|f| MemberFilter::parse(f).unwrap());
        let parsed_sorters =
            Sorters::parse((!raw_sorters.is_empty()).then_some(raw_sorters.as_str())).unwrap();
        let got = assignments::assigned(
            &app.db,
            &t.org,
            &role,
            parsed_filter.as_ref(),
            &parsed_sorters,
            paging,
        )
        .await
        .unwrap();
        let (want, total) = oracle(&rows, filter.as_deref(), &sorters, paging);
        let got_ids: Vec<String> = got
            .members
            .iter()
            .map(|m| m.id.as_str().to_owned())
            .collect();
        assert_eq!(
            got_ids, want,
            "case {case}: filters={filter:?} sorters={raw_sorters:?} {paging:?}"
        );
        assert_eq!(got.total, Some(total as u64), "case {case}: count");
    }
}
