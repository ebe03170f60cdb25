//! `GET /zato/sso/user/search` — Zato's `User.search`: a super-user finds users by user id,
//! username, e-mail, the name fields (exact or substring, AND- or OR-joined) and approval
//! status, in pages of up to 100, ordered by display name, username, signup time and user id.
//! A user id is one BatchGetItem, a username three reads; any other search reads the org's
//! whole `sso_directory` partition (its answer counts every match), one Query page per MB.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::{self, search::SearchQuery};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let ust = params.ust()?;
    let query = SearchQuery::parse(&params)?;
    let matches = sso::search::run(app, &org, &ust, &query).await?;
    Ok(zato::ok(sso::search::answer(query.paging, &matches)))
}
