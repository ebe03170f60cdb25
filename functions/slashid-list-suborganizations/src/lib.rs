//! `GET /organizations/suborganizations?filter=` — SlashID's `GetOrganizationsSuborganizations`:
//! the ids of every descendant of the calling organization, parents before children. `filter`
//! is SCIM's syntax over `name` (`eq`, `co`, `sw`, case-insensitive), `id` and `parent_org_id`
//! (`eq`), combined with `and`, `or`, `not`; anything else is a 400 naming what is supported.

use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::filter::{self, Expr, Op};
use idgraph::request::Query;
use idgraph::store::orgs::{self, Organization};
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

const ALLOWED: filter::Allowed = &[
    ("name", &["eq", "co", "sw"]),
    ("id", &["eq"]),
    ("parent_org_id", &["eq"]),
];

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let filter = match Query::from_request(&req)?.single("filter")? {
        None => None,
        Some(raw) => Some(parse(raw).map_err(ApiError::BadRequest)?),
    };
    let all = orgs::descendants(&app.db, &ctx.org.id)
        .await?
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "this organization has more than {} sub-organizations, more than one request lists",
                orgs::MAX_SUBORGANIZATIONS
            ))
        })?;
    let ids: Vec<&str> = all
        .iter()
        .filter(|o| {
            filter
                .as_ref()
                .is_none_or(|f| f.holds(&|leaf| matches(o, leaf)))
        })
        .map(|o| o.id.as_str())
        .collect();
    Ok(slashid::result(200, &ids))
}

/// SCIM's operators are case-insensitive, so the lenient parser, then the fields and operators
/// this endpoint supports.
fn parse(raw: &str) -> Result<Expr, String> {
    let expr = filter::parse(raw).map_err(|e| format!("invalid filter: {e}"))?;
    filter::check_allowed(&expr, ALLOWED)?;
    Ok(expr)
}

fn matches(org: &Organization, leaf: &Expr) -> bool {
    let Expr::Compare { field, op, value } = leaf else {
        return false;
    };
    let wanted = value.as_str().to_lowercase();
    let name = org.name.to_lowercase();
    match (field.as_str(), op) {
        ("name", Op::Eq) => name == wanted,
        ("name", Op::Co) => name.contains(&wanted),
        ("name", Op::Sw) => name.starts_with(&wanted),
        ("id", Op::Eq) => org.id.as_str() == wanted,
        ("parent_org_id", Op::Eq) => org.parent().is_some_and(|p| p.as_str() == wanted),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specs_examples_parse_and_other_fields_or_operators_are_refused() {
        for ok in [
            r#"name eq "my_org""#,
            r#"name co "some_str""#,
            r#"name SW "my_prefix""#,
            r#"id eq "0be15c7a-a72d-47c4-ab9a-9a88bac3416d""#,
            r#"parent_org_id eq "0be15c7a-a72d-47c4-ab9a-9a88bac3416d" and not name sw "x""#,
        ] {
            assert!(parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            r#"name ne "x""#,
            r#"region eq "x""#,
            r#"id co "x""#,
            "name eq",
            "((",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
