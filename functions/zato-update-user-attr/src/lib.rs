//! `PATCH /zato/sso/user/attr` — Zato's `UserAttr.update`: changes existing attributes. An
//! empty or absent `value` keeps the value, an absent `expiration` the expiry. A missing or
//! expired attribute fails the whole request with E009002 (Zato's documented code; Zato's code
//! silently updates nothing). `encrypt: true` sets `is_encrypted` too, which Zato forgets.

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
    let values = r.values(false)?;
    let changes = r
        .changes(app, values, |name, value, expires_us| Change::Update {
            name,
            value,
            expires_us,
        })
        .await?;
    r.write(app, &changes).await?;
    Ok(zato::ok(Map::new()))
}
