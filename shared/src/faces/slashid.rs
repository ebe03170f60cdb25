//! SlashID's `APIResponseBase` envelope: `{meta?, errors?: [{httpcode, message}], result?}`.

use std::collections::BTreeSet;

use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{empty_response, json_response, public_message};
use crate::App;
use crate::attribute::{AttributeName, AttributeValue, Bucket};
use crate::auth::{self, RequestContext};
use crate::db::Db;
use crate::error::ApiError;
use crate::ids::{GroupName, PersonId};
use crate::permission::etag;
use crate::person::Person;
use crate::person::{DisplayName, Handle, HandleKind, REGIONS};
use crate::request::json_body;
use crate::request::path_param;
use crate::store::attributes::NewAttributes;
use crate::store::buckets::{self, BucketView, BucketWriteError};
use crate::store::groups::{self, MAX_GROUPS_AT_CREATION};
use crate::store::orgs::Organization;
use crate::store::permissions::{CatalogWriteError, RoleWriteError};
use crate::store::persons::{self, CreatePersonError, NewAttribute};

/// The SlashID face's contract: its functions fail with `ApiError`.
pub struct SlashId;

impl super::FaceApi for SlashId {
    const FACE: super::Face = super::Face::SlashId;
    type Error = ApiError;

    fn respond(outcome: Result<Response<Body>, ApiError>) -> Response<Body> {
        respond(outcome)
    }

    async fn app() -> Result<App, crate::app::BoxError> {
        App::from_env().await
    }
}

/// Runs a handler body; every `Err` becomes an error response in SlashID's format.
pub fn respond(outcome: Result<Response<Body>, ApiError>) -> Response<Body> {
    outcome.unwrap_or_else(|e| error(&e))
}

