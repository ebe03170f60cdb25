//! `PUT /zato/sso/user/attr` — Zato's `UserAttr.set`: creates or replaces one attribute or a `data`
//! batch, atomically. Without `expiration` the attribute never expires, whatever it had.

use idgraph::faces::zato::ZatoError;
use idgraph::sso::attrs::{self, Family};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    attrs::set(app, &req, Family::User).await
}
