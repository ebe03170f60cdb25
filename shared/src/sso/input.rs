//! A Zato request's parameters, which arrive in the JSON body (also on GET and DELETE, as Zato's
//! curl examples send them, whatever their Content-Type) or in the query string; the body wins
//! where both give one. Each value becomes a newtype whose constructor is the only way in.

use lambda_http::Request;
use serde_json::{Map, Value};

use crate::ids::PersonId;
use crate::request::{Query, body_bytes, json_body};
use crate::sso::error::{self as zato, ZatoError};

pub struct Params(Map<String, Value>);

/// Parameters that are secrets, refused in the query string.
const SECRET_PARAMS: [&str; 3] = ["password", "old_password", "new_password"];

impl Params {
    pub fn from_request(req: &Request) -> Result<Self, ZatoError> {
        let mut fields = if body_bytes(req).iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            match json_body::<Value>(req)? {
                Value::Object(m) => m,
                _ => {
                    return Err(ZatoError::InvalidInput(
                        "the body is not a JSON object".into(),
                    ));
                }
            }
        };
        let query = Query::from_request(req)?;
        for (key, _) in query.all_pairs() {
            // Zato takes parameters from the query string too, but a password there lands in
            // access logs, proxies and browser histories: only the body may carry one.
            if SECRET_PARAMS.contains(&key) {
                return Err(ZatoError::InvalidInput(format!(
                    "{key} must be sent in the body, not in the query string"
                )));
            }
            if !fields.contains_key(key) {
                let value = query.single(key)?.unwrap_or_default();
                fields.insert(key.to_owned(), Value::String(value.to_owned()));
            }
        }
        Ok(Self(fields))
    }

    pub fn from_json(fields: Map<String, Value>) -> Self {
        Self(fields)
    }

    /// The value as sent, `null` included: where `null` means "clear it".
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// A present, non-null value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn text(&self, name: &'static str) -> Result<Option<&str>, ZatoError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ZatoError::InvalidInput(format!("{name} must be a string"))),
        }
    }

    pub fn required_text(&self, name: &'static str) -> Result<&str, ZatoError> {
        self.text(name)?
            .filter(|s| !s.is_empty())
            .ok_or(ZatoError::MissingInput(name))
    }

    /// A boolean, also as the query string spells one.
    pub fn flag(&self, name: &'static str) -> Result<Option<bool>, ZatoError> {
        parse_flag(name, self.get(name))
    }

    /// `expiration`: whole seconds from now; 0 or absent means never, as in Zato.
    pub fn expiration(&self) -> Result<Option<Expiration>, ZatoError> {
        Expiration::parse(self.get("expiration"))
    }

    /// `user_id`, if given.
    pub fn user_id(&self) -> Result<Option<PersonId>, ZatoError> {
        self.text("user_id")?
            .map(|raw| PersonId::parse(raw).map_err(|_| ZatoError::Rule(zato::USER_ID_INVALID)))
            .transpose()
    }

    /// `user_id`, where a call must name one.
    pub fn required_user_id(&self) -> Result<PersonId, ZatoError> {
        self.user_id()?.ok_or(ZatoError::MissingInput("user_id"))
    }

    /// The UST: `ust`, or `current_ust` as the doc's own examples send it. A missing UST is an
    /// unknown session, as Zato answers it.
    pub fn ust(&self) -> Result<Ust, ZatoError> {
        let raw = match self.text("ust")? {
            Some(u) => Some(u),
            None => self.text("current_ust")?,
        };
        let ust = Ust::parse(raw.unwrap_or_default())?;
        // The session's claimed owner; whether the session is real, the outcome says.
        crate::audit::principal(format!("zato:{}", ust.person()));
        Ok(ust)
    }

    /// `target_ust`, the session a call is about; the caller's own when absent.
    pub fn target_ust(&self, caller: &Ust) -> Result<Ust, ZatoError> {
        match self.text("target_ust")? {
            Some(raw) => Ust::parse(raw),
            None => Ok(caller.clone()),
        }
    }

    /// `auth_type` and `auth_username`, the linked account a call is about.
    pub fn linked_account(&self) -> Result<LinkedAccount, ZatoError> {
        LinkedAccount::parse(
            self.required_text("auth_type")?,
            self.required_text("auth_username")?,
        )
    }

    pub fn current_app(&self, allowed: &[String]) -> Result<AppName, ZatoError> {
        AppName::parse(self.required_text("current_app")?, allowed)
    }
}

