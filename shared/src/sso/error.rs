//! What a Zato SSO operation can answer besides success: Zato's sub-status codes
//! (`status-code.rst`) and `ZatoError`. The SSO code below the faces produces it;
//! `faces::zato` renders it in Zato's envelope.

use crate::error::{ApiError, StoreError};

pub const USERNAME_INVALID: &str = "E001001";
pub const USERNAME_EXISTS: &str = "E001002";
pub const USERNAME_TOO_LONG: &str = "E001003";
pub const USERNAME_HAS_WHITESPACE: &str = "E001004";
pub const USER_ID_INVALID: &str = "E001100";
pub const EMAIL_EXISTS: &str = "E002002";
pub const EMAIL_MISSING: &str = "E002005";
pub const PASSWORD_TOO_SHORT: &str = "E003002";
pub const PASSWORD_TOO_LONG: &str = "E003003";
pub const PASSWORD_MUST_SEND_NEW: &str = "E003007";
pub const APP_INVALID: &str = "E004001";
pub const APP_NO_SIGNUP: &str = "E004002";
pub const NOT_ALLOWED: &str = "E005001";
pub const LOCKED: &str = "E005002";
pub const INVALID_SIGNUP_STATUS: &str = "E005003";
pub const NOT_APPROVED: &str = "E005004";
pub const NO_SUCH_SIGNUP_TOKEN: &str = "E005006";
pub const SIGNUP_CONFIRMED: &str = "E005007";
pub const NO_SUCH_SESSION: &str = "E007001";
pub const INVALID_OPERATION: &str = "E008001";
pub const INVALID_INPUT: &str = "E008002";
pub const MISSING_INPUT: &str = "E008003";
pub const INTERNAL_ERROR: &str = "E008004";
pub const ATTR_EXISTS: &str = "E009001";
pub const NO_SUCH_ATTR: &str = "E009002";

/// What a Zato handler can answer besides success. Each variant is one Zato sub-status with the
/// HTTP status Zato gives it; `reason` texts go to the log line only, since Zato's envelope has
/// no message field and clients key on the code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZatoError {
    /// A required field is absent: HTTP 400, as Zato's SimpleIO does.
    #[error("missing input {0}")]
    MissingInput(&'static str),
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// `current_app` is not in the allow-list: HTTP 200 with status error, as Zato does.
    #[error("invalid app")]
    InvalidApp,
    /// Unknown, malformed, expired or logged-out UST.
    #[error("no such session")]
    NoSuchSession,
    /// Wrong credentials, not a super-user, another user's data, or no such target user or
    /// linked account.
    #[error("not allowed")]
    NotAllowed,
    #[error("account locked")]
    Locked,
    #[error("account not approved")]
    NotApproved,
    /// A username or password rule, with its own code (`E001…`, `E003…`).
    #[error("invalid {0}")]
    Rule(&'static str),
    #[error("attribute already exists")]
    AttrExists,
    #[error("no such attribute")]
    NoSuchAttr,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<StoreError> for ZatoError {
    fn from(e: StoreError) -> Self {
        Self::Api(e.into())
    }
}

impl From<crate::request::InputError> for ZatoError {
    fn from(e: crate::request::InputError) -> Self {
        Self::Api(e.into())
    }
}
