//! `PUT /zato/sso/session/attr` — Zato's `SessionAttr.set`: as `/zato/sso/user/attr`, on the
//! attributes of `target_ust`'s session (the caller's own when absent), which live as long as the
//! session does. Another user's session takes a super-user's `current_ust`.

use idgraph::faces::zato::ZatoError;
use idgraph::sso::attrs::{self, Family};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    attrs::set(app, &req, Family::Session).await
}
