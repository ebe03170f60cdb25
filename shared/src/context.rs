//! Who a request acts for: the tenant and the caller that `auth` established. Below `app`,
//! whose credential cache holds them, and `auth`, which makes them.

use crate::ids::OrgId;
use crate::org::Organization;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A SlashID API key, owned by this organization (the target or one of its ancestors).
    ApiKey { owner: OrgId },
}

/// What every handler receives: the tenant the request acts in, and who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    pub org: Organization,
    pub caller: Caller,
}
