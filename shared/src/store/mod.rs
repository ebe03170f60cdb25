//! Store functions per aggregate, over DynamoDB (and the search engine that indexes its
//! documents). Key shapes come from `crate::keys` only.

pub mod access_requests;
pub mod admission;
pub mod assignments;
pub mod attributes;
pub mod buckets;
pub mod groups;
pub mod handles;
pub mod liveness;
pub mod lockout;
pub mod oauth;
pub mod orgs;
pub mod permissions;
pub mod person_deletion;
pub mod persons;
pub mod roles;
pub mod search;
pub mod search_engine;
pub mod sso_attrs;
pub mod sso_directory;
pub mod sso_links;
pub mod sso_sessions;
pub mod sso_tokens;
pub mod sso_users;
