//! Store functions per aggregate, over DynamoDB. Key shapes come from `crate::keys` only.

pub mod attributes;
pub mod buckets;
pub mod orgs;
pub mod permissions;
pub mod persons;
pub mod sso_attrs;
pub mod sso_users;
