//! `DELETE /zato/sso/user/attr` — Zato's `UserAttr.delete`: `name`, or `data` (a list of
//! names), atomically. Deleting an attribute that does not exist is not an error.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::attrs::AttrRequest;
use idgraph::store::sso_attrs::Change;
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let r = AttrRequest::parse(app, &req).await?;
    let changes: Vec<_> = r
        .names()?
        .all()
        .into_iter()
        .map(|name| Change::Delete { name })
        .collect();
    r.write(app, &changes).await?;
    Ok(zato::ok(Map::new()))
}
