//! SailPoint roles and their assigned identities, as values: the request inputs of the role
//! endpoints parsed into types (paging, sorters, the allowed filters, role bodies), and the
//! ordering and matching rules that both the DynamoDB plan and the tests' oracle follow.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::filter::{self, Expr, Op};
use crate::ids::PersonId;
use crate::keys::sort_value;
use crate::person::{HandleKind, Person};
use crate::request::Query;

/// How an identity came to have a role (SailPoint's `RoleAssignmentSourceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    AccessRequest,
    RoleMembership,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessRequest => "ACCESS_REQUEST",
            Self::RoleMembership => "ROLE_MEMBERSHIP",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "ACCESS_REQUEST" => Some(Self::AccessRequest),
            "ROLE_MEMBERSHIP" => Some(Self::RoleMembership),
            _ => None,
        }
    }
}

/// A role member as `RoleIdentity` shows it: the person's fields, copied when the member is
/// written and kept current by the stream consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: PersonId,
    pub name: Option<String>,
    pub alias: Option<String>,
    pub email: Option<String>,
    pub source: Source,
}

/// The identity fields of a person as SailPoint shows them (docs/sailpoint.md, "A SlashID person
/// as an identity"). `aliasName` is the account name: the `username` handle, else the email
/// address, else the phone number, else the person id. `name` is the display name, else the
/// `aliasName`. Both are always strings, as the SDKs type them; `email` is the first
/// `email_address` handle, absent when there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityFields {
    pub name: Option<String>,
    pub alias: Option<String>,
    pub email: Option<String>,
    /// The profile version they were read at.
    pub version: u64,
}

impl IdentityFields {
    pub fn of(person: &Person) -> Self {
        let first = |kind| {
            person
                .handles
                .iter()
                .find(|h| h.kind() == kind)
                .map(|h| h.value().to_owned())
        };
        let email = first(HandleKind::EmailAddress);
        let alias = first(HandleKind::Username)
            .or_else(|| email.clone())
            .or_else(|| first(HandleKind::PhoneNumber))
            .unwrap_or_else(|| person.id.as_str().to_owned());
        Self {
            name: Some(
                person
                    .name
                    .as_ref()
                    .map_or_else(|| alias.clone(), |n| n.as_str().to_owned()),
            ),
            alias: Some(alias),
            email,
            version: person.version,
        }
    }
}

impl Member {
    /// A `RoleIdentity`. A member written before names were always set (a null in the table)
    /// shows its id rather than a null the SDKs do not expect; no email is no `email`.
    pub fn to_json(&self) -> Value {
        let id = self.id.as_str();
        let mut json = json!({
            "id": id,
            "aliasName": self.alias.as_deref().unwrap_or(id),
            "name": self.name.as_deref().or(self.alias.as_deref()).unwrap_or(id),
            "roleAssignmentSource": self.source.as_str(),
        });
        if let Some(email) = &self.email {
            json["email"] = Value::from(email.as_str());
        }
        json
    }

    fn field(&self, f: SortField) -> Option<&str> {
        match f {
            SortField::Id => Some(self.id.as_str()),
            SortField::Name => self.name.as_deref(),
            SortField::AliasName => self.alias.as_deref(),
            SortField::Email => self.email.as_deref(),
        }
    }

    /// The value a field sorts and matches by: ids exactly, other fields lowercased, with
    /// null the same as "".
    pub fn sort_value(&self, f: SortField) -> String {
        match f {
            SortField::Id => self.id.as_str().to_owned(),
            _ => sort_value(self.field(f)),
        }
    }
}

// ---- paging ---------------------------------------------------------------------------------

pub const MAX_LIMIT: usize = 250;

/// The deepest a page may reach, `offset + limit`: SailPoint's search stops offset paging at
/// the same 10,000 records. A page costs O(offset + limit) items read (and, in memory,
/// O(limit)), so this bounds what one request can make DynamoDB read, however large the role
/// or the organization.
pub const MAX_PAGE_END: usize = 10_000;

