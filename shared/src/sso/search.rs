//! Zato's `User.search`: its parameters parsed into one query, the query run by the lookup it
//! needs, and the answer's paging fields. A user id or a username names one user and every
//! other criterion is ignored (as Zato does); otherwise the org's directory is searched.

use serde_json::{Map, Value, json};

use crate::App;
use crate::ids::{OrgId, PersonId};
use crate::sso::error::ZatoError;
use crate::sso::input::{Params, Username, Ust};
use crate::store::sso_directory::{
    self, DirectoryFilter, Matches, NAME_FIELDS, NameOp, SearchText,
};
use crate::store::sso_users::{self, UserDetails};

/// Whom a search looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `user_id`: that user or none. `None` when the text can be no user's id.
    UserId(Option<PersonId>),
    /// `username`: that user or none. `None` when the text can be no one's username.
    Username(Option<Username>),
    Directory(DirectoryFilter),
    /// `sign_up_status: to_approve`, a state no user here is in: a confirmed signup is
    /// `final`, and its approval is `approval_status`.
    Nobody,
}

/// Results per page: 1 to 100, 50 unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u64);

impl PageSize {
    pub const DEFAULT: Self = Self(50);
    pub const MAX: u64 = 100;

    pub fn new(n: u64) -> Option<Self> {
        (1..=Self::MAX).contains(&n).then_some(Self(n))
    }
}

/// Which page, counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageNumber(u64);

impl PageNumber {
    pub fn new(n: u64) -> Option<Self> {
        (n >= 1).then_some(Self(n))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    Pages {
        size: PageSize,
        number: PageNumber,
    },
    /// `paginate: false`: every match in one answer, up to `MAX_UNPAGED`.
    Unpaged,
}

/// The most matches an unpaged search answers (about 1 KB each): more is refused rather than
/// cut short, so that an answer never silently misses users.
pub const MAX_UNPAGED: u64 = 1_000;

impl Paging {
    /// How many matches come before the page, and how many it holds.
    pub fn window(self) -> (u64, usize) {
        match self {
            Self::Pages { size, number } => {
                ((number.0 - 1).saturating_mul(size.0), size.0 as usize)
            }
            Self::Unpaged => (0, MAX_UNPAGED as usize),
        }
    }

