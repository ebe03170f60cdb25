//! `PUT /persons/{person_id}/permissions` (and `/additional-permissions`, its v1.1 path) —
//! replaces the person's directly assigned permissions with `{permissions: [...]}`.
//!
//! Every name must exist in the catalog when the write commits (a name missing → 400 naming
//! it); at most `MAX_DIRECT_PERMISSIONS` distinct names (more → 400 saying so). `If-Match` is
//! compared inside the write's condition: stale → 412, `*` → any existing version, absent →
//! unconditional. 204 with the new `ETag`; with `SlashID-Required-Consistency: all_regions`,
//! only once every replica shows it (else 408).

use std::collections::BTreeSet;

use idgraph::consistency::Consistency;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::keys;
use idgraph::permission::{PermissionName, PermissionSet};
use idgraph::request::json_body;
use idgraph::store::permissions::{self, ReplaceError};
use idgraph::{App, Body, Request, Response, auth};
use serde_json::Value;

idgraph::handler!(SlashId, run);

/// `{permissions: [PermissionName, ...]}`; the first bad item is named in the 400, and a set over
/// the cap is refused whole.
fn parse(body: &Value) -> Result<PermissionSet, ApiError> {
    let bad = |m: String| ApiError::BadRequest(m);
    let Some(items) = body.get("permissions") else {
        return Err(bad("permissions is required".into()));
    };
    let Value::Array(items) = items else {
        return Err(bad(
            "permissions must be an array of permission names".into()
        ));
    };
    let names = items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(raw) => {
                PermissionName::parse(raw).map_err(|e| bad(format!("permissions[{i}]: {e}")))
            }
            other => Err(bad(format!(
                "permissions[{i}] must be a string, not {other}"
            ))),
        })
        .collect::<Result<BTreeSet<_>, _>>()?;
    PermissionSet::new(names).map_err(|e| bad(e.to_string()))
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let id = slashid::person_id(&req)?;
    let consistency = Consistency::from_request(&req)?;
    let if_match = slashid::if_match(&req)?;
    let desired = parse(&json_body(&req)?)?;
    let version = permissions::replace(&app.db, &ctx.org.id, &id, &desired, if_match)
        .await
        .map_err(|e| match e {
            ReplaceError::NotFound => ApiError::NotFound(format!("person {id} not found")),
            ReplaceError::PreconditionFailed => ApiError::PreconditionFailed(e.to_string()),
            ReplaceError::NotInCatalog(names) => ApiError::BadRequest(format!(
                "permissions not in the catalog: {}",
                names.join(", ")
            )),
            ReplaceError::Busy => ApiError::Conflict(e.to_string()),
            ReplaceError::Store(e) => e.into(),
        })?;
    consistency
        .wait(app, &keys::person_permissions(&ctx.org.id, &id), version)
        .await?;
    Ok(slashid::with_etag(slashid::no_content(), version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_permissions_field_is_required() {
        assert!(
            matches!(parse(&json!({})), Err(ApiError::BadRequest(m)) if m.contains("required"))
        );
    }

    #[test]
    fn a_bad_item_is_named_by_position() {
        let e = parse(&json!({"permissions": ["ok:perm", "bad perm"]})).unwrap_err();
        assert!(
            matches!(e, ApiError::BadRequest(m) if m.contains("permissions[1]") && m.contains("bad perm"))
        );
        assert!(parse(&json!({"permissions": ["ok", 7]})).is_err());
    }

    #[test]
    fn more_distinct_names_than_a_person_may_hold_are_refused_saying_the_limit() {
        let max = idgraph::permission::MAX_DIRECT_PERMISSIONS;
        let names = |n: usize| -> Vec<String> { (0..n).map(|i| format!("p:{i:04}")).collect() };
        assert_eq!(
            parse(&json!({ "permissions": names(max) })).unwrap().len(),
            max
        );
        let e = parse(&json!({ "permissions": names(max + 1) })).unwrap_err();
        assert!(
            matches!(&e, ApiError::BadRequest(m) if m.contains(&max.to_string())),
            "{e:?}"
        );
        // Duplicates do not count against the limit.
        let mut repeated = names(max);
        repeated.extend(names(max));
        assert_eq!(
            parse(&json!({ "permissions": repeated })).unwrap().len(),
            max
        );
    }

    #[test]
    fn duplicates_collapse() {
        assert_eq!(
            parse(&json!({"permissions": ["ab", "ab", "cd"]}))
                .unwrap()
                .len(),
            2
        );
    }
}
