//! The parameters every `/zato/sso/user/attr…` and `/zato/sso/session/attr…` endpoint shares:
//! the caller, the owner (a user, or a session), and either one attribute (`name`, `value`,
//! `encrypt`, `expiration`) or several (`data`); and the endpoints themselves, which the two
//! families share but for whose attributes they reach.

use std::collections::BTreeSet;

use lambda_http::Request;
use serde_json::{Map, Value, json};

use super::input::{Expiration, parse_flag};
use super::{Params, Ust, ZattrName};
use crate::App;
use crate::faces::zato::ok;
use crate::ids::OrgId;
use crate::sso::error::ZatoError;
use crate::sso::time::now_us;
use crate::store::sso_attrs::{self, Change, Owner, Stored};

/// Largest stored value, as JSON text: DynamoDB items stop at 400 KB, and Zato values are
/// settings and tokens, not documents.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

pub struct AttrRequest {
    pub org: OrgId,
    pub ust: Ust,
    pub owner: Owner,
    pub params: Params,
}

/// Which family an endpoint is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/zato/sso/user/attr`: the caller's attributes, or (super-user) `user_id`'s.
    User,
    /// `/zato/sso/session/attr`: `target_ust`'s session's (the caller's own when absent); a
    /// session of another user takes a super-user.
    Session,
}

/// `name` (one attribute) or `data` (several), as Zato chooses between them.
pub enum Names {
    One(ZattrName),
    Many(Vec<ZattrName>),
}

impl Names {
    pub fn all(&self) -> Vec<ZattrName> {
        match self {
            Self::One(n) => vec![n.clone()],
            Self::Many(ns) => ns.clone(),
        }
    }
}

/// One attribute to write, before sealing.
pub struct NewValue {
    pub name: ZattrName,
    /// JSON text; `None` leaves the value as it is (PATCH).
    pub value: Option<String>,
    pub encrypt: bool,
    pub expiration: Option<Expiration>,
}

impl AttrRequest {
    pub async fn parse(app: &App, req: &Request, family: Family) -> Result<Self, ZatoError> {
        let (org, params) = super::begin(app, req).await?;
        let ust = params.ust()?;
        let owner = match family {
            Family::User => Owner::User(params.user_id()?.unwrap_or_else(|| ust.person().clone())),
            Family::Session => Owner::Session(params.target_ust(&ust)?),
        };
        Ok(Self {
            org,
            ust,
            owner,
            params,
        })
    }

