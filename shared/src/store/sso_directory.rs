//! Zato's `User.search` over the `sso_directory` GSI: one partition per org (`dir_pk`) holding
//! every SSO user record in the search's order (`dir_sk`, `keys::sso_directory_sort`), with the
//! fields a search matches and shows and no secret. A search reads the org's whole partition
//! (Zato's answer counts every match), lets DynamoDB's filter keep the matches, and keeps only
//! the requested page's. Lookups by user id and by username read the table instead.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::db::{Condition, Db};
use crate::error::StoreError;
use crate::ids::{OrgId, PersonId};
use crate::item::s;
use crate::keys;
use crate::sso::input::{Username, Ust};
use crate::store::orgs::Organization;
use crate::store::sso_users::{
    self, Approval, SIGN_UP, Session, UserDetails, details_from_item, directory_copy,
    directory_value,
};

/// Text a search matches: 2 to 191 characters (Zato's minimum; its columns' size), compared
/// lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    pub const MIN_CHARS: usize = 2;
    pub const MAX_CHARS: usize = 191;

    pub fn parse(raw: &str) -> Option<Self> {
        let n = raw.chars().count();
        (Self::MIN_CHARS..=Self::MAX_CHARS)
            .contains(&n)
            .then(|| Self(directory_value(raw)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name fields a search can match, as Zato names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameField {
    DisplayName,
    FirstName,
    MiddleName,
    LastName,
}

pub const NAME_FIELDS: [NameField; 4] = [
    NameField::DisplayName,
    NameField::FirstName,
    NameField::MiddleName,
    NameField::LastName,
];

impl NameField {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DisplayName => "display_name",
            Self::FirstName => "first_name",
            Self::MiddleName => "middle_name",
            Self::LastName => "last_name",
        }
    }
}

/// How several name criteria join (`name_op`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameOp {
    #[default]
    And,
    Or,
}

/// What a directory search keeps: every name criterion (joined by `name_op`), and, joined to
/// them by AND, the e-mail and the approval. An empty filter keeps every user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirectoryFilter {
    pub names: Vec<(NameField, SearchText)>,
    pub name_op: NameOp,
    /// Names match whole (case-insensitively) rather than as substrings.
    pub exact_names: bool,
    pub email: Option<SearchText>,
    pub approval: Option<Approval>,
    /// `Some(true)`: signed up and confirmed, or made by a super-user (`final`); `Some(false)`:
    /// awaiting their mailed confirmation (`before_confirmation`).
    pub sign_up_final: Option<bool>,
}

/// A filter as DynamoDB takes it: the expression, its names and its values.
type Parts = (String, Vec<(String, String)>, Vec<(String, AttributeValue)>);

impl DirectoryFilter {
    fn parts(&self) -> Parts {
        // A record being deleted stays in the index until the deletion removes it.
        let mut clauses = vec!["attribute_not_exists(#state)".to_owned()];
        let mut names = vec![("#state".to_owned(), "state".to_owned())];
        let mut values = vec![];
        let mut name_clauses = vec![];
        for (i, (field, text)) in self.names.iter().enumerate() {
            let (name, value) = (format!("#n{i}"), format!(":n{i}"));
            name_clauses.push(if self.exact_names {
                format!("{name} = {value}")
            } else {
                format!("contains({name}, {value})")
            });
            names.push((name, directory_copy(field.as_str())));
            values.push((value, s(text.as_str())));
        }
        if !name_clauses.is_empty() {
            let op = match self.name_op {
                NameOp::And => " AND ",
                NameOp::Or => " OR ",
            };
            clauses.push(format!("({})", name_clauses.join(op)));
        }
        if let Some(email) = &self.email {
            clauses.push("#email = :email".into());
            names.push(("#email".into(), directory_copy("email")));
            values.push((":email".into(), s(email.as_str())));
        }
        if let Some(approval) = self.approval {
            clauses.push("#approval = :approval".into());
            names.push(("#approval".into(), "approval".into()));
            values.push((":approval".into(), s(approval.as_str())));
        }
        if let Some(done) = self.sign_up_final {
            let test = if done {
                "attribute_not_exists"
            } else {
                "attribute_exists"
            };
            clauses.push(format!("{test}(#sign_up)"));
            names.push(("#sign_up".into(), SIGN_UP.into()));
        }
        (clauses.join(" AND "), names, values)
    }

    fn condition(&self) -> Condition {
        let (expression, names, values) = self.parts();
        Condition::new(expression).bind(names, values)
    }
}

/// One page of a search's matches, in order, and how many matched in all.
#[derive(Debug, Default)]
pub struct Matches {
    pub page: Vec<UserDetails>,
    pub total: u64,
}

