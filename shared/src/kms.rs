//! How a KMS call failed, told apart once for both of KMS's users (the SailPoint token keys and
//! the Zato key-encryption key), so that each answers a KMS fault as the other does: throttling
//! is the client's to wait out (429), an outage or a disabled key is temporary (503), and
//! anything else (access denied, no such key, a ciphertext that does not open) will not get
//! better by retrying.

use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KmsFault {
    Throttled,
    /// Temporary; the text (an error code, or how the call failed) is for the log only.
    Unavailable(String),
    /// KMS answered with an error that retrying will not cure. Code and message are KMS's, for
    /// the log: they name keys and operations, never key material.
    Refused {
        code: Option<String>,
        message: Option<String>,
    },
}

impl KmsFault {
    pub fn of<E, R>(e: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata,
    {
        match e {
            SdkError::ServiceError(se) => match se.err().code() {
                Some("ThrottlingException") => Self::Throttled,
                Some(
                    code @ ("KMSInternalException"
                    | "DependencyTimeoutException"
                    | "KeyUnavailableException"
                    | "KMSInvalidStateException"
                    | "DisabledException"),
                ) => Self::Unavailable(code.to_owned()),
                code => Self::Refused {
                    code: code.map(str::to_owned),
                    message: se.err().message().map(str::to_owned),
                },
            },
            SdkError::TimeoutError(_) => Self::Unavailable("timed out".into()),
            SdkError::DispatchFailure(d) => Self::Unavailable(format!("dispatch failure: {d:?}")),
            SdkError::ResponseError(_) => Self::Unavailable("unreadable response".into()),
            // The request could not be built: a fault of ours, not KMS's.
            _ => Self::Refused {
                code: None,
                message: Some("the request could not be constructed".into()),
            },
        }
    }
}

impl std::fmt::Display for KmsFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Throttled => f.write_str("KMS throttled the request"),
            Self::Unavailable(why) => write!(f, "KMS is unavailable: {why}"),
            Self::Refused { code, message } => write!(
                f,
                "KMS refused: {}: {}",
                code.as_deref().unwrap_or("no error code"),
                message.as_deref().unwrap_or("no message")
            ),
        }
    }
}
