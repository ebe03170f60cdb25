//! Mail to a user (a signup confirmation, a password reset), with the token that completes the
//! flow: the only place that token ever goes. Amazon SES in AWS (`SSO_MAIL_FROM`, the sending
//! functions alone hold `ses:SendEmail` for that address); in the local stack an outbox
//! directory (`SSO_OUTBOX_DIR`) with one JSON file per message, which the tests read as a mail
//! client would. Built in the handlers that send, so that no other function links the SES SDK.

use crate::error::ApiError;

/// One message. Its text carries a token: never log it.
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

pub enum Notifier {
    /// No mail configured: the flows that need it answer that they are not available.
    None,
    Outbox(std::path::PathBuf),
    Ses {
        client: aws_sdk_sesv2::Client,
        from: String,
    },
}

impl Notifier {
    /// From the environment: `SSO_OUTBOX_DIR` (local) or `SSO_MAIL_FROM` (SES), else none.
    pub async fn from_env() -> Self {
        let var = |k| std::env::var(k).ok().filter(|v: &String| !v.is_empty());
        if let Some(dir) = var("SSO_OUTBOX_DIR") {
            return Self::Outbox(dir.into());
        }
        let Some(from) = var("SSO_MAIL_FROM") else {
            return Self::None;
        };
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let conf = aws_sdk_sesv2::config::Builder::from(&sdk)
            .http_client(crate::app::https_client())
            .build();
        Self::Ses {
            client: aws_sdk_sesv2::Client::from_conf(conf),
            from,
        }
    }

    /// The process's notifier, built on first use.
    pub async fn shared() -> &'static Self {
        static NOTIFIER: tokio::sync::OnceCell<Notifier> = tokio::sync::OnceCell::const_new();
        NOTIFIER.get_or_init(Self::from_env).await
    }

    pub fn is_configured(&self) -> bool {
        !matches!(self, Self::None)
    }

    /// Sends `mail`; a fault is a 503 (429 when SES throttles), so the caller writes nothing
    /// it cannot tell the user about.
    pub async fn send(&self, mail: &Mail) -> Result<(), ApiError> {
        match self {
            Self::None => Err(ApiError::Internal),
            Self::Outbox(dir) => write_outbox(dir, mail),
            Self::Ses { client, from } => {
                use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
                let content = |text: &str| {
                    Content::builder()
                        .data(text)
                        .charset("UTF-8")
                        .build()
                        .expect("data is set")
                };
                let message = Message::builder()
                    .subject(content(&mail.subject))
                    .body(Body::builder().text(content(&mail.text)).build())
                    .build();
                client
                    .send_email()
                    .from_email_address(from)
                    .destination(Destination::builder().to_addresses(&mail.to).build())
                    .content(EmailContent::builder().simple(message).build())
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        use aws_sdk_sesv2::error::ProvideErrorMetadata;
                        let code = e.code().unwrap_or("unknown").to_owned();
                        tracing::error!(code, "SES refused or failed a message");
                        if code.contains("Throttl") || code == "TooManyRequestsException" {
                            ApiError::Throttled {
                                retry_after: crate::error::RETRY_AFTER,
                            }
                        } else {
                            ApiError::Unavailable {
                                retry_after: crate::error::RETRY_AFTER,
                            }
                        }
                    })
            }
        }
    }
}

/// The newest message in the outbox `dir` to `to`, as `{to, subject, text}`: what the local
/// stack's user reads as their mail (tests, and the benchmarks' set-ups).
pub fn outbox_last_to(dir: &std::path::Path, to: &str) -> Option<serde_json::Value> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    names.retain(|p| p.extension().is_some_and(|x| x == "json"));
    names.sort();
    names.into_iter().rev().find_map(|p| {
        let mail: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
        (mail["to"] == to).then_some(mail)
    })
}

/// The token in the newest outbox message to `to`: the line of its text that is one.
pub fn outbox_token(dir: &std::path::Path, to: &str) -> Option<String> {
    let mail = outbox_last_to(dir, to)?;
    mail["text"]
        .as_str()?
        .lines()
        .find(|l| {
            l.len() == 32
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_owned)
}

fn write_outbox(dir: &std::path::Path, mail: &Mail) -> Result<(), ApiError> {
    let unavailable = |e: std::io::Error| {
        tracing::error!(error = %e, "the local outbox cannot be written");
        ApiError::Unavailable {
            retry_after: crate::error::RETRY_AFTER,
        }
    };
    std::fs::create_dir_all(dir).map_err(unavailable)?;
    let name = format!(
        "{:020}-{}.json",
        crate::sso::time::now_us(),
        crate::digest::random_token::<9>()
    );
    let body = serde_json::json!({"to": mail.to, "subject": mail.subject, "text": mail.text});
    // Written whole under a temporary name, then renamed: a reader never sees half a message.
    let tmp = dir.join(format!(".{name}"));
    std::fs::write(&tmp, body.to_string()).map_err(unavailable)?;
    std::fs::rename(&tmp, dir.join(name)).map_err(unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_outbox_holds_each_message_as_one_json_file() {
        let dir = std::env::temp_dir().join(format!("outbox-{}", uuid::Uuid::new_v4()));
        let notifier = Notifier::Outbox(dir.clone());
        let mail = Mail {
            to: "a@example.com".into(),
            subject: "s".into(),
            text: "t".into(),
        };

        notifier.send(&mail).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        let text = std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        assert_eq!(files.len(), 1);
        let got: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(got["to"], "a@example.com");
        assert_eq!(got["text"], "t");
    }
}
