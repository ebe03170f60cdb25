//! `DELETE /zato/sso/user/attr` — Zato's `UserAttr.delete`: `name`, or `data` (a list of
//! names), atomically. Deleting an attribute that does not exist is not an error.

use idgraph::faces::zato::ZatoError;
use idgraph::sso::attrs::{self, Family};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    attrs::delete(app, &req, Family::User).await
}
