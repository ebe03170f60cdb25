//! Every key shape of the single table, in one page. `docs/data-model.md` explains the access
//! patterns that use them. Rules that hold for every shape below:
//! - the partition key begins with an organization id, so no key can reach another tenant;
//! - the parts that follow are newtypes (`#`-free ids, bucket and permission names) or hashes,
//!   so no input can forge a separator;
//! - sort keys of one partition are ordered so that one `Query` range serves a read
//!   (e.g. `#MEMBER` and `#PROFILE` sort before every `ATTR#…`).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::ids::{GroupName, OrgId, PersonId};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// Epoch seconds; the table's TTL attribute. Reads filter on it too, since TTL deletion lags.
pub const EXPIRES_AT: &str = "expires_at";
/// The sparse GSI that maps a credential (API key hash, OAuth client id) to its organization.
pub const LOOKUP_INDEX: &str = "lookup";
pub const LOOKUP: &str = "lookup";
/// LSIs over role memberships: one sort key per SailPoint sorter (`id` is the table's own `sk`).
pub const BY_NAME_INDEX: &str = "by_name";
pub const BY_ALIAS_INDEX: &str = "by_alias";
pub const BY_EMAIL_INDEX: &str = "by_email";
pub const LSI_NAME: &str = "lsi_name";
pub const LSI_ALIAS: &str = "lsi_alias";
pub const LSI_EMAIL: &str = "lsi_email";
/// The GSI over Zato SSO user records, one partition per org, in `User.search`'s order. It
/// projects what a search matches and shows, never a password hash or a wrapped key.
pub const SSO_DIRECTORY_INDEX: &str = "sso_directory";
pub const DIR_PK: &str = "dir_pk";
pub const DIR_SK: &str = "dir_sk";
/// The sparse GSI over live person memberships, one partition per org, in person-id order
/// (`GET /persons`). Keys only: the profiles come from the table.
pub const ORG_MEMBERS_INDEX: &str = "org_members";
pub const MEM_PK: &str = "mem_pk";
pub const MEM_SK: &str = "mem_sk";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    fn new(pk: String, sk: impl Into<String>) -> Self {
        Self { pk, sk: sk.into() }
    }
    /// The key of an item read from the table.
    pub fn of(item: &HashMap<String, AttributeValue>) -> Option<Self> {
        match (item.get(PK), item.get(SK)) {
            (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => {
                Some(Self::new(pk.clone(), sk.clone()))
            }
            _ => None,
        }
    }
    pub fn to_item(&self) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (PK.to_owned(), AttributeValue::S(self.pk.clone())),
            (SK.to_owned(), AttributeValue::S(self.sk.clone())),
        ])
    }
}

/// The key a function reads once at init to open its connection (`Db::warm_up`). Nothing is
/// ever stored under it, so it is the one key without an organization.
pub fn warm_up() -> Key {
    Key::new("#WARMUP".to_owned(), "#WARMUP")
}

// ---- organization partition: `{org}` -------------------------------------------------------