pub(crate) fn parse_flag(name: &str, value: Option<&Value>) -> Result<Option<bool>, ZatoError> {
    match value {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if matches!(s.as_str(), "true" | "True" | "1") => Ok(Some(true)),
        Some(Value::String(s)) if matches!(s.as_str(), "false" | "False" | "0") => Ok(Some(false)),
        Some(_) => Err(ZatoError::InvalidInput(format!("{name} must be a boolean"))),
    }
}

/// An attribute's lifetime, in whole seconds from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiration(u32);

/// Ten years: Zato has no limit, but an expiry past year 9999 cannot be printed.
const MAX_EXPIRATION: u64 = 10 * 366 * 24 * 3600;

impl Expiration {
    pub fn parse(value: Option<&Value>) -> Result<Option<Self>, ZatoError> {
        let seconds = match value {
            None => return Ok(None),
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.parse::<u64>().ok(),
            Some(_) => None,
        }
        .filter(|s| *s <= MAX_EXPIRATION)
        .ok_or_else(|| {
            ZatoError::InvalidInput("expiration must be whole seconds, at most ten years".into())
        })?;
        Ok((seconds > 0).then_some(Self(seconds as u32)))
    }

    /// The expiry instant in epoch microseconds, counted from `now_us`.
    pub fn from(self, now_us: i64) -> i64 {
        now_us + i64::from(self.0) * 1_000_000
    }
}

/// A `current_app` that the deployment's allow-list names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppName(String);

impl AppName {
    pub fn parse(raw: &str, allowed: &[String]) -> Result<Self, ZatoError> {
        if allowed.iter().any(|a| a == raw) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ZatoError::InvalidApp)
        }
    }
}

/// A user session token: `{user id}.{secret}`. The id tells which partition holds the session,
/// so a request reads it together with the data; only the SHA-256 of the whole token is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Ust {
    person: PersonId,
    token: String,
}

/// Bytes of randomness in a UST's secret (256 bits).
pub const UST_SECRET_BYTES: usize = 32;
const UST_SECRET_CHARS: usize = 43;

impl Ust {
    /// Anything that is not a token we could have issued is an unknown session (E007001).
    pub fn parse(raw: &str) -> Result<Self, ZatoError> {
        let (person, secret) = raw.rsplit_once('.').ok_or(ZatoError::NoSuchSession)?;
        let person = PersonId::parse(person).map_err(|_| ZatoError::NoSuchSession)?;
        let base64url = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if secret.len() != UST_SECRET_CHARS || !secret.chars().all(base64url) {
            return Err(ZatoError::NoSuchSession);
        }
        Ok(Self {
            person,
            token: raw.to_owned(),
        })
    }

    pub fn issue(person: &PersonId) -> Self {
        Self {
            person: person.clone(),
            token: format!(
                "{person}.{}",
                crate::digest::random_token::<UST_SECRET_BYTES>()
            ),
        }
    }

    pub fn person(&self) -> &PersonId {
        &self.person
    }

    pub fn hash(&self) -> String {
        crate::digest::sha256_hex(&self.token)
    }

    /// The token itself, for the one response that hands it out.
    pub fn expose(&self) -> &str {
        &self.token
    }
}

impl std::fmt::Debug for Ust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ust({}.…)", self.person)
    }
}

/// A username: 1 to 128 characters without whitespace (Zato's `E001…` rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

pub const MAX_USERNAME_CHARS: usize = 128;

