//! `POST /zato/sso/user/attr` — Zato's `UserAttr.create`: one attribute, or a `data` batch
//! applied atomically; an existing (unexpired) attribute fails the whole request with E009001.

use idgraph::faces::zato::ZatoError;
use idgraph::sso::attrs::write_values;
use idgraph::store::sso_attrs::Change;
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    write_values(app, &req, true, |name, value, expires_us| Change::Create {
        name,
        value: value.expect("a value is required here"),
        expires_us,
    })
    .await
}