/// The organization record: name, parent, ancestors (root first), person pool.
pub fn org(org: &OrgId) -> Key {
    Key::new(org.to_string(), "#ORG")
}
/// An API key of `org`, by the SHA-256 of the key. Carries `lookup = api_key_lookup(hash)`.
pub fn api_key(org: &OrgId, key_hash: &str) -> Key {
    Key::new(org.to_string(), format!("{API_KEY_PREFIX}{key_hash}"))
}
pub const API_KEY_PREFIX: &str = "KEY#";
pub fn api_key_lookup(key_hash: &str) -> String {
    format!("APIKEY#{key_hash}")
}
/// A sub-organization of `org` (for `GET /organizations`).
pub fn child_org(org: &OrgId, child: &OrgId) -> Key {
    Key::new(org.to_string(), format!("{CHILD_PREFIX}{child}"))
}
pub const CHILD_PREFIX: &str = "CHILD#";
/// An organization that joined `pool`'s person pool, at any depth below it, so the pool's owner
/// can list every org that reads and writes its persons (`GET /organizations`).
pub fn pool_member_org(pool: &OrgId, member: &OrgId) -> Key {
    Key::new(pool.to_string(), format!("{POOL_MEMBER_PREFIX}{member}"))
}
pub const POOL_MEMBER_PREFIX: &str = "POOLORG#";
/// A custom attribute bucket (the six default buckets are implicit).
pub fn bucket(org: &OrgId, bucket: &str) -> Key {
    Key::new(org.to_string(), format!("{BUCKET_PREFIX}{bucket}"))
}
pub const BUCKET_PREFIX: &str = "BUCKET#";
/// The organization's own attributes (`/organizations/attributes`): one partition, whatever the
/// bucket's scope, since the holder is the org itself.
pub fn org_attributes_partition(org: &OrgId) -> String {
    format!("{org}#ORGATTR")
}
/// A permission of the org's RBAC catalog.
pub fn permission(org: &OrgId, name: &str) -> Key {
    Key::new(org.to_string(), format!("PERM#{name}"))
}
pub const PERMISSION_PREFIX: &str = "PERM#";
/// The catalog's version (its ETag), bumped in the same transaction as every catalog change.
pub fn permission_catalog(org: &OrgId) -> Key {
    Key::new(org.to_string(), "PERMS")
}
/// A SailPoint role (name, description, membership criteria, exact member count, version).
pub fn role(org: &OrgId, role_id: &str) -> Key {
    Key::new(org.to_string(), format!("ROLE#{role_id}"))
}
/// Every role of an org begins with this in the org's partition (`GET /v3/roles` pages it).
pub const ROLE_PREFIX: &str = "ROLE#";
/// A SlashID group: name, description, creation time, its exact `member_count`, `state` while
/// being deleted. Its members are a partition of their own (`group_member`).
pub fn group(org: &OrgId, name: &GroupName) -> Key {
    Key::new(org.to_string(), format!("{GROUP_PREFIX}{name}"))
}
/// Every group of an org begins with this in the org's partition (`GET /groups` lists it).
pub const GROUP_PREFIX: &str = "GROUP#";
/// A SailPoint OAuth client (hashed secret, scopes).
pub fn oauth_client(org: &OrgId, client_id: &str) -> Key {
    Key::new(org.to_string(), format!("{OAUTH_CLIENT_PREFIX}{client_id}"))
}
pub const OAUTH_CLIENT_PREFIX: &str = "OAUTH#";
/// The one key that begins with no organization: a client id's owner. A client authenticates
/// by id alone (`POST /oauth/token` names no tenant), so the id must be unique across
/// organizations; this item is that uniqueness (claimed with `attribute_not_exists`) and the
/// strongly consistent way from an id to its org. It holds the org id and nothing else.
pub fn oauth_client_owner(client_id: &str) -> Key {
    Key::new(format!("OAUTHCLIENT#{client_id}"), "#OWNER")
}
/// An org's request count in one admission window (`store::admission`); expires with it.
pub fn admission_window(org: &OrgId, window: u64) -> Key {
    Key::new(org.to_string(), format!("RATE#{window}"))
}
/// Consecutive failed logins of a Zato username (by the hash of its lowercase form, so unknown
/// usernames are counted and locked exactly like known ones and reveal nothing).
pub fn login_failures(org: &OrgId, username_hash: &str) -> Key {
    Key::new(org.to_string(), format!("LOGINFAIL#{username_hash}"))
}
/// Consecutive wrong secrets of an OAuth client of `org`.
pub fn oauth_failures(org: &OrgId, client_id: &str) -> Key {
    Key::new(org.to_string(), format!("OAUTHFAIL#{client_id}"))
}

// ---- person partitions: `{org}#PERSON#{person}` -------------------------------------------