/// The `{person_id}` path parameter, valid or a 400.
pub fn person_id(req: &Request) -> Result<PersonId, ApiError> {
    PersonId::parse(&path_param(req, "person_id")?).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// A request about one bucket of one person: the caller, the `{person_id}` and the
/// `{bucket_name}`, resolved through the org's bucket view (404 / 403).
pub async fn person_bucket(
    app: &crate::App,
    req: &Request,
) -> Result<(crate::auth::RequestContext, PersonId, Bucket), ApiError> {
    let ctx = crate::auth::slashid(app, req).await?;
    let person = person_id(req)?;
    let raw = path_param(req, "bucket_name")?;
    let bucket = crate::store::buckets::view(app, &ctx.org)
        .await?
        .one(&raw)?;
    Ok((ctx, person, bucket))
}

/// `attributes=a,b`: attribute names (none: `None`); empty names are a 400.
pub fn attribute_names(
    query: &crate::request::Query,
) -> Result<Option<Vec<AttributeName>>, ApiError> {
    query
        .comma_list("attributes")?
        .map(|names| {
            names
                .iter()
                .map(|n| AttributeName::parse(n).map_err(|e| ApiError::BadRequest(e.to_string())))
                .collect()
        })
        .transpose()
}

/// `?buckets=a,b` resolved through the org's bucket view (404 / 403): the buckets to read, and
/// whether they were named. Named buckets all appear in an answer, empty or not; without
/// `buckets`, only those holding attributes.
pub async fn requested_buckets(
    app: &crate::App,
    req: &Request,
    org: &Organization,
) -> Result<(Vec<Bucket>, bool), ApiError> {
    let names = crate::request::Query::from_request(req)?.comma_list("buckets")?;
    let buckets = crate::store::buckets::view(app, org)
        .await?
        .resolve(names.as_deref())?;
    Ok((buckets, names.is_some()))
}

/// A request about one bucket of the calling organization's own attributes: the caller and the
/// `{bucket_name}`, resolved through the org's bucket view (404 / 403).
pub async fn org_bucket(
    app: &crate::App,
    req: &Request,
) -> Result<(crate::auth::RequestContext, Bucket), ApiError> {
    let ctx = crate::auth::slashid(app, req).await?;
    let raw = path_param(req, "bucket_name")?;
    let bucket = crate::store::buckets::view(app, &ctx.org)
        .await?
        .one(&raw)?;
    Ok((ctx, bucket))
}

/// An attribute write's failure in SlashID's terms.
pub fn attribute_error(
    e: crate::store::attributes::AttributeWriteError,
    holder: crate::store::attributes::Holder<'_>,
) -> ApiError {
    use crate::store::attributes::AttributeWriteError as E;
    match e {
        E::NotFound => ApiError::NotFound(format!("{holder} not found")),
        E::TooMany(max) => {
            ApiError::BadRequest(format!("one request can change at most {max} attributes"))
        }
        E::Conflict => ApiError::Conflict("the attributes were changed concurrently; retry".into()),
        E::Store(e) => e.into(),
    }
}

/// The `{permission_name}` path parameter (URL-encoded names arrive decoded), valid or a 400.
pub fn permission_param(req: &Request) -> Result<crate::permission::PermissionName, ApiError> {
    let raw = path_param(req, "permission_name")?;
    crate::permission::PermissionName::parse(&raw).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// The `{group_name}` path parameter, valid or a 400.
pub fn group_param(req: &Request) -> Result<crate::ids::GroupName, ApiError> {
    let raw = path_param(req, "group_name")?;
    crate::ids::GroupName::parse(&raw).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// A group operation's failure in SlashID's terms: a missing group or person is a 404 (a
/// missing group named in a body, as for permissions, a 400 naming them).
pub fn group_error(e: crate::store::groups::GroupError) -> ApiError {
    use crate::store::groups::GroupError as E;
    match e {
        E::GroupNotFound(_) | E::PersonNotFound(_) | E::NotAMember { .. } => {
            ApiError::NotFound(e.to_string())
        }
        E::BeingDeleted(_) | E::Busy => ApiError::Conflict(e.to_string()),
        E::Full(_) | E::MissingGroups(_) => ApiError::BadRequest(e.to_string()),
        E::Store(e) => e.into(),
    }
}

/// `{field: [string, ...]}` as a set: `field` is required, each item is parsed, the first bad
/// one is named by position, duplicates collapse, and more than `max` distinct items → 400.
pub fn string_set<T: Ord>(
    body: &Value,
    field: &str,
    max: usize,
    parse: impl Fn(&str) -> Result<T, crate::ids::IdError>,
) -> Result<std::collections::BTreeSet<T>, ApiError> {
    let bad = |m: String| ApiError::BadRequest(m);
    let Some(items) = body.get(field) else {
        return Err(bad(format!("{field} is required")));
    };
    let Value::Array(items) = items else {
        return Err(bad(format!("{field} must be an array of strings")));
    };
    let mut set = std::collections::BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let Value::String(raw) = item else {
            return Err(bad(format!("{field}[{i}] must be a string, not {item}")));
        };
        set.insert(parse(raw).map_err(|e| bad(format!("{field}[{i}]: {e}")))?);
        if set.len() > max {
            return Err(bad(format!(
                "{field} may name at most {max} distinct items"
            )));
        }
    }
    Ok(set)
}

/// `APIResponseBase` with nothing in it: the body of SlashID's 200 and 201 answers that carry
/// no result.
pub fn empty_envelope(status: u16) -> Response<Body> {
    json_response(status, &json!({}), None)
}

/// `If-Match`, if given.
pub fn if_match(req: &Request) -> Result<Option<crate::permission::IfMatch>, ApiError> {
    Ok(crate::request::header(req, "if-match")?.map(crate::permission::IfMatch::parse))
}

/// The current time as RFC 3339 (UTC).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `resp` with an `ETag` header carrying `version`.
pub fn with_etag(resp: Response<Body>, version: u64) -> Response<Body> {
    with_etag_value(resp, &etag(version))
}

/// `resp` with the `ETag` header `tag` (quoted, as `permission::etag` makes them).
pub fn with_etag_value(mut resp: Response<Body>, tag: &str) -> Response<Body> {
    resp.headers_mut().insert(
        "etag",
        tag.parse().expect("an ETag is a valid header value"),
    );
    resp
}

/// SlashID's `PersonRet`; `handles` only when asked for.
pub fn person_json(person: &Person, with_handles: bool) -> Value {
    let mut p = json!({
        "active": person.active,
        "person_id": person.id.as_str(),
        "person_type": "regular",
        "region": person.region,
    });
    if with_handles {
        p["handles"] = json!(person.handles);
    }
    p
}

/// The optional parts of `PersonRet` that `fields=handles,groups,attributes` selects.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PersonFields {
    pub handles: bool,
    pub groups: bool,
    pub attributes: bool,
}

impl PersonFields {
    pub fn parse(query: &crate::request::Query) -> Result<Self, ApiError> {
        let mut fields = Self::default();
        for name in query.comma_list("fields")?.unwrap_or_default() {
            match name.as_str() {
                "handles" => fields.handles = true,
                "groups" => fields.groups = true,
                "attributes" => fields.attributes = true,
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "unknown field {other:?}; fields may be handles, groups, attributes"
                    )));
                }
            }
        }
        Ok(fields)
    }
}

