//! Identifiers that cross the API boundary. Each constructor is the only way in, so code that
//! holds one knows it is valid — and, because `#` is never allowed, that it cannot forge a key.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{what} must not be empty")]
    Empty { what: &'static str },
    #[error("{what} is longer than {max} characters")]
    TooLong { what: &'static str, max: usize },
    #[error("{what} {value:?} is not valid: {reason}")]
    Invalid {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
}

/// An organization id: a UUID, kept in its canonical lowercase hyphenated form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(String);

impl OrgId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        if raw.is_empty() {
            return Err(IdError::Empty {
                what: "organization id",
            });
        }
        match uuid::Uuid::try_parse(raw) {
            Ok(id) => Ok(Self(id.hyphenated().to_string())),
            Err(_) => Err(IdError::Invalid {
                what: "organization id",
                value: truncate(raw),
                reason: "expected a UUID",
            }),
        }
    }
    pub fn new_random() -> Self {
        Self(uuid::Uuid::new_v4().hyphenated().to_string())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id of a person — which is also a SailPoint identity and a Zato SSO user. Ids are opaque:
/// UUIDs where we mint them, but ids given on creation or import (SailPoint's 32-hex ids, Zato's
/// `zusr…` ids) are kept as given, within a character set that is safe in keys, URLs and logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonId(String);

pub const MAX_ID_LEN: usize = 64;

impl PersonId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        parse_opaque("person id", raw).map(Self)
    }
    pub fn new_random() -> Self {
        Self(uuid::Uuid::new_v4().hyphenated().to_string())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A SailPoint role id: opaque like a person id; we mint SailPoint-style 32 hex characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleId(String);

impl RoleId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        parse_opaque("role id", raw).map(Self)
    }
    pub fn new_random() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id of a search document: opaque like the others.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId(String);

impl DocumentId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        parse_opaque("document id", raw).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A SlashID group name, unique within its org and case-sensitive: 2..=100 characters of
/// `[A-Za-z0-9._-]`, starting and ending with a letter or digit (SlashID's `GroupName`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupName(String);

pub const MAX_GROUP_NAME_LEN: usize = 100;

impl GroupName {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let what = "group name";
        let name = parse_opaque_up_to(what, raw, MAX_GROUP_NAME_LEN)?;
        if name.len() < 2 {
            return Err(IdError::Invalid {
                what,
                value: name,
                reason: "must be at least 2 characters long",
            });
        }
        Ok(Self(name))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Opaque ids: 1..=64 characters of `[A-Za-z0-9._-]`, starting and ending with a letter or digit
/// (so `.`/`..` and other path tricks are impossible).
fn parse_opaque(what: &'static str, raw: &str) -> Result<String, IdError> {
    parse_opaque_up_to(what, raw, MAX_ID_LEN)
}

/// As `parse_opaque`, up to `max` characters.
fn parse_opaque_up_to(what: &'static str, raw: &str, max: usize) -> Result<String, IdError> {
    if raw.is_empty() {
        return Err(IdError::Empty { what });
    }
    if raw.len() > max {
        return Err(IdError::TooLong { what, max });
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if !raw.chars().all(allowed) {
        return Err(IdError::Invalid {
            what,
            value: truncate(raw),
            reason: "only letters, digits, '.', '_' and '-' are allowed",
        });
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(raw.chars().next()) || !edge_ok(raw.chars().last()) {
        return Err(IdError::Invalid {
            what,
            value: truncate(raw),
            reason: "must start and end with a letter or digit",
        });
    }
    Ok(raw.to_owned())
}

/// Echoing hostile input back in an error message is fine, echoing a megabyte of it is not.
fn truncate(raw: &str) -> String {
    raw.chars().take(80).collect()
}

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
    )*};
}
display_as_str!(OrgId, PersonId, RoleId, DocumentId, GroupName);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_org_id_is_normalised_to_lowercase_hyphenated_uuid() {
        let id = OrgId::parse("AF5FBD30-7CE7-4548-8B30-4CD59CB2ABA1").unwrap();
        assert_eq!(id.as_str(), "af5fbd30-7ce7-4548-8b30-4cd59cb2aba1");
    }

    #[test]
    fn an_org_id_that_is_not_a_uuid_is_refused() {
        assert!(OrgId::parse("acme").is_err());
        assert!(OrgId::parse("").is_err());
    }

    #[test]
    fn person_ids_of_every_face_are_kept_as_given() {
        for raw in [
            "903c1ff9-f2cc-435c-b242-9d8a690fcf0a",
            "2c9180a46faadee4016fb4e018c20639",
            "zusr6fh6fdgd4997ksjkpx7qnk659q",
        ] {
            assert_eq!(PersonId::parse(raw).unwrap().as_str(), raw);
        }
    }

    #[test]
    fn person_ids_with_key_separators_or_path_tricks_are_refused() {
        for raw in ["a#b", "../etc", "..", ".x", "x.", "a/b", "a b", "a\0b", "é"] {
            assert!(PersonId::parse(raw).is_err(), "{raw:?} should be refused");
        }
    }

    #[test]
    fn person_ids_longer_than_64_characters_are_refused() {
        assert!(PersonId::parse(&"a".repeat(64)).is_ok());
        assert_eq!(
            PersonId::parse(&"a".repeat(65)),
            Err(IdError::TooLong {
                what: "person id",
                max: 64
            })
        );
    }

    #[test]
    fn group_names_follow_slashids_pattern_and_limits() {
        for ok in ["ab", "A.b-c_d", "G1", &"g".repeat(100)] {
            assert_eq!(GroupName::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "",
            "a",
            "-ab",
            "ab-",
            "a b",
            "a#b",
            "a/b",
            "é1",
            &"g".repeat(101),
        ] {
            assert!(GroupName::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