pub fn person_partition(org: &OrgId, person: &PersonId) -> String {
    format!("{}{person}", person_partitions_prefix(org))
}
/// What every person partition of `org` begins with (export scans by it).
pub fn person_partitions_prefix(org: &OrgId) -> String {
    format!("{org}#PERSON#")
}
/// The person's profile (handles, active, region, display name), in the person pool's partition.
pub fn person_profile(pool: &OrgId, person: &PersonId) -> Key {
    Key::new(person_partition(pool, person), PROFILE_SK)
}
pub const PROFILE_SK: &str = "#PROFILE";
/// The person belongs to `org` (the pool itself or a sub-org sharing it). In the pool's
/// partition, so one range Query proves membership and reads the pool's attributes.
pub fn person_membership(pool: &OrgId, org: &OrgId, person: &PersonId) -> Key {
    Key::new(person_partition(pool, person), membership_sk(org))
}
pub fn membership_sk(org: &OrgId) -> String {
    format!("{}{org}", membership_sk_prefix())
}
/// What every membership's sort key begins with.
pub const fn membership_sk_prefix() -> &'static str {
    "#MEMBER#"
}
/// One attribute. `owner` is the pool for `person_pool` buckets and the org for `organization`
/// buckets — that is what makes an organization bucket private to its org.
pub fn attribute(owner: &OrgId, person: &PersonId, bucket: &str, name: &str) -> Key {
    attribute_in(person_partition(owner, person), bucket, name)
}
/// An attribute in `partition`: a person's (`attribute`) or an organization's
/// (`org_attributes_partition`); both holders share the sort keys below.
pub fn attribute_in(partition: String, bucket: &str, name: &str) -> Key {
    Key::new(partition, format!("{ATTRIBUTE_PREFIX}{bucket}#{name}"))
}
pub fn attribute_bucket_prefix(bucket: &str) -> String {
    format!("ATTR#{bucket}#")
}
pub const ATTRIBUTE_PREFIX: &str = "ATTR#";
/// The replace guard of one bucket (its `version` serializes concurrent PUTs), sorting after
/// every `ATTR#…` of the partition.
pub fn attribute_guard(owner: &OrgId, person: &PersonId, bucket: &str) -> Key {
    attribute_guard_in(person_partition(owner, person), bucket)
}
pub fn attribute_guard_in(partition: String, bucket: &str) -> Key {
    Key::new(partition, format!("{ATTRIBUTE_GUARD_PREFIX}{bucket}"))
}
pub const ATTRIBUTE_GUARD_PREFIX: &str = "ATTRV#";
/// Both attributes and guards begin with this.
pub const ATTRIBUTES_AND_GUARDS_PREFIX: &str = "ATTR";
/// Range ends: just past every `ATTR#…`, and just past every `ATTRV#…`.
pub const ATTRIBUTES_END: &str = "ATTR$";
pub const ATTRIBUTE_GUARDS_END: &str = "ATTRV$";
/// Profile and memberships (`#PROFILE`, `#MEMBER#…`) begin with this.
pub const PERSON_RECORD_PREFIX: &str = "#";
/// The person's directly assigned permissions: the names (a string set) and the version that
/// is the ETag of If-Match. One item, so every change of the set is one conditional write.
pub fn person_permissions(org: &OrgId, person: &PersonId) -> Key {
    Key::new(person_partition(org, person), PERSON_PERMISSIONS_SK)
}
pub const PERSON_PERMISSIONS_SK: &str = "PERMS";
/// An org's catalog version (`PERMS`) and entries (`PERM#…`) begin with this in its partition.
pub const PERMISSIONS_PREFIX: &str = "PERM";
/// Reverse of a role membership, so deleting a person finds every role it is in.
pub fn person_role(org: &OrgId, person: &PersonId, role_id: &str) -> Key {
    Key::new(person_partition(org, person), format!("ROLEM#{role_id}"))
}
pub const PERSON_ROLE_PREFIX: &str = "ROLEM#";
/// Reverse of a group membership, so a person's groups are one Query and deleting a person
/// finds every group it is in. Written and deleted with the member item, in one transaction.
pub fn person_group(org: &OrgId, person: &PersonId, name: &GroupName) -> Key {
    Key::new(
        person_partition(org, person),
        format!("{PERSON_GROUP_PREFIX}{name}"),
    )
}
pub const PERSON_GROUP_PREFIX: &str = "GROUPM#";
/// The version of the person's group set: every member change moves it, so a replace of the
/// set (`PUT /persons/{id}/groups`) notices concurrent changes.
pub fn person_groups_version(org: &OrgId, person: &PersonId) -> Key {
    Key::new(person_partition(org, person), PERSON_GROUPS_VERSION_SK)
}
pub const PERSON_GROUPS_VERSION_SK: &str = "GROUPS";
/// Both the reverse items and the version begin with this: one Query reads them together.
pub const PERSON_GROUPS_PREFIX: &str = "GROUP";
/// The Zato SSO user record (username, password hash, approval, lock and super-user flags, the
/// wrapped data key of its encrypted attributes). Its username is the person's `username`
/// handle, whose uniqueness item (`handle`) also serves login.
pub fn sso_user(org: &OrgId, person: &PersonId) -> Key {
    Key::new(person_partition(org, person), SSO_USER_SK)
}
pub const SSO_USER_SK: &str = "SSO";

