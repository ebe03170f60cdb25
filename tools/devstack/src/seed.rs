//! Loads a seed file (`seed/demo.json`) through the shared library's store functions, with the
//! same validation as the API. Loading it twice changes nothing.

use idgraph::auth::sha256_hex;
use idgraph::db::Db;
use idgraph::error::StoreError;
use idgraph::ids::{OrgId, PersonId};
use idgraph::person::PersonCreateReq;
use idgraph::store::orgs::{self, Organization};
use idgraph::store::persons::{self, CreatePersonError};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Seed {
    #[serde(default)]
    pub organizations: Vec<SeedOrg>,
    #[serde(default)]
    pub persons: Vec<SeedPerson>,
}

#[derive(Debug, Deserialize)]
pub struct SeedOrg {
    pub id: String,
    pub name: String,
    pub api_key: String,
}

#[derive(Debug, Deserialize)]
pub struct SeedPerson {
    pub org: String,
    pub id: String,
    pub person: PersonCreateReq,
}

/// What a load did, for the one line the run command prints.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub created: usize,
    pub already_present: usize,
}

pub async fn load(db: &Db, seed: Seed, default_region: &str) -> Result<Loaded, String> {
    let mut loaded = Loaded::default();
    let mut known = Vec::new();
    for o in seed.organizations {
        let org = Organization::root(OrgId::parse(&o.id).map_err(|e| e.to_string())?, o.name);
        match orgs::create(db, &org, &sha256_hex(&o.api_key)).await {
            Ok(()) => loaded.created += 1,
            Err(StoreError::ConditionFailed | StoreError::TransactionCancelled(_)) => {
                loaded.already_present += 1
            }
            Err(e) => return Err(format!("organization {}: {e}", org.id)),
        }
        known.push(org);
    }
    for p in seed.persons {
        let org_id = OrgId::parse(&p.org).map_err(|e| e.to_string())?;
        let org = match known.iter().find(|o| o.id == org_id) {
            Some(org) => org.clone(),
            None => orgs::get(db, &org_id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or(format!("no organization {org_id}"))?,
        };
        let id = PersonId::parse(&p.id).map_err(|e| e.to_string())?;
        let new = p
            .person
            .validate(id.clone(), default_region)
            .map_err(|e| format!("person {id}: {e}"))?;
        match persons::create(db, &org, &new.person, &new.attributes).await {
            Ok(()) => loaded.created += 1,
            Err(CreatePersonError::IdTaken) => loaded.already_present += 1,
            Err(e) => return Err(format!("person {id}: {e}")),
        }
    }
    Ok(loaded)
}
