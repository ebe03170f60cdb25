//! jsonwebtoken's crypto provider, cut down to the one algorithm we sign and accept. Its
//! `rust_crypto` provider reaches every algorithm through one dispatch, so each SailPoint
//! binary linked RSA, ECDSA and Ed25519 code it can never run; this one links HMAC-SHA256 only.

use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{Error, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use sha2::Sha256;

struct HmacSha256(Hmac<Sha256>);

impl HmacSha256 {
    fn new(algorithm: &Algorithm, family: AlgorithmFamily, secret: &[u8]) -> Result<Self> {
        if *algorithm != Algorithm::HS256 {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        if family != AlgorithmFamily::Hmac {
            return Err(ErrorKind::InvalidKeyFormat.into());
        }
        let mac = Hmac::new_from_slice(secret).map_err(|_| ErrorKind::InvalidKeyFormat)?;
        Ok(Self(mac))
    }
}

impl Signer<Vec<u8>> for HmacSha256 {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, Error> {
        Ok(self
            .0
            .clone()
            .chain_update(msg)
            .finalize()
            .into_bytes()
            .to_vec())
    }
}

impl Verifier<Vec<u8>> for HmacSha256 {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> std::result::Result<(), Error> {
        // verify_slice compares in constant time.
        self.0
            .clone()
            .chain_update(msg)
            .verify_slice(signature)
            .map_err(Error::from_source)
    }
}

impl JwtSigner for HmacSha256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for HmacSha256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: |algorithm, key| {
        Ok(Box::new(HmacSha256::new(
            algorithm,
            key.family(),
            key.as_bytes(),
        )?))
    },
    verifier_factory: |algorithm, key: &DecodingKey| {
        Ok(Box::new(HmacSha256::new(
            algorithm,
            key.family(),
            key.try_get_as_bytes()?,
        )?))
    },
    // JWKs are never built or read here.
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes this the process's provider; later calls (and a provider already installed) are no-ops.
pub(super) fn install() {
    let _ = PROVIDER.install_default();
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::EncodingKey;

    #[test]
    fn an_algorithm_other_than_hs256_is_refused_rather_than_computed() {
        let key = EncodingKey::from_secret(b"secret");
        let refused = (PROVIDER.signer_factory)(&Algorithm::HS512, &key)
            .err()
            .unwrap();
        assert_eq!(*refused.kind(), ErrorKind::InvalidAlgorithm);
    }

    #[test]
    fn a_signature_verifies_only_for_the_message_it_was_made_for() {
        let signer =
            (PROVIDER.signer_factory)(&Algorithm::HS256, &EncodingKey::from_secret(b"k")).unwrap();
        let verifier =
            (PROVIDER.verifier_factory)(&Algorithm::HS256, &DecodingKey::from_secret(b"k"))
                .unwrap();
        let signature = signer.try_sign(b"message").unwrap();
        assert!(verifier.verify(b"message", &signature).is_ok());
        assert!(verifier.verify(b"messagE", &signature).is_err());
    }
}
