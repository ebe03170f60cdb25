//! Entry points for hostile input: each takes raw bytes as a client could send them and runs
//! them through the same parsers the functions use, checking that the result is either a clean
//! refusal or a value that holds its own invariants. A panic here is a bug (a 500, or a dead
//! instance) that a request could trigger.
//!
//! The cargo-fuzz targets in `fuzz/` call these, and this module's test replays every committed
//! corpus file (`fuzz/corpus/<target>/`) through them on each test run, so a crash that was found
//! once stays fixed without the (slow) sanitizer build.

use std::collections::HashMap;

use lambda_http::{Body, Request, RequestExt};
use serde_json::Value;

use crate::attribute::{AttributeName, BucketName, default_buckets};
use crate::faces::slashid::PersonCreateReq;
use crate::filter;
use crate::ids::{DocumentId, OrgId, PersonId, RoleId};
use crate::permission::{IfMatch, PermissionName};
use crate::request::{Query, json_body, path_param};
use crate::role::{Member, MemberFilter, Paging, RoleBody, Sorters, Source};
use crate::sso::attrs::AttrRequest;
use crate::sso::input::{Expiration, Params, Username};
use crate::sso::{Ust, ZattrName};
use crate::store::buckets::BucketView;
use crate::store::search::Index;

/// A fuzz target: its name (and corpus directory's) and the function fed each input.
pub type Target = (&'static str, fn(&[u8]));

/// The targets, by the name of their fuzz target and corpus directory.
pub const TARGETS: [Target; 6] = [
    ("filter", filter),
    ("sorters", sorters),
    ("bucket_list", bucket_list),
    ("permission_name", permission_name),
    ("ids", ids),
    ("json_body", json_body_parsers),
];

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// A few members with awkward fields (missing, equal, non-ASCII) to match and sort.
fn members() -> Vec<Member> {
    let m = |id: &str, name: Option<&str>, alias: Option<&str>, email: Option<&str>| Member {
        id: PersonId::parse(id).expect("fixture ids are valid"),
        name: name.map(str::to_owned),
        alias: alias.map(str::to_owned),
        email: email.map(str::to_owned),
        source: Source::AccessRequest,
    };
    vec![
        m(
            "a1",
            Some("Thomas Edison"),
            Some("t.edison"),
            Some("t@example.com"),
        ),
        m("b2", Some("thomas edison"), None, None),
        m("c3", None, Some("Ünïcode"), Some("")),
        m(
            "d4",
            Some("İstanbul ß"),
            Some("t.edison"),
            Some("T@EXAMPLE.COM"),
        ),
    ]
}

/// SailPoint `filters`: the lenient and strict grammars, and the role members' allow-list.
pub fn filter(data: &[u8]) {
    let Some(raw) = text(data) else { return };
    let lenient = filter::parse(raw);
    if let Ok(strict) = filter::parse_strict(raw) {
        // Strict only refuses upper-case keywords; what it accepts means the same leniently.
        assert_eq!(
            lenient.as_ref().ok(),
            Some(&strict),
            "strict and lenient disagree"
        );
    }
    if let Ok(expr) = &lenient {
        let _ = expr.comparisons();
    }
    if let Ok(f) = MemberFilter::parse(raw) {
        for m in members() {
            let _ = f.matches(&m);
        }
    }
}

/// `sorters` and the paging parameters of a collection query string.
pub fn sorters(data: &[u8]) {
    let Some(raw) = text(data) else { return };
    if let Ok(s) = Sorters::parse(Some(raw)) {
        let ms = members();
        for a in &ms {
            assert_eq!(
                s.compare(a, a),
                std::cmp::Ordering::Equal,
                "an order must be reflexive"
            );
            for b in &ms {
                assert_eq!(
                    s.compare(a, b),
                    s.compare(b, a).reverse(),
                    "an order must be antisymmetric"
                );
            }
        }
        let _ = (s.primary(), s.is_single());
    }
    if let Ok(q) = Query::parse(raw) {
        if let Ok(p) = Paging::parse(&q) {
            assert!(p.limit <= crate::role::MAX_LIMIT);
            assert!(p.offset + p.limit <= crate::role::MAX_PAGE_END);
        }
        if let Ok(Some(s)) = q.single("sorters") {
            let _ = Sorters::parse(Some(s));
        }
    }
}

/// `?buckets=a,b` (and `attributes=`): the query string, the comma list and the bucket view.
pub fn bucket_list(data: &[u8]) {
    let Some(raw) = text(data) else { return };
    let Ok(q) = Query::parse(raw) else { return };
    let view = BucketView {
        accessible: default_buckets(),
        private_to_others: vec![BucketName::parse("private_bucket").expect("valid")],
    };
    if let Ok(Some(names)) = q.comma_list("buckets") {
        assert!(
            names.iter().all(|n| !n.is_empty()),
            "empty items are refused"
        );
        if let Ok(buckets) = view.resolve(Some(&names)) {
            let mut seen = buckets.clone();
            seen.dedup();
            assert_eq!(
                seen.len(),
                buckets.len(),
                "a bucket named twice is listed once"
            );
        }
    }
    let _ = crate::faces::slashid::attribute_names(&q);
}

/// SlashID permission names, in a body or as a percent-encoded path segment, and `If-Match`.
pub fn permission_name(data: &[u8]) {
    let Some(raw) = text(data) else { return };
    if let Ok(name) = PermissionName::parse(raw) {
        assert_eq!(name.as_str(), raw);
        assert!(!raw.contains('#'), "a permission name is part of a key");
    }
    if let Ok(decoded) = path_param(&with_path("permission_name", raw), "permission_name") {
        let _ = PermissionName::parse(&decoded);
    }
    let _ = IfMatch::parse(raw);
}

/// Every id and name that arrives in a path, header, query or token.
pub fn ids(data: &[u8]) {
    let Some(raw) = text(data) else { return };
    if let Ok(id) = OrgId::parse(raw) {
        assert_eq!(
            OrgId::parse(id.as_str()).as_ref(),
            Ok(&id),
            "canonical form re-parses"
        );
    }
    for parsed in [
        PersonId::parse(raw).map(|i| i.as_str().to_owned()),
        RoleId::parse(raw).map(|i| i.as_str().to_owned()),
        DocumentId::parse(raw).map(|i| i.as_str().to_owned()),
    ]
    .into_iter()
    .flatten()
    {
        assert_eq!(parsed, raw);
        assert!(
            !parsed.contains('#') && !parsed.contains('/'),
            "ids are key and path safe"
        );
    }
    if let Ok(b) = BucketName::parse(raw) {
        assert!(!b.as_str().contains('#'));
    }
    let _ = AttributeName::parse(raw);
    let _ = Index::parse(raw);
    let _ = ZattrName::parse(raw);
    let _ = Username::parse(raw);
    if let Ok(ust) = Ust::parse(raw) {
        let _ = ust.hash();
    }
    let keys = fuzz_token_keys();
    let now = crate::jwt::now();
    let _ = crate::jwt::verify_with(keys, now, raw);
    let _ = crate::jwt::verify_with(keys, now, raw.trim_start_matches("Bearer "));
}

/// One verification key for the whole run: generating a key per input would swamp the fuzzer.
fn fuzz_token_keys() -> &'static [(crate::jwt::Kid, crate::jwt::PublicKey)] {
    static KEYS: std::sync::OnceLock<Vec<(crate::jwt::Kid, crate::jwt::PublicKey)>> =
        std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let kid = crate::jwt::Kid::parse("k1").expect("a valid kid");
        let (key, _) = crate::jwt::LocalSigningKey::generate(kid.clone());
        vec![(kid, key.public_key())]
    })
}