/// `PersonRet` of each person, with the parts `fields` selects. Attributes are every bucket
/// the org may read, read for 8 persons at a time; a person deleted meanwhile is left out.
pub async fn persons_json(
    app: &App,
    org: &crate::store::orgs::Organization,
    persons: &[Person],
    fields: PersonFields,
) -> Result<Vec<Value>, ApiError> {
    use futures_util::StreamExt;
    let buckets = if fields.attributes {
        buckets::view(app, org).await?.accessible
    } else {
        Vec::new()
    };
    let one = |person: &Person| {
        let buckets = &buckets;
        let id = person.id.clone();
        let mut json = person_json(person, fields.handles);
        async move {
            if fields.groups {
                match crate::store::groups::of_person(&app.db, org, &id).await? {
                    Some(groups) => json["groups"] = json!(groups),
                    None => return Ok(None),
                }
            }
            if fields.attributes {
                let holder = crate::store::attributes::Holder::Person(&id);
                match crate::store::attributes::read(&app.db, org, holder, buckets, false).await? {
                    Some(attrs) => json["attributes"] = json!(attrs),
                    None => return Ok(None),
                }
            }
            Ok::<_, ApiError>(Some(json))
        }
    };
    let all: Vec<Result<Option<Value>, ApiError>> = futures_util::stream::iter(persons)
        .map(one)
        .buffered(8)
        .collect()
        .await;
    let mut out = Vec::with_capacity(all.len());
    for json in all {
        out.extend(json?);
    }
    Ok(out)
}

/// `{bucket: {attr: value}}` of attributes about to be written.
pub fn attributes_json(attrs: &NewAttributes) -> Value {
    let mut out = Map::new();
    for (bucket, name, value) in attrs {
        let entry = out.entry(bucket.name.as_str()).or_insert_with(|| json!({}));
        entry[name.as_str()] = value.to_json();
    }
    Value::Object(out)
}

/// `{attr: value}` of one bucket, checked against SlashID's limits.
pub fn bucket_attributes(
    bucket: &Bucket,
    attrs: Map<String, Value>,
    out: &mut NewAttributes,
) -> Result<(), ApiError> {
    for (name, value) in attrs {
        let name = AttributeName::parse(&name).map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let value = AttributeValue::from_json(&name, &value)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        out.push((bucket.clone(), name, value));
    }
    Ok(())
}

