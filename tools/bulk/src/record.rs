//! The ndjson records of import and export: one JSON object a line, `type` naming which. Export
//! writes them in `Record::rank` order (what depends on what), then by key, so a directory has
//! one canonical file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Record {
    /// An organization; `parent` must come earlier in the file. Its API key is given in plain
    /// (`api_key`, hashed on import) or as the SHA-256 the table keeps (what export writes).
    Organization {
        id: String,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<String>,
        #[serde(default, skip_serializing_if = "is_false")]
        shares_parent_pool: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api_key: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api_key_sha256: Option<String>,
    },
    /// A person of `org`, as `PUT /persons` takes it (an existing owner of a handle is joined).
    Person {
        org: String,
        id: String,
        active: bool,
        region: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        handles: Vec<Handle>,
    },
    /// Attributes of one bucket of a person (merged, as `PATCH` does).
    Attributes {
        org: String,
        person: String,
        bucket: String,
        attributes: Map<String, Value>,
    },
    /// An entry of the org's permission catalog.
    Permission {
        org: String,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// A person's whole set of directly assigned permissions.
    PersonPermissions {
        org: String,
        person: String,
        permissions: Vec<String>,
    },
    /// A SailPoint role document (without the server's `id`, `created`, `modified`).
    Role {
        org: String,
        id: String,
        role: Value,
    },
    /// A person's membership of a role, with every source it holds it by.
    Assignment {
        org: String,
        role: String,
        person: String,
        sources: Vec<String>,
    },
    /// A search document of an ingested (not projected) index.
    Document {
        org: String,
        index: String,
        doc: Value,
    },
    /// A Zato SSO user: the person must come earlier with its `username` handle. The password is
    /// given in plain (`password`) or as the stored argon2id hash.
    SsoUser {
        org: String,
        id: String,
        username: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password_hash: Option<String>,
        approved: bool,
        #[serde(default, skip_serializing_if = "is_false")]
        super_user: bool,
        #[serde(default, skip_serializing_if = "is_false")]
        locked: bool,
        #[serde(default)]
        created: i64,
        #[serde(default)]
        approval_mod_by: String,
        #[serde(default)]
        approval_mod_time: i64,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        profile: BTreeMap<String, String>,
        /// The user's data key wrapped by the key-encryption key; sealed values need it.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        wrapped_key: String,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        attributes: BTreeMap<String, SsoAttribute>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handle {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

/// A Zato attribute as stored: a JSON value, or its sealed text (opened only by the user's key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoAttribute {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_us: Option<i64>,
}

/// Fields a record's Debug never shows: credentials, their hashes, and wrapped data keys.
const REDACTED_FIELDS: [&str; 5] = [
    "api_key",
    "api_key_sha256",
    "password",
    "password_hash",
    "wrapped_key",
];

impl std::fmt::Debug for Record {
    // A record is shown as the JSON line it reads from, with its secrets blanked, so a new
    // field is covered by naming it above rather than by a hand-written printer per variant.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut json = serde_json::to_value(self).map_err(|_| std::fmt::Error)?;
        if let Some(fields) = json.as_object_mut() {
            for name in REDACTED_FIELDS {
                if let Some(value) = fields.get_mut(name) {
                    *value = Value::String("<redacted>".into());
                }
            }
        }
        write!(f, "Record({json})")
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Record {
    /// Dependency order: a record only refers to records of a lower rank.
    pub fn rank(&self) -> u8 {
        match self {
            Record::Organization { .. } => 0,
            Record::Person { .. } => 1,
            Record::Attributes { .. } => 2,
            Record::Permission { .. } => 3,
            Record::PersonPermissions { .. } => 4,
            Record::Role { .. } => 5,
            Record::Assignment { .. } => 6,
            Record::Document { .. } => 7,
            Record::SsoUser { .. } => 8,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Record::Organization { .. } => "organization",
            Record::Person { .. } => "person",
            Record::Attributes { .. } => "attributes",
            Record::Permission { .. } => "permission",
            Record::PersonPermissions { .. } => "person-permissions",
            Record::Role { .. } => "role",
            Record::Assignment { .. } => "assignment",
            Record::Document { .. } => "document",
            Record::SsoUser { .. } => "sso-user",
        }
    }

    /// The canonical order of an export: rank, then the record's own key.
    pub fn sort_key(&self) -> (u8, String) {
        let key = match self {
            Record::Organization { id, .. } => id.clone(),
            Record::Person { id, .. } | Record::SsoUser { id, .. } => id.clone(),
            Record::Attributes { person, bucket, .. } => format!("{person}\u{0}{bucket}"),
            Record::Permission { name, .. } => name.clone(),
            Record::PersonPermissions { person, .. } => person.clone(),
            Record::Role { id, .. } => id.clone(),
            Record::Assignment { role, person, .. } => format!("{role}\u{0}{person}"),
            Record::Document { index, doc, .. } => {
                format!(
                    "{index}\u{0}{}",
                    doc.get("id").and_then(Value::as_str).unwrap_or("")
                )
            }
        };
        (self.rank(), key)
    }

    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("records serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_records_debug_blanks_credentials_hashes_and_wrapped_keys() {
        let line = r#"{"type": "sso-user", "org": "o", "id": "u", "username": "jdoe",
            "password": "plain-password-1", "password_hash": "$argon2id$v=19$aGFzaA",
            "approved": true, "wrapped_key": "local:v1:d3JhcHBlZA=="}"#;
        let org =
            r#"{"type": "organization", "id": "o", "name": "Org", "api_key": "key-in-plain"}"#;
        for (line, secrets) in [
            (line, &["plain-password-1", "aGFzaA", "d3JhcHBlZA"][..]),
            (org, &["key-in-plain"][..]),
        ] {
            let record: Record = serde_json::from_str(line).unwrap();
            let shown = format!("{record:?}");
            assert!(shown.contains("<redacted>"), "{shown}");
            for secret in secrets {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
    }
}