/// A request body: read as JSON the way every function reads it, then through each face's body
/// parser (persons, bucketed attributes, roles, JSON patches, Zato parameters, stream events).
pub fn json_body_parsers(data: &[u8]) {
    let req = with_body(data);
    let Ok(doc) = json_body::<Value>(&req) else {
        return;
    };
    let view = BucketView {
        accessible: default_buckets(),
        private_to_others: vec![],
    };
    if let Ok(p) = serde_json::from_value::<PersonCreateReq>(doc.clone()) {
        let _ = p.validate(PersonId::new_random(), "us-iowa", &view);
    }
    if let Value::Object(map) = &doc {
        let _ = crate::faces::slashid::bucketed_attributes(&view, map.clone());
        if let Ok(bucket) = view.one("end_user_read_write") {
            let mut out = Vec::new();
            let _ = crate::faces::slashid::bucket_attributes(&bucket, map.clone(), &mut out);
        }
    }
    if let Ok(role) = RoleBody::parse(doc.clone()) {
        assert!(role.members.len() <= crate::role::MAX_IDENTITY_LIST);
    }
    if let Ok(patch) = crate::role::RolePatch::parse(doc.clone()) {
        let role = RoleBody::parse(serde_json::json!({"name": "r", "owner": {"id": "o"}}))
            .expect("a valid role");
        if let Ok(patched) = patch.apply(&role.doc) {
            // What a patch leaves is stored as JSON text and must read back.
            let text = Value::Object(patched.doc).to_string();
            assert!(text.len() <= crate::role::MAX_ROLE_BYTES);
            assert!(
                serde_json::from_str::<Value>(&text).is_ok(),
                "a patched role must read back"
            );
        }
    }
    let _ = serde_json::from_value::<crate::projection::StreamEvent>(doc.clone());
    zato(&req);
}