/// The most items `count=true` may count. Past it the answer is a 400 saying so, never a
/// truncated total presented as exact: DynamoDB counts by reading, so a count costs O(matches).
pub const MAX_COUNT: usize = 10_000;

/// SailPoint's standard collection paging: `limit` 0..=250 (default 250), `offset` ≥ 0,
/// `count` `true`/`false`, and `offset + limit` at most [`MAX_PAGE_END`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub limit: usize,
    pub offset: usize,
    pub count: bool,
}

impl Paging {
    pub fn parse(q: &Query) -> Result<Self, ApiError> {
        Self::parse_up_to(q, MAX_LIMIT)
    }

    /// With the operation's own `limit` bound, which is also its default (50 for `listRoles`).
    pub fn parse_up_to(q: &Query, max_limit: usize) -> Result<Self, ApiError> {
        Self::parse_with(q, max_limit, max_limit)
    }

    /// With a default `limit` below its bound (search: 250 of at most 10,000).
    pub fn parse_with(q: &Query, default_limit: usize, max_limit: usize) -> Result<Self, ApiError> {
        let bad = |m: String| ApiError::BadRequest(m);
        let number = |name: &str, default: usize| -> Result<usize, ApiError> {
            match q.single(name)? {
                None => Ok(default),
                Some(raw) => raw
                    .parse::<usize>()
                    .ok()
                    .filter(|n| i32::try_from(*n).is_ok())
                    .ok_or_else(|| bad(format!("{name} must be a whole number ≥ 0, not {raw:?}"))),
            }
        };
        let limit = number("limit", default_limit)?;
        if limit > max_limit {
            return Err(bad(format!(
                "limit must be between 0 and {max_limit}, not {limit}"
            )));
        }
        let offset = number("offset", 0)?;
        if offset.saturating_add(limit) > MAX_PAGE_END {
            let defaulted = if q.contains("limit") {
                ""
            } else {
                " (the default limit)"
            };
            return Err(bad(format!(
                "offset + limit may be at most {MAX_PAGE_END}, not {offset} + {limit}{defaulted}; pages deeper than that are not served"
            )));
        }
        let count = match q.single("count")? {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => return Err(bad(format!("count must be true or false, not {other:?}"))),
        };
        Ok(Self {
            limit,
            offset,
            count,
        })
    }
}

// ---- sorters --------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortField {
    Id,
    Name,
    AliasName,
    Email,
}

impl SortField {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "id" => Some(Self::Id),
            "name" => Some(Self::Name),
            "aliasName" => Some(Self::AliasName),
            "email" => Some(Self::Email),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Name => "name",
            Self::AliasName => "aliasName",
            Self::Email => "email",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sorter {
    pub field: SortField,
    pub descending: bool,
}

/// `sorters=aliasName,-name`: later keys break ties; then `id`, in the first sorter's
/// direction, so every order is total and offset paging deterministic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sorters(Vec<Sorter>);

impl Sorters {
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let Some(raw) = raw else {
            return Ok(Self(vec![]));
        };
        let parsed = filter::parse_sorters(
            raw,
            SortField::parse,
            "sort by id, name, aliasName or email",
        )
        .map_err(ApiError::BadRequest)?;
        Ok(Self(
            parsed
                .into_iter()
                .map(|(field, descending)| Sorter { field, descending })
                .collect(),
        ))
    }

    /// The sorter that picks the index; `id` ascending when none is given.
    pub fn primary(&self) -> Sorter {
        self.0.first().copied().unwrap_or(Sorter {
            field: SortField::Id,
            descending: false,
        })
    }

    /// Whether the index order of the primary sorter is already the whole order.
    pub fn is_single(&self) -> bool {
        self.0.len() <= 1
    }

