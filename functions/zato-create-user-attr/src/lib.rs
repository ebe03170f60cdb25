//! `POST /zato/sso/user/attr` — Zato's `UserAttr.create`: one attribute, or a `data` batch
//! applied atomically; an existing (unexpired) attribute fails the whole request with E009001.

use idgraph::faces::zato::ZatoError;
use idgraph::sso::attrs::{self, Family};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    attrs::create(app, &req, Family::User).await
}