/// `BucketedAttributes` (`{bucket: {attr: value}}`): the buckets named, in order, and the
/// attributes. Buckets must exist (404) and be accessible (403).
pub fn bucketed_attributes(
    view: &BucketView,
    body: Map<String, Value>,
) -> Result<(Vec<Bucket>, NewAttributes), ApiError> {
    let mut buckets = Vec::new();
    let mut attrs = Vec::new();
    for (name, value) in body {
        let bucket = view.one(&name)?;
        let Value::Object(map) = value else {
            return Err(ApiError::BadRequest(format!(
                "attributes of bucket {name:?} must be an object"
            )));
        };
        bucket_attributes(&bucket, map, &mut attrs)?;
        buckets.push(bucket);
    }
    Ok((buckets, attrs))
}

pub fn result<T: Serialize>(status: u16, result: &T) -> Response<Body> {
    json_response(status, &json!({ "result": result }), None)
}

pub fn no_content() -> Response<Body> {
    empty_response(204)
}

pub fn error(e: &ApiError) -> Response<Body> {
    let status = e.status();
    let body = json!({ "errors": [{ "httpcode": status, "message": public_message(e) }] });
    json_response(status, &body, Some(e))
}

// ---- store outcomes in SlashID's terms, shared by the functions that meet them ----------------

/// A `PersonCreateReq` (as `POST` and `PUT /persons` take it) from the caller, checked: the
/// caller, the new person with a fresh id, and whether the body said `active`.
pub async fn person_request(
    app: &App,
    req: &Request,
) -> Result<(RequestContext, NewPerson, bool), ApiError> {
    let ctx = auth::slashid(app, req).await?;
    let body: PersonCreateReq = json_body(req)?;
    let active_given = body.active.is_some();
    let view = buckets::view(app, &ctx.org).await?;
    let new = body.validate(
        PersonId::new_random(),
        &app.config.default_person_region,
        &view,
    )?;
    Ok((ctx, new, active_given))
}

/// A failed creation in SlashID's terms.
pub fn creation_error(e: CreatePersonError) -> ApiError {
    match e {
        CreatePersonError::HandleTaken(Some(h)) => ApiError::Conflict(format!(
            "handle {:?} already belongs to a person",
            h.value()
        )),
        CreatePersonError::HandleTaken(None) => {
            ApiError::Conflict("a handle already belongs to a person".into())
        }
        CreatePersonError::IdTaken => {
            ApiError::Conflict("a person with this id already exists".into())
        }
        CreatePersonError::TooManyItems(max) => ApiError::BadRequest(format!(
            "a person can be created with at most {max} handles and attributes; add more attributes afterwards"
        )),
        CreatePersonError::Store(e) => e.into(),
        // Only `create_person`'s group joins are extra writes of a SlashID creation.
        CreatePersonError::ExtraFailed(_) => ApiError::Internal,
    }
}

/// A handle change's failure in SlashID's terms: a taken handle is a 409, as on `POST /persons`.
pub fn handle_error(e: crate::store::handles::HandleWriteError, person: &PersonId) -> ApiError {
    use crate::store::handles::HandleWriteError as E;
    match e {
        E::PersonNotFound => ApiError::NotFound(format!("person {person} not found")),
        E::NoSuchHandle => ApiError::NotFound(format!("person {person} has no such handle")),
        E::Taken(h) => ApiError::Conflict(format!(
            "handle {:?} already belongs to a person",
            h.value()
        )),
        E::SecondUsername => ApiError::BadRequest(
            "a person has at most one username handle; delete the current one first".into(),
        ),
        E::LastHandle => ApiError::BadRequest(
            "a person keeps at least one handle; add another before deleting this one".into(),
        ),
        E::ZatoUsername => ApiError::Conflict(
            "this username is the person's Zato SSO login name and cannot be removed".into(),
        ),
        E::TooMany(max) => {
            ApiError::BadRequest(format!("at most {max} handles can be added in one request"))
        }
        E::Conflict => ApiError::Conflict("the person was changed concurrently; retry".into()),
        E::Store(e) => e.into(),
    }
}

