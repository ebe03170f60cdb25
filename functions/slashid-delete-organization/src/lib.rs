//! `DELETE /organizations?delete_suborganizations=&confirmation_timestamp=` — SlashID's
//! `DeleteOrganizations`: deletes the organization the request names, a non-root one, with its
//! sub-organizations only when asked (409 otherwise). Asking needs a `confirmation_timestamp`
//! between 60 and 10 seconds ago (400 otherwise), so a replayed or hand-typed request does not
//! delete a subtree. The org is cut off at once; its data stays unreachable (docs/slashid.md).

use idgraph::consistency::Consistency;
use idgraph::error::ApiError;
use idgraph::faces::slashid;
use idgraph::keys;
use idgraph::request::Query;
use idgraph::store::liveness;
use idgraph::store::orgs::{self, DeleteOrgError};
use idgraph::{App, Body, Request, Response, auth};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

idgraph::handler!(SlashId, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let consistency = Consistency::from_request(&req)?;
    let query = Query::from_request(&req)?;
    let with_descendants = match query.single("delete_suborganizations")? {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "delete_suborganizations must be true or false, got {other:?}"
            )));
        }
    };
    if with_descendants {
        confirmed(
            query.single("confirmation_timestamp")?,
            OffsetDateTime::now_utc(),
        )?;
    }
    if let Some(sso) = &app.config.sso_org {
        // Zato's sessions are checked against the SSO org's own items, not its record: deleting
        // it would leave live sessions behind. Its users go through Zato's own deletion instead.
        let holds_sso = *sso == ctx.org.id
            || (with_descendants
                && orgs::get(&app.db, sso)
                    .await?
                    .is_some_and(|o| o.ancestors.contains(&ctx.org.id)));
        if holds_sso {
            return Err(ApiError::Conflict(
                "the organization is or holds this deployment's Zato SSO organization (SSO_ORG_ID), which cannot be deleted".into(),
            ));
        }
    }
    let cut = orgs::delete(&app.db, &ctx.org, with_descendants)
        .await
        .map_err(|e| match e {
            DeleteOrgError::Store(e) => e.into(),
            DeleteOrgError::TooMany => ApiError::BadRequest(e.to_string()),
            other => ApiError::Conflict(other.to_string()),
        })?;
    // Replicas apply items in no promised order: each cut org's record is waited for.
    for org in &cut {
        consistency
            .wait_until(
                app,
                &keys::org(org),
                "the organization is deleted",
                |item| item.is_none_or(|i| !liveness::is_alive(i)),
            )
            .await?;
    }
    idgraph::audit::event("organization_deleted", ctx.org.id.as_str());
    Ok(slashid::no_content())
}

/// SlashID's rule: an RFC 3339 time from 60 to 10 seconds before now.
fn confirmed(raw: Option<&str>, now: OffsetDateTime) -> Result<(), ApiError> {
    let bad = |m: &str| ApiError::BadRequest(m.to_owned());
    let raw = raw.ok_or_else(|| {
        bad("delete_suborganizations=true needs a confirmation_timestamp (RFC 3339, 10 to 60 seconds ago)")
    })?;
    let at = OffsetDateTime::parse(raw, &Rfc3339)
        .map_err(|_| bad("confirmation_timestamp must be an RFC 3339 date-time"))?;
    let age = (now - at).whole_seconds();
    if !(10..=60).contains(&age) {
        return Err(bad(
            "confirmation_timestamp must be between 60 and 10 seconds before now",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmation_is_accepted_from_60_to_10_seconds_old_only() {
        let now = OffsetDateTime::parse("2026-12-07T12:00:00Z", &Rfc3339).unwrap();
        for (at, ok) in [
            ("2026-12-07T11:59:50Z", true),
            ("2026-12-07T11:59:00Z", true),
            ("2026-12-07T11:59:30+00:00", true),
            ("2026-12-07T11:59:55Z", false),
            ("2026-12-07T11:58:59Z", false),
            ("2026-12-07T12:00:30Z", false),
            ("yesterday", false),
        ] {
            assert_eq!(confirmed(Some(at), now).is_ok(), ok, "{at}");
        }
        assert!(confirmed(None, now).is_err());
    }
}
