//! `GET /persons` — SlashID's `GetPersons`: the calling org's persons as `PersonRet`, found by
//! `ids`, `handle` or `filter` (the SCIM subset of `idgraph::person_filter`), or listed in
//! person-id order from the `org_members` index, paged by `offset` and `limit`.

use idgraph::error::ApiError;
use idgraph::faces::slashid::{self, PersonFields};
use idgraph::ids::PersonId;
use idgraph::person::{Handle, Person};
use idgraph::person_filter::{self, PersonFilter, Pinned};
use idgraph::request::Query;
use idgraph::store::orgs::Organization;
use idgraph::store::persons;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

/// SlashID's maximum page, and the page a request without `limit` gets: the spec calls the
/// operation "the full list of persons", so a caller who names no limit gets as many as one
/// page may hold.
const MAX_LIMIT: usize = 1000;
/// `ids` names at most one page of persons.
const MAX_IDS: usize = MAX_LIMIT;
/// `offset + limit` past this → 400: offset paging reads every entry before the page.
const MAX_LIST_POSITION: usize = 100_000;
/// A filter on profile fields reads at most this many members looking for its page.
const MAX_FILTER_SCAN: usize = 10_000;

#[derive(Debug)]
struct Params {
    handle: Option<Handle>,
    ids: Option<Vec<PersonId>>,
    filter: Option<PersonFilter>,
    /// `all_regions=false`: only persons of this service's own region.
    region: Option<String>,
    limit: usize,
    offset: usize,
    fields: PersonFields,
}

fn bool_param(query: &Query, name: &str) -> Result<Option<bool>, ApiError> {
    match query.single(name)? {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::BadRequest(format!(
            "{name} must be true or false"
        ))),
    }
}

fn number_param(query: &Query, name: &str) -> Result<Option<usize>, ApiError> {
    query
        .single(name)?
        .map(|raw| {
            raw.parse::<usize>().map_err(|_| {
                ApiError::BadRequest(format!("{name} must be a whole number of at least 0"))
            })
        })
        .transpose()
}

impl Params {
    fn parse(query: &Query, own_region: &str) -> Result<Self, ApiError> {
        let bad = |m: String| ApiError::BadRequest(m);
        let limit = number_param(query, "limit")?.unwrap_or(MAX_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(bad(format!("limit must be 1 to {MAX_LIMIT}")));
        }
        let offset = number_param(query, "offset")?.unwrap_or(0);
        // Checked here, before any sum: `offset + limit` must not wrap.
        if offset > MAX_LIST_POSITION {
            return Err(bad(format!(
                "offset + limit may be at most {MAX_LIST_POSITION}; find persons by ids, handle or a filter on person_id or handles"
            )));
        }
        let ids = query
            .comma_list("ids")?
            .map(|ids| {
                if ids.len() > MAX_IDS {
                    return Err(bad(format!("ids may name at most {MAX_IDS} persons")));
                }
                ids.iter()
                    .map(|id| PersonId::parse(id).map_err(|e| bad(e.to_string())))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        // Every person is `regular`, so asking for the other types changes nothing.
        bool_param(query, "all_person_types")?;
        let region = match bool_param(query, "all_regions")? {
            Some(false) => Some(own_region.to_owned()),
            _ => None,
        };
        Ok(Self {
            handle: query
                .single("handle")?
                .map(person_filter::parse_handle)
                .transpose()?,
            ids,
            filter: query
                .single("filter")?
                .map(PersonFilter::parse)
                .transpose()?,
            region,
            limit,
            offset,
            fields: PersonFields::parse(query)?,
        })
    }

    fn matches(&self, p: &Person) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(p))
            && self.region.as_ref().is_none_or(|r| &p.region == r)
    }

    /// Whether persons must be read to know if they are on the page.
    fn filters_profiles(&self) -> bool {
        self.filter.is_some() || self.region.is_some()
    }
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let params = Params::parse(
        &Query::from_request(&req)?,
        &app.config.default_person_region,
    )?;
    let persons = match named(app, &ctx.org, &params).await? {
        Some(candidates) => {
            let found = persons::get_many(&app.db, &ctx.org, &candidates).await?;
            found
                .into_iter()
                .filter(|p| params.matches(p))
                .skip(params.offset)
                .take(params.limit)
                .collect()
        }
        None => listed(app, &ctx.org, &params).await?,
    };
    let result = slashid::persons_json(app, &ctx.org, &persons, params.fields).await?;
    Ok(slashid::result(200, &result))
}