/// A bucket definition change's failure in SlashID's terms.
pub fn bucket_error(e: BucketWriteError) -> ApiError {
    match e {
        BucketWriteError::Exists(_) => ApiError::Conflict(e.to_string()),
        BucketWriteError::NotFound(_) => ApiError::NotFound(e.to_string()),
        BucketWriteError::Default(_) => ApiError::BadRequest(e.to_string()),
        BucketWriteError::Store(e) => e.into(),
    }
}

/// A catalog change's failure in SlashID's terms.
pub fn catalog_error(e: CatalogWriteError, name: &str) -> ApiError {
    match e {
        CatalogWriteError::NotFound => ApiError::NotFound(format!("permission {name} not found")),
        CatalogWriteError::PreconditionFailed => ApiError::PreconditionFailed(
            "If-Match does not match the catalog's current ETag".into(),
        ),
        CatalogWriteError::Store(e) => e.into(),
    }
}

/// The `{role_name}` path parameter (URL-encoded names arrive decoded), valid or a 400.
pub fn role_param(req: &Request) -> Result<crate::permission::RoleName, ApiError> {
    let raw = path_param(req, "role_name")?;
    crate::permission::RoleName::parse(&raw).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// A body's list of permission names as a set: the first bad item is named by its position,
/// duplicates collapse, and more than a set may hold is refused whole.
pub fn permission_set(
    field: &str,
    raw: &[String],
) -> Result<crate::permission::PermissionSet, ApiError> {
    let bad = |m: String| ApiError::BadRequest(m);
    let names = raw
        .iter()
        .enumerate()
        .map(|(i, n)| {
            crate::permission::PermissionName::parse(n)
                .map_err(|e| bad(format!("{field}[{i}]: {e}")))
        })
        .collect::<Result<std::collections::BTreeSet<_>, _>>()?;
    crate::permission::PermissionSet::new(names).map_err(|e| bad(e.to_string()))
}

/// A body's list of role names as a set, as [`permission_set`] does for permissions.
pub fn role_set(raw: &[String]) -> Result<crate::permission::RoleSet, ApiError> {
    let bad = |m: String| ApiError::BadRequest(m);
    let names = raw
        .iter()
        .enumerate()
        .map(|(i, n)| {
            crate::permission::RoleName::parse(n).map_err(|e| bad(format!("roles[{i}]: {e}")))
        })
        .collect::<Result<std::collections::BTreeSet<_>, _>>()?;
    crate::permission::RoleSet::new(names).map_err(|e| bad(e.to_string()))
}

/// The longest role or group description we store, in bytes: each is one DynamoDB item (a
/// role's beside its permission names), far below DynamoDB's 400 KB.
pub const MAX_DESCRIPTION: usize = 4096;

/// A role's or group's description from a body: empty is none (DynamoDB Local refuses empty strings, and the
/// answer would not differ); longer than [`MAX_DESCRIPTION`] → 400.
pub fn short_description(raw: Option<&str>) -> Result<Option<&str>, ApiError> {
    match raw {
        Some(d) if d.len() > MAX_DESCRIPTION => Err(ApiError::BadRequest(format!(
            "description: at most {MAX_DESCRIPTION} bytes"
        ))),
        Some(d) if !d.is_empty() => Ok(Some(d)),
        _ => Ok(None),
    }
}

/// A role write's failure in SlashID's terms.
pub fn role_error(e: RoleWriteError, name: &str) -> ApiError {
    match e {
        RoleWriteError::NotFound => ApiError::NotFound(format!("role {name} not found")),
        RoleWriteError::Exists => ApiError::Conflict(format!("role {name} exists already")),
        RoleWriteError::PreconditionFailed => ApiError::PreconditionFailed(e.to_string()),
        RoleWriteError::NotInCatalog(_) => ApiError::BadRequest(e.to_string()),
        RoleWriteError::Busy => ApiError::Conflict(e.to_string()),
        RoleWriteError::Store(e) => e.into(),
    }
}

// ---- the person a creation request describes ---------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct PersonCreateReq {
    pub active: Option<bool>,
    /// Extension: the display name (SailPoint's `name`).
    pub name: Option<String>,
    #[serde(default)]
    pub handles: Vec<RawHandle>,
    #[serde(default)]
    pub groups: Vec<String>,
    pub region: Option<String>,
    #[serde(default)]
    pub attributes: Map<String, Value>,
    #[serde(default)]
    pub credentials: Vec<Value>,
}

