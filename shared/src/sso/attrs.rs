//! The parameters every `/zato/sso/user/attr…` endpoint shares: the caller, the target user,
//! and either one attribute (`name`, `value`, `encrypt`, `expiration`) or several (`data`).

use std::collections::BTreeSet;

use lambda_http::Request;
use serde_json::Value;

use super::input::{Expiration, parse_flag};
use super::{Params, Ust, ZattrName};
use crate::App;
use crate::ids::{OrgId, PersonId};
use crate::sso::error::ZatoError;
use crate::sso::time::now_us;
use crate::store::sso_attrs::{self, Change, Stored};

/// Largest stored value, as JSON text: DynamoDB items stop at 400 KB, and Zato values are
/// settings and tokens, not documents.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

pub struct AttrRequest {
    pub org: OrgId,
    pub ust: Ust,
    pub target: Option<PersonId>,
    pub params: Params,
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
    pub async fn parse(app: &App, req: &Request) -> Result<Self, ZatoError> {
        let (org, params) = super::begin(app, req).await?;
        let ust = params.ust()?;
        let target = params.user_id()?;
        Ok(Self {
            org,
            ust,
            target,
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
                && Some(&user) != self.target.as_ref().or(Some(self.ust.person()))
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
            let (access, _) = sso_attrs::read(
                &app.db,
                &self.org,
                &self.ust,
                self.target.as_ref(),
                true,
                &[],
            )
            .await?;
            Some(sso_attrs::data_key(&app.kek, &self.org, &access).await?)
        } else {
            None
        };
        let target = self.target.as_ref().unwrap_or(self.ust.person());
        let now = now_us();
        Ok(values
            .into_iter()
            .map(|v| {
                let stored = v.value.map(|text| match (&key, v.encrypt) {
                    (Some(key), true) => Stored::Sealed(key.seal(
                        &sso_attrs::value_context(&self.org, target, &v.name),
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
        Ok(sso_attrs::write(&app.db, &self.org, &self.ust, self.target.as_ref(), changes).await?)
    }

    /// The names to read (`name` or `data`), at most what one BatchGetItem holds besides the
    /// session and the target's record.
    pub fn names_to_read(&self) -> Result<Names, ZatoError> {
        let names = self.names()?;
        if names.all().len() > MAX_READ_NAMES {
            return Err(invalid("at most 98 names per request"));
        }
        Ok(names)
    }
}

/// BatchGetItem reads 100 keys: the session, the target's record, and the names.
pub const MAX_READ_NAMES: usize = 98;

/// The whole of POST, PATCH and PUT: parse, seal where asked, write atomically, answer "ok".
pub async fn write_values(
    app: &App,
    req: &Request,
    value_required: bool,
    make: impl Fn(ZattrName, Option<Stored>, Option<i64>) -> Change,
) -> Result<lambda_http::Response<lambda_http::Body>, ZatoError> {
    let r = AttrRequest::parse(app, req).await?;
    let values = r.values(value_required)?;
    let changes = r.changes(app, values, make).await?;
    r.write(app, &changes).await?;
    Ok(crate::faces::zato::ok(serde_json::Map::new()))
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
