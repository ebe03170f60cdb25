//! `GET /zato/sso/user/attr` — Zato's `UserAttr.get`. `name` answers `{found, …attribute}`;
//! `data` (several names) answers `result: {name: attribute | null}`, where Zato's own REST
//! layer crashes. One BatchGetItem: the session, the target's record (another user, or to
//! decrypt), and the attributes.

use idgraph::faces::zato::ZatoError;
use idgraph::sso::attrs::{self, Family};
use idgraph::{App, Body, Request, Response};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    attrs::get(app, &req, Family::User).await
}
