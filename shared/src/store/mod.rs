//! Store functions per aggregate, over DynamoDB. Key shapes come from `crate::keys` only.

pub mod attributes;
pub mod orgs;
pub mod persons;