impl Username {
    pub fn parse(raw: &str) -> Result<Self, ZatoError> {
        if raw.is_empty() {
            return Err(ZatoError::Rule(zato::USERNAME_INVALID));
        }
        if raw.chars().count() > MAX_USERNAME_CHARS {
            return Err(ZatoError::Rule(zato::USERNAME_TOO_LONG));
        }
        if raw.chars().any(char::is_whitespace) {
            return Err(ZatoError::Rule(zato::USERNAME_HAS_WHITESPACE));
        }
        if raw.chars().any(char::is_control) {
            return Err(ZatoError::Rule(zato::USERNAME_INVALID));
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 8 to 256 characters, `sso.conf`'s defaults.
pub struct Password(String);

impl Password {
    pub fn new(raw: &str) -> Result<Self, ZatoError> {
        match raw.chars().count() {
            n if n < 8 => Err(ZatoError::Rule(zato::PASSWORD_TOO_SHORT)),
            n if n > 256 => Err(ZatoError::Rule(zato::PASSWORD_TOO_LONG)),
            _ => Ok(Self(raw.to_owned())),
        }
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// A user attribute's name: 1 to 191 characters (Zato's `String(191)`), no control characters.
/// It is the last part of its key, after a fixed prefix, so any other text is safe there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZattrName(String);

impl ZattrName {
    pub fn parse(raw: &str) -> Result<Self, ZatoError> {
        column_text("an attribute name", raw).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Text for one of Zato's `String(191)` columns that ends a key: 1 to 191 characters, no
/// control characters (E008002 naming `what` otherwise).
fn column_text(what: &str, raw: &str) -> Result<String, ZatoError> {
    let n = raw.chars().count();
    if n == 0 || n > 191 || raw.chars().any(char::is_control) {
        return Err(ZatoError::InvalidInput(format!(
            "{what} is 1 to 191 characters, without control characters"
        )));
    }
    Ok(raw.to_owned())
}

/// The kind of security definition a linked account is: Zato links Basic Auth and JWT ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuthType {
    BasicAuth,
    Jwt,
}

impl AuthType {
    pub fn parse(raw: &str) -> Result<Self, ZatoError> {
        [Self::BasicAuth, Self::Jwt]
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| ZatoError::InvalidInput("auth_type is basic_auth or jwt".into()))
    }
    /// Zato's `auth_type` value; `#`-free, so it can sit inside a key.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BasicAuth => "basic_auth",
            Self::Jwt => "jwt",
        }
    }
}

/// A linked account: a security definition's type and username (Zato's `String(191)`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkedAccount {
    auth_type: AuthType,
    auth_username: String,
}

impl LinkedAccount {
    pub fn parse(auth_type: &str, auth_username: &str) -> Result<Self, ZatoError> {
        Ok(Self {
            auth_type: AuthType::parse(auth_type)?,
            auth_username: column_text("auth_username", auth_username)?,
        })
    }
    pub fn auth_type(&self) -> AuthType {
        self.auth_type
    }
    pub fn auth_username(&self) -> &str {
        &self.auth_username
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_ust_parses_back_to_its_user() {
        let person = PersonId::parse("zusr6fh6fdgd4997ksjkpx7qnk659q").unwrap();
        let ust = Ust::issue(&person);
        let again = Ust::parse(ust.expose()).unwrap();
        assert_eq!(again.person(), &person);
        assert_eq!(again.hash(), ust.hash());
    }

    #[test]
    fn anything_else_is_no_such_session() {
        for raw in [
            "",
            "gAAAAABavk-65Bu",
            "a.b",
            "x#y.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(Ust::parse(raw), Err(ZatoError::NoSuchSession), "{raw}");
        }
    }

    #[test]
    fn usernames_follow_zatos_rules_with_their_codes() {
        assert!(Username::parse("jdoe").is_ok());
        assert_eq!(
            Username::parse("j doe"),
            Err(ZatoError::Rule(zato::USERNAME_HAS_WHITESPACE))
        );
        assert_eq!(
            Username::parse(&"a".repeat(129)),
            Err(ZatoError::Rule(zato::USERNAME_TOO_LONG))
        );
    }

    #[test]
    fn zero_expiration_means_never() {
        assert_eq!(Expiration::parse(Some(&Value::from(0))).unwrap(), None);
        assert!(Expiration::parse(Some(&Value::from(-1))).is_err());
        assert!(Expiration::parse(Some(&Value::from("soon"))).is_err());
    }

    #[test]
    fn a_linked_account_is_basic_auth_or_jwt() {
        for raw in ["basic_auth", "jwt"] {
            let account = LinkedAccount::parse(raw, "my.user").unwrap();
            assert_eq!(account.auth_type().as_str(), raw);
            assert_eq!(account.auth_username(), "my.user");
        }
        for raw in ["", "BASIC_AUTH", "oauth", "basic_auth#x"] {
            assert!(
                matches!(
                    LinkedAccount::parse(raw, "my.user"),
                    Err(ZatoError::InvalidInput(_))
                ),
                "{raw}"
            );
        }
    }

    #[test]
    fn a_linked_username_is_1_to_191_characters_without_control_characters() {
        assert!(LinkedAccount::parse("jwt", &"é".repeat(191)).is_ok());
        assert!(LinkedAccount::parse("jwt", "with space#and hash").is_ok());
        for raw in [
            String::new(),
            "a".repeat(192),
            "a\nb".into(),
            "\u{7f}".into(),
        ] {
            assert!(
                matches!(
                    LinkedAccount::parse("jwt", &raw),
                    Err(ZatoError::InvalidInput(_))
                ),
                "{raw:?}"
            );
        }
    }
}