    /// Zato's paging fields for `total` matches: `total`, `num_pages`, `page_size`,
    /// `cur_page`, `has_next_page`, `has_prev_page`, `next_page`, `prev_page` (null when none).
    pub fn fields(self, total: u64) -> Map<String, Value> {
        let (size, cur) = match self {
            Self::Pages { size, number } => (size.0, number.0),
            Self::Unpaged => (total, 1),
        };
        let num_pages = if size == 0 { 0 } else { total.div_ceil(size) };
        let (has_next, has_prev) = (cur < num_pages, cur > 1);
        Map::from_iter([
            ("total".into(), json!(total)),
            ("num_pages".into(), json!(num_pages)),
            ("page_size".into(), json!(size)),
            ("cur_page".into(), json!(cur)),
            ("has_next_page".into(), json!(has_next)),
            ("has_prev_page".into(), json!(has_prev)),
            ("next_page".into(), json!(has_next.then(|| cur + 1))),
            ("prev_page".into(), json!(has_prev.then(|| cur - 1))),
        ])
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub target: Target,
    pub paging: Paging,
}

fn invalid(reason: &str) -> ZatoError {
    ZatoError::InvalidInput(reason.into())
}

/// A text criterion as sent: absent or empty is none; otherwise 2 to 191 characters (E008002).
fn criterion<'a>(params: &'a Params, name: &'static str) -> Result<Option<&'a str>, ZatoError> {
    match params.text(name)? {
        None | Some("") => Ok(None),
        Some(raw) if SearchText::parse(raw).is_some() => Ok(Some(raw)),
        Some(_) => Err(invalid(&format!(
            "{name} is {} to {} characters",
            SearchText::MIN_CHARS,
            SearchText::MAX_CHARS
        ))),
    }
}

fn search_text(params: &Params, name: &'static str) -> Result<Option<SearchText>, ZatoError> {
    Ok(criterion(params, name)?.and_then(SearchText::parse))
}

/// A whole number, as JSON or as the query string spells one.
fn whole(params: &Params, name: &'static str) -> Result<Option<u64>, ZatoError> {
    match params.get(name) {
        None => Some(None),
        Some(Value::Number(n)) => n.as_u64().map(Some),
        Some(Value::String(s)) => s.parse().ok().map(Some),
        Some(_) => None,
    }
    .ok_or_else(|| invalid(&format!("{name} must be a whole number")))
}

impl SearchQuery {
    /// Every parameter is checked, also those a user id or a username makes irrelevant: a
    /// mistyped one is refused, never silently ignored.
    pub fn parse(params: &Params) -> Result<Self, ZatoError> {
        let user_id = criterion(params, "user_id")?;
        let username = criterion(params, "username")?;
        let mut names = vec![];
        for field in NAME_FIELDS {
            if let Some(text) = search_text(params, field.as_str())? {
                names.push((field, text));
            }
        }
        let name_op = match params.text("name_op")? {
            None | Some("and") => NameOp::And,
            Some("or") => NameOp::Or,
            Some(_) => return Err(invalid("name_op is and or or")),
        };
        let (anyone, sign_up_final) = match params.text("sign_up_status")? {
            None => (true, None),
            Some("final") => (true, Some(true)),
            Some("before_confirmation") => (true, Some(false)),
            Some("to_approve") => (false, None),
            Some(_) => {
                return Err(invalid(
                    "sign_up_status is before_confirmation, to_approve or final",
                ));
            }
        };
        let filter = DirectoryFilter {
            names,
            name_op,
            exact_names: params.flag("is_name_exact")?.unwrap_or(true),
            email: search_text(params, "email")?,
            approval: super::approval_status(params)?,
            sign_up_final,
        };
        let size = match whole(params, "page_size")? {
            None => PageSize::DEFAULT,
            Some(n) => PageSize::new(n).ok_or_else(|| invalid("page_size is 1 to 100"))?,
        };
        let number = PageNumber::new(whole(params, "cur_page")?.unwrap_or(1))
            .ok_or_else(|| invalid("cur_page counts from 1"))?;
        let paging = if params.flag("paginate")?.unwrap_or(true) {
            Paging::Pages { size, number }
        } else {
            Paging::Unpaged
        };
        let target = if let Some(id) = user_id {
            Target::UserId(PersonId::parse(id).ok())
        } else if let Some(name) = username {
            Target::Username(Username::parse(name).ok())
        } else if anyone {
            Target::Directory(filter)
        } else {
            Target::Nobody
        };
        Ok(Self { target, paging })
    }
}

/// Runs `query` as the caller `ust`, a super-user's (E007001 / E005001 otherwise).
pub async fn run(
    app: &App,
    org: &OrgId,
    ust: &Ust,
    query: &SearchQuery,
) -> Result<Matches, ZatoError> {
    let (skip, limit) = query.paging.window();
    let one = |session, user: Option<UserDetails>| -> Result<Matches, ZatoError> {
        super::super_user(session)?;
        let total = u64::from(user.is_some());
        let page = user
            .into_iter()
            .filter(|_| skip == 0 && limit > 0)
            .collect();
        Ok(Matches { page, total })
    };
    let matches = match &query.target {
        Target::UserId(Some(id)) => {
            let (session, user) = sso_directory::by_user_id(&app.db, org, ust, id).await?;
            one(session, user)?
        }
        Target::Username(Some(username)) => {
            let organization = super::organization(app, org).await?;
            let (session, user) =
                sso_directory::by_username(&app.db, &organization, ust, username).await?;
            one(session, user)?
        }
        Target::UserId(None) | Target::Username(None) | Target::Nobody => {
            one(sso_users::session(&app.db, org, ust).await?, None)?
        }
        Target::Directory(filter) => {
            super::super_user(sso_users::session(&app.db, org, ust).await?)?;
            sso_directory::search(&app.db, org, filter, skip, limit).await?
        }
    };
    if query.paging == Paging::Unpaged && matches.total > MAX_UNPAGED {
        return Err(invalid("too many users match to answer without pages"));
    }
    Ok(matches)
}

/// The answer's fields: `result`, each user as a super-user sees them, and the paging fields.
pub fn answer(paging: Paging, matches: &Matches) -> Map<String, Value> {
    let result: Vec<Value> = matches
        .page
        .iter()
        .map(|user| Value::Object(super::user_fields(user, true)))
        .collect();
    let mut fields = paging.fields(matches.total);
    fields.insert("result".into(), result.into());
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: Value) -> Result<SearchQuery, ZatoError> {
        let Value::Object(fields) = body else {
            panic!("an object")
        };
        SearchQuery::parse(&Params::from_json(fields))
    }

    fn directory(body: Value) -> DirectoryFilter {
        match parse(body).unwrap().target {
            Target::Directory(f) => f,
            other => panic!("{other:?}"),
        }
    }

    fn refused(body: Value) -> bool {
        matches!(parse(body), Err(ZatoError::InvalidInput(_)))
    }

    #[test]
    fn no_criteria_search_everyone_fifty_per_page_from_the_first() {
        let q = parse(json!({})).unwrap();
        assert_eq!(
            q.target,
            Target::Directory(DirectoryFilter {
                exact_names: true,
                ..DirectoryFilter::default()
            })
        );
        assert_eq!(q.paging.window(), (0, 50));
    }