/// A one-time token mailed to a Zato user (`purpose`: `SIGNUP` or `RESET`), by the SHA-256 of
/// the token: the table never holds a token that works. Its own partition in the org, so that
/// the token alone finds it.
pub fn sso_token(org: &OrgId, purpose: &str, token_hash: &str) -> Key {
    Key::new(format!("{org}#SSOTOKEN#{token_hash}"), purpose)
}
/// A Zato UST session, by the SHA-256 of the UST. Expires through `expires_at`.
pub fn sso_session(org: &OrgId, person: &PersonId, ust_hash: &str) -> Key {
    Key::new(
        person_partition(org, person),
        format!("{SSO_SESSION_PREFIX}{ust_hash}"),
    )
}
pub const SSO_SESSION_PREFIX: &str = "SSO#SESSION#";
/// A Zato user attribute. Expires through `expires_at`. Its name is free text, last in the key.
pub fn sso_attribute(org: &OrgId, person: &PersonId, name: &str) -> Key {
    Key::new(
        person_partition(org, person),
        format!("{SSO_ATTRIBUTE_PREFIX}{name}"),
    )
}
pub const SSO_ATTRIBUTE_PREFIX: &str = "ZATTR#";
/// A Zato session attribute, by the session's UST hash: it lives while the session does (reads
/// check the session; TTL removes it after the session's absolute end at the latest).
pub fn sso_session_attribute(org: &OrgId, person: &PersonId, ust_hash: &str, name: &str) -> Key {
    Key::new(
        person_partition(org, person),
        format!("{}{name}", sso_session_attribute_prefix(ust_hash)),
    )
}
/// What every attribute of one session begins with.
pub fn sso_session_attribute_prefix(ust_hash: &str) -> String {
    format!("{SSO_SESSION_ATTRIBUTE_PREFIX}{ust_hash}#")
}
pub const SSO_SESSION_ATTRIBUTE_PREFIX: &str = "ZSATTR#";
/// A Zato linked account of the user: a Basic Auth or JWT definition, by its type (`#`-free)
/// and username (free text, last in the key).
pub fn sso_link(org: &OrgId, person: &PersonId, auth_type: &str, auth_username: &str) -> Key {
    Key::new(
        person_partition(org, person),
        format!("{SSO_LINK_PREFIX}{auth_type}#{auth_username}"),
    )
}
/// Not under `SSO`: the session list's one Query (`begins_with(sk, "SSO")`, capped) would
/// otherwise spend its page on links.
pub const SSO_LINK_PREFIX: &str = "ZLINK#";

// ---- the SSO directory (GSI `sso_directory`): `{org}#SSODIR` -------------------------------

/// The `sso_directory` partition of `org`'s SSO user records (their `dir_pk`).
pub fn sso_directory_partition(org: &OrgId) -> String {
    format!("{org}#SSODIR")
}
/// A user's place in the directory (`dir_sk`): `User.search`'s order — display name, username,
/// signup time, user id, ascending — as one string. Names compare lowercased (`sort_value`),
/// `U+0001` ends each part so a shorter name sorts before its extensions, and the creation
/// time is zero-padded so that text order is time order.
pub fn sso_directory_sort(
    display_name: Option<&str>,
    username: &str,
    created_us: i64,
    person: &PersonId,
) -> String {
    format!(
        "{}\u{1}{}\u{1}{:020}\u{1}{person}",
        sort_value(display_name),
        sort_value(Some(username)),
        created_us.max(0)
    )
}

