//! `GET /zato/sso/user/attr/exists` — Zato's `UserAttr.exists`: `result` is a bool for `name`,
//! and `{name: bool}` for `data` (what Zato's code returns, not the doc's "list"). One
//! BatchGetItem, as the attribute read.

use idgraph::faces::zato::ZatoError;
use idgraph::sso::attrs::{self, Family};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    attrs::exists(app, &req, Family::User).await
}
