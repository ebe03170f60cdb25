//! `PUT /zato/sso/user/attr` — Zato's `UserAttr.set`: creates or replaces one attribute or a `data`
//! batch, atomically. Without `expiration` the attribute never expires, whatever it had.

use idgraph::faces::zato::ZatoError;
use idgraph::sso::attrs::write_values;
use idgraph::store::sso_attrs::Change;
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    write_values(app, &req, true, |name, value, expires_us| Change::Set {
        name,
        value: value.expect("a value is required here"),
        expires_us,
    })
    .await
}