    /// The names asked about: `name`, else `data` (a JSON list, or a comma list in the query
    /// string), else E008002. Repeated names count once.
    pub fn names(&self) -> Result<Names, ZatoError> {
        if let Some(name) = self.params.text("name")? {
            return Ok(Names::One(ZattrName::parse(name)?));
        }
        let raw: Vec<&str> = match self.params.get("data") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().ok_or_else(|| invalid("data must list names")))
                .collect::<Result<_, _>>()?,
            Some(Value::String(list)) => list.split(',').collect(),
            Some(_) => return Err(invalid("data must list names")),
            None => return Err(invalid("name or data is required")),
        };
        let mut seen = BTreeSet::new();
        let mut names = Vec::new();
        for n in raw {
            let name = ZattrName::parse(n)?;
            if seen.insert(name.clone()) {
                names.push(name);
            }
        }
        if names.is_empty() {
            return Err(invalid("data must name at least one attribute"));
        }
        Ok(Names::Many(names))
    }

    /// What to write: `name` and `value`, else each item of `data` (`{name, value,
    /// expiration?, encrypt?}`). `encrypt` and `expiration` at the top level are the items'
    /// defaults. `value_required` is false for PATCH, where an empty value changes nothing.
    pub fn values(&self, value_required: bool) -> Result<Vec<NewValue>, ZatoError> {
        let encrypt = self.params.flag("encrypt")?.unwrap_or(false);
        let expiration = self.params.expiration()?;
        if let Some(name) = self.params.text("name")? {
            // Zato's single `value` is a text field: other JSON is kept as its text.
            let value = match self.params.get("value") {
                Some(Value::String(s)) if s.is_empty() && !value_required => None,
                Some(Value::String(s)) => Some(Value::String(s.clone())),
                Some(other) => Some(Value::String(other.to_string())),
                None if value_required => return Err(ZatoError::MissingInput("value")),
                None => None,
            };
            return Ok(vec![new_value(name, value, encrypt, expiration)?]);
        }
        let Some(Value::Array(items)) = self.params.get("data") else {
            return Err(invalid("name or a data list is required"));
        };
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for item in items {
            let Value::Object(fields) = item else {
                return Err(invalid("each data item is an object"));
            };
            let item = Params::from_json(fields.clone());
            if let Some(user) = item.user_id()?
                && &user != self.owner.person()
            {
                return Err(invalid("every data item must be about the request's user"));
            }
            let name = item.required_text("name")?;
            // Values inside `data` keep their JSON type, as in Zato's `*_many` calls.
            let value = match item.get("value") {
                Some(Value::String(s)) if s.is_empty() && !value_required => None,
                Some(v) => Some(v.clone()),
                None if value_required => return Err(ZatoError::MissingInput("value")),
                None => None,
            };
            let encrypt = item.flag("encrypt")?.unwrap_or(encrypt);
            let expiration = item.expiration()?.or(expiration);
            let new = new_value(name, value, encrypt, expiration)?;
            if !seen.insert(new.name.clone()) {
                return Err(invalid("data names an attribute twice"));
            }
            out.push(new);
        }
        if out.is_empty() {
            return Err(invalid("data must hold at least one attribute"));
        }
        Ok(out)
    }

    pub fn decrypt(&self) -> Result<bool, ZatoError> {
        Ok(parse_flag("decrypt", self.params.get("decrypt"))?.unwrap_or(true))
    }

    /// The changes `values` make, sealed under the target's data key where asked (which costs
    /// one read of the session and the target's record first).
    pub async fn changes(
        &self,
        app: &App,
        values: Vec<NewValue>,
        make: impl Fn(ZattrName, Option<Stored>, Option<i64>) -> Change,
    ) -> Result<Vec<Change>, ZatoError> {
        let key = if values.iter().any(|v| v.encrypt && v.value.is_some()) {
            let (access, _) =
                sso_attrs::read(&app.db, &self.org, &self.ust, self.owner.clone(), true, &[])
                    .await?;
            Some(sso_attrs::data_key(&app.kek, &self.org, &access).await?)
        } else {
            None
        };
        let now = now_us();
        Ok(values
            .into_iter()
            .map(|v| {
                let stored = v.value.map(|text| match (&key, v.encrypt) {
                    (Some(key), true) => Stored::Sealed(key.seal(
                        &self.owner.value_context(&self.org, &v.name),
                        text.as_bytes(),
                    )),
                    _ => Stored::Plain(text),
                });
                make(v.name, stored, v.expiration.map(|e| e.from(now)))
            })
            .collect())
    }

    /// Applies the changes, all or none.
    pub async fn write(&self, app: &App, changes: &[Change]) -> Result<(), ZatoError> {
        Ok(sso_attrs::write(
            &app.db,
            &self.org,
            &self.ust,
            &self.owner,
            changes,
            app.config.sso_session_max,
        )
        .await?)
    }

    /// The names to read (`name` or `data`), at most what one BatchGetItem holds besides the
    /// session and the target's record.
    pub fn names_to_read(&self) -> Result<Names, ZatoError> {
        let names = self.names()?;
        let max = match self.owner {
            // The target session is one more key when it is not the caller's.
            Owner::Session(ref target) if *target != self.ust => MAX_READ_NAMES - 1,
            _ => MAX_READ_NAMES,
        };
        if names.all().len() > max {
            return Err(invalid(&format!("at most {max} names per request")));
        }
        Ok(names)
    }
}

/// BatchGetItem reads 100 keys: the caller's session, the owner's record, and the names (one
/// fewer for another session's attributes: that session is a key too).
pub const MAX_READ_NAMES: usize = 98;

type Answer = Result<lambda_http::Response<lambda_http::Body>, ZatoError>;

/// The whole of POST, PATCH and PUT: parse, seal where asked, write atomically, answer "ok".
pub async fn write_values(
    app: &App,
    req: &Request,
    family: Family,
    value_required: bool,
    make: impl Fn(ZattrName, Option<Stored>, Option<i64>) -> Change,
) -> Answer {
    let r = AttrRequest::parse(app, req, family).await?;
    let values = r.values(value_required)?;
    let changes = r.changes(app, values, make).await?;
    r.write(app, &changes).await?;
    Ok(ok(Map::new()))
}

/// POST: creates (E009001 if one exists).
pub async fn create(app: &App, req: &Request, family: Family) -> Answer {
    write_values(app, req, family, true, |name, value, expires_us| {
        Change::Create {
            name,
            value: value.expect("a value is required here"),
            expires_us,
        }
    })
    .await
}

