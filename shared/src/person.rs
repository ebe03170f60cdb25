//! A person of the identity graph — the same record is a SlashID person, a SailPoint identity
//! and a Zato SSO user.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::ids::PersonId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandleKind {
    EmailAddress,
    PhoneNumber,
    Username,
}

impl HandleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmailAddress => "email_address",
            Self::PhoneNumber => "phone_number",
            Self::Username => "username",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("handle {value:?} is not a valid {kind}: {reason}")]
pub struct HandleError {
    pub kind: &'static str,
    pub value: String,
    pub reason: &'static str,
}

/// A handle, valid for its kind. Uniqueness is on `normalized()`: emails and usernames compare
/// case-insensitively, as users expect of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Handle {
    #[serde(rename = "type")]
    kind: HandleKind,
    value: String,
}

impl Handle {
    pub fn parse(kind: HandleKind, value: &str) -> Result<Self, HandleError> {
        let fail = |reason| HandleError {
            kind: kind.as_str(),
            value: value.chars().take(80).collect(),
            reason,
        };
        if value.is_empty() || value.len() > 254 {
            return Err(fail("it must be 1 to 254 characters"));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(fail("it must not contain spaces or control characters"));
        }
        match kind {
            HandleKind::EmailAddress => {
                let (local, domain) = value
                    .rsplit_once('@')
                    .ok_or_else(|| fail("it has no '@'"))?;
                if local.is_empty()
                    || local.contains('@')
                    || domain.len() < 3
                    || !domain.contains('.')
                {
                    return Err(fail("expected local-part@domain"));
                }
            }
            HandleKind::PhoneNumber => {
                let digits = value
                    .strip_prefix('+')
                    .ok_or_else(|| fail("expected E.164, starting with '+'"))?;
                if !(6..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(fail("expected '+' and 6 to 15 digits"));
                }
            }
            HandleKind::Username => {}
        }
        Ok(Self {
            kind,
            value: value.to_owned(),
        })
    }

    pub fn kind(&self) -> HandleKind {
        self.kind
    }
    pub fn value(&self) -> &str {
        &self.value
    }
    pub fn normalized(&self) -> String {
        self.value.to_lowercase()
    }
}

/// SlashID's `Region` enum.
pub const REGIONS: [&str; 5] = [
    "us-iowa",
    "europe-belgium",
    "asia-japan",
    "europe-england",
    "australia-sydney",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: PersonId,
    pub active: bool,
    pub region: String,
    pub handles: Vec<Handle>,
    /// The display name: SailPoint's `name` of this identity (an extension in the SlashID face).
    pub name: Option<DisplayName>,
    /// Bumped on every profile change; projections compare it to ignore stale stream records.
    pub version: u64,
}

/// A person's display name: 1..=128 characters, no control characters (which also keeps every
/// name inside the role-member sort order's sentinels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 128 {
            return Err(ApiError::BadRequest(
                "name must be 1 to 128 characters".into(),
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ApiError::BadRequest(
                "name must not contain control characters".into(),
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(Handle::parse(HandleKind::EmailAddress, "user@user.com").is_ok());
        for bad in ["user", "@x.com", "a@b", "a b@c.com", "a@@b.com"] {
            assert!(
                Handle::parse(HandleKind::EmailAddress, bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn phone_numbers_are_e164() {
        assert!(Handle::parse(HandleKind::PhoneNumber, "+442071838750").is_ok());
        assert!(Handle::parse(HandleKind::PhoneNumber, "02071838750").is_err());
        assert!(Handle::parse(HandleKind::PhoneNumber, "+44abc").is_err());
    }

    #[test]
    fn handles_compare_case_insensitively() {
        let a = Handle::parse(HandleKind::EmailAddress, "Jane@Example.com").unwrap();
        let b = Handle::parse(HandleKind::EmailAddress, "jane@example.COM").unwrap();
        assert_eq!(a.normalized(), b.normalized());
    }
}
