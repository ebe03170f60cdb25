//! `GET /zato/sso/user/attr/exists` — Zato's `UserAttr.exists`: `result` is a bool for `name`,
//! and `{name: bool}` for `data` (what Zato's code returns, not the doc's "list"). One
//! BatchGetItem, as the attribute read.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::attrs::{AttrRequest, Names};
use idgraph::store::sso_attrs;
use idgraph::{App, Body, Request, Response};
use serde_json::{Map, Value, json};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let r = AttrRequest::parse(app, &req).await?;
    let names = r.names_to_read()?;
    let all = names.all();
    let (_, found) =
        sso_attrs::read(&app.db, &r.org, &r.ust, r.target.as_ref(), false, &all).await?;
    let result = match names {
        Names::One(name) => json!(found.contains_key(&name)),
        Names::Many(names) => Value::Object(
            names
                .iter()
                .map(|n| (n.as_str().to_owned(), json!(found.contains_key(n))))
                .collect(),
        ),
    };
    Ok(zato::ok(Map::from_iter([("result".into(), result)])))
}