/// PATCH: updates (E009002 if one is missing).
pub async fn update(app: &App, req: &Request, family: Family) -> Answer {
    write_values(app, req, family, false, |name, value, expires_us| {
        Change::Update {
            name,
            value,
            expires_us,
        }
    })
    .await
}

/// PUT: creates or replaces.
pub async fn set(app: &App, req: &Request, family: Family) -> Answer {
    write_values(app, req, family, true, |name, value, expires_us| {
        Change::Set {
            name,
            value: value.expect("a value is required here"),
            expires_us,
        }
    })
    .await
}

/// DELETE: `name` or `data`; a missing attribute is not an error.
pub async fn delete(app: &App, req: &Request, family: Family) -> Answer {
    let r = AttrRequest::parse(app, req, family).await?;
    let changes: Vec<_> = r
        .names()?
        .all()
        .into_iter()
        .map(|name| Change::Delete { name })
        .collect();
    r.write(app, &changes).await?;
    Ok(ok(Map::new()))
}

/// GET: one attribute (`{found, …attribute}`) or several (`{result: {name: attribute | null}}`),
/// opened unless `decrypt: false`. One BatchGetItem.
pub async fn get(app: &App, req: &Request, family: Family) -> Answer {
    let r = AttrRequest::parse(app, req, family).await?;
    let names = r.names_to_read()?;
    let decrypt = r.decrypt()?;
    let all = names.all();
    let (access, found) =
        sso_attrs::read(&app.db, &r.org, &r.ust, r.owner.clone(), decrypt, &all).await?;
    let key = if decrypt
        && found
            .values()
            .any(|a| matches!(a.value, sso_attrs::Stored::Sealed(_)))
    {
        Some(sso_attrs::data_key(&app.kek, &r.org, &access).await?)
    } else {
        None
    };
    let render = |name| -> Result<Value, ZatoError> {
        found
            .get(name)
            .map(|a| a.to_json(&r.org, &access.owner, key.as_ref()))
            .transpose()
            .map(|v| v.unwrap_or(Value::Null))
            .map_err(Into::into)
    };
    let fields = match names {
        Names::One(name) => match render(&name)? {
            Value::Object(mut attr) => {
                attr.insert("found".into(), json!(true));
                attr
            }
            _ => Map::from_iter([("found".into(), json!(false))]),
        },
        Names::Many(names) => {
            let result = names
                .iter()
                .map(|n| Ok((n.as_str().to_owned(), render(n)?)))
                .collect::<Result<Map<_, _>, ZatoError>>()?;
            Map::from_iter([("result".into(), Value::Object(result))])
        }
    };
    Ok(ok(fields))
}

/// GET …/exists: `result` true or false, or `{name: bool}` for `data`. One BatchGetItem.
pub async fn exists(app: &App, req: &Request, family: Family) -> Answer {
    let r = AttrRequest::parse(app, req, family).await?;
    let names = r.names_to_read()?;
    let all = names.all();
    let (_, found) = sso_attrs::read(&app.db, &r.org, &r.ust, r.owner.clone(), false, &all).await?;
    let result = match names {
        Names::One(name) => json!(found.contains_key(&name)),
        Names::Many(names) => Value::Object(
            names
                .iter()
                .map(|n| (n.as_str().to_owned(), json!(found.contains_key(n))))
                .collect(),
        ),
    };
    Ok(ok(Map::from_iter([("result".into(), result)])))
}

/// GET …/names: `result`, the names of the owner's unexpired attributes.
pub async fn names(app: &App, req: &Request, family: Family) -> Answer {
    let r = AttrRequest::parse(app, req, family).await?;
    let names = sso_attrs::names(&app.db, &r.org, &r.ust, r.owner).await?;
    Ok(ok(Map::from_iter([("result".into(), json!(names))])))
}

fn new_value(
    name: &str,
    value: Option<Value>,
    encrypt: bool,
    expiration: Option<Expiration>,
) -> Result<NewValue, ZatoError> {
    let value = value.map(|v| v.to_string());
    if value.as_ref().is_some_and(|v| v.len() > MAX_VALUE_BYTES) {
        return Err(invalid("a value is larger than 64 KiB"));
    }
    Ok(NewValue {
        name: ZattrName::parse(name)?,
        value,
        encrypt,
        expiration,
    })
}

fn invalid(reason: &str) -> ZatoError {
    ZatoError::InvalidInput(reason.into())
}