    #[test]
    fn the_docs_example_is_a_substring_search_of_last_names_two_per_page() {
        let f = directory(json!({"last_name": "smith", "is_name_exact": false, "page_size": 2}));
        assert!(!f.exact_names);
        assert_eq!(f.names.len(), 1);
        assert_eq!(f.names[0].1.as_str(), "smith");
        assert_eq!(
            parse(json!({"page_size": 2})).unwrap().paging.window(),
            (0, 2)
        );
    }

    #[test]
    fn query_string_values_parse_as_their_json_counterparts() {
        let q = parse(
            json!({"page_size": "10", "cur_page": "3", "is_name_exact": "false",
                             "name_op": "or", "first_name": "Jo", "last_name": "Li"}),
        )
        .unwrap();
        assert_eq!(q.paging.window(), (20, 10));
        let Target::Directory(f) = q.target else {
            panic!()
        };
        assert_eq!(
            (f.name_op, f.exact_names, f.names.len()),
            (NameOp::Or, false, 2)
        );
    }

    #[test]
    fn a_user_id_wins_over_a_username_and_every_other_criterion() {
        let q = parse(
            json!({"user_id": "zusr6fh6fdgd4997ksjkpx7qnk659q", "username": "jdoe",
                             "last_name": "Doe"}),
        )
        .unwrap();
        assert!(matches!(q.target, Target::UserId(Some(_))));
        let q = parse(json!({"username": "jdoe", "last_name": "Doe"})).unwrap();
        assert!(matches!(q.target, Target::Username(Some(_))));
    }

    #[test]
    fn an_id_or_username_no_one_can_have_finds_no_one() {
        let q = parse(json!({"user_id": "no#such"})).unwrap();
        assert_eq!(q.target, Target::UserId(None));
        let q = parse(json!({"username": "j doe"})).unwrap();
        assert_eq!(q.target, Target::Username(None));
    }

    #[test]
    fn sign_up_status_filters_confirmed_or_awaiting_users_and_to_approve_finds_no_one() {
        assert_eq!(
            directory(json!({"sign_up_status": "final"})).sign_up_final,
            Some(true)
        );
        assert_eq!(
            directory(json!({"sign_up_status": "before_confirmation"})).sign_up_final,
            Some(false)
        );
        assert_eq!(
            parse(json!({"sign_up_status": "to_approve"}))
                .unwrap()
                .target,
            Target::Nobody
        );
    }

    #[test]
    fn bad_values_are_invalid_input() {
        for body in [
            json!({"page_size": 0}),
            json!({"page_size": 101}),
            json!({"page_size": "ten"}),
            json!({"page_size": 2.5}),
            json!({"cur_page": 0}),
            json!({"cur_page": -1}),
            json!({"name_op": "xor"}),
            json!({"sign_up_status": "pending"}),
            json!({"approval_status": "maybe"}),
            json!({"paginate": "perhaps"}),
            json!({"last_name": "s"}),
            json!({"email": "x"}),
            json!({"username": "j"}),
            json!({"last_name": 7}),
        ] {
            assert!(refused(body.clone()), "{body}");
        }
    }

    #[test]
    fn empty_criteria_are_none() {
        assert_eq!(
            directory(json!({"last_name": "", "email": ""})).names,
            vec![]
        );
    }

    #[test]
    fn paging_fields_follow_the_docs_example() {
        let paging = Paging::Pages {
            size: PageSize::new(2).unwrap(),
            number: PageNumber::new(1).unwrap(),
        };
        let f = paging.fields(6);
        assert_eq!(
            Value::Object(f),
            json!({"total": 6, "num_pages": 3, "page_size": 2, "cur_page": 1,
                   "has_next_page": true, "has_prev_page": false,
                   "next_page": 2, "prev_page": null})
        );
    }

    #[test]
    fn the_last_page_has_no_next_and_an_empty_search_no_pages() {
        let page = |n| Paging::Pages {
            size: PageSize::new(2).unwrap(),
            number: PageNumber::new(n).unwrap(),
        };
        let last = page(3).fields(5);
        assert_eq!(
            (&last["has_next_page"], &last["next_page"]),
            (&json!(false), &json!(null))
        );
        assert_eq!(
            (&last["has_prev_page"], &last["prev_page"]),
            (&json!(true), &json!(2))
        );
        let empty = page(1).fields(0);
        assert_eq!(
            (&empty["num_pages"], &empty["has_next_page"]),
            (&json!(0), &json!(false))
        );
    }

    #[test]
    fn unpaged_is_one_page_of_everything() {
        let q = parse(json!({"paginate": false, "page_size": 10})).unwrap();
        assert_eq!(q.paging, Paging::Unpaged);
        let f = q.paging.fields(7);
        assert_eq!((&f["num_pages"], &f["page_size"]), (&json!(1), &json!(7)));
    }
}
