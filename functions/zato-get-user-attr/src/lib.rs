//! `GET /zato/sso/user/attr` — Zato's `UserAttr.get`. `name` answers `{found, …attribute}`;
//! `data` (several names) answers `result: {name: attribute | null}`, where Zato's own REST
//! layer crashes. One BatchGetItem: the session, the target's record (another user, or to
//! decrypt), and the attributes.

use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::attrs::{AttrRequest, Names};
use idgraph::store::sso_attrs;
use idgraph::{App, Body, Request, Response};
use serde_json::{Map, Value, json};

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let r = AttrRequest::parse(app, &req).await?;
    let names = r.names_to_read()?;
    let decrypt = r.decrypt()?;
    let all = names.all();
    let (access, found) =
        sso_attrs::read(&app.db, &r.org, &r.ust, r.target.as_ref(), decrypt, &all).await?;
    let key = if decrypt
        && found
            .values()
            .any(|a| matches!(a.value, sso_attrs::Stored::Sealed(_)))
    {
        Some(sso_attrs::data_key(&app.kek, &r.org, &access).await?)
    } else {
        None
    };
    let render = |name| -> Result<Value, ZatoError> {
        found
            .get(name)
            .map(|a| a.to_json(&r.org, &access.target, key.as_ref()))
            .transpose()
            .map(|v| v.unwrap_or(Value::Null))
            .map_err(Into::into)
    };
    let fields = match names {
        Names::One(name) => match render(&name)? {
            Value::Object(mut attr) => {
                attr.insert("found".into(), json!(true));
                attr
            }
            _ => Map::from_iter([("found".into(), json!(false))]),
        },
        Names::Many(names) => {
            let result = names
                .iter()
                .map(|n| Ok((n.as_str().to_owned(), render(n)?)))
                .collect::<Result<Map<_, _>, ZatoError>>()?;
            Map::from_iter([("result".into(), Value::Object(result))])
        }
    };
    Ok(zato::ok(fields))
}
