//! Loads a seed file (`seed/demo.json`) through the shared library's store functions, with the
//! same validation as the API. Loading it twice changes nothing.

use std::collections::BTreeSet;

use idgraph::App;
use idgraph::auth::sha256_hex;
use idgraph::error::StoreError;
use idgraph::faces::slashid::PersonCreateReq;
use idgraph::ids::{DocumentId, GroupName, OrgId, PersonId, RoleId};
use idgraph::permission::{PermissionName, PermissionSet, RoleName, RoleSet};
use idgraph::role::{RoleBody, Source};
use idgraph::store::orgs::{self, Organization};
use idgraph::store::search::{self, Index};
use idgraph::store::{buckets, groups, permissions, persons};
use idgraph::store::{oauth, roles};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Seed {
    #[serde(default)]
    pub organizations: Vec<SeedOrg>,
    #[serde(default)]
    pub persons: Vec<SeedPerson>,
    #[serde(default)]
    pub permissions: Vec<SeedPermission>,
    #[serde(default)]
    pub person_permissions: Vec<SeedPersonPermissions>,
    /// SlashID groups and their members (persons of the org).
    #[serde(default)]
    pub groups: Vec<SeedGroup>,
    /// SlashID RBAC roles, after the permissions they name.
    #[serde(default)]
    pub rbac_roles: Vec<SeedRbacRole>,
    #[serde(default)]
    pub person_roles: Vec<SeedPersonRoles>,
    /// Zato SSO users of the SSO organization (`SSO_ORG_ID`), approved, with attributes.
    #[serde(default)]
    pub sso_users: Vec<SeedSsoUser>,
    #[serde(default)]
    pub oauth_clients: Vec<SeedOAuthClient>,
    #[serde(default)]
    pub roles: Vec<SeedRole>,
    #[serde(default)]
    pub documents: Vec<SeedDocument>,
}

#[derive(Debug, Deserialize)]
pub struct SeedGroup {
    pub org: String,
    pub name: String,
    pub description: Option<String>,
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Deserialize)]
pub struct SeedOAuthClient {
    pub org: String,
    pub client_id: String,
    pub secret: String,
    pub scopes: Vec<String>,
}

/// A SailPoint role, its access-request assignments, and `generated_members` synthetic persons
/// assigned to it by access request, so paging has something to page.
#[derive(Debug, Deserialize)]
pub struct SeedRole {
    pub org: String,
    pub id: String,
    pub role: serde_json::Value,
    #[serde(default)]
    pub access_requests: Vec<String>,
    #[serde(default)]
    pub generated_members: usize,
}

#[derive(Debug, Deserialize)]
pub struct SeedDocument {
    pub org: String,
    pub index: String,
    pub doc: serde_json::Value,
}

#[derive(Deserialize)]
pub struct SeedSsoUser {
    pub id: String,
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub super_user: bool,
    pub display_name: Option<String>,
    /// Plain-text attributes that never expire.
    #[serde(default)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
pub struct SeedOrg {
    pub id: String,
    pub name: String,
    pub api_key: String,
    /// A sub-organization of this (earlier listed) organization.
    pub parent: Option<String>,
    /// Whether a sub-organization joins its parent's person pool.
    #[serde(default)]
    pub shares_parent_pool: bool,
}

// A seed may hold real credentials (it is any file `devstack seed` is given): the secrets
// below never appear in Debug output.
const REDACTED: &str = "<redacted>";

impl std::fmt::Debug for SeedOAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedOAuthClient")
            .field("org", &self.org)
            .field("client_id", &self.client_id)
            .field("secret", &REDACTED)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl std::fmt::Debug for SeedSsoUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedSsoUser")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("password", &REDACTED)
            .field("super_user", &self.super_user)
            .field("display_name", &self.display_name)
            .field("attributes", &self.attributes.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl std::fmt::Debug for SeedOrg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedOrg")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("api_key", &REDACTED)
            .field("parent", &self.parent)
            .field("shares_parent_pool", &self.shares_parent_pool)
            .finish()
    }
}

