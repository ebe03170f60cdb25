//! The keys of SailPoint access tokens, parsed once from configuration: key ids, P-256 public
//! keys (SubjectPublicKeyInfo or a bare point), local P-256 signing keys (PKCS#8) and KMS key
//! references. Each type's constructor is the only way in, so a key that exists is a P-256 key.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};

/// Why a configured key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a key id must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-'")]
    Kid,
    #[error("not base64")]
    Base64,
    #[error("not a P-256 public key (expected a SubjectPublicKeyInfo or an uncompressed point)")]
    PublicKey,
    #[error("not a P-256 private key in PKCS#8 (other curves and key types are refused)")]
    PrivateKey,
    #[error("expected a KMS key ARN or key id, not an alias: a token's kid must name one key")]
    KmsKey,
}

/// A token's `kid`: printable, short, and safe in a log line or a header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Kid(String);

impl Kid {
    pub fn parse(raw: &str) -> Result<Self, KeyError> {
        let ok = (1..=128).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        ok.then(|| Self(raw.to_owned())).ok_or(KeyError::Kid)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Kid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The DER of a P-256 SubjectPublicKeyInfo up to its point: SEQUENCE { SEQUENCE { OID
/// id-ecPublicKey, OID prime256v1 }, BIT STRING (0 unused bits) }. Every P-256 key with an
/// uncompressed point encodes to exactly these bytes followed by the 65-byte point; KMS's
/// GetPublicKey answers in this form for ECC_NIST_P256.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
const POINT_LEN: usize = 65;

/// An ES256 verification key: an uncompressed P-256 point (`0x04 ‖ X ‖ Y`).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey([u8; POINT_LEN]);

impl PublicKey {
    /// A bare uncompressed point. Whether it lies on the curve is checked by ring when a
    /// signature is verified against it (and then no signature verifies).
    pub fn from_point(point: &[u8]) -> Result<Self, KeyError> {
        match <[u8; POINT_LEN]>::try_from(point) {
            Ok(p) if p[0] == 0x04 => Ok(Self(p)),
            _ => Err(KeyError::PublicKey),
        }
    }

    /// A DER SubjectPublicKeyInfo, as KMS's GetPublicKey or `openssl pkey -pubout` give it.
    /// Anything but a P-256 key with an uncompressed point is refused: another curve has
    /// another OID (and length), a compressed point another length.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        der.strip_prefix(&P256_SPKI_PREFIX[..])
            .ok_or(KeyError::PublicKey)
            .and_then(Self::from_point)
    }

    /// Base64 of either form: configuration accepts what a tool happens to print.
    pub fn parse_base64(text: &str) -> Result<Self, KeyError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| KeyError::Base64)?;
        if bytes.len() == POINT_LEN {
            Self::from_point(&bytes)
        } else {
            Self::from_spki_der(&bytes)
        }
    }

    pub fn to_spki_der(&self) -> Vec<u8> {
        [&P256_SPKI_PREFIX[..], &self.0[..]].concat()
    }

    /// Whether `signature` (JOSE's `r ‖ s`) signs `message` under this key.
    pub fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.0[..])
            .verify(message, signature)
            .is_ok()
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", STANDARD.encode(self.to_spki_der()))
    }
}

/// A P-256 private key that signs tokens in the process that holds it: the local stack's
/// stand-in for the KMS key. Cheap to clone (the key pair is shared).
#[derive(Clone)]
pub struct LocalSigningKey {
    kid: Kid,
    pair: Arc<EcdsaKeyPair>,
}

impl LocalSigningKey {
    /// PKCS#8 (v1 with the public key, or v2), as `openssl genpkey -algorithm EC -pkeyopt
    /// ec_paramgen_curve:P-256` or `devstack token-key` writes it. ring refuses every other
    /// curve and key type, so a key that parses is a 256-bit P-256 key.
    pub fn from_pkcs8(kid: Kid, der: &[u8]) -> Result<Self, KeyError> {
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &SystemRandom::new())
                .map_err(|_| KeyError::PrivateKey)?;
        Ok(Self {
            kid,
            pair: Arc::new(pair),
        })
    }

    /// `kid=base64(PKCS#8)`.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let (kid, der) = text.trim().split_once('=').ok_or(KeyError::Kid)?;
        let der = STANDARD.decode(der).map_err(|_| KeyError::Base64)?;
        Self::from_pkcs8(Kid::parse(kid)?, &der)
    }

    /// A fresh key and its PKCS#8 document (what `parse` reads back, base64-encoded).
    pub fn generate(kid: Kid) -> (Self, Vec<u8>) {
        let rng = SystemRandom::new();
        let der = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("the operating system's random source works")
            .as_ref()
            .to_vec();
        let key = Self::from_pkcs8(kid, &der).expect("ring reads the PKCS#8 it wrote");
        (key, der)
    }

    pub fn kid(&self) -> &Kid {
        &self.kid
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_point(self.pair.public_key().as_ref())
            .expect("ring's P-256 public key is an uncompressed point")
    }

    /// JOSE's `r ‖ s` over `message` (ECDSA with SHA-256; a fresh random nonce each time).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let signature = self
            .pair
            .sign(&SystemRandom::new(), message)
            .expect("signing with a valid key and a working random source succeeds");
        signature
            .as_ref()
            .try_into()
            .expect("ECDSA_P256_SHA256_FIXED signatures are 64 bytes")
    }
}

