//! `PATCH /zato/sso/user/attr` — Zato's `UserAttr.update`: changes existing attributes. An
//! empty or absent `value` keeps the value, an absent `expiration` the expiry. A missing or
//! expired attribute fails the whole request with E009002 (Zato's documented code; Zato's code
//! silently updates nothing). `encrypt: true` sets `is_encrypted` too, which Zato forgets.

use idgraph::faces::zato::ZatoError;
use idgraph::sso::attrs::{self, Family};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    attrs::update(app, &req, Family::User).await
}