// ---- an org's persons (GSI `org_members`): `{org}#MEMBERS` --------------------------------

/// The `org_members` partition of `org`'s live memberships (their `mem_pk`); each membership's
/// `mem_sk` is its person id.
pub fn org_members_partition(org: &OrgId) -> String {
    format!("{org}#MEMBERS")
}

// ---- uniqueness partitions ------------------------------------------------------------------

/// A handle (email, phone, username), unique per person pool; holds the person id.
pub fn handle(pool: &OrgId, kind: &str, normalized_value: &str) -> Key {
    Key::new(
        format!("{pool}#HANDLE#{kind}#{normalized_value}"),
        "#HANDLE",
    )
}
/// The user a Zato linked account belongs to, unique per organization; holds the person id.
/// Claimed with `attribute_not_exists` in the link's own transaction. Outside the person's
/// partition, so a person's deletion finds it through the link (`sso_link_owner_of`).
pub fn sso_link_owner(org: &OrgId, auth_type: &str, auth_username: &str) -> Key {
    Key::new(
        format!("{org}#SSOLINK#{auth_type}#{auth_username}"),
        "#OWNER",
    )
}
/// The owner item of the link whose sort key is `link_sk`; `None` for any other sort key.
pub fn sso_link_owner_of(org: &OrgId, link_sk: &str) -> Option<Key> {
    let (auth_type, auth_username) = link_sk.strip_prefix(SSO_LINK_PREFIX)?.split_once('#')?;
    Some(sso_link_owner(org, auth_type, auth_username))
}
// ---- permission holders: `{org}#PERM#{name}` -----------------------------------------------

/// A person who may hold a permission directly, so a catalog delete can revoke it with a strongly
/// consistent Query instead of a scan or an eventually consistent index. A superset: every name
/// of a person's set has its entry, written before the name is committed; an entry whose name
/// the person does not hold is stale and grants nothing.
pub fn permission_holder(org: &OrgId, name: &str, person: &PersonId) -> Key {
    Key::new(
        permission_holders_partition(org, name),
        format!("{HOLDER_PREFIX}{person}"),
    )
}
pub fn permission_holders_partition(org: &OrgId, name: &str) -> String {
    format!("{org}#PERM#{name}")
}
pub const HOLDER_PREFIX: &str = "HOLDER#";

// ---- group members: `{org}#GROUP#{name}` --------------------------------------------------

pub fn group_members_partition(org: &OrgId, name: &GroupName) -> String {
    format!("{org}#GROUP#{name}")
}
/// A member of a group (its `id`), with its reverse item `person_group`.
pub fn group_member(org: &OrgId, name: &GroupName, person: &PersonId) -> Key {
    Key::new(
        group_members_partition(org, name),
        format!("{GROUP_MEMBER_PREFIX}{person}"),
    )
}
pub const GROUP_MEMBER_PREFIX: &str = "M#";

// ---- SlashID RBAC roles: `{org}`/`RBACROLE#…`, their members `{org}#RBACROLE#{role}` ------------
// Separate from SailPoint's `ROLE#…` roles: `RBACROLE#` does not begin with `ROLE#`, so neither
// face's Queries reach the other's.

