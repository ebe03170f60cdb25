//! `GET /persons`'s `handle` and `filter` parameters, parsed: the SCIM 2.0 filter subset this
//! service answers (RFC 7644 §3.4.2.2, as SlashID's spec gives its examples), and the persons
//! a filter pins by key, which are read directly instead of listing the org.
//!
//! Fields and operators: `person_id` (`eq`, `ne`), `handles` (`eq`, `ne`, `sw`, `co` on
//! `"type:value"`), `active` (`eq`, `ne` with `true`/`false`), `region` (`eq`, `ne`), joined by
//! `and`, `or`, `not` and parentheses. Keywords compare case-insensitively, as SCIM says.
//! Anything else (SlashID's `roles`, `groups`, `permissions`, `attributes`, …) is a 400 naming
//! what is supported.

use crate::error::ApiError;
use crate::filter::{self, Expr, Op, Value};
use crate::ids::PersonId;
use crate::person::{Handle, HandleKind, Person};

const SUPPORTED: &str = "person_id (eq, ne), handles (eq, ne, sw, co), active (eq, ne), region (eq, ne), joined by and, or, not";

/// A `"type:value"` handle (the `handle` parameter, a `handles eq` value). A phone number's
/// `+` that a client left unencoded in the query string arrives as a space: it is restored.
pub fn parse_handle(raw: &str) -> Result<Handle, ApiError> {
    let bad = |m: String| ApiError::BadRequest(m);
    let (kind, value) = raw.split_once(':').ok_or_else(|| {
        bad(format!(
            "handle {:?} must be type:value, e.g. email_address:jane@example.com",
            truncate(raw)
        ))
    })?;
    let kind: HandleKind = serde_json::from_value(serde_json::Value::String(kind.to_owned()))
        .map_err(|_| {
            bad(format!(
                "handle type {:?} is not one of email_address, phone_number, username",
                truncate(kind)
            ))
        })?;
    let restored;
    let value = match value.strip_prefix(' ') {
        Some(digits) if kind == HandleKind::PhoneNumber => {
            restored = format!("+{digits}");
            restored.as_str()
        }
        _ => value,
    };
    Handle::parse(kind, value).map_err(|e| bad(e.to_string()))
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

/// A parsed `filter`, checked against the supported subset.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonFilter(Expr);

/// What a filter says about which persons can match, read before any listing.
#[derive(Debug, Clone, PartialEq)]
pub enum Pinned {
    /// Only this person can match (`person_id eq`); `None` when the id cannot exist.
    Person(Option<PersonId>),
    /// Only the owner of this handle can match (`handles eq`).
    Handle(Handle),
}

impl PersonFilter {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let bad = |m: String| ApiError::BadRequest(m);
        let expr = filter::parse(raw).map_err(|e| bad(format!("invalid filter: {e}")))?;
        let expr = expr.try_map_leaves(&|leaf| check_leaf(leaf).map_err(bad))?;
        Ok(Self(expr))
    }

    /// A comparison that every match must satisfy and that names persons by key: the filter
    /// itself, or a member of its top-level `and`.
    pub fn pinned(&self) -> Option<Pinned> {
        let conjuncts: Vec<&Expr> = match &self.0 {
            Expr::And(xs) => xs.iter().collect(),
            other => vec![other],
        };
        conjuncts.into_iter().find_map(|e| match e {
            Expr::Compare {
                field,
                op: Op::Eq,
                value,
            } if field == "person_id" => Some(Pinned::Person(PersonId::parse(value.as_str()).ok())),
            Expr::Compare {
                field,
                op: Op::Eq,
                value,
            } if field == "handles" => parse_handle(value.as_str()).ok().map(Pinned::Handle),
            _ => None,
        })
    }

    pub fn matches(&self, person: &Person) -> bool {
        self.0.holds(&|leaf| leaf_holds(leaf, person))
    }
}

/// Field names compare case-insensitively (SCIM attribute names do); each leaf comes back with
/// its field lowercased, or the reason it is not supported.
fn check_leaf(leaf: Expr) -> Result<Expr, String> {
    let (field, op, value) = filter::allowed_comparison(
        leaf,
        &[
            (&["person_id", "region", "active"], &[Op::Eq, Op::Ne]),
            (&["handles"], &[Op::Eq, Op::Ne, Op::Sw, Op::Co]),
        ],
        SUPPORTED,
    )?;
    match (field.as_str(), &value) {
        ("active", Value::Bare(b)) if b.eq_ignore_ascii_case("true") => Ok(Expr::Compare {
            field,
            op,
            value: Value::Bare("true".into()),
        }),
        ("active", Value::Bare(b)) if b.eq_ignore_ascii_case("false") => Ok(Expr::Compare {
            field,
            op,
            value: Value::Bare("false".into()),
        }),
        ("active", _) => Err("active compares with true or false (unquoted)".into()),
        ("handles", v) if op == Op::Eq || op == Op::Ne => {
            parse_handle(v.as_str()).map_err(|e| e.to_string())?;
            Ok(Expr::Compare { field, op, value })
        }
        (_, Value::Quoted(_)) => Ok(Expr::Compare { field, op, value }),
        (_, Value::Bare(_)) => Err(format!(
            "the value compared with {field:?} must be a quoted string"
        )),
    }
}

