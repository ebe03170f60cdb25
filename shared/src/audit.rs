//! The security half of each request's log line — for which organization, who asked, how their
//! authentication went — and the audit events of security-relevant moments: failed logins,
//! lockouts, refused credentials and privileged writes. A task-local, like `metrics`, so that
//! authentication and handlers record without threading a value through every function.
//!
//! Nothing here takes a secret: principals are API-key hash prefixes, OAuth client ids and user
//! ids; subjects are ids. Audit events are JSON lines with `target: "audit"`, carrying both
//! request ids so they join the request line and API Gateway's access log.

use std::cell::RefCell;
use std::future::Future;

tokio::task_local! {
    static SCOPE: RefCell<Scope>;
}

/// How a request's authentication ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    /// Refused, with a reason code (`unknown_key`, `expired`, `wrong_password`, …).
    Denied(&'static str),
}

impl Outcome {
    fn code(self) -> (&'static str, &'static str) {
        match self {
            Self::Allowed => ("allowed", ""),
            Self::Denied(reason) => ("denied", reason),
        }
    }
}

/// What one request's log line says about its caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Lambda's request id, and API Gateway's (`requestContext.requestId`).
    pub request_id: String,
    pub apigw_request_id: String,
    pub org: Option<String>,
    pub principal: Option<String>,
    pub outcome: Option<Outcome>,
}

impl Scope {
    pub fn new(request_id: String, apigw_request_id: String) -> Self {
        Self {
            request_id,
            apigw_request_id,
            ..Self::default()
        }
    }

    /// `allowed`/`denied` and the reason code, empty when no authentication ran.
    pub fn outcome_fields(&self) -> (&'static str, &'static str) {
        self.outcome.map_or(("", ""), Outcome::code)
    }
}

/// Runs `f` with a fresh scope; returns what it returned and what it recorded.
pub async fn scoped<F: Future>(scope: Scope, f: F) -> (F::Output, Scope) {
    SCOPE
        .scope(RefCell::new(scope), async {
            let out = f.await;
            (out, SCOPE.with(|s| s.borrow().clone()))
        })
        .await
}

fn with(change: impl FnOnce(&mut Scope)) {
    let _ = SCOPE.try_with(|s| change(&mut s.borrow_mut()));
}

/// The organization the request acts in.
pub fn org(org: impl ToString) {
    let org = org.to_string();
    with(|s| s.org = Some(org));
}

/// Who is asking, in a form that names and never reveals a credential.
pub fn principal(principal: String) {
    with(|s| s.principal = Some(principal));
}

/// An API key as a log names it: the first 12 hex digits of its SHA-256, which the table keys by.
pub fn api_key_principal(key_hash: &str) -> String {
    format!("apikey:{}", key_hash.get(..12).unwrap_or(key_hash))
}

pub fn allowed() {
    with(|s| s.outcome = Some(Outcome::Allowed));
}

/// Authentication or authorization refused the request; the request line carries `reason`, and
/// the runtime adds an `access_denied` audit event.
pub fn denied(reason: &'static str) {
    with(|s| s.outcome = Some(Outcome::Denied(reason)));
}

/// As `denied`, unless a more precise refusal was already recorded.
pub fn denied_unless_told(reason: &'static str) {
    with(|s| {
        if !matches!(s.outcome, Some(Outcome::Denied(_))) {
            s.outcome = Some(Outcome::Denied(reason));
        }
    });
}

/// An audit event about `subject` (an id, never a secret), tied to the current request.
pub fn event(name: &'static str, subject: &str) {
    let scope = SCOPE.try_with(|s| s.borrow().clone()).unwrap_or_default();
    emit(name, subject, &scope);
}

/// Writes an audit line for a request whose scope is already closed (the runtime's own events).
pub fn emit(name: &'static str, subject: &str, scope: &Scope) {
    let (auth, reason) = scope.outcome_fields();
    tracing::info!(
        target: "audit",
        event = name,
        subject,
        request_id = scope.request_id,
        apigw_request_id = scope.apigw_request_id,
        org = scope.org.as_deref().unwrap_or(""),
        principal = scope.principal.as_deref().unwrap_or(""),
        auth,
        reason,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_scope_collects_the_org_the_principal_and_the_outcome() {
        let ((), scope) = scoped(Scope::new("r".into(), "a".into()), async {
            org("o-1");
            principal(api_key_principal("0123456789abcdef0123"));
            denied("unknown_key");
        })
        .await;
        assert_eq!(scope.org.as_deref(), Some("o-1"));
        assert_eq!(scope.principal.as_deref(), Some("apikey:0123456789ab"));
        assert_eq!(scope.outcome_fields(), ("denied", "unknown_key"));
    }

    #[test]
    fn recording_outside_a_request_is_a_no_op() {
        org("o-1");
        denied("x");
        event("nothing", "s");
    }
}
