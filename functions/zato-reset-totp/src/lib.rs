//! `PATCH /zato/sso/user/totp` — Zato's `User.reset_totp_key`: sets a user's TOTP key and
//! label, their own or, for a super-user, anyone's (`user_id`). Without `totp_key` a key of 160
//! random bits is made and answered as `totp_key`, the only time it is shown; a given key
//! (base32, at least 128 bits) is not echoed. Whether TOTP is on is left as it is, as Zato does.
//! The key is sealed under the user's data key; the write is one transaction with the caller's
//! session check.

use idgraph::faces::no_store;
use idgraph::faces::zato::{self, ZatoError};
use idgraph::sso::totp::{TotpInput, TotpKey};
use idgraph::sso::{self};
use idgraph::store::sso_users::UserUpdate;
use idgraph::{App, Body, Request, Response};
use serde_json::Map;

idgraph::handler!(Zato, run);

async fn run(app: &App, req: Request) -> Result<Response<Body>, ZatoError> {
    let (org, params) = sso::begin(app, &req).await?;
    let ust = params.ust()?;
    let target = params.user_id()?.unwrap_or_else(|| ust.person().clone());
    let given = sso::totp_input(&params)?;
    let mut generated = None;
    let input = TotpInput {
        enabled: None,
        key: Some(given.key.unwrap_or_else(|| {
            let key = TotpKey::generate();
            generated = Some(key.to_base32());
            key
        })),
        label: given.label,
    };
    let mut change = UserUpdate::default();
    sso::totp_change(app, &org, &ust, &target, &input, &mut change).await?;
    let as_super_user = target != *ust.person();
    sso::change_user(
        app,
        &org,
        &ust,
        &target,
        &change,
        as_super_user,
        "sso_totp_key_reset",
    )
    .await?;
    let mut fields = Map::new();
    fields.extend(generated.map(|k| ("totp_key".to_owned(), k.into())));
    Ok(no_store(zato::ok(fields)))
}