fn leaf_holds(leaf: &Expr, p: &Person) -> bool {
    let Expr::Compare { field, op, value } = leaf else {
        return false;
    };
    let v = value.as_str();
    let equal = match field.as_str() {
        "person_id" => p.id.as_str() == v,
        "region" => p.region == v,
        "active" => p.active == (v == "true"),
        "handles" => {
            let wanted = v.to_lowercase();
            let typed = |h: &Handle| format!("{}:{}", h.kind().as_str(), h.normalized());
            return match op {
                Op::Sw => p.handles.iter().any(|h| typed(h).starts_with(&wanted)),
                Op::Co => p.handles.iter().any(|h| typed(h).contains(&wanted)),
                _ => {
                    let wanted = parse_handle(v).ok();
                    let any = p.handles.iter().any(|h| {
                        wanted.as_ref().is_some_and(|w| {
                            w.kind() == h.kind() && w.normalized() == h.normalized()
                        })
                    });
                    (op == &Op::Eq) == any
                }
            };
        }
        _ => return false,
    };
    match op {
        Op::Eq => equal,
        Op::Ne => !equal,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(active: bool, region: &str, handles: &[(&str, HandleKind)]) -> Person {
        Person {
            id: PersonId::parse("p1").unwrap(),
            active,
            region: region.into(),
            handles: handles
                .iter()
                .map(|(v, k)| Handle::parse(*k, v).unwrap())
                .collect(),
            name: None,
            version: 1,
        }
    }

    #[test]
    fn the_specs_examples_parse_and_match() {
        let jane = person(
            true,
            "us-iowa",
            &[
                ("Jane@Example.com", HandleKind::EmailAddress),
                ("+12019876543", HandleKind::PhoneNumber),
            ],
        );
        for (f, expected) in [
            (r#"person_id eq "p1""#, true),
            (r#"handles eq "email_address:jane@example.com""#, true),
            (r#"handles eq "phone_number:+12019876543""#, true),
            (r#"handles eq "username:jane""#, false),
            ("active eq true", true),
            ("active eq false", false),
            (r#"region eq "us-iowa""#, true),
            (r#"region ne "us-iowa""#, false),
            (r#"region eq "us-iowa" or region eq "europe-belgium""#, true),
            (r#"active eq true and region eq "asia-japan""#, false),
            (r#"not (region eq "asia-japan")"#, true),
            (r#"handles sw "email_address:jane@""#, true),
            (r#"handles co "example""#, true),
            (r#"Active EQ True"#, true),
        ] {
            assert_eq!(
                PersonFilter::parse(f).unwrap().matches(&jane),
                expected,
                "{f}"
            );
        }
    }

    #[test]
    fn unsupported_fields_and_forms_are_refused_naming_what_is_supported() {
        for f in [
            r#"roles eq "admin""#,
            r#"region gt "a""#,
            "active pr",
            r#"active eq "true""#,
            "region eq us",
            r#"handles eq "fax:123""#,
            "region eq",
        ] {
            let e = PersonFilter::parse(f).unwrap_err();
            assert!(matches!(e, ApiError::BadRequest(_)), "{f}");
        }
        let ApiError::BadRequest(m) = PersonFilter::parse(r#"groups eq "G1""#).unwrap_err() else {
            unreachable!()
        };
        assert!(m.contains("supported are person_id"), "{m}");
    }

    #[test]
    fn a_key_comparison_in_the_top_level_and_pins_the_persons() {
        let f = PersonFilter::parse(r#"active eq true and person_id eq "p9""#).unwrap();
        assert_eq!(
            f.pinned(),
            Some(Pinned::Person(Some(PersonId::parse("p9").unwrap())))
        );
        let f = PersonFilter::parse(r#"handles eq "username:Jo""#).unwrap();
        assert!(matches!(f.pinned(), Some(Pinned::Handle(h)) if h.normalized() == "jo"));
        let f = PersonFilter::parse(r#"person_id eq "a" or active eq true"#).unwrap();
        assert_eq!(f.pinned(), None);
        let f = PersonFilter::parse(r#"person_id eq "no/such""#).unwrap();
        assert_eq!(f.pinned(), Some(Pinned::Person(None)));
    }

    #[test]
    fn a_handle_parameter_is_type_colon_value_and_keeps_an_unencoded_plus() {
        let h = parse_handle("phone_number: 12019876543").unwrap();
        assert_eq!(h.value(), "+12019876543");
        assert_eq!(
            parse_handle("email_address:a@b.co").unwrap().kind(),
            HandleKind::EmailAddress
        );
        assert!(parse_handle("a@b.co").is_err());
        assert!(parse_handle("email:a@b.co").is_err());
        assert!(parse_handle("email_address:nope").is_err());
    }
}
