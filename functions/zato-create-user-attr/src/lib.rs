//! `POST /zato/sso/user/attr` — Zato's `UserAttr.create`: one attribute, or a `data` batch
//! applied atomically; an existing (unexpired) attribute fails the whole request with E009001.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::attrs::AttrRequest;
use idgraph::store::sso_attrs::Change;
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    zato::respond(run(app, req).await)
}

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let r = AttrRequest::parse(app, &req)?;
    let values = r.values(true)?;
    let changes = r
        .changes(app, values, |name, value, expires_us| Change::Create {
            name,
            value: value.expect("a value is required here"),
            expires_us,
        })
        .await?;
    r.write(app, &changes).await?;
    Ok(zato::ok(Map::new()))
}