#[derive(Debug, Deserialize)]
pub struct RawHandle {
    #[serde(rename = "type")]
    pub kind: HandleKind,
    pub value: String,
}

/// A creation request that passed every check: what `persons::create` needs and nothing else.
pub struct NewPerson {
    pub person: Person,
    pub attributes: Vec<NewAttribute>,
    /// The groups it joins (`groups`, which must exist).
    pub groups: BTreeSet<GroupName>,
}

/// A `PersonRet`'s `groups`: the names, sorted.
pub fn group_names(groups: &BTreeSet<GroupName>) -> Value {
    groups.iter().map(|g| g.as_str()).collect()
}

/// Creates a checked person with its handles, attributes and group memberships in one
/// transaction, as `POST /persons` and the bulk import do.
pub async fn create_person(db: &Db, org: &Organization, new: &NewPerson) -> Result<(), ApiError> {
    let joins = groups::joins_at_creation(db, &org.id, &new.person.id, &new.groups);
    match persons::create_with(db, org, &new.person, &new.attributes, joins).await {
        Ok(()) => Ok(()),
        Err(CreatePersonError::ExtraFailed(_)) => Err(group_error(
            groups::refused_joins(db, &org.id, &new.groups).await,
        )),
        Err(CreatePersonError::TooManyItems(_)) if !new.groups.is_empty() => {
            Err(ApiError::BadRequest(format!(
                "the person's handles, attributes and groups do not fit one transaction ({} items; a group takes {}): join more groups with PUT /persons/{{person_id}}/groups",
                db.max_transaction_items,
                groups::ITEMS_PER_JOIN
            )))
        }
        Err(e) => Err(creation_error(e)),
    }
}

impl PersonCreateReq {
    /// Checks every part of the request; the person gets `id`.
    pub fn validate(
        self,
        id: PersonId,
        default_region: &str,
        buckets: &BucketView,
    ) -> Result<NewPerson, ApiError> {
        let body = self;
        let bad = |m: String| ApiError::BadRequest(m);
        if body.handles.is_empty() {
            return Err(bad("a person needs at least one handle".into()));
        }
        let mut handles: Vec<Handle> = Vec::with_capacity(body.handles.len());
        for raw in &body.handles {
            let handle = Handle::parse(raw.kind, &raw.value).map_err(|e| bad(e.to_string()))?;
            if handles
                .iter()
                .any(|h| h.kind() == handle.kind() && h.normalized() == handle.normalized())
            {
                return Err(bad(format!("handle {:?} is given twice", raw.value)));
            }
            handles.push(handle);
        }
        let mut groups = BTreeSet::new();
        for raw in &body.groups {
            groups.insert(GroupName::parse(raw).map_err(|e| bad(format!("groups: {e}")))?);
        }
        if groups.len() > MAX_GROUPS_AT_CREATION {
            return Err(bad(format!(
                "a person joins at most {MAX_GROUPS_AT_CREATION} groups at its creation; add more with PUT /persons/{{person_id}}/groups"
            )));
        }
        if !body.credentials.is_empty() {
            return Err(bad("credentials are not supported by this service".into()));
        }
        let region = match body.region {
            None => default_region.to_owned(),
            Some(r) if REGIONS.contains(&r.as_str()) => r,
            Some(r) => {
                return Err(bad(format!(
                    "region {r:?} is not one of {}",
                    REGIONS.join(", ")
                )));
            }
        };
        let (_, attributes) = bucketed_attributes(buckets, body.attributes)?;
        let name = body.name.as_deref().map(DisplayName::parse).transpose()?;
        let person = Person {
            id,
            active: body.active.unwrap_or(true),
            region,
            handles,
            name,
            version: 1,
        };
        Ok(NewPerson {
            person,
            attributes,
            groups,
        })
    }
}