impl std::fmt::Debug for LocalSigningKey {
    // The private key is a secret: Debug names the key, never its bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalSigningKey")
            .field("kid", &self.kid)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

/// A KMS key: what the SDK is given (an ARN or a key id) and the kid its tokens carry, which is
/// the key id. An alias is refused: it can be moved to another key, and a kid must keep naming
/// the key that signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsKeyRef {
    key: String,
    kid: Kid,
}

impl KmsKeyRef {
    pub fn parse(raw: &str) -> Result<Self, KeyError> {
        let raw = raw.trim();
        let id = match raw.strip_prefix("arn:") {
            Some(rest) => {
                let parts: Vec<&str> = rest.splitn(5, ':').collect();
                match parts.as_slice() {
                    [_partition, "kms", _region, _account, resource] => {
                        resource.strip_prefix("key/").ok_or(KeyError::KmsKey)?
                    }
                    _ => return Err(KeyError::KmsKey),
                }
            }
            None => raw,
        };
        if id.starts_with("alias") {
            return Err(KeyError::KmsKey);
        }
        Ok(Self {
            key: raw.to_owned(),
            kid: Kid::parse(id).map_err(|_| KeyError::KmsKey)?,
        })
    }

    /// What KMS is asked about.
    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn kid(&self) -> &Kid {
        &self.kid
    }
}

/// KMS's `Sign` answers with an ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }`; JOSE wants
/// `r ‖ s`, each left-padded to 32 bytes. Anything that is not exactly such a sequence of two
/// positive integers below 2^256 is refused.
pub fn der_signature_to_jose(der: &[u8]) -> Option<[u8; 64]> {
    // A P-256 signature's DER is at most 72 bytes, so every length fits the short form.
    let [0x30, len, body @ ..] = der else {
        return None;
    };
    if usize::from(*len) != body.len() || *len >= 0x80 {
        return None;
    }
    let (r, rest) = der_integer(body)?;
    let (s, rest) = der_integer(rest)?;
    if !rest.is_empty() {
        return None;
    }
    let mut jose = [0u8; 64];
    jose[32 - r.len()..32].copy_from_slice(r);
    jose[64 - s.len()..].copy_from_slice(s);
    Some(jose)
}