/// The persons the request names by key (`ids`, `handle`, a filter's `person_id eq` or
/// `handles eq`), in the order of the first that names any, each once; `None` when the request
/// names none and the org must be listed.
async fn named(
    app: &App,
    org: &Organization,
    params: &Params,
) -> Result<Option<Vec<PersonId>>, ApiError> {
    let mut sets: Vec<Vec<PersonId>> = Vec::new();
    if let Some(ids) = &params.ids {
        sets.push(ids.clone());
    }
    let owner = |h: Handle| async move {
        persons::handle_owner(&app.db, org, &h)
            .await
            .map(|o| o.into_iter().collect::<Vec<_>>())
    };
    if let Some(h) = &params.handle {
        sets.push(owner(h.clone()).await?);
    }
    match params.filter.as_ref().and_then(PersonFilter::pinned) {
        Some(Pinned::Person(id)) => sets.push(id.into_iter().collect()),
        Some(Pinned::Handle(h)) => sets.push(owner(h).await?),
        None => {}
    }
    let mut sets = sets.into_iter();
    let Some(first) = sets.next() else {
        return Ok(None);
    };
    let rest: Vec<Vec<PersonId>> = sets.collect();
    let mut out: Vec<PersonId> = Vec::new();
    for id in first {
        if !out.contains(&id) && rest.iter().all(|s| s.contains(&id)) {
            out.push(id);
        }
    }
    Ok(Some(out))
}

/// The page of `org`'s members, read from the `org_members` index in id order. Without a
/// filter on profile fields, the members before `offset` are counted off the index without
/// reading their profiles.
async fn listed(app: &App, org: &Organization, params: &Params) -> Result<Vec<Person>, ApiError> {
    let want = params.offset + params.limit;
    if want > MAX_LIST_POSITION {
        return Err(ApiError::BadRequest(format!(
            "offset + limit may be at most {MAX_LIST_POSITION}; find persons by ids, handle or a filter on person_id or handles"
        )));
    }
    let filtering = params.filters_profiles();
    let (mut passed, mut read) = (0usize, 0usize);
    let mut page = Vec::new();
    let mut start = None;
    loop {
        let ask = if filtering {
            if read >= MAX_FILTER_SCAN {
                return Err(ApiError::BadRequest(format!(
                    "this filter needs more than {MAX_FILTER_SCAN} persons of the organization read; narrow it with person_id eq or handles eq"
                )));
            }
            MAX_LIMIT.min(MAX_FILTER_SCAN - read)
        } else {
            want.saturating_sub(passed)
        };
        let (ids, last) = persons::member_ids_page(&app.db, org, ask, start).await?;
        read += ids.len();
        let mut fetch = Vec::with_capacity(ids.len());
        for id in ids {
            if !filtering && passed < params.offset {
                passed += 1;
            } else {
                fetch.push(id);
            }
        }
        // Strongly consistent: a member whose deletion began after the index was read is
        // dropped here, and the next index page makes up for it.
        for person in persons::get_many(&app.db, org, &fetch).await? {
            if page.len() == params.limit {
                break;
            }
            if params.matches(&person) {
                if passed >= params.offset {
                    page.push(person);
                }
                passed += 1;
            }
        }
        match last {
            Some(last) if page.len() < params.limit => start = Some(last),
            _ => return Ok(page),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<Params, ApiError> {
        Params::parse(&Query::parse(q).unwrap(), "us-iowa")
    }

    #[test]
    fn without_parameters_a_page_is_the_maximum_from_the_start() {
        let p = parse("").unwrap();
        assert_eq!((p.limit, p.offset), (MAX_LIMIT, 0));
        assert!(p.handle.is_none() && p.ids.is_none() && p.filter.is_none());
        assert!(p.region.is_none());
    }

    #[test]
    fn limits_outside_one_to_a_thousand_and_bad_numbers_are_refused() {
        for q in [
            "limit=0",
            "limit=1001",
            "limit=-1",
            "limit=x",
            "offset=-3",
            "offset=1.5",
        ] {
            assert!(matches!(parse(q), Err(ApiError::BadRequest(_))), "{q}");
        }
        assert_eq!(parse("limit=1000&offset=7").unwrap().offset, 7);
    }

    #[test]
    fn all_regions_false_keeps_this_services_region_only() {
        assert_eq!(
            parse("all_regions=false").unwrap().region.as_deref(),
            Some("us-iowa")
        );
        assert!(parse("all_regions=true").unwrap().region.is_none());
        assert!(parse("all_regions=maybe").is_err());
        assert!(parse("all_person_types=true").is_ok());
        assert!(parse("all_person_types=1").is_err());
    }

    #[test]
    fn ids_handle_and_fields_are_checked() {
        assert_eq!(parse("ids=a,b").unwrap().ids.unwrap().len(), 2);
        assert!(parse("ids=a,,b").is_err());
        assert!(parse("ids=a%2Fb").is_err());
        assert!(
            parse("handle=email_address%3Aa%40b.co")
                .unwrap()
                .handle
                .is_some()
        );
        assert!(parse("handle=a%40b.co").is_err());
        assert!(parse("fields=handles,password").is_err());
        assert!(parse("filter=roles+eq+%22admin%22").is_err());
    }
}
