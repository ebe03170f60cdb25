//! `GET /zato/sso/user/attr/names` — Zato's `UserAttr.names`: the names of the target's
//! unexpired attributes. The access read, then one Query of the user's attributes.

use idgraph::faces::zato::ZatoError;
use idgraph::sso::attrs::{self, Family};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    attrs::names(app, &req, Family::User).await
}
