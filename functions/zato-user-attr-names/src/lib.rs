//! `GET /zato/sso/user/attr/names` — Zato's `UserAttr.names`: the names of the target's
//! unexpired attributes. The access read, then one Query of the user's attributes.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::attrs::AttrRequest;
use idgraph::store::sso_attrs;
use idgraph::{App, Body, Request, Response};
use serde_json::{Map, json};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let r = AttrRequest::parse(app, &req).await?;
    let names = sso_attrs::names(&app.db, &r.org, &r.ust, r.target.as_ref()).await?;
    Ok(zato::ok(Map::from_iter([("result".into(), json!(names))])))
}