/// The users of `org` that `filter` keeps, in the directory's order: the `limit` after the
/// first `skip`, and the count of all. Reads every entry of the org's partition, a page of
/// 1 MB at a time; eventually consistent (a user written a moment ago may be missing).
pub async fn search(
    db: &Db,
    org: &OrgId,
    filter: &DirectoryFilter,
    skip: u64,
    limit: usize,
) -> Result<Matches, StoreError> {
    let mut matches = Matches::default();
    db.query_index_each(
        keys::SSO_DIRECTORY_INDEX,
        keys::DIR_PK,
        &keys::sso_directory_partition(org),
        filter.condition(),
        |item| {
            let Some(user) = details_from_item(&item)? else {
                return Ok(());
            };
            if matches.total >= skip && matches.page.len() < limit {
                matches.page.push(user);
            }
            matches.total += 1;
            Ok(())
        },
    )
    .await?;
    Ok(matches)
}

/// The caller's session and the user `id` names, if that user exists: one BatchGetItem.
pub async fn by_user_id(
    db: &Db,
    org: &OrgId,
    ust: &Ust,
    id: &PersonId,
) -> Result<(Option<Session>, Option<UserDetails>), StoreError> {
    let (session, users) = sso_users::session_and_users(db, org, ust, &[id]).await?;
    let user = users.into_iter().find(|u| u.id == *id).map(|u| u.details());
    Ok((session, user))
}

/// The caller's session and the user `username` names, if that user exists: one BatchGetItem
/// of the session and the username's handle, then, for a super-user's session and a handle
/// found, one GetItem of the record (the handle's person may be no SSO user).
pub async fn by_username(
    db: &Db,
    org: &Organization,
    ust: &Ust,
    username: &Username,
) -> Result<(Option<Session>, Option<UserDetails>), StoreError> {
    let handle = sso_users::username_handle(org, username);
    let items = db
        .batch_get(&[sso_users::session_key(&org.id, ust), handle.clone()])
        .await?;
    let session = sso_users::session_in(&items, &org.id, ust, crate::sso::time::now_us())?;
    let person = sso_users::handle_owner(&items, &handle);
    let (Some(person), true) = (person, session.as_ref().is_some_and(|s| s.super_user)) else {
        return Ok((session, None));
    };
    let user = match db.get(&keys::sso_user(&org.id, &person)).await? {
        Some(item) => details_from_item(&item)?,
        None => None,
    };
    Ok((session, user))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(raw: &str) -> SearchText {
        SearchText::parse(raw).unwrap()
    }

    #[test]
    fn search_text_is_two_to_191_characters_lowercased() {
        assert_eq!(SearchText::parse("a"), None);
        assert_eq!(SearchText::parse(""), None);
        assert_eq!(text("Éa").as_str(), "éa");
        assert!(SearchText::parse(&"x".repeat(191)).is_some());
        assert_eq!(SearchText::parse(&"x".repeat(192)), None);
    }

    #[test]
    fn an_empty_filter_keeps_every_live_user() {
        let (expression, names, values) = DirectoryFilter::default().parts();
        assert_eq!(expression, "attribute_not_exists(#state)");
        assert_eq!(names, [("#state".to_owned(), "state".to_owned())]);
        assert!(values.is_empty());
    }

    #[test]
    fn name_criteria_join_by_name_op_and_the_rest_by_and() {
        let filter = DirectoryFilter {
            names: vec![
                (NameField::FirstName, text("John")),
                (NameField::LastName, text("Smith")),
            ],
            name_op: NameOp::Or,
            exact_names: false,
            email: Some(text("J@Example.com")),
            approval: Some(Approval::Approved),
            sign_up_final: Some(false),
        };
        let (expression, names, values) = filter.parts();
        assert_eq!(
            expression,
            "attribute_not_exists(#state) AND (contains(#n0, :n0) OR contains(#n1, :n1)) \
             AND #email = :email AND #approval = :approval AND attribute_exists(#sign_up)"
        );
        assert!(names.contains(&("#n1".into(), "dir_last_name".into())));
        assert!(names.contains(&("#email".into(), "dir_email".into())));
        assert!(values.contains(&(":n0".into(), s("john"))));
        assert!(values.contains(&(":email".into(), s("j@example.com"))));
        assert!(values.contains(&(":approval".into(), s("approved"))));
    }

    #[test]
    fn exact_names_compare_whole_lowercase_copies() {
        let filter = DirectoryFilter {
            names: vec![(NameField::DisplayName, text("Ann Lee"))],
            exact_names: true,
            ..DirectoryFilter::default()
        };
        let (expression, names, _) = filter.parts();
        assert_eq!(expression, "attribute_not_exists(#state) AND (#n0 = :n0)");
        assert!(names.contains(&("#n0".into(), "dir_display_name".into())));
    }
}