/// A SlashID RBAC role: name, description, created, its permissions (`names`), version, state.
pub fn rbac_role(org: &OrgId, name: &str) -> Key {
    Key::new(org.to_string(), format!("{RBAC_ROLE_PREFIX}{name}"))
}
pub const RBAC_ROLE_PREFIX: &str = "RBACROLE#";
/// The org's role list version (the ETag of `GET /rbac/roles`), bumped with every create and
/// delete. Its sort key begins with [`RBAC_ROLES_PREFIX`] too, so one Query reads both.
pub fn rbac_role_list(org: &OrgId) -> Key {
    Key::new(org.to_string(), "RBACROLES")
}
pub const RBAC_ROLES_PREFIX: &str = "RBACROLE";
/// A role's entry in the holder partition of one of its permissions: the role may hold the
/// permission, so a catalog delete finds the role (as [`permission_holder`] finds a person).
pub fn permission_role_holder(org: &OrgId, name: &str, role: &str) -> Key {
    Key::new(
        permission_holders_partition(org, name),
        format!("{RBAC_ROLE_PREFIX}{role}"),
    )
}
/// A person's SlashID roles: the role names (a string set) and the version that is the ETag.
/// Absent until the first PUT: no roles, version 0.
pub fn person_rbac_roles(org: &OrgId, person: &PersonId) -> Key {
    Key::new(person_partition(org, person), PERSON_RBAC_ROLES_SK)
}
pub const PERSON_RBAC_ROLES_SK: &str = "RBACROLES";
/// A person who may hold an RBAC role, so a role delete finds every member with a strongly
/// consistent Query. A superset, as [`permission_holder`] is.
pub fn rbac_role_member(org: &OrgId, role: &str, person: &PersonId) -> Key {
    Key::new(
        rbac_role_members_partition(org, role),
        format!("{HOLDER_PREFIX}{person}"),
    )
}
pub fn rbac_role_members_partition(org: &OrgId, role: &str) -> String {
    format!("{org}#{RBAC_ROLE_PREFIX}{role}")
}

// ---- role members: `{org}#ROLE#{role}` -----------------------------------------------------

pub fn role_members_partition(org: &OrgId, role_id: &str) -> String {
    format!("{}{role_id}", role_members_partitions_prefix(org))
}
pub fn role_members_partitions_prefix(org: &OrgId) -> String {
    format!("{org}#ROLE#")
}
/// A member of a role, with denormalized `id`, `name`, `aliasName`, `email` and the LSI sort
/// keys `lsi_name`, `lsi_alias`, `lsi_email` (see `sort_key`).
pub fn role_member(org: &OrgId, role_id: &str, person: &PersonId) -> Key {
    Key::new(role_members_partition(org, role_id), format!("M#{person}"))
}
pub const ROLE_MEMBER_PREFIX: &str = "M#";
/// The sentinels at both ends of a role's members, in the table's order and in every LSI's:
/// each carries the exact `member_count`, so the first item of any page proves the role exists
/// and answers `count=true`.
pub fn role_sentinel_low(org: &OrgId, role_id: &str) -> Key {
    Key::new(role_members_partition(org, role_id), "#ROLE")
}
pub fn role_sentinel_high(org: &OrgId, role_id: &str) -> Key {
    Key::new(role_members_partition(org, role_id), "~ROLE")
}
/// The sentinels' LSI sort keys: below and above every member's `sort_key`.
pub const SENTINEL_LOW_SORT: &str = "\u{1}";
pub const SENTINEL_HIGH_SORT: &str = "\u{10FFFF}";