fn zato(req: &Request) {
    let Ok(params) = Params::from_request(req) else {
        return;
    };
    let _ = params.flag("encrypt");
    let _ = params.expiration();
    let _ = params.user_id();
    let _ = Expiration::parse(params.get("expiration"));
    let _ = params.current_app(&["CRM".to_owned()]);
    let Ok(ust) = params.ust() else { return };
    let owner = match params.user_id().ok().flatten() {
        Some(user) => crate::store::sso_attrs::Owner::User(user),
        None => crate::store::sso_attrs::Owner::Session(ust.clone()),
    };
    let attrs = AttrRequest {
        org: OrgId::new_random(),
        ust,
        owner,
        params,
    };
    let _ = attrs.names_to_read();
    let _ = attrs.values(true);
    let _ = attrs.values(false);
    let _ = attrs.decrypt();
}

fn with_body(data: &[u8]) -> Request {
    let mut req = Request::new(Body::Binary(data.to_vec()));
    req.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    req
}

fn with_path(name: &str, value: &str) -> Request {
    Request::new(Body::Empty)
        .with_path_parameters(HashMap::from([(name.to_owned(), value.to_owned())]))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::TARGETS;

    fn fuzz_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
    }

    #[test]
    fn every_committed_corpus_input_is_parsed_without_a_panic() {
        let mut replayed = 0;
        for (target, run) in TARGETS {
            let dir = fuzz_dir().join("corpus").join(target);
            let files: Vec<_> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("corpus of {target} at {}: {e}", dir.display()))
                .map(|entry| entry.expect("readable corpus entry").path())
                .collect();
            assert!(!files.is_empty(), "the corpus of {target} is empty");
            for file in files {
                let data = std::fs::read(&file).expect("readable corpus file");
                let outcome = std::panic::catch_unwind(|| run(&data));
                assert!(outcome.is_ok(), "{target} panicked on {}", file.display());
                replayed += 1;
            }
        }
        assert!(replayed >= TARGETS.len());
    }

    #[test]
    fn every_entry_point_has_a_fuzz_target_and_a_corpus() {
        for (target, _) in TARGETS {
            let source = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
            assert!(source.is_file(), "no fuzz target {}", source.display());
            assert!(
                fuzz_dir().join("corpus").join(target).is_dir(),
                "no corpus for {target}"
            );
        }
    }
}
