//! SlashID permission names, a person's set of them, and the ETags that version those sets.

use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "permission name {0:?} is not valid: 2 to 1019 characters of letters, digits, '_', '.', '/', '\\', '-', ':', starting and ending with a letter or digit"
)]
pub struct PermissionNameError(pub String);

/// The longest name: SlashID allows 1024 characters, but the name follows `PERM#` in DynamoDB
/// sort keys, which stop at 1024 bytes (the names are ASCII).
pub const MAX_PERMISSION_NAME: usize = 1024 - crate::keys::PERMISSION_PREFIX.len();

/// `^[A-Za-z0-9]{1}[\w./\\\-:]*[A-Za-z0-9]$`, 2..=MAX_PERMISSION_NAME characters, case-sensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PermissionName(String);

impl PermissionName {
    pub fn parse(raw: &str) -> Result<Self, PermissionNameError> {
        if fits_name_pattern(raw, MAX_PERMISSION_NAME, &['_', '.', '/', '\\', '-', ':']) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(PermissionNameError(raw.chars().take(80).collect()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// SlashID's name patterns (`^[A-Za-z0-9]{1}[…]*[A-Za-z0-9]$`): 2 to `max` bytes of ASCII
/// letters, digits and `punctuation`, beginning and ending with a letter or digit.
fn fits_name_pattern(raw: &str, max: usize, punctuation: &[char]) -> bool {
    let inner = |c: char| c.is_ascii_alphanumeric() || punctuation.contains(&c);
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    (2..=max).contains(&raw.len())
        && raw.chars().all(inner)
        && edge(raw.chars().next())
        && edge(raw.chars().last())
}

impl fmt::Display for PermissionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The most permissions a person holds directly, and so the most distinct names one PUT may
/// give. A person's set is one DynamoDB item, whose limit is 400 KB: 256 names of at most
/// [`MAX_PERMISSION_NAME`] bytes are 260,864 bytes, with room to spare for the keys and version.
/// It also bounds the work of the largest PUT (see `store::permissions`).
pub const MAX_DIRECT_PERMISSIONS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "permissions: a person holds at most {MAX_DIRECT_PERMISSIONS} distinct permissions directly; the body names {0}"
)]
pub struct TooManyPermissions(pub usize);

/// A person's directly assigned permissions as a PUT replaces them: distinct names, at most
/// [`MAX_DIRECT_PERMISSIONS`] of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionSet(BTreeSet<PermissionName>);

impl PermissionSet {
    pub fn new(names: BTreeSet<PermissionName>) -> Result<Self, TooManyPermissions> {
        if names.len() > MAX_DIRECT_PERMISSIONS {
            return Err(TooManyPermissions(names.len()));
        }
        Ok(Self(names))
    }
    pub fn iter(&self) -> impl Iterator<Item = &PermissionName> {
        self.0.iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "role name {0:?} is not valid: 2 to 100 characters of letters, digits, '_', '.', '-', ':', starting and ending with a letter or digit"
)]
pub struct RoleNameError(pub String);

/// SlashID's longest role name.
pub const MAX_ROLE_NAME: usize = 100;

/// A SlashID RBAC role's name: `^[A-Za-z0-9]{1}[\w.\-:]*[A-Za-z0-9]$`, 2..=100 characters,
/// case-sensitive. No `#` or `/`, so it cannot forge a key separator.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleName(String);

impl RoleName {
    pub fn parse(raw: &str) -> Result<Self, RoleNameError> {
        if fits_name_pattern(raw, MAX_ROLE_NAME, &['_', '.', '-', ':']) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(RoleNameError(raw.chars().take(80).collect()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The most roles a person holds, so that `/rbac/check` reads them all in one BatchGetItem
/// (100 keys).
pub const MAX_PERSON_ROLES: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("roles: a person holds at most {MAX_PERSON_ROLES} distinct roles; the body names {0}")]
pub struct TooManyRoles(pub usize);

/// A person's roles as a PUT replaces them: distinct names, at most [`MAX_PERSON_ROLES`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleSet(BTreeSet<RoleName>);

impl RoleSet {
    pub fn new(names: BTreeSet<RoleName>) -> Result<Self, TooManyRoles> {
        if names.len() > MAX_PERSON_ROLES {
            return Err(TooManyRoles(names.len()));
        }
        Ok(Self(names))
    }
    pub fn iter(&self) -> impl Iterator<Item = &RoleName> {
        self.0.iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The strong ETag of a version number: `"7"`.
pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// The ETag of a person's effective permissions when roles add to the direct set: the direct
/// set's version and a digest of the whole answer, so it changes with the answer, and
/// `If-Match` on the PUT (which sets the direct set) never matches it. A client that edits
/// what it read and writes it back would otherwise turn its role grants into direct ones.
pub fn effective_etag(direct_version: u64, names: &[String]) -> String {
    let digest = crate::digest::sha256_hex(&names.join("\n"));
    format!("\"{direct_version}-{}\"", &digest[..16])
}

/// An `If-Match` precondition. Anything that is not `*` or one of our ETags can never match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Version(u64),
    Never,
}

impl IfMatch {
    pub fn parse(raw: &str) -> Self {
        let raw = raw.trim();
        if raw == "*" {
            return Self::Any;
        }
        let tag = raw.strip_prefix("W/").unwrap_or(raw);
        let tag = tag
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(tag);
        tag.parse().map_or(Self::Never, Self::Version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_names_follow_slashids_pattern() {
        for ok in ["ab", "read:users", "org/perm_name", "a\\b", "A.b-c:d/e_f9"] {
            assert!(PermissionName::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["a", "-ab", "ab-", "a b", "a#b", "é1", "a,b", ""] {
            assert!(PermissionName::parse(bad).is_err(), "{bad}");
        }
        assert!(PermissionName::parse(&"a".repeat(1019)).is_ok());
        assert!(PermissionName::parse(&"a".repeat(1020)).is_err());
    }

    #[test]
    fn a_set_holds_up_to_the_cap_and_no_more() {
        let set = |n: usize| -> BTreeSet<PermissionName> {
            (0..n)
                .map(|i| PermissionName::parse(&format!("p:{i:04}")).unwrap())
                .collect()
        };
        assert_eq!(
            PermissionSet::new(set(MAX_DIRECT_PERMISSIONS)).map(|s| s.len()),
            Ok(MAX_DIRECT_PERMISSIONS)
        );
        assert_eq!(
            PermissionSet::new(set(MAX_DIRECT_PERMISSIONS + 1)),
            Err(TooManyPermissions(MAX_DIRECT_PERMISSIONS + 1))
        );
        assert!(
            TooManyPermissions(300)
                .to_string()
                .contains(&MAX_DIRECT_PERMISSIONS.to_string())
        );
    }

    #[test]
    fn role_names_follow_slashids_pattern() {
        for ok in ["ab", "billing-viewer", "a.b_c:d-9", &"r".repeat(100)] {
            assert!(RoleName::parse(ok).is_ok(), "{ok}");
        }
        let long = "r".repeat(101);
        for bad in [
            "a", "-ab", "ab_", "a b", "a#b", "a/b", "a\\b", "é1", "", &long,
        ] {
            assert!(RoleName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_role_set_holds_up_to_the_cap_and_no_more() {
        let set = |n: usize| -> BTreeSet<RoleName> {
            (0..n)
                .map(|i| RoleName::parse(&format!("r{i:04}")).unwrap())
                .collect()
        };
        assert_eq!(
            RoleSet::new(set(MAX_PERSON_ROLES)).map(|s| s.len()),
            Ok(MAX_PERSON_ROLES)
        );
        assert_eq!(
            RoleSet::new(set(MAX_PERSON_ROLES + 1)),
            Err(TooManyRoles(MAX_PERSON_ROLES + 1))
        );
    }

    #[test]
    fn if_match_reads_our_etags_and_the_wildcard() {
        assert_eq!(IfMatch::parse(&etag(7)), IfMatch::Version(7));
        assert_eq!(IfMatch::parse(" W/\"7\" "), IfMatch::Version(7));
        assert_eq!(IfMatch::parse("*"), IfMatch::Any);
        assert_eq!(IfMatch::parse("\"abc\""), IfMatch::Never);
    }

    #[test]
    fn an_effective_sets_etag_follows_the_answer_and_never_matches_a_version() {
        let names = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let tag = effective_etag(7, &names(&["a:b", "c:d"]));
        assert_eq!(IfMatch::parse(&tag), IfMatch::Never);
        assert!(tag.starts_with("\"7-"), "{tag}");
        assert_ne!(tag, effective_etag(7, &names(&["a:b"])));
        assert_ne!(tag, effective_etag(8, &names(&["a:b", "c:d"])));
    }
}