/// LSI sort key of a member: the lowercased value, a separator below every printable character,
/// then the id — case-insensitive order, ties broken by id, `begins_with` serves `sw` and `eq`.
pub fn sort_key(value: Option<&str>, person: &PersonId) -> String {
    format!("{}\u{1}{person}", sort_value(value))
}
/// The part of a member's sort key that `sw`/`eq` match: lowercased, with code points that
/// could sort outside the sentinels replaced.
pub fn sort_value(value: Option<&str>) -> String {
    value
        .unwrap_or("")
        .to_lowercase()
        .chars()
        .map(|c| {
            if c <= '\u{1}' || c > '\u{10FFFD}' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

// ---- access requests: `{org}#AR` and, per identity, its person partition ------------------

/// A requested item's status. Ids begin with the time they were made, so both partitions
/// list in creation order; the person's copy goes when the person does.
pub const ACCESS_REQUEST_PREFIX: &str = "AR#";

pub fn access_requests_partition(org: &OrgId) -> String {
    format!("{org}#AR")
}
pub fn access_request(org: &OrgId, id: &str) -> Key {
    Key::new(
        access_requests_partition(org),
        format!("{ACCESS_REQUEST_PREFIX}{id}"),
    )
}
pub fn person_access_request(org: &OrgId, person: &PersonId, id: &str) -> Key {
    Key::new(
        person_partition(org, person),
        format!("{ACCESS_REQUEST_PREFIX}{id}"),
    )
}

// ---- search documents: `{org}#DOC#{index}#{id}` --------------------------------------------

pub fn search_document(org: &OrgId, index: &str, id: &str) -> Key {
    Key::new(
        format!("{}{index}#{id}", search_documents_prefix(org)),
        "#DOC",
    )
}
pub fn search_documents_prefix(org: &OrgId) -> String {
    format!("{org}#DOC#")
}
/// A search document's key read back: (org, index, id). The id may itself hold `#`: it is
/// everything after the index.
pub fn parse_search_document<'k>(pk: &'k str, sk: &str) -> Option<(OrgId, &'k str, &'k str)> {
    if sk != "#DOC" {
        return None;
    }
    let mut parts = pk.splitn(4, '#');
    let org = OrgId::parse(parts.next()?).ok()?;
    (parts.next()? == "DOC").then_some(())?;
    Some((org, parts.next()?, parts.next()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> OrgId {
        OrgId::parse("af5fbd30-7ce7-4548-8b30-4cd59cb2aba1").unwrap()
    }

    #[test]
    fn every_partition_key_begins_with_the_organization_id() {
        let o = org();
        let p = PersonId::parse("p1").unwrap();
        let g = GroupName::parse("g1").unwrap();
        let keys = [
            super::org(&o),
            api_key(&o, "h"),
            child_org(&o, &o),
            pool_member_org(&o, &o),
            bucket(&o, "b"),
            permission(&o, "n"),
            role(&o, "r"),
            oauth_client(&o, "c"),
            login_failures(&o, "h"),
            admission_window(&o, 1),
            oauth_failures(&o, "c"),
            person_profile(&o, &p),
            person_membership(&o, &o, &p),
            attribute(&o, &p, "b", "a"),
            attribute_guard(&o, &p, "b"),
            attribute_in(org_attributes_partition(&o), "b", "a"),
            attribute_guard_in(org_attributes_partition(&o), "b"),
            person_permissions(&o, &p),
            sso_session(&o, &p, "h"),
            handle(&o, "email_address", "a@b.c"),
            sso_user(&o, &p),
            sso_token(&o, "RESET", "h"),
            sso_attribute(&o, &p, "a#b"),
            sso_session_attribute(&o, &p, "h", "a#b"),
            sso_link(&o, &p, "jwt", "a#b"),
            sso_link_owner(&o, "jwt", "a#b"),
            permission_holder(&o, "n", &p),
            rbac_role(&o, "r"),
            rbac_role_list(&o),
            permission_role_holder(&o, "n", "r"),
            person_rbac_roles(&o, &p),
            rbac_role_member(&o, "r", &p),
            role_member(&o, "r", &p),
            search_document(&o, "identities", "x"),
            group(&o, &g),
            group_member(&o, &g, &p),
            person_group(&o, &p, &g),
            person_groups_version(&o, &p),
        ];
        assert!(sso_directory_partition(&o).starts_with(o.as_str()));
        assert!(org_members_partition(&o).starts_with(o.as_str()));
        for k in keys {
            assert!(k.pk.starts_with(o.as_str()), "{k:?}");
        }
    }

    #[test]
    fn rbac_roles_stay_out_of_sailpoints_roles_and_the_permission_catalog() {
        let o = org();
        let sk = rbac_role(&o, "r").sk;
        assert!(!sk.starts_with(ROLE_PREFIX));
        assert!(!sk.starts_with(PERMISSIONS_PREFIX));
        assert!(!rbac_role_list(&o).sk.starts_with(ROLE_PREFIX));
        assert!(sk.starts_with(RBAC_ROLES_PREFIX));
        assert!(rbac_role_list(&o).sk.starts_with(RBAC_ROLES_PREFIX));
        assert_ne!(
            rbac_role_members_partition(&o, "r"),
            role_members_partition(&o, "r")
        );
    }

    #[test]
    fn profile_and_membership_sort_before_every_attribute() {
        let o = org();
        let p = PersonId::parse("p1").unwrap();
        let attr = attribute(&o, &p, "a", "a").sk;
        assert!(person_profile(&o, &p).sk < attr);
        assert!(person_membership(&o, &o, &p).sk < attr);
    }

    #[test]
    fn member_sort_keys_order_case_insensitively_and_prefixes_first() {
        let a = PersonId::parse("a").unwrap();
        let b = PersonId::parse("b").unwrap();
        assert!(sort_key(Some("Ab"), &b) < sort_key(Some("ab c"), &a));
        assert!(sort_key(Some("abc"), &a) < sort_key(Some("ABD"), &a));
        assert!(sort_key(Some("x"), &a) < sort_key(Some("X"), &b));
        assert!(sort_key(None, &b) < sort_key(Some(" "), &a));
    }

    #[test]
    fn a_links_owner_is_found_from_the_link_even_with_a_hash_in_the_username() {
        let o = org();
        let p = PersonId::parse("p1").unwrap();
        let link = sso_link(&o, &p, "basic_auth", "my#user");
        assert_eq!(
            sso_link_owner_of(&o, &link.sk),
            Some(sso_link_owner(&o, "basic_auth", "my#user"))
        );
        assert_eq!(sso_link_owner_of(&o, &sso_user(&o, &p).sk), None);
        assert_eq!(sso_link_owner_of(&o, &sso_attribute(&o, &p, "x").sk), None);
    }

    #[test]
    fn links_stay_out_of_the_session_lists_query() {
        let o = org();
        let p = PersonId::parse("p1").unwrap();
        let link = sso_link(&o, &p, "jwt", "x").sk;
        assert!(!link.starts_with(SSO_USER_SK));
        assert!(!link.starts_with(SSO_ATTRIBUTE_PREFIX));
        assert!(!link.starts_with(PERSON_RECORD_PREFIX));
        assert!(!link.starts_with(ATTRIBUTES_AND_GUARDS_PREFIX));
    }

    #[test]
    fn the_directory_orders_by_display_name_then_username_then_signup_then_id() {
        let (a, b) = (PersonId::parse("a").unwrap(), PersonId::parse("b").unwrap());
        let key = |name, user, created, id| sso_directory_sort(name, user, created, id);
        assert!(key(Some("Ann"), "zed", 9, &b) < key(Some("bob"), "amy", 1, &a));
        assert!(key(Some("Ann"), "amy", 9, &b) < key(Some("ann"), "bea", 1, &a));
        assert!(key(Some("Ann"), "amy", 9, &b) < key(Some("ann"), "amy", 10, &a));
        assert!(key(Some("Ann"), "amy", 9, &a) < key(Some("ann"), "amy", 9, &b));
        assert!(key(Some("Ann"), "amy", 9, &a) < key(Some("Ann B"), "aa", 1, &a));
        assert!(key(None, "zed", 9, &b) < key(Some("a"), "amy", 1, &a));
    }

    #[test]
    fn a_persons_groups_are_one_range_apart_from_its_records_and_attributes() {
        let o = org();
        let p = PersonId::parse("p1").unwrap();
        let g = GroupName::parse("zz").unwrap();
        let reverse = person_group(&o, &p, &g).sk;
        let version = person_groups_version(&o, &p).sk;
        assert!(reverse.starts_with(PERSON_GROUPS_PREFIX));
        assert!(version.starts_with(PERSON_GROUPS_PREFIX));
        assert!(!reverse.starts_with(PERSON_RECORD_PREFIX));
        assert!(!reverse.starts_with(ATTRIBUTES_AND_GUARDS_PREFIX));
        // Outside the attribute read's range `#MEMBER#… ..= ATTR$`.
        assert!(reverse.as_str() > ATTRIBUTES_END && version.as_str() > ATTRIBUTES_END);
        assert!(
            !person_permissions(&o, &p)
                .sk
                .starts_with(PERSON_GROUPS_PREFIX)
        );
    }
}
