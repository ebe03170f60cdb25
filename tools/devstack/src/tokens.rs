//! The local stack's token keys and the demo token the event files carry. In AWS the token key
//! is a KMS key; here it is a P-256 key in configuration (scripts/lib.sh), made by `token-key`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use idgraph::jwt::{Claims, KeyError, Kid, LocalSigningKey};

/// The demo OAuth client's token in `events/*.json`: every scope, valid until 2036, so the
/// event files keep working without a token endpoint.
pub fn demo_claims() -> Claims {
    let org = "af5fbd30-7ce7-4548-8b30-4cd59cb2aba1";
    Claims {
        sub: "demo-client".into(),
        org: org.into(),
        pool: org.into(),
        scope: "sp:scopes:all".into(),
        iss: "idgraph".into(),
        iat: 1_795_348_800,
        exp: 2_110_881_600,
        jti: "demo-event-token".into(),
    }
}

/// A fresh key as configuration takes it: (`JWT_LOCAL_SIGNING_KEY`, `JWT_PUBLIC_KEYS`).
pub fn new_key(kid: &str) -> Result<(String, String), KeyError> {
    let (key, pkcs8) = LocalSigningKey::generate(Kid::parse(kid)?);
    let public = STANDARD.encode(key.public_key().to_spki_der());
    Ok((
        format!("{kid}={}", STANDARD.encode(pkcs8)),
        format!("{kid}={public}"),
    ))
}

/// The demo token, signed by `key` (ECDSA signatures differ each time; any one of them is good).
pub fn demo_token(key: &LocalSigningKey) -> String {
    key.issue(&demo_claims())
}

#[cfg(test)]
mod tests {
    use super::*;
    use idgraph::jwt::{PublicKey, verify_with};

    #[test]
    fn a_new_keys_public_half_verifies_what_its_private_half_signs() {
        let (private, public) = new_key("local-1").unwrap();
        let key = LocalSigningKey::parse(&private).unwrap();
        let (kid, spki) = public.split_once('=').unwrap();
        let trusted = [(
            Kid::parse(kid).unwrap(),
            PublicKey::parse_base64(spki).unwrap(),
        )];
        let token = demo_token(&key);
        let caller = verify_with(&trusted, 1_795_348_800, &token).unwrap();
        assert_eq!(caller.client_id, "demo-client");
        assert_eq!(caller.scopes, ["sp:scopes:all"]);
    }
}