#[cfg(test)]
mod create_request_tests {
    use super::*;
    use serde_json::json;

    fn defaults() -> BucketView {
        BucketView {
            accessible: crate::attribute::default_buckets(),
            private_to_others: Vec::new(),
        }
    }

    fn id() -> PersonId {
        PersonId::new_random()
    }

    fn body(json: Value) -> PersonCreateReq {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_person_without_handles_is_refused() {
        assert!(matches!(
            body(json!({})).validate(id(), "us-iowa", &defaults()),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn the_same_handle_twice_is_refused() {
        let b = body(json!({"handles": [
            {"type": "email_address", "value": "a@b.co"}, {"type": "email_address", "value": "A@B.co"}]}));
        assert!(
            matches!(b.validate(id(), "us-iowa", &defaults()), Err(ApiError::BadRequest(m)) if m.contains("twice"))
        );
    }

    #[test]
    fn an_unknown_region_is_refused_and_none_takes_the_default() {
        let h = json!([{"type": "username", "value": "jane"}]);
        assert!(
            body(json!({"handles": h, "region": "mars"}))
                .validate(id(), "us-iowa", &defaults())
                .is_err()
        );
        assert_eq!(
            body(json!({"handles": h}))
                .validate(id(), "asia-japan", &defaults())
                .unwrap()
                .person
                .region,
            "asia-japan"
        );
    }

    #[test]
    fn attributes_go_to_existing_buckets_only() {
        let h = json!([{"type": "username", "value": "jane"}]);
        let unknown = body(json!({"handles": h, "attributes": {"nope": {"a": 1}}}));
        assert!(matches!(
            unknown.validate(id(), "us-iowa", &defaults()),
            Err(ApiError::NotFound(_))
        ));
        let ok = body(json!({"handles": h, "attributes": {"end_user_read_write": {"a": 1}}}));
        assert_eq!(
            ok.validate(id(), "us-iowa", &defaults())
                .unwrap()
                .attributes
                .len(),
            1
        );
    }
}

#[cfg(test)]
mod string_set_tests {
    use super::*;
    use crate::ids::GroupName;

    fn groups(body: Value) -> Result<std::collections::BTreeSet<GroupName>, ApiError> {
        string_set(&body, "groups", 3, GroupName::parse)
    }

    #[test]
    fn the_field_is_required_and_must_be_an_array_of_strings() {
        assert!(
            matches!(groups(json!({})), Err(ApiError::BadRequest(m)) if m.contains("required"))
        );
        assert!(groups(json!({"groups": "ab"})).is_err());
        assert!(
            matches!(groups(json!({"groups": ["ab", 7]})), Err(ApiError::BadRequest(m)) if m.contains("groups[1]"))
        );
    }

    #[test]
    fn a_bad_name_is_named_by_position_and_duplicates_collapse() {
        assert!(
            matches!(groups(json!({"groups": ["ab", "a b"]})), Err(ApiError::BadRequest(m)) if m.contains("groups[1]"))
        );
        assert_eq!(
            groups(json!({"groups": ["ab", "ab", "cd"]})).unwrap().len(),
            2
        );
        assert!(groups(json!({"groups": []})).unwrap().is_empty());
    }

    #[test]
    fn more_distinct_items_than_the_limit_are_refused_saying_it() {
        assert_eq!(
            groups(json!({"groups": ["aa", "bb", "cc", "aa"]}))
                .unwrap()
                .len(),
            3
        );
        assert!(
            matches!(groups(json!({"groups": ["aa", "bb", "cc", "dd"]})), Err(ApiError::BadRequest(m)) if m.contains('3'))
        );
    }
}
