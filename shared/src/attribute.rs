//! SlashID attribute buckets and attributes, as values that are valid by construction.

use std::fmt;

use serde_json::Value;

use crate::ids::OrgId;
use crate::org::Organization;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributeError {
    #[error("bucket name {0:?} is not valid: 1 to 64 letters, digits, '_' or '-'")]
    BadBucketName(String),
    #[error("attribute name must be 1 to 70 bytes without control characters, got {0} bytes")]
    BadAttributeName(usize),
    #[error("attribute {name:?} is {size} bytes of JSON; the limit is 65536 (64 KiB)")]
    ValueTooLarge { name: String, size: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BucketName(String);

impl BucketName {
    pub fn parse(raw: &str) -> Result<Self, AttributeError> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(AttributeError::BadBucketName(
                raw.chars().take(80).collect(),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BucketName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SharingScope {
    Organization,
    PersonPool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndUserPermissions {
    NoAccess,
    ReadOnly,
    ReadWrite,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub name: BucketName,
    pub scope: SharingScope,
    pub end_user: EndUserPermissions,
    /// Custom buckets only: the org that defined it, and the generation its attributes carry
    /// (a deleted and re-created bucket starts empty).
    pub custom: Option<CustomBucket>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomBucket {
    pub owner: OrgId,
    pub generation: String,
}

impl Bucket {
    /// Whose partition holds this bucket's values for `org`: the pool for `person_pool` buckets
    /// (one value per person, shared by the pool), the org itself otherwise (private to it).
    pub fn owner<'a>(&self, org: &'a Organization) -> &'a OrgId {
        match self.scope {
            SharingScope::PersonPool => &org.pool,
            SharingScope::Organization => &org.id,
        }
    }

    pub fn generation(&self) -> Option<&str> {
        self.custom.as_ref().map(|c| c.generation.as_str())
    }

    /// `AttributeBucket` as `GET /organizations/attribute-buckets` lists it.
    pub fn to_json(&self, org: &Organization) -> serde_json::Value {
        let owner = self
            .custom
            .as_ref()
            .map_or_else(|| self.owner(org), |c| &c.owner);
        serde_json::json!({
            "name": self.name.as_str(),
            "sharing_scope": self.scope,
            "owner_organization_id": owner.as_str(),
            "end_user_permissions": self.end_user,
        })
    }
}

/// The six buckets every organization has (SlashID's PHP SDK table and JS SDK enum).
pub fn default_buckets() -> Vec<Bucket> {
    use EndUserPermissions::*;
    let mut buckets = Vec::with_capacity(6);
    for (scope, prefix) in [
        (SharingScope::Organization, ""),
        (SharingScope::PersonPool, "person_pool-"),
    ] {
        for (perm, suffix) in [
            (NoAccess, "no_access"),
            (ReadOnly, "read_only"),
            (ReadWrite, "read_write"),
        ] {
            let name = BucketName(format!("{prefix}end_user_{suffix}"));
            buckets.push(Bucket {
                name,
                scope,
                end_user: perm,
                custom: None,
            });
        }
    }
    buckets
}

/// An attribute name: 1..=70 bytes (SlashID's limit).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttributeName(String);

pub const MAX_ATTRIBUTE_NAME_BYTES: usize = 70;
pub const MAX_ATTRIBUTE_VALUE_BYTES: usize = 64 * 1024;

impl AttributeName {
    pub fn parse(raw: &str) -> Result<Self, AttributeError> {
        // A name is a key, not data: control characters (a NUL above all) could only be an
        // attack on whatever later prints or compares it.
        if raw.is_empty()
            || raw.len() > MAX_ATTRIBUTE_NAME_BYTES
            || raw.chars().any(char::is_control)
        {
            return Err(AttributeError::BadAttributeName(raw.len()));
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An attribute value as its JSON text, at most 64 KiB — the stored form, so the limit is
/// checked on exactly what is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeValue(String);

impl AttributeValue {
    pub fn from_json(name: &AttributeName, value: &Value) -> Result<Self, AttributeError> {
        let text = value.to_string();
        if text.len() > MAX_ATTRIBUTE_VALUE_BYTES {
            return Err(AttributeError::ValueTooLarge {
                name: name.0.clone(),
                size: text.len(),
            });
        }
        Ok(Self(text))
    }
    pub(crate) fn from_stored(text: String) -> Self {
        Self(text)
    }
    pub fn as_json_text(&self) -> &str {
        &self.0
    }
    pub fn to_json(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_of_70_bytes_pass_and_71_fail() {
        assert!(AttributeName::parse(&"a".repeat(70)).is_ok());
        assert_eq!(
            AttributeName::parse(&"a".repeat(71)),
            Err(AttributeError::BadAttributeName(71))
        );
        // Bytes, not characters: 35 two-byte characters are 70 bytes.
        assert!(AttributeName::parse(&"é".repeat(35)).is_ok());
        assert!(AttributeName::parse(&"é".repeat(36)).is_err());
    }

    #[test]
    fn attribute_values_are_limited_to_64_kib_of_json() {
        let name = AttributeName::parse("n").unwrap();
        let fits = Value::String("x".repeat(MAX_ATTRIBUTE_VALUE_BYTES - 2));
        let over = Value::String("x".repeat(MAX_ATTRIBUTE_VALUE_BYTES - 1));
        assert!(AttributeValue::from_json(&name, &fits).is_ok());
        assert!(matches!(
            AttributeValue::from_json(&name, &over),
            Err(AttributeError::ValueTooLarge { .. })
        ));
    }

    #[test]
    fn there_are_six_default_buckets_three_per_scope() {
        let b = default_buckets();
        assert_eq!(b.len(), 6);
        assert_eq!(
            b.iter()
                .filter(|b| b.scope == SharingScope::PersonPool)
                .count(),
            3
        );
        assert!(
            b.iter()
                .any(|b| b.name.as_str() == "person_pool-end_user_read_write")
        );
    }

    #[test]
    fn bucket_names_cannot_carry_key_separators() {
        assert!(BucketName::parse("a#b").is_err());
        assert!(BucketName::parse("").is_err());
        assert!(BucketName::parse("end_user_read_write").is_ok());
    }
}