    /// The total order of members under these sorters.
    pub fn compare(&self, a: &Member, b: &Member) -> Ordering {
        let primary = self.primary();
        let keys = self.0.iter().copied().chain(std::iter::once(Sorter {
            field: SortField::Id,
            descending: primary.descending,
        }));
        for s in keys {
            let o = a.sort_value(s.field).cmp(&b.sort_value(s.field));
            let o = if s.descending { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

// ---- filters --------------------------------------------------------------------------------

/// The fields and operators `assigned-identities` filters on, as its spec lists them.
const ALLOWED: [(&str, &[&str]); 4] = [
    ("id", &["eq", "in"]),
    ("aliasName", &["eq", "sw"]),
    ("email", &["eq", "sw"]),
    ("name", &["eq", "sw", "co"]),
];

/// A parsed `filters` expression that uses only the allowed fields and operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFilter(Expr);

impl MemberFilter {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        filter::parse_allowed(raw, &ALLOWED)
            .map(Self)
            .map_err(ApiError::BadRequest)
    }

    pub fn expr(&self) -> &Expr {
        &self.0
    }

    /// Whether `m` matches: case-insensitive for names, aliases and emails (null is ""), exact
    /// for ids.
    pub fn matches(&self, m: &Member) -> bool {
        self.0.holds(&|leaf| eval(leaf, m))
    }
}

fn field_of(name: &str) -> SortField {
    SortField::parse(name).unwrap_or(SortField::Id)
}

fn needle(field: SortField, v: &filter::Value) -> String {
    match field {
        SortField::Id => v.as_str().to_owned(),
        _ => sort_value(Some(v.as_str())),
    }
}

/// One leaf of the filter.
fn eval(e: &Expr, m: &Member) -> bool {
    match e {
        Expr::Compare { field, op, value } => {
            let f = field_of(field);
            let have = m.sort_value(f);
            let want = needle(f, value);
            match op {
                Op::Eq => have == want,
                Op::Sw => have.starts_with(&want),
                Op::Co => have.contains(&want),
                // Refused by `parse`; never reached.
                _ => false,
            }
        }
        Expr::In { field, values } => {
            let f = field_of(field);
            let have = m.sort_value(f);
            values.iter().any(|v| needle(f, v) == have)
        }
        _ => false,
    }
}

// ---- role bodies ----------------------------------------------------------------------------

pub const MAX_IDENTITY_LIST: usize = 1000;
/// A role document's most bytes as stored JSON. DynamoDB holds 400 KB per item; the role item
/// adds its keys, id, name (≤ 128 characters) and version, well under the 100 KB left.
pub const MAX_ROLE_BYTES: usize = 300 * 1024;
/// How deep a role document may nest. serde_json reads back at most 128 levels, and a patch can
/// put a body's value under an existing path, so without a bound a role could be stored that no
/// later read can parse. SailPoint's role documents are a few levels deep.
pub const MAX_ROLE_DEPTH: usize = 64;

/// A role as a client may write it: the JSON document SailPoint shows, with the identities its
/// `IDENTITY_LIST` membership names.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleBody {
    pub doc: Map<String, Value>,
    pub members: Vec<PersonId>,
}

/// Fields only the server sets; a client's values are ignored on create, and a patch may not
/// change them.
pub const SERVER_FIELDS: [&str; 3] = ["id", "created", "modified"];

impl RoleBody {
    /// Checks a role document: `name` (1..=128 characters) and `owner.id` are required,
    /// `membership` is null or an `IDENTITY_LIST` of valid identity ids.
    pub fn parse(doc: Value) -> Result<Self, ApiError> {
        let bad = |m: &str| ApiError::BadRequest(m.to_owned());
        let Value::Object(mut doc) = doc else {
            return Err(bad("a role must be a JSON object"));
        };
        match doc.get("name") {
            Some(Value::String(n))
                if !n.trim().is_empty()
                    && n.chars().count() <= 128
                    && !n.chars().any(char::is_control) => {}
            _ => {
                return Err(bad(
                    "name is required: 1 to 128 characters, without control characters",
                ));
            }
        }
        match doc.get("owner") {
            Some(Value::Object(o)) if o.get("id").is_some_and(Value::is_string) => {
                for field in ["type", "name"] {
                    if o.get(field)
                        .is_some_and(|v| !(v.is_null() || v.is_string()))
                    {
                        return Err(ApiError::BadRequest(format!(
                            "owner.{field} must be a string"
                        )));
                    }
                }
            }
            _ => return Err(bad("owner is required: an object with an id")),
        }
        if let Some(d) = doc.get("description")
            && !(d.is_null() || d.is_string())
        {
            return Err(bad("description must be a string or null"));
        }
        // SailPoint's clients deserialize these by type, so a stored role must keep them typed.
        for field in ["enabled", "requestable"] {
            if doc.get(field).is_some_and(|v| !v.is_boolean()) {
                return Err(ApiError::BadRequest(format!("{field} must be a boolean")));
            }
        }
        for field in ["accessProfiles", "entitlements"] {
            if doc
                .get(field)
                .is_some_and(|v| !(v.is_null() || v.is_array()))
            {
                return Err(ApiError::BadRequest(format!("{field} must be a list")));
            }
        }
        for (field, default) in [
            ("description", Value::Null),
            ("enabled", json!(false)),
            ("requestable", json!(false)),
            ("accessProfiles", json!([])),
            ("entitlements", json!([])),
            ("membership", Value::Null),
        ] {
            doc.entry(field).or_insert(default);
        }
        let members = match doc.get("membership") {
            Some(Value::Null) | None => vec![],
            Some(Value::Object(m)) => match m.get("type").and_then(Value::as_str) {
                Some("IDENTITY_LIST") => identity_list(m.get("identities"))?,
                Some(other) => {
                    return Err(ApiError::BadRequest(format!(
                        "membership type {other:?} is not supported; only IDENTITY_LIST memberships are (or null)"
                    )));
                }
                None => return Err(bad("membership.type is required")),
            },
            Some(_) => return Err(bad("membership must be an object or null")),
        };
        if larger_than(&doc, MAX_ROLE_BYTES) {
            return Err(ApiError::PayloadTooLarge(format!(
                "a role document may be at most {MAX_ROLE_BYTES} bytes"
            )));
        }
        // The document itself is the first level.
        if doc.values().any(|v| deeper_than(v, MAX_ROLE_DEPTH - 1)) {
            return Err(ApiError::BadRequest(format!(
                "a role document may nest at most {MAX_ROLE_DEPTH} levels deep"
            )));
        }
        Ok(Self { doc, members })
    }
}

/// Whether `value` serializes to more than `max` bytes. Serializing stops once past `max`, so
/// the check costs O(min(size, max)) and allocates nothing.
fn larger_than<T: serde::Serialize + ?Sized>(value: &T, max: usize) -> bool {
    struct Budget(usize);
    impl std::io::Write for Budget {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 = self
                .0
                .checked_sub(buf.len())
                .ok_or_else(|| std::io::Error::other("over budget"))?;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // Serializing JSON values fails only when the writer does.
    serde_json::to_writer(Budget(max), value).is_err()
}

/// Whether arrays and objects in `value` nest more than `max` levels. Iterative: the value may
/// be deeper than the stack would like.
fn deeper_than(value: &Value, max: usize) -> bool {
    let mut stack = vec![(value, 1usize)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(xs) => Box::new(xs.iter()),
            Value::Object(m) => Box::new(m.values()),
            _ => continue,
        };
        if depth > max {
            return true;
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    false
}

// ---- role patches ---------------------------------------------------------------------------

/// The most operations one `PATCH /v3/roles/{id}` may carry: each is applied and its result
/// measured, so the count bounds the request's work.
pub const MAX_PATCH_OPS: usize = 100;

/// A JSON Patch (RFC 6902) of a role, as `PATCH /v3/roles/{id}` takes it: at most
/// [`MAX_PATCH_OPS`] operations, none whose `path` or `from` is the whole document (`""`), and
/// none that changes a server field.
#[derive(Debug, Clone, PartialEq)]
pub struct RolePatch(json_patch::Patch);

impl RolePatch {
    pub fn parse(body: Value) -> Result<Self, ApiError> {
        let bad = |m: String| ApiError::BadRequest(m);
        let patch: json_patch::Patch = serde_json::from_value(body)
            .map_err(|e| bad(format!("the body must be a JSON Patch operation list: {e}")))?;
        if patch.0.len() > MAX_PATCH_OPS {
            return Err(bad(format!(
                "a patch may hold at most {MAX_PATCH_OPS} operations, not {}",
                patch.0.len()
            )));
        }
        for (i, op) in patch.0.iter().enumerate() {
            let from = match op {
                json_patch::PatchOperation::Move(m) => Some(&m.from),
                json_patch::PatchOperation::Copy(c) => Some(&c.from),
                _ => None,
            };
            // The root is the whole role: copying it into itself doubles it, and replacing it
            // is a PUT, which SailPoint's role API does not have.
            if op.path().is_root() || from.is_some_and(|f| f.is_root()) {
                return Err(bad(format!(
                    "operation {i}: a patch may not take or change the whole role (path or from \"\"); patch its fields"
                )));
            }
            let path = op.path().as_str();
            if let Some(field) = SERVER_FIELDS
                .iter()
                .find(|f| path == format!("/{f}") || path.starts_with(&format!("/{f}/")))
            {
                return Err(bad(format!("{field} cannot be changed")));
            }
        }
        Ok(Self(patch))
    }

    /// The role `doc` with the patch applied, one operation at a time. After each, the document
    /// must still be one DynamoDB can hold and serde_json can read back (at most
    /// [`MAX_ROLE_BYTES`], [`MAX_ROLE_DEPTH`] levels), so no sequence of operations can grow it
    /// past that midway, even when a later one would shrink it again. Each failure is a 400:
    /// the request was small; what it asked for was not.
    pub fn apply(&self, doc: &Map<String, Value>) -> Result<RoleBody, ApiError> {
        let bad = |m: String| ApiError::BadRequest(m);
        let mut doc = Value::Object(doc.clone());
        for (i, op) in self.0.0.iter().enumerate() {
            // One operation at a time and without json_patch's undo log: on failure the
            // document is dropped, never stored.
            json_patch::patch_unsafe(&mut doc, std::slice::from_ref(op)).map_err(|e| {
                bad(format!(
                    "the patch does not apply: operation {i} failed at path {:?}: {}",
                    e.path.as_str(),
                    e.kind
                ))
            })?;
            if larger_than(&doc, MAX_ROLE_BYTES) {
                return Err(bad(format!(
                    "after operation {i} the role would be larger than {MAX_ROLE_BYTES} bytes, the most a role document may hold"
                )));
            }
            if deeper_than(&doc, MAX_ROLE_DEPTH) {
                return Err(bad(format!(
                    "after operation {i} the role would nest deeper than {MAX_ROLE_DEPTH} levels, the most a role document may"
                )));
            }
        }
        RoleBody::parse(doc).map_err(|e| match e {
            ApiError::PayloadTooLarge(m) => ApiError::BadRequest(m),
            other => other,
        })
    }
}

fn identity_list(identities: Option<&Value>) -> Result<Vec<PersonId>, ApiError> {
    let bad = |m: String| ApiError::BadRequest(m);
    let list = match identities {
        None | Some(Value::Null) => return Ok(vec![]),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(bad("membership.identities must be a list".into())),
    };
    if list.len() > MAX_IDENTITY_LIST {
        return Err(bad(format!(
            "membership.identities may name at most {MAX_IDENTITY_LIST} identities; assign more with access requests"
        )));
    }
    let mut ids: Vec<PersonId> = Vec::with_capacity(list.len());
    for entry in list {
        let raw = entry
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("every membership identity needs an id".into()))?;
        let id = PersonId::parse(raw).map_err(|e| bad(e.to_string()))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, name: Option<&str>) -> Member {
        Member {
            id: PersonId::parse(id).unwrap(),
            name: name.map(str::to_owned),
            alias: None,
            email: None,
            source: Source::RoleMembership,
        }
    }

    #[test]
    fn paging_defaults_to_the_first_250_without_a_count() {
        let p = Paging::parse(&Query::parse("").unwrap()).unwrap();
        assert_eq!((p.limit, p.offset, p.count), (250, 0, false));
    }

    #[test]
    fn paging_refuses_a_limit_over_250_negative_offsets_and_other_counts() {
        for q in [
            "limit=251",
            "offset=-1",
            "limit=1.5",
            "count=yes",
            "count=TRUE",
        ] {
            let e = Paging::parse(&Query::parse(q).unwrap()).unwrap_err();
            assert!(matches!(e, ApiError::BadRequest(_)), "{q}");
        }
    }

    #[test]
    fn a_page_may_end_at_the_10000th_item() {
        let p = Paging::parse(&Query::parse("offset=9990&limit=10").unwrap()).unwrap();
        assert_eq!((p.offset, p.limit), (9990, 10));
    }

    #[test]
    fn a_page_ending_past_the_10000th_item_is_refused_naming_the_bound() {
        for q in [
            "offset=9991&limit=10",
            "offset=9751",
            "offset=2147483647&limit=250",
        ] {
            let e = Paging::parse(&Query::parse(q).unwrap()).unwrap_err();
            assert!(
                matches!(&e, ApiError::BadRequest(m) if m.contains("10000")),
                "{q}: {e}"
            );
        }
    }

    #[test]
    fn sorters_refuse_unknown_fields_naming_them() {
        let e = Sorters::parse(Some("name,created")).unwrap_err();
        assert!(e.to_string().contains("created"));
    }

    #[test]
    fn later_sorters_break_ties_then_id_in_the_first_sorters_direction() {
        let s = Sorters::parse(Some("-name")).unwrap();
        let (a, b) = (member("a", Some("Joe")), member("b", Some("joe")));
        assert_eq!(s.compare(&a, &b), Ordering::Greater);
        let s = Sorters::parse(Some("name")).unwrap();
        assert_eq!(s.compare(&a, &b), Ordering::Less);
    }

    #[test]
    fn filters_allow_only_the_documented_fields_and_operators() {
        assert!(MemberFilter::parse("name co \"di\" and email sw a").is_ok());
        let e = MemberFilter::parse("email co x").unwrap_err().to_string();
        assert!(e.contains("\"co\"") && e.contains("email"), "{e}");
        let e = MemberFilter::parse("created eq 1").unwrap_err().to_string();
        assert!(e.contains("created"), "{e}");
    }

    #[test]
    fn filters_match_names_case_insensitively_and_ids_exactly() {
        let m = member("Ab1", Some("Thomas Edison"));
        assert!(MemberFilter::parse("name sw THOMAS").unwrap().matches(&m));
        assert!(MemberFilter::parse("id eq \"Ab1\"").unwrap().matches(&m));
        assert!(!MemberFilter::parse("id eq \"ab1\"").unwrap().matches(&m));
    }

    #[test]
    fn a_standard_membership_is_refused_with_a_clear_message() {
        let body = json!({"name": "r", "owner": {"id": "x"}, "membership": {"type": "STANDARD"}});
        let e = RoleBody::parse(body).unwrap_err().to_string();
        assert!(e.contains("STANDARD") && e.contains("IDENTITY_LIST"), "{e}");
    }

    #[test]
    fn an_identity_list_membership_names_its_members_once_each() {
        let body = json!({"name": "r", "owner": {"id": "x"}, "membership": {"type": "IDENTITY_LIST",
            "identities": [{"id": "p1"}, {"id": "p2"}, {"id": "p1"}]}});
        assert_eq!(RoleBody::parse(body).unwrap().members.len(), 2);
    }

    fn role() -> Map<String, Value> {
        RoleBody::parse(json!({"name": "r", "owner": {"id": "o"}, "description": "d"}))
            .unwrap()
            .doc
    }

    fn patch(ops: Value) -> Result<RoleBody, ApiError> {
        RolePatch::parse(ops)?.apply(&role())
    }

    fn bad_request_text(e: ApiError) -> String {
        match e {
            ApiError::BadRequest(m) => m,
            other => panic!("not a 400: {other:?}"),
        }
    }

    #[test]
    fn a_patch_of_100_operations_applies_and_one_of_101_is_refused() {
        let op = json!({"op": "replace", "path": "/description", "value": "x"});
        assert!(patch(Value::Array(vec![op.clone(); 100])).is_ok());
        let e = bad_request_text(patch(Value::Array(vec![op; 101])).unwrap_err());
        assert!(e.contains("100") && e.contains("101"), "{e}");
    }

    #[test]
    fn a_patch_may_not_take_or_change_the_whole_role() {
        for op in [
            json!({"op": "copy", "from": "", "path": "/copy"}),
            json!({"op": "move", "from": "", "path": "/moved"}),
            json!({"op": "replace", "path": "", "value": {"name": "r", "owner": {"id": "o"}}}),
            json!({"op": "add", "path": "", "value": {"name": "r", "owner": {"id": "o"}}}),
            json!({"op": "remove", "path": ""}),
            json!({"op": "test", "path": "", "value": {}}),
        ] {
            let e = bad_request_text(RolePatch::parse(json!([op.clone()])).unwrap_err());
            assert!(e.contains("whole role"), "{op}: {e}");
        }
    }

    #[test]
    fn a_patch_whose_role_outgrows_the_bound_midway_is_refused_naming_the_operation() {
        // Each copy doubles /blob: 2^5 × 20 KB passes 300 KB at operation 4; the last
        // operation would shrink the role again, so only a check after each one sees it.
        let mut ops =
            vec![json!({"op": "add", "path": "/blob", "value": {"s": "x".repeat(20 * 1024)}})];
        for i in 0..5 {
            ops.push(json!({"op": "copy", "from": "/blob", "path": format!("/blob/c{i}")}));
        }
        ops.push(json!({"op": "remove", "path": "/blob"}));
        let e = bad_request_text(patch(Value::Array(ops)).unwrap_err());
        assert!(
            e.contains("operation 4") && e.contains(&MAX_ROLE_BYTES.to_string()),
            "{e}"
        );
    }

    #[test]
    fn a_patch_whose_result_is_too_large_is_a_400_not_a_413() {
        let big =
            json!([{"op": "replace", "path": "/description", "value": "x".repeat(MAX_ROLE_BYTES)}]);
        let e = bad_request_text(patch(big).unwrap_err());
        assert!(e.contains(&MAX_ROLE_BYTES.to_string()), "{e}");
    }

    #[test]
    fn a_patch_may_not_nest_the_role_deeper_than_serde_json_reads_back() {
        let mut deep = json!(1);
        for _ in 0..60 {
            deep = json!([deep]);
        }
        // Each operation alone is shallow enough; the second nests under the first.
        let ops = json!([
            {"op": "add", "path": "/x", "value": deep.clone()},
            {"op": "add", "path": format!("/x{}", "/0".repeat(59)), "value": deep},
        ]);
        let e = bad_request_text(patch(ops).unwrap_err());
        assert!(e.contains("operation 1") && e.contains("64"), "{e}");
    }

    #[test]
    fn a_patch_that_fails_to_apply_names_its_operation() {
        let ops = json!([
            {"op": "replace", "path": "/description", "value": "x"},
            {"op": "remove", "path": "/nothing/here"},
        ]);
        let e = bad_request_text(patch(ops).unwrap_err());
        assert!(e.contains("operation 1"), "{e}");
    }

    #[test]
    fn a_role_document_deeper_than_64_levels_is_refused() {
        let mut deep = json!(1);
        for _ in 0..64 {
            deep = json!([deep]);
        }
        let body = json!({"name": "r", "owner": {"id": "o"}, "x": deep});
        let e = bad_request_text(RoleBody::parse(body).unwrap_err());
        assert!(e.contains("64"), "{e}");
    }

    #[test]
    fn list_and_flag_fields_of_the_wrong_type_are_refused() {
        for (field, value) in [
            ("entitlements", json!({})),
            ("accessProfiles", json!("x")),
            ("enabled", json!("yes")),
            ("requestable", json!(1)),
            ("requestable", Value::Null),
            ("owner", json!({"id": "x", "name": 7})),
        ] {
            let mut body = json!({"name": "r", "owner": {"id": "x"}});
            body[field] = value;
            let e = RoleBody::parse(body).unwrap_err().to_string();
            assert!(e.contains(field), "{e}");
        }
    }
}
