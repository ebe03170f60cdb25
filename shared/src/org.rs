//! An organization: a tenant, its place in the tree of organizations, and the person pool its
//! persons live in.

use crate::ids::OrgId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    /// Root first, parent last; empty for a root organization.
    pub ancestors: Vec<OrgId>,
    /// Whose person pool this org's persons live in (its own id unless it joined another's).
    pub pool: OrgId,
}

impl Organization {
    pub fn root(id: OrgId, name: impl Into<String>) -> Self {
        Self {
            pool: id.clone(),
            id,
            name: name.into(),
            ancestors: Vec::new(),
        }
    }

    /// An org known only by id and person pool (from a SailPoint token or a stream record):
    /// enough for every store call, which never reads its name or ancestors.
    pub fn in_pool(id: OrgId, pool: OrgId) -> Self {
        Self {
            id,
            pool,
            name: String::new(),
            ancestors: Vec::new(),
        }
    }

    pub fn parent(&self) -> Option<&OrgId> {
        self.ancestors.last()
    }
}
