//! `GET /persons/{person_id}/organizations` — SlashID's `GetPersonsPersonIdOrganizations`: the
//! organizations of the person's pool it belongs to, as `OrganizationDetails`, limited to the
//! calling organization and its descendants (never a sibling or an ancestor: an API key sees
//! only the part of the tree it authorizes).

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::filter::{self, Expr, Op, Value};
use idgraph::ids::{OrgId, PersonId};
use idgraph::keys;
use idgraph::request::Query;
use idgraph::store::orgs::{self, Organization};
use idgraph::store::{permissions, persons};
use idgraph::{App, Body, Request, Response, auth};
use serde_json::{Value as Json, json};

idgraph::handler!(SlashId, run);

const SUPPORTED: &str = "id (eq, ne), parent_id (eq, ne), org_name (eq, ne, sw, co), tenant_name (eq, ne, sw, co), permission (eq), joined by and, or, not";

/// The `filter` parameter: the SCIM 2.0 subset above. Names compare case-insensitively, as
/// SCIM strings do; `permission eq "p"` keeps the orgs where the person holds `p` directly.
#[derive(Debug)]
struct OrgFilter(Expr);

impl OrgFilter {
    fn parse(raw: &str) -> Result<Self, ApiError> {
        let bad = ApiError::BadRequest;
        let expr = filter::parse(raw).map_err(|e| bad(format!("invalid filter: {e}")))?;
        let expr = expr.try_map_leaves(&|leaf| check_leaf(leaf).map_err(bad))?;
        Ok(Self(expr))
    }

    fn needs_permissions(&self) -> bool {
        self.0
            .comparisons()
            .iter()
            .any(|(field, _)| *field == "permission")
    }

    fn matches(&self, org: &Organization, permissions: &[String]) -> bool {
        self.0.holds(&|leaf| {
            let Expr::Compare { field, op, value } = leaf else {
                return false;
            };
            let v = value.as_str();
            let text = |actual: &str| {
                let (actual, wanted) = (actual.to_lowercase(), v.to_lowercase());
                match op {
                    Op::Eq => actual == wanted,
                    Op::Ne => actual != wanted,
                    Op::Sw => actual.starts_with(&wanted),
                    Op::Co => actual.contains(&wanted),
                    _ => false,
                }
            };
            match field.as_str() {
                "id" => text(org.id.as_str()),
                "parent_id" => text(org.parent().map_or("", |p| p.as_str())),
                "org_name" => text(&org.name),
                "tenant_name" => text(&orgs::tenant_name(&org.name)),
                "permission" => permissions.iter().any(|p| p == v),
                _ => false,
            }
        })
    }
}

fn check_leaf(leaf: Expr) -> Result<Expr, String> {
    let (field, op, value) = filter::allowed_comparison(
        leaf,
        &[
            (&["id", "parent_id"], &[Op::Eq, Op::Ne]),
            (
                &["org_name", "tenant_name"],
                &[Op::Eq, Op::Ne, Op::Sw, Op::Co],
            ),
            (&["permission"], &[Op::Eq]),
        ],
        SUPPORTED,
    )?;
    if !matches!(value, Value::Quoted(_)) {
        return Err(format!(
            "the value compared with {field:?} must be a quoted string"
        ));
    }
    Ok(Expr::Compare { field, op, value })
}

/// Whether `org` is `caller` or below it.
fn visible_to(caller: &OrgId, org: &Organization) -> bool {
    &org.id == caller || org.ancestors.contains(caller)
}

fn organization_json(org: &Organization) -> Json {
    let mut json = json!({
        "id": org.id.as_str(),
        "org_name": org.name,
        "tenant_name": orgs::tenant_name(&org.name),
    });
    if let Some(parent) = org.parent() {
        json["parent_id"] = json!(parent.as_str());
    }
    json
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let filter = Query::from_request(&req)?
        .single("filter")?
        .map(OrgFilter::parse)
        .transpose()?;
    let member_of = persons::orgs_of(&app.db, &ctx.org, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("person {id} not found")))?;
    // Whether an org is below the caller is on its record (`ancestors`).
    let mut visible: Vec<Organization> = orgs::get_many(&app.db, &member_of)
        .await?
        .into_iter()
        .filter(|o| visible_to(&ctx.org.id, o))
        .collect();
    // The caller first, then the rest by depth and id: a stable, tree-like order.
    visible.sort_by(|a, b| {
        (a.id != ctx.org.id, a.ancestors.len(), a.id.as_str()).cmp(&(
            b.id != ctx.org.id,
            b.ancestors.len(),
            b.id.as_str(),
        ))
    });
    let mut result = Vec::with_capacity(visible.len());
    let held = match &filter {
        Some(f) if f.needs_permissions() => direct_permissions(app, &visible, &id).await?,
        _ => Vec::new(),
    };
    for org in &visible {
        let names = held
            .iter()
            .find(|(o, _)| o == &org.id)
            .map_or(&[][..], |(_, n)| n.as_slice());
        if filter.as_ref().is_none_or(|f| f.matches(org, names)) {
            result.push(organization_json(org));
        }
    }
    Ok(slashid::result(200, &result))
}

/// The person's directly held permissions in each of `orgs`: 1 BatchGetItem of their `PERMS`.
async fn direct_permissions(
    app: &App,
    orgs: &[Organization],
    person: &PersonId,
) -> Result<Vec<(OrgId, Vec<String>)>, ApiError> {
    let keys: Vec<_> = orgs
        .iter()
        .map(|o| keys::person_permissions(&o.id, person))
        .collect();
    let items = app.db.batch_get_many(&keys).await?;
    let mut held = Vec::new();
    for (org, key) in orgs.iter().zip(&keys) {
        if let Some(item) = items
            .iter()
            .find(|i| keys::Key::of(i).as_ref() == Some(key))
        {
            let names = permissions::Held::from_item(item)?.names;
            held.push((org.id.clone(), names.into_iter().collect()));
        }
    }
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(name: &str, ancestors: &[&OrgId]) -> Organization {
        let mut o = Organization::root(OrgId::new_random(), name);
        o.ancestors = ancestors.iter().map(|a| (*a).clone()).collect();
        o
    }

    #[test]
    fn only_the_caller_and_its_descendants_are_visible() {
        let root = org("Root", &[]);
        let caller = org("Store", &[&root.id]);
        let child = org("Till", &[&root.id, &caller.id]);
        let sibling = org("Other store", &[&root.id]);
        assert!(visible_to(&caller.id, &caller));
        assert!(visible_to(&caller.id, &child));
        assert!(!visible_to(&caller.id, &root));
        assert!(!visible_to(&caller.id, &sibling));
    }

    #[test]
    fn filters_compare_names_case_insensitively_and_refuse_other_fields() {
        let o = org("Second Store", &[]);
        let f = |s: &str| OrgFilter::parse(s).unwrap().matches(&o, &["write".into()]);
        assert!(f(r#"org_name eq "second store""#));
        assert!(f(r#"tenant_name eq "second-store""#));
        assert!(f(r#"org_name sw "Sec" and not (org_name co "x")"#));
        assert!(f(&format!(r#"id eq "{}""#, o.id)));
        assert!(f(r#"permission eq "write""#));
        assert!(!f(r#"permission eq "read""#));
        assert!(!f(r#"parent_id eq "a""#));
        for bad in [
            r#"name eq "x""#,
            r#"id sw "x""#,
            "org_name pr",
            "id eq x",
            r#"permission ne "x""#,
        ] {
            assert!(OrgFilter::parse(bad).is_err(), "{bad}");
        }
    }
}