/// One positive DER INTEGER of at most 32 significant bytes, without its sign byte.
fn der_integer(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let [0x02, len, rest @ ..] = der else {
        return None;
    };
    let len = usize::from(*len);
    if len == 0 || len >= 0x80 || rest.len() < len {
        return None;
    }
    let (value, rest) = rest.split_at(len);
    // A negative number (high bit set without a sign byte) is no ECDSA signature value.
    if value[0] & 0x80 != 0 {
        return None;
    }
    let significant = match value {
        [0x00, tail @ ..] if !tail.is_empty() => tail,
        _ => value,
    };
    (significant.len() <= 32).then_some((significant, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING;

    fn kid(raw: &str) -> Kid {
        Kid::parse(raw).unwrap()
    }

    #[test]
    fn a_der_signature_becomes_the_jose_signature_that_verifies() {
        // ring's ASN.1 signer emits exactly what KMS's Sign does. Across many signatures some
        // have an r or s shorter than 32 bytes or with a sign byte, and all must convert.
        let (local, pkcs8) = LocalSigningKey::generate(kid("k"));
        let rng = SystemRandom::new();
        let der_signer =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8, &rng).unwrap();
        let mut lengths = std::collections::BTreeSet::new();
        for i in 0..600u32 {
            let message = i.to_be_bytes();
            let der = der_signer.sign(&rng, &message).unwrap();
            lengths.insert(der.as_ref().len());
            let jose = der_signature_to_jose(der.as_ref()).expect("a DER signature");
            assert!(
                local.public_key().verifies(&message, &jose),
                "signature {i}"
            );
        }
        assert!(
            lengths.len() > 1,
            "only DER lengths {lengths:?} were exercised"
        );
    }

    #[test]
    fn a_short_r_is_left_padded() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07];
        let jose = der_signature_to_jose(&der).unwrap();
        assert_eq!((jose[31], jose[63]), (5, 7));
        assert!(jose[..31].iter().chain(&jose[32..63]).all(|b| *b == 0));
    }

    #[test]
    fn malformed_der_signatures_are_refused() {
        let r33 = [&[0x02, 33, 0x01][..], &[0u8; 32]].concat();
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0x30, 0x00],
            vec![0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01],
            vec![0x30, 0x07, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07, 0x00],
            vec![0x30, 0x06, 0x02, 0x01, 0x85, 0x02, 0x01, 0x07],
            vec![0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x07],
            [&[0x30, 38][..], &r33, &[0x02, 0x01, 0x07]].concat(),
        ];
        for der in cases {
            assert_eq!(der_signature_to_jose(&der), None, "{der:02x?}");
        }
    }

    #[test]
    fn a_public_key_reads_from_spki_and_from_a_point_alike() {
        let (local, _) = LocalSigningKey::generate(kid("k"));
        let key = local.public_key();
        let spki = STANDARD.encode(key.to_spki_der());
        let point = STANDARD.encode(key.0);
        assert_eq!(PublicKey::parse_base64(&spki).unwrap(), key);
        assert_eq!(PublicKey::parse_base64(&point).unwrap(), key);
    }

    #[test]
    fn a_public_key_of_another_curve_or_a_compressed_point_is_refused() {
        // A P-384 SubjectPublicKeyInfo: another curve OID, another length.
        let p384_prefix = [
            0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
            0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00, 0x04,
        ];
        let p384 = [&p384_prefix[..], &[7u8; 96]].concat();
        assert_eq!(PublicKey::from_spki_der(&p384), Err(KeyError::PublicKey));
        let compressed = [&[0x02u8][..], &[7u8; 32]].concat();
        assert_eq!(PublicKey::from_point(&compressed), Err(KeyError::PublicKey));
        let mut wrong_tag = [7u8; 65];
        wrong_tag[0] = 0x05;
        assert_eq!(PublicKey::from_point(&wrong_tag), Err(KeyError::PublicKey));
    }

    #[test]
    fn a_signing_key_of_another_curve_is_refused() {
        let rng = SystemRandom::new();
        let p384 =
            EcdsaKeyPair::generate_pkcs8(&ring::signature::ECDSA_P384_SHA384_FIXED_SIGNING, &rng)
                .unwrap();
        let ed25519 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        for der in [p384.as_ref(), ed25519.as_ref(), b"not a key".as_slice()] {
            assert_eq!(
                LocalSigningKey::from_pkcs8(kid("k"), der).err(),
                Some(KeyError::PrivateKey)
            );
        }
    }

    #[test]
    fn a_signing_key_reads_back_from_its_configuration_text() {
        let (key, der) = LocalSigningKey::generate(kid("local-1"));
        let parsed = LocalSigningKey::parse(&format!("local-1={}", STANDARD.encode(&der))).unwrap();
        assert_eq!(parsed.kid().as_str(), "local-1");
        assert_eq!(parsed.public_key(), key.public_key());
        let signature = parsed.sign(b"m");
        assert!(key.public_key().verifies(b"m", &signature));
        assert!(!key.public_key().verifies(b"n", &signature));
    }

    #[test]
    fn a_signing_keys_debug_shows_its_kid_and_none_of_its_bytes() {
        let (key, der) = LocalSigningKey::generate(kid("local-1"));
        let shown = format!("{key:?}");
        assert!(shown.contains("local-1"), "{shown}");
        assert!(!shown.contains(&STANDARD.encode(&der)), "{shown}");
        assert!(!shown.contains(&format!("{:?}", &der[..8])), "{shown}");
    }

    #[test]
    fn a_kms_key_is_named_by_arn_or_id_and_its_kid_is_the_key_id() {
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{id}");
        assert_eq!(KmsKeyRef::parse(&arn).unwrap().kid().as_str(), id);
        assert_eq!(KmsKeyRef::parse(&arn).unwrap().key(), arn);
        assert_eq!(KmsKeyRef::parse(id).unwrap().kid().as_str(), id);
        let mrk = "arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
        assert_eq!(
            KmsKeyRef::parse(mrk).unwrap().kid().as_str(),
            "mrk-1234abcd12ab34cd56ef1234567890ab"
        );
    }

    #[test]
    fn a_kms_alias_or_another_arn_is_refused() {
        for raw in [
            "alias/tokens",
            "arn:aws:kms:us-east-1:111122223333:alias/tokens",
            "arn:aws:s3:::bucket/key/x",
            "",
        ] {
            assert_eq!(KmsKeyRef::parse(raw), Err(KeyError::KmsKey), "{raw}");
        }
    }

    #[test]
    fn a_kid_outside_the_safe_alphabet_is_refused() {
        for raw in ["", "a b", "a=b", "a,b", "ä", &"k".repeat(129)] {
            assert_eq!(Kid::parse(raw), Err(KeyError::Kid), "{raw}");
        }
        assert!(Kid::parse("demo-2026.v_1").is_ok());
    }
}
