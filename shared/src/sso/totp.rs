//! Two-factor login codes: RFC 6238 with the parameters every authenticator app assumes and
//! Zato uses (HMAC-SHA-1, 6 digits, 30-second steps), accepting one step either side for clock
//! drift. A key is stored only sealed under the user's data key, as encrypted attribute values
//! are; it leaves the service once, in the answer that generated it.

use totp_rs::{Builder, Secret, Totp};

use crate::sso::crypto::{CryptoError, DataKey, random_bytes};
use crate::sso::error::ZatoError;

/// A user's TOTP key. Its constructors are the only way in: a base32 text of at least 128 bits
/// (RFC 4226's minimum), or 160 fresh random bits (its recommendation).
pub struct TotpKey(Totp);

impl std::fmt::Debug for TotpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpKey(<redacted>)")
    }
}

/// Longest key text taken: 512 bits in base32. Longer keys buy nothing over HMAC-SHA-1's block.
const MAX_KEY_CHARS: usize = 103;

impl TotpKey {
    /// A key as users and apps write it: base32, any case, spaces and `=` padding ignored.
    pub fn parse(text: &str) -> Result<Self, ZatoError> {
        let invalid = |why: &str| ZatoError::InvalidInput(format!("totp_key {why}"));
        let normal: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if normal.len() > MAX_KEY_CHARS {
            return Err(invalid("is longer than 512 bits"));
        }
        let secret = Secret::try_from_base32(&normal).map_err(|_| invalid("is not base32"))?;
        Self::from_secret(secret).ok_or_else(|| invalid("is shorter than 128 bits"))
    }

    pub fn generate() -> Self {
        Self::from_secret(Secret::from(random_bytes::<20>())).expect("160 bits are enough")
    }

    fn from_secret(secret: Secret) -> Option<Self> {
        Builder::new().with_secret(secret).build().ok().map(Self)
    }

    /// The key as authenticator apps take it.
    pub fn to_base32(&self) -> String {
        self.0.secret().to_base32()
    }

    /// The time step `code` is valid for at `unix_seconds`, if any. A login records it, so that
    /// no code is accepted twice (RFC 6238, 5.2).
    pub fn check(&self, code: &str, unix_seconds: u64) -> Option<u64> {
        self.0.check(code.trim(), unix_seconds)
    }

    /// The code of `unix_seconds`: what an authenticator app shows then.
    pub fn code_at(&self, unix_seconds: u64) -> String {
        self.0.generate(unix_seconds).to_string()
    }

    /// The key sealed under the user's data key, bound to `context` (`totp::context`).
    pub fn seal(&self, data_key: &DataKey, context: &str) -> String {
        data_key.seal(context, self.0.secret().as_ref())
    }

    pub fn open(data_key: &DataKey, context: &str, sealed: &str) -> Result<Self, CryptoError> {
        let bytes = data_key.open(context, sealed)?;
        Self::from_secret(Secret::from(bytes))
            .ok_or(CryptoError::Corrupt("a sealed TOTP key is too short"))
    }
}

/// What binds a user's sealed TOTP key to them. Attribute values' contexts begin with the
/// organization id, so no attribute value opens as a key, nor a key as an attribute value.
pub fn context(org: &crate::ids::OrgId, user: &crate::ids::PersonId) -> String {
    format!("totp-key:{org}#{user}")
}

/// The TOTP fields `User.create`, `User.update` and `User.reset_totp_key` take.
#[derive(Debug, Default)]
pub struct TotpInput {
    pub enabled: Option<bool>,
    pub key: Option<TotpKey>,
    /// `Some(None)`: `null` or an empty text, which removes the label.
    pub label: Option<Option<String>>,
}

impl TotpInput {
    pub fn is_empty(&self) -> bool {
        self.enabled.is_none() && self.key.is_none() && self.label.is_none()
    }
}

pub fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B's SHA-1 key, "12345678901234567890", in base32.
    const RFC_KEY: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_rfc_6238s_test_vectors_in_six_digits() {
        let key = TotpKey::parse(RFC_KEY).unwrap();
        // Appendix B gives 8 digits; 6-digit codes are their last six.
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(key.code_at(time), code, "at {time}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_no_further() {
        let key = TotpKey::generate();
        let code = key.code_at(1_000_000_020);

        assert_eq!(
            key.check(&code, 1_000_000_020 + 30),
            Some(1_000_000_020 / 30)
        );
        assert_eq!(
            key.check(&code, 1_000_000_020 - 30),
            Some(1_000_000_020 / 30)
        );
        assert_eq!(key.check(&code, 1_000_000_020 + 60), None);
    }

    #[test]
    fn keys_are_read_in_any_case_with_spaces_and_padding() {
        let spaced = "gezd gnbv gy3t qojq gezd gnbv gy3t qojq====";

        assert_eq!(TotpKey::parse(spaced).unwrap().to_base32(), RFC_KEY);
    }

    #[test]
    fn a_key_under_128_bits_is_refused() {
        // Zato's own doc example key: 64 bits.
        assert!(TotpKey::parse("G7WSZQ3JKCM6D").is_err());
    }

    #[test]
    fn a_key_that_is_not_base32_is_refused() {
        assert!(TotpKey::parse("not base32 at all 0189!").is_err());
    }

    #[test]
    fn a_sealed_key_opens_only_in_its_own_context() {
        let data_key = DataKey::for_tests([7; 32]);
        let key = TotpKey::generate();
        let sealed = key.seal(&data_key, "totp-key:a#b");

        let opened = TotpKey::open(&data_key, "totp-key:a#b", &sealed).unwrap();

        assert_eq!(opened.to_base32(), key.to_base32());
        assert!(TotpKey::open(&data_key, "totp-key:a#c", &sealed).is_err());
    }

    #[test]
    fn a_generated_key_is_160_bits() {
        assert_eq!(TotpKey::generate().to_base32().len(), 32);
    }
}