/// A person of `org`, created — or, when a handle already names a person of the pool, joined
/// to `org` with the given attributes (as `PUT /persons` does).
#[derive(Debug, Deserialize)]
pub struct SeedPerson {
    pub org: String,
    pub id: String,
    pub person: PersonCreateReq,
}

#[derive(Debug, Deserialize)]
pub struct SeedPermission {
    pub org: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SeedPersonPermissions {
    pub org: String,
    pub person: String,
    pub permissions: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct SeedRbacRole {
    pub org: String,
    pub name: String,
    pub description: Option<String>,
    #[serde(default)]
    pub permissions: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct SeedPersonRoles {
    pub org: String,
    pub person: String,
    pub roles: Vec<String>,
}

/// What a load did, for the one line the run command prints.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub created: usize,
    pub already_present: usize,
}

fn org_id(raw: &str) -> Result<OrgId, String> {
    OrgId::parse(raw).map_err(|e| e.to_string())
}

pub async fn load(app: &App, seed: Seed) -> Result<Loaded, String> {
    let db = &app.db;
    let mut loaded = Loaded::default();
    let mut known: Vec<Organization> = Vec::new();
    for o in seed.organizations {
        let id = org_id(&o.id)?;
        let org = match o.parent.as_deref() {
            None => Organization::root(id, o.name),
            Some(parent) => {
                let parent = known
                    .iter()
                    .find(|k| k.id.as_str() == parent)
                    .ok_or(format!("parent {parent} must come first"))?;
                let mut ancestors = parent.ancestors.clone();
                ancestors.push(parent.id.clone());
                let pool = if o.shares_parent_pool {
                    parent.pool.clone()
                } else {
                    id.clone()
                };
                Organization {
                    id,
                    name: o.name,
                    ancestors,
                    pool,
                }
            }
        };
        match orgs::create(db, &org, &sha256_hex(&o.api_key)).await {
            Ok(()) => loaded.created += 1,
            Err(StoreError::ConditionFailed | StoreError::TransactionCancelled(_)) => {
                loaded.already_present += 1
            }
            Err(e) => return Err(format!("organization {}: {e}", org.id)),
        }
        known.push(org);
    }
    let find = |raw: &str| -> Result<Organization, String> {
        let id = org_id(raw)?;
        known
            .iter()
            .find(|o| o.id == id)
            .cloned()
            .ok_or(format!("organization {id} is not in the seed"))
    };
    for p in seed.persons {
        let org = find(&p.org)?;
        let id = PersonId::parse(&p.id).map_err(|e| e.to_string())?;
        let active_given = p.person.active.is_some();
        let view = buckets::view(app, &org).await.map_err(|e| e.to_string())?;
        let new = p
            .person
            .validate(id.clone(), &app.config.default_person_region, &view)
            .map_err(|e| format!("person {id}: {e}"))?;
        match persons::put(db, &org, &new.person, &new.attributes, active_given).await {
            Ok((_, persons::PutOutcome::Created)) => loaded.created += 1,
            Ok((_, persons::PutOutcome::Updated)) => loaded.already_present += 1,
            Err(e) => return Err(format!("person {id}: {e}")),
        }
    }
    for p in seed.permissions {
        let org = find(&p.org)?;
        let name = PermissionName::parse(&p.name).map_err(|e| e.to_string())?;
        let created = idgraph::faces::slashid::now_rfc3339();
        match permissions::create(db, &org.id, &name, p.description.as_deref(), &created).await {
            Ok(true) => loaded.created += 1,
            Ok(false) => loaded.already_present += 1,
            Err(e) => return Err(format!("permission {name}: {e}")),
        }
    }
    for p in seed.person_permissions {
        let org = find(&p.org)?;
        let person = PersonId::parse(&p.person).map_err(|e| e.to_string())?;
        let names = p
            .permissions
            .iter()
            .map(|n| PermissionName::parse(n).map_err(|e| e.to_string()))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let names = PermissionSet::new(names).map_err(|e| e.to_string())?;
        permissions::replace(db, &org.id, &person, &names, None)
            .await
            .map_err(|e| format!("permissions of {person}: {e}"))?;
        loaded.created += 1;
    }
    for g in seed.groups {
        let org = find(&g.org)?;
        let name = GroupName::parse(&g.name).map_err(|e| e.to_string())?;
        let created = idgraph::faces::slashid::now_rfc3339();
        match groups::create(db, &org.id, &name, g.description.as_deref(), &created).await {
            Ok(true) => loaded.created += 1,
            Ok(false) => loaded.already_present += 1,
            Err(e) => return Err(format!("group {name}: {e}")),
        }
        let members = g
            .members
            .iter()
            .map(|p| PersonId::parse(p).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        groups::add_persons(db, &org, &name, &members)
            .await
            .map_err(|e| format!("members of group {name}: {e}"))?;
    }
    for r in seed.rbac_roles {
        let org = find(&r.org)?;
        let name = RoleName::parse(&r.name).map_err(|e| e.to_string())?;
        let names = r
            .permissions
            .iter()
            .map(|n| PermissionName::parse(n).map_err(|e| e.to_string()))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let names = PermissionSet::new(names).map_err(|e| e.to_string())?;
        let created = idgraph::faces::slashid::now_rfc3339();
        let description = r.description.as_deref();
        match permissions::create_role(db, &org.id, &name, description, &names, &created).await {
            Ok(_) => loaded.created += 1,
            Err(permissions::RoleWriteError::Exists) => loaded.already_present += 1,
            Err(e) => return Err(format!("role {name}: {e}")),
        }
    }
    for p in seed.person_roles {
        let org = find(&p.org)?;
        let person = PersonId::parse(&p.person).map_err(|e| e.to_string())?;
        let names = p
            .roles
            .iter()
            .map(|n| RoleName::parse(n).map_err(|e| e.to_string()))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let names = RoleSet::new(names).map_err(|e| e.to_string())?;
        permissions::replace_person_roles(db, &org.id, &person, &names, None)
            .await
            .map_err(|e| format!("roles of {person}: {e}"))?;
        loaded.created += 1;
    }
    for c in seed.oauth_clients {
        let org = find(&c.org)?;
        oauth::put(db, &org, &c.client_id, &c.secret, &c.scopes)
            .await
            .map_err(|e| format!("OAuth client {}: {e}", c.client_id))?;
        loaded.created += 1;
    }
    for r in seed.roles {
        let org = find(&r.org)?;
        load_role(app, &org, r, &mut loaded).await?;
    }
    for d in seed.documents {
        let org = find(&d.org)?;
        let index = Index::parse(&d.index).ok_or(format!("unknown index {}", d.index))?;
        let raw_id = d.doc.get("id").and_then(|v| v.as_str()).unwrap_or_default();
        let id = DocumentId::parse(raw_id).map_err(|e| e.to_string())?;
        search::put(db, &org.id, index, &id, &d.doc)
            .await
            .map_err(|e| format!("document {id}: {e}"))?;
        loaded.created += 1;
    }
    for u in seed.sso_users {
        load_sso_user(app, u, &mut loaded).await?;
    }
    Ok(loaded)
}

/// Names for generated role members: deterministic, varied enough that sorting and `sw`
/// filters show something.
const FIRST: [&str; 8] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Tim", "Radia",
];
const LAST: [&str; 8] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Berners-Lee",
    "Perlman",
];

async fn load_role(
    app: &App,
    org: &Organization,
    r: SeedRole,
    loaded: &mut Loaded,
) -> Result<(), String> {
    let db = &app.db;
    let id = RoleId::parse(&r.id).map_err(|e| e.to_string())?;
    let body = RoleBody::parse(r.role).map_err(|e| format!("role {id}: {e}"))?;
    if roles::get(db, org, &id)
        .await
        .map_err(|e| e.to_string())?
        .is_none()
    {
        roles::create(
            db,
            org,
            id.clone(),
            body,
            &idgraph::faces::sailpoint::now_iso(),
        )
        .await
        .map_err(|e| format!("role {id}: {e}"))?;
        loaded.created += 1;
    } else {
        loaded.already_present += 1;
    }
    let requested = r
        .access_requests
        .iter()
        .map(|p| PersonId::parse(p).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    roles::grant(db, org, &id, &requested, Source::AccessRequest)
        .await
        .map_err(|e| format!("role {id}: {e}"))?;
    let mut generated = Vec::with_capacity(r.generated_members);
    for i in 0..r.generated_members {
        let (first, last) = (FIRST[i % 8], LAST[(i / 8) % 8]);
        let person_id =
            PersonId::parse(&format!("{}{i:04}", &id.as_str()[..8])).map_err(|e| e.to_string())?;
        let alias = format!("{}.{}{i}", first.to_lowercase(), last.to_lowercase());
        let raw = serde_json::json!({
            "name": format!("{first} {last}"),
            "handles": [
                {"type": "username", "value": alias},
                {"type": "email_address", "value": format!("{alias}@example.com")}
            ]
        });
        let req: PersonCreateReq = serde_json::from_value(raw).map_err(|e| e.to_string())?;
        let view = buckets::view(app, org).await.map_err(|e| e.to_string())?;
        let new = req
            .validate(person_id.clone(), &app.config.default_person_region, &view)
            .map_err(|e| e.to_string())?;
        persons::put(db, org, &new.person, &[], false)
            .await
            .map_err(|e| format!("person {person_id}: {e}"))?;
        generated.push(person_id);
    }
    for chunk in generated.chunks(50) {
        roles::grant(db, org, &id, chunk, Source::AccessRequest)
            .await
            .map_err(|e| format!("role {id}: {e}"))?;
    }
    loaded.created += generated.len();
    Ok(())
}

/// The first super-user comes from here (or an import), since Zato has no REST call for it.
async fn load_sso_user(app: &App, u: SeedSsoUser, loaded: &mut Loaded) -> Result<(), String> {
    use idgraph::sso::{self, Password, Username, ZattrName};
    use idgraph::store::orgs;
    use idgraph::store::sso_attrs::{self, Change, Stored};
    use idgraph::store::sso_users::{self, SsoError};
    let org_id = app
        .sso_org()
        .map_err(|_| "sso_users need SSO_ORG_ID".to_owned())?;
    let org = orgs::get(&app.db, org_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or(format!("SSO organization {org_id} is not in the seed"))?;
    let id = PersonId::parse(&u.id).map_err(|e| e.to_string())?;
    let why = |e: idgraph::faces::zato::ZatoError| format!("sso user {}: {e}", u.username);
    let username = Username::parse(&u.username).map_err(why)?;
    let password = Password::new(&u.password).map_err(why)?;
    let (mut user, _) = sso::new_user(app, &org.id, id.clone(), &username, &password, "auto")
        .await
        .map_err(why)?;
    user.approval = idgraph::store::sso_users::Approval::Approved;
    user.super_user = u.super_user;
    user.profile.display_name = u.display_name;
    match sso_users::create(
        &app.db,
        &org,
        &user,
        &app.config.default_person_region,
        None,
        false,
    )
    .await
    {
        Ok(()) => loaded.created += 1,
        Err(SsoError::UserIdTaken | SsoError::UsernameTaken) => loaded.already_present += 1,
        Err(e) => return Err(format!("sso user {}: {e}", u.username)),
    }
    let changes = u
        .attributes
        .iter()
        .map(|(name, value)| {
            Ok(Change::Set {
                name: ZattrName::parse(name).map_err(why)?,
                value: Stored::Plain(value.to_string()),
                expires_us: None,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    if !changes.is_empty() {
        sso_attrs::import(&app.db, &org.id, &id, &changes)
            .await
            .map_err(|e| format!("attributes of {}: {e}", u.username))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_seeds_debug_shows_none_of_its_credentials() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../seed/demo.json");
        let seed: Seed = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let shown = format!("{seed:?}");
        assert!(shown.contains("demo-client"), "{shown}");
        for secret in [
            "demo-api-key",
            "demo-secret",
            "admin-password-1",
            "jdoe-password-1",
        ] {
            assert!(
                !shown.contains(secret),
                "{secret} in the Debug of the demo seed"
            );
        }
    }
}
