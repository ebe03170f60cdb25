//! Configuration comes from the environment, the same way in Lambda, under `cargo lambda watch`
//! and in tests. `AWS_ENDPOINT_URL_DYNAMODB` (read by the SDK itself) points at DynamoDB Local.

use std::time::Duration;

use crate::ids::OrgId;
use crate::jwt::{KmsKeyRef, LocalSigningKey, PublicKey, SigningKeyConfig, VerifyingKeyConfig};

#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    /// How long a warm instance trusts a verified API key before asking DynamoDB again.
    pub auth_cache_ttl: Duration,
    /// Region reported for persons created without one (SlashID's `Region` enum).
    pub default_person_region: String,
    /// The organization the Zato SSO face serves (Zato clients send no tenant).
    pub sso_org: Option<OrgId>,
    /// Replica regions that `SlashID-Required-Consistency: all_regions` waits for, each with
    /// its table (`REPLICAS=eu-west-1,ap-northeast-1`, or `region:table` to name another table).
    pub replicas: Vec<(String, String)>,
    /// Items per DynamoDB transaction (`TRANSACTION_ITEM_LIMIT`, 2..=100, default 100; the
    /// local stack sets 10, DynamoDB Local's limit).
    pub transaction_item_limit: usize,
    /// The token function's SailPoint access-token signing key: a KMS key (`JWT_KMS_KEY_ID`,
    /// its ARN or id) in AWS, a local P-256 key (`JWT_LOCAL_SIGNING_KEY=kid=base64(PKCS#8)`)
    /// elsewhere. No other function is given one.
    pub token_signing_key: SigningKeyConfig,
    /// The keys SailPoint functions accept tokens of: public keys given in configuration
    /// (`JWT_PUBLIC_KEYS=kid=base64,…`, SubjectPublicKeyInfo or point) and KMS keys whose public
    /// key is fetched on first use (`JWT_KMS_VERIFY_KEYS=arn,…`). Listing the next or previous
    /// key beside the current one is how keys rotate.
    pub token_verifying_keys: Vec<VerifyingKeyConfig>,
    /// Lifetime of a SailPoint access token (`OAUTH_TOKEN_SECONDS`, default 749 as ISC's).
    pub token_ttl: Duration,
    /// Zato SSO: the apps a `current_app` must name (`SSO_APPS=CRM,demo`).
    pub sso_apps: Vec<String>,
    /// The apps users may sign up through (`SSO_SIGNUP_APPS`; none: signup is off).
    pub sso_signup_apps: Vec<String>,
    /// Zato SSO: how long a session lasts unless renewed (`SSO_SESSION_MINUTES`, default 60 as
    /// Zato's `sso.conf`).
    pub sso_session_ttl: Duration,
    /// Zato SSO: how long a session may last from its login, renewals included
    /// (`SSO_SESSION_MAX_MINUTES`, default 720: ASVS level 2's 12 hours).
    pub sso_session_max: Duration,
    /// Zato SSO: what wraps the per-user data keys of encrypted attributes.
    pub sso_kek: KekConfig,
    /// How long a DynamoDB request may take, and how often the SDK tries it.
    pub dynamodb: DynamoDbBudget,
    /// Zato login: consecutive wrong passwords per username before a lockout
    /// (`SSO_LOGIN_MAX_FAILURES`, `SSO_LOGIN_LOCKOUT_SECONDS`, `SSO_LOGIN_MAX_LOCKOUT_SECONDS`).
    pub sso_login_lockout: LockoutPolicy,
    /// OAuth: consecutive wrong client secrets per client before a lockout (`OAUTH_MAX_FAILURES`,
    /// `OAUTH_LOCKOUT_SECONDS`, `OAUTH_MAX_LOCKOUT_SECONDS`).
    pub oauth_lockout: LockoutPolicy,
    /// Requests per second each organization may make, averaged over 10 s windows
    /// (`ORG_REQUESTS_PER_SECOND`, default 50; 0 turns the limit off).
    pub org_requests_per_second: u32,
}

/// Brute-force detection, after Keycloak's: `max_failures` consecutive failures lock the
/// credential for `first_wait`, each later lockout twice as long as the one before, up to
/// `max_wait`. A success resets both the count and the growth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    pub first_wait: Duration,
    pub max_wait: Duration,
}

impl LockoutPolicy {
    /// The wait of the lockout that follows `earlier` ones.
    pub fn wait(&self, earlier: u32) -> Duration {
        let factor = 1u32.checked_shl(earlier.min(31)).unwrap_or(u32::MAX);
        self.first_wait
            .checked_mul(factor)
            .unwrap_or(self.max_wait)
            .min(self.max_wait)
    }

    fn from_lookup(
        get: &impl Fn(&str) -> Option<String>,
        [max, first, most]: [&'static str; 3],
        default_max: u32,
    ) -> Result<Self, ConfigError> {
        let number = |name: &'static str, default: u64| match get(name).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => s
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=u64::from(u32::MAX)).contains(n))
                .ok_or(ConfigError::Invalid {
                    name,
                    reason: format!("{s:?} is not a positive whole number"),
                }),
        };
        let policy = Self {
            max_failures: u32::try_from(number(max, default_max.into())?).unwrap_or(u32::MAX),
            first_wait: Duration::from_secs(number(first, 60)?),
            max_wait: Duration::from_secs(number(most, 900)?),
        };
        if policy.first_wait > policy.max_wait {
            return Err(ConfigError::Invalid {
                name: most,
                reason: "the longest lockout must not be shorter than the first".into(),
            });
        }
        Ok(policy)
    }
}

/// The DynamoDB client's time and retry budget. The Lambda timeout (10 s, template.yaml) must
/// leave the handler time to answer 503 itself after the operation timeout, or API Gateway
/// would answer an opaque 503 of its own instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynamoDbBudget {
    /// Opening a connection (`DYNAMODB_CONNECT_TIMEOUT_MS`, default 1000).
    pub connect_timeout: Duration,
    /// One attempt, connection included (`DYNAMODB_ATTEMPT_TIMEOUT_MS`, default 2000).
    pub attempt_timeout: Duration,
    /// All attempts of one operation with the backoff between them
    /// (`DYNAMODB_OPERATION_TIMEOUT_MS`, default 5000): half the Lambda timeout, so a request
    /// whose earlier operations were slow still answers before Lambda stops it.
    pub operation_timeout: Duration,
    /// Attempts per operation in the SDK's standard retry mode (`DYNAMODB_MAX_ATTEMPTS`, 1..=10,
    /// default 3): throttling and transient faults are retried with jittered backoff.
    pub max_attempts: u32,
    /// The first retry's backoff ceiling, doubling per retry (`DYNAMODB_RETRY_BACKOFF_MS`,
    /// default 100). The SDK's own 1 s would spend most of the operation timeout asleep, so a
    /// throttled request would end as a timeout (503) instead of a 429 that tells the client
    /// to slow down.
    pub retry_backoff: Duration,
}

impl Default for DynamoDbBudget {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_millis(1000),
            attempt_timeout: Duration::from_millis(2000),
            operation_timeout: Duration::from_millis(5000),
            max_attempts: 3,
            retry_backoff: Duration::from_millis(100),
        }
    }
}

impl DynamoDbBudget {
    /// As the SDK's timeout configuration.
    pub fn timeout_config(&self) -> aws_config::timeout::TimeoutConfig {
        aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(self.connect_timeout)
            .operation_attempt_timeout(self.attempt_timeout)
            .operation_timeout(self.operation_timeout)
            .build()
    }

    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let d = Self::default();
        let millis =
            |name: &'static str, default: Duration| match get(name).filter(|s| !s.is_empty()) {
                None => Ok(default),
                Some(s) => s
                    .parse::<u64>()
                    .ok()
                    .filter(|ms| *ms > 0)
                    .map(Duration::from_millis)
                    .ok_or(ConfigError::Invalid {
                        name,
                        reason: format!("{s:?} is not a positive whole number of milliseconds"),
                    }),
            };
        let budget =
            Self {
                connect_timeout: millis("DYNAMODB_CONNECT_TIMEOUT_MS", d.connect_timeout)?,
                attempt_timeout: millis("DYNAMODB_ATTEMPT_TIMEOUT_MS", d.attempt_timeout)?,
                operation_timeout: millis("DYNAMODB_OPERATION_TIMEOUT_MS", d.operation_timeout)?,
                retry_backoff: millis("DYNAMODB_RETRY_BACKOFF_MS", d.retry_backoff)?,
                max_attempts: match get("DYNAMODB_MAX_ATTEMPTS").filter(|s| !s.is_empty()) {
                    None => d.max_attempts,
                    Some(s) => s.parse().ok().filter(|n| (1..=10).contains(n)).ok_or(
                        ConfigError::Invalid {
                            name: "DYNAMODB_MAX_ATTEMPTS",
                            reason: format!("{s:?} is not a number from 1 to 10"),
                        },
                    )?,
                },
            };
        // An attempt that may outlast its operation, or a connection its attempt, would make
        // the smaller budget a dead letter: refuse the configuration rather than guess.
        if budget.connect_timeout > budget.attempt_timeout
            || budget.attempt_timeout > budget.operation_timeout
        {
            return Err(ConfigError::Invalid {
                name: "DYNAMODB_OPERATION_TIMEOUT_MS",
                reason: "expected connect <= attempt <= operation timeout".into(),
            });
        }
        Ok(budget)
    }
}

/// The key-encryption key: KMS in AWS (`SSO_KMS_KEY_ID`), a local AES-256 key elsewhere
/// (`SSO_LOCAL_KEK`, 64 hex digits). Never both: a data key wrapped by one cannot be opened by
/// the other, and a silent fallback would hide a misconfigured stack.
#[derive(Clone, PartialEq, Eq)]
pub enum KekConfig {
    None,
    Local([u8; 32]),
    Kms(String),
}

impl std::fmt::Debug for KekConfig {
    // The local key is a secret: Debug must not print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Local(_) => f.write_str("Local(..)"),
            Self::Kms(id) => write!(f, "Kms({id})"),
        }
    }
}

fn app_list(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

fn kek_config(get: &impl Fn(&str) -> Option<String>) -> Result<KekConfig, ConfigError> {
    let kms = get("SSO_KMS_KEY_ID").filter(|s| !s.is_empty());
    let local = get("SSO_LOCAL_KEK").filter(|s| !s.is_empty());
    match (kms, local) {
        (Some(_), Some(_)) => Err(ConfigError::Invalid {
            name: "SSO_LOCAL_KEK",
            reason: "set either SSO_KMS_KEY_ID or SSO_LOCAL_KEK, not both".into(),
        }),
        (Some(id), None) => Ok(KekConfig::Kms(id)),
        (None, Some(hex)) => {
            let invalid = || ConfigError::Invalid {
                name: "SSO_LOCAL_KEK",
                reason: "expected 64 hex digits (32 bytes)".into(),
            };
            if hex.len() != 64 || !hex.is_ascii() {
                return Err(invalid());
            }
            let mut key = [0u8; 32];
            for (i, byte) in key.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| invalid())?;
            }
            Ok(KekConfig::Local(key))
        }
        (None, None) => Ok(KekConfig::None),
    }
}

/// A bearer token cannot be revoked before it expires, so its lifetime is capped: 12 hours, ISC's
/// longest-lived token (a personal access token's session), far above its default 749 s.
pub const MAX_TOKEN_SECONDS: u64 = 12 * 60 * 60;

fn token_signing_key(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<SigningKeyConfig, ConfigError> {
    // A shared HS256 secret let any function that held it mint tokens for any org; it is gone,
    // and a deployment that still sets it is refused rather than silently ignored.
    if get("JWT_SIGNING_KEYS").is_some_and(|s| !s.is_empty()) {
        return Err(ConfigError::Invalid {
            name: "JWT_SIGNING_KEYS",
            reason: "HS256 signing secrets are no longer accepted: the token function signs with \
                     JWT_KMS_KEY_ID (or JWT_LOCAL_SIGNING_KEY), verifiers use JWT_KMS_VERIFY_KEYS \
                     or JWT_PUBLIC_KEYS (docs/security-tokens.md)"
                .into(),
        });
    }
    let kms = get("JWT_KMS_KEY_ID").filter(|s| !s.is_empty());
    let local = get("JWT_LOCAL_SIGNING_KEY").filter(|s| !s.is_empty());
    match (kms, local) {
        (Some(_), Some(_)) => Err(ConfigError::Invalid {
            name: "JWT_LOCAL_SIGNING_KEY",
            reason: "set either JWT_KMS_KEY_ID or JWT_LOCAL_SIGNING_KEY, not both".into(),
        }),
        (Some(key), None) => KmsKeyRef::parse(&key)
            .map(SigningKeyConfig::Kms)
            .map_err(|e| ConfigError::Invalid {
                name: "JWT_KMS_KEY_ID",
                reason: e.to_string(),
            }),
        // The reason never quotes the value: it is a private key.
        (None, Some(text)) => LocalSigningKey::parse(&text)
            .map(SigningKeyConfig::Local)
            .map_err(|e| ConfigError::Invalid {
                name: "JWT_LOCAL_SIGNING_KEY",
                reason: format!("expected kid=base64 of a P-256 PKCS#8 key: {e}"),
            }),
        (None, None) => Ok(SigningKeyConfig::None),
    }
}

fn token_verifying_keys(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<VerifyingKeyConfig>, ConfigError> {
    let list = |name: &str| {
        get(name)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let mut keys = Vec::new();
    for entry in list("JWT_PUBLIC_KEYS") {
        let invalid = |reason: String| ConfigError::Invalid {
            name: "JWT_PUBLIC_KEYS",
            reason,
        };
        let (kid, key) = entry
            .split_once('=')
            .ok_or_else(|| invalid("expected kid=base64 pairs".into()))?;
        keys.push(VerifyingKeyConfig::Given {
            kid: crate::jwt::Kid::parse(kid).map_err(|e| invalid(e.to_string()))?,
            key: PublicKey::parse_base64(key).map_err(|e| invalid(e.to_string()))?,
        });
    }
    // One kid, one key: otherwise which key a token's kid names would depend on list order.
    let twice = |kid: &crate::jwt::Kid, name: &'static str| ConfigError::Invalid {
        name,
        reason: format!("the key id {kid} is listed twice"),
    };
    for (i, key) in keys.iter().enumerate() {
        if keys[..i].iter().any(|earlier| earlier.kid() == key.kid()) {
            return Err(twice(key.kid(), "JWT_PUBLIC_KEYS"));
        }
    }
    let given = keys.len();
    for entry in list("JWT_KMS_VERIFY_KEYS") {
        let key = KmsKeyRef::parse(&entry).map_err(|e| ConfigError::Invalid {
            name: "JWT_KMS_VERIFY_KEYS",
            reason: e.to_string(),
        })?;
        if keys[given..]
            .iter()
            .any(|earlier| earlier.kid() == key.kid())
        {
            return Err(twice(key.kid(), "JWT_KMS_VERIFY_KEYS"));
        }
        // A public key given for a KMS key's kid is that key's, pasted to spare the cold-start
        // GetPublicKey call: the KMS entry is then never fetched.
        if !keys[..given].iter().any(|g| g.kid() == key.kid()) {
            keys.push(VerifyingKeyConfig::Kms(key));
        }
    }
    Ok(keys)
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let table_name = get("TABLE_NAME")
            .filter(|s| !s.is_empty())
            .ok_or(ConfigError::Missing("TABLE_NAME"))?;
        let auth_cache_ttl = match get("AUTH_CACHE_SECONDS") {
            None => Duration::from_secs(60),
            Some(s) => Duration::from_secs(s.parse().map_err(|_| ConfigError::Invalid {
                name: "AUTH_CACHE_SECONDS",
                reason: format!("{s:?} is not a whole number of seconds"),
            })?),
        };
        let sso_org = match get("SSO_ORG_ID").filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(OrgId::parse(&s).map_err(|e| ConfigError::Invalid {
                name: "SSO_ORG_ID",
                reason: e.to_string(),
            })?),
        };
        let replicas = get("REPLICAS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| match r.split_once(':') {
                Some((region, table)) => (region.to_owned(), table.to_owned()),
                None => (r.to_owned(), table_name.clone()),
            })
            .collect();
        let transaction_item_limit = match get("TRANSACTION_ITEM_LIMIT") {
            None => crate::db::DYNAMODB_TRANSACTION_ITEMS,
            Some(s) => s
                .parse()
                .ok()
                .filter(|n| (2..=crate::db::DYNAMODB_TRANSACTION_ITEMS).contains(n))
                .ok_or(ConfigError::Invalid {
                    name: "TRANSACTION_ITEM_LIMIT",
                    reason: format!("{s:?} is not a number from 2 to 100"),
                })?,
        };
        let token_signing_key = token_signing_key(&get)?;
        let token_verifying_keys = token_verifying_keys(&get)?;
        let token_ttl = match get("OAUTH_TOKEN_SECONDS") {
            None => Duration::from_secs(749),
            Some(s) => Duration::from_secs(
                s.parse()
                    .ok()
                    .filter(|n| (1..=MAX_TOKEN_SECONDS).contains(n))
                    .ok_or(ConfigError::Invalid {
                        name: "OAUTH_TOKEN_SECONDS",
                        reason: format!(
                            "{s:?} is not a number of seconds from 1 to {MAX_TOKEN_SECONDS}"
                        ),
                    })?,
            ),
        };
        let sso_session_ttl = match get("SSO_SESSION_MINUTES").filter(|s| !s.is_empty()) {
            None => Duration::from_secs(60 * 60),
            Some(s) => Duration::from_secs(
                60 * s
                    .parse::<u64>()
                    .ok()
                    .filter(|m| *m > 0)
                    .ok_or(ConfigError::Invalid {
                        name: "SSO_SESSION_MINUTES",
                        reason: format!("{s:?} is not a positive whole number of minutes"),
                    })?,
            ),
        };
        let sso_session_max = match get("SSO_SESSION_MAX_MINUTES").filter(|s| !s.is_empty()) {
            None => Duration::from_secs(12 * 60 * 60),
            Some(s) => Duration::from_secs(
                60 * s
                    .parse::<u64>()
                    .ok()
                    .filter(|m| *m > 0)
                    .ok_or(ConfigError::Invalid {
                        name: "SSO_SESSION_MAX_MINUTES",
                        reason: format!("{s:?} is not a positive whole number of minutes"),
                    })?,
            ),
        };
        let org_requests_per_second = match get("ORG_REQUESTS_PER_SECOND").filter(|s| !s.is_empty())
        {
            None => 50,
            Some(s) => s.parse().map_err(|_| ConfigError::Invalid {
                name: "ORG_REQUESTS_PER_SECOND",
                reason: format!("{s:?} is not a whole number of requests per second"),
            })?,
        };
        Ok(Self {
            org_requests_per_second,
            sso_session_max,
            sso_apps: app_list(get("SSO_APPS")),
            sso_signup_apps: app_list(get("SSO_SIGNUP_APPS")),
            sso_session_ttl,
            sso_kek: kek_config(&get)?,
            dynamodb: DynamoDbBudget::from_lookup(&get)?,
            sso_login_lockout: LockoutPolicy::from_lookup(
                &get,
                [
                    "SSO_LOGIN_MAX_FAILURES",
                    "SSO_LOGIN_LOCKOUT_SECONDS",
                    "SSO_LOGIN_MAX_LOCKOUT_SECONDS",
                ],
                5,
            )?,
            oauth_lockout: LockoutPolicy::from_lookup(
                &get,
                [
                    "OAUTH_MAX_FAILURES",
                    "OAUTH_LOCKOUT_SECONDS",
                    "OAUTH_MAX_LOCKOUT_SECONDS",
                ],
                10,
            )?,
            token_signing_key,
            token_verifying_keys,
            token_ttl,
            transaction_item_limit,
            replicas,
            table_name,
            auth_cache_ttl,
            default_person_region: get("DEFAULT_PERSON_REGION").unwrap_or_else(|| "us-iowa".into()),
            sso_org,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_name_is_required() {
        assert!(matches!(
            Config::from_lookup(|_| None),
            Err(ConfigError::Missing("TABLE_NAME"))
        ));
    }

    #[test]
    fn replicas_name_a_region_and_optionally_a_table() {
        let c = Config::from_lookup(|k| match k {
            "TABLE_NAME" => Some("t".into()),
            "REPLICAS" => Some("eu-west-1, us-west-2:other,".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(
            c.replicas,
            [
                ("eu-west-1".into(), "t".into()),
                ("us-west-2".into(), "other".into())
            ]
        );
    }

    // Test keys made with `openssl genpkey … | openssl pkcs8 -topk8 -nocrypt -outform DER`
    // (and `openssl pkey -pubout`), as an operator would make them. They sign nothing real.
    const P256_PKCS8: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgeh5k1BbTWOlt/G3k1nJJanrrtmzEn/djT/VMAKxrJg2hRANCAAS2Fe2K//OH+tshtSsTLis+x/xemTalrhJRZI6buAyt2m7oOSwpYcb1x69oiVop7ra4HojVUffX4GAfY4vN204I";
    const P256_SPKI: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEthXtiv/zh/rbIbUrEy4rPsf8Xpk2pa4SUWSOm7gMrdpu6DksKWHG9cevaIlaKe62uB6I1VH31+BgH2OLzdtOCA==";
    const P384_PKCS8: &str = "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDBdfOyf08Yepa/m+vN/NuK+e8QsIxMmKzW3bAmSMyFDGBXgrp+bghFLqgSVxh8WszGhZANiAAQPTV2JXZ6HQeBQ62cmllPYTRqE47NW1epa2/mwkQ+OWcAFJq7WHtPQsrFZLfxdlUq41Swi3iohpmyBRJClL2jv5sbJBi4JWzdEvfwd3avJiRwzuISXrZh5eCqVBXyg5z8=";
    const P384_SPKI: &str = "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEZXEBkYLHPeuxJzlLPwVxj9cShpaYch4YslVjpC2kvn+XdQZbk8sFkWyBgvYrqIC37Mv78WSmhBxxS5N+NtJjxFlSG0++ALdI/oGRin2pREw3ppFHBOALAiM75r5HExvq";
    /// A 224-bit key: shorter than the 256 bits required.
    const P224_PKCS8: &str = "MHgCAQAwEAYHKoZIzj0CAQYFK4EEACEEYTBfAgEBBBzj5vhfwVt1eBI2NfnQQO347+3Loh4l7ZbPVxjSoTwDOgAE1dclpx1+TcekoSWX74seevHqOU1KFceqicUZgUd2t93hjnw7nlzsGR3joVjB7+ASXGoTnfmXKVQ=";
    const ED25519_PKCS8: &str = "MC4CAQAwBQYDK2VwBCIEIDnqwLafOOkBWlGJrU6/rJiJGGAn9dyLWek1Z3180fEb";
    const KEK_HEX: &str = "6b656b2d6f662d7468652d636f6e6669672d64656275672d746573742d313233";

    fn with_vars(vars: &[(&'static str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|k| {
            (k == "TABLE_NAME").then(|| "t".to_owned()).or_else(|| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            })
        })
    }

    fn refused_as(r: Result<Config, ConfigError>, var: &str) -> bool {
        matches!(r, Err(ConfigError::Invalid { name, .. }) if name == var)
    }

    #[test]
    fn a_local_signing_key_must_be_a_p256_key() {
        let key = |der: &str| with_vars(&[("JWT_LOCAL_SIGNING_KEY", &format!("k1={der}"))]);
        assert!(key(P256_PKCS8).is_ok());
        // The same P-256 key cut short.
        let cut = &P256_PKCS8[..P256_PKCS8.len() - 40];
        for refused in [
            P224_PKCS8,
            P384_PKCS8,
            ED25519_PKCS8,
            cut,
            "c2VjcmV0",
            "not base64!",
        ] {
            assert!(
                refused_as(key(refused), "JWT_LOCAL_SIGNING_KEY"),
                "{refused}"
            );
        }
    }

    #[test]
    fn a_public_key_must_be_a_p256_key() {
        let key = |der: &str| with_vars(&[("JWT_PUBLIC_KEYS", &format!("k1={der}"))]);
        assert!(key(P256_SPKI).is_ok());
        for refused in [P384_SPKI, "c2VjcmV0", "not base64!"] {
            assert!(refused_as(key(refused), "JWT_PUBLIC_KEYS"), "{refused}");
        }
    }

    #[test]
    fn an_hs256_signing_secret_is_refused_at_startup() {
        let secret = "k1=0123456789abcdef0123456789abcdef0123456789abcdef";
        assert!(refused_as(
            with_vars(&[("JWT_SIGNING_KEYS", secret)]),
            "JWT_SIGNING_KEYS"
        ));
    }

    #[test]
    fn a_kms_signing_key_excludes_a_local_one() {
        let arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let local = format!("k1={P256_PKCS8}");
        let both = with_vars(&[("JWT_KMS_KEY_ID", arn), ("JWT_LOCAL_SIGNING_KEY", &local)]);
        assert!(refused_as(both, "JWT_LOCAL_SIGNING_KEY"));
        let kms = with_vars(&[("JWT_KMS_KEY_ID", arn)]).unwrap();
        assert!(
            matches!(&kms.token_signing_key, SigningKeyConfig::Kms(k) if k.kid().as_str() == "1234abcd-12ab-34cd-56ef-1234567890ab")
        );
        assert!(refused_as(
            with_vars(&[("JWT_KMS_KEY_ID", "alias/tokens")]),
            "JWT_KMS_KEY_ID"
        ));
    }

    #[test]
    fn verifying_keys_list_given_and_kms_keys_each_kid_once() {
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{id}");
        let given = format!("local-1={P256_SPKI}");
        let c = with_vars(&[("JWT_PUBLIC_KEYS", &given), ("JWT_KMS_VERIFY_KEYS", &arn)]).unwrap();
        let kids: Vec<&str> = c
            .token_verifying_keys
            .iter()
            .map(|k| k.kid().as_str())
            .collect();
        assert_eq!(kids, ["local-1", id]);
        let twice = format!("local-1={P256_SPKI},local-1={P256_SPKI}");
        assert!(refused_as(
            with_vars(&[("JWT_PUBLIC_KEYS", &twice)]),
            "JWT_PUBLIC_KEYS"
        ));
        let twice = format!("{arn},{id}");
        assert!(refused_as(
            with_vars(&[("JWT_KMS_VERIFY_KEYS", &twice)]),
            "JWT_KMS_VERIFY_KEYS"
        ));
    }

    #[test]
    fn a_public_key_given_for_a_kms_keys_kid_spares_fetching_it() {
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{id}");
        let pasted = format!("{id}={P256_SPKI}");
        let c = with_vars(&[("JWT_PUBLIC_KEYS", &pasted), ("JWT_KMS_VERIFY_KEYS", &arn)]).unwrap();
        assert!(matches!(
            c.token_verifying_keys.as_slice(),
            [VerifyingKeyConfig::Given { kid, .. }] if kid.as_str() == id
        ));
    }

    #[test]
    fn a_kek_shorter_than_32_bytes_is_refused() {
        let short = &KEK_HEX[..62];
        assert!(refused_as(
            with_vars(&[("SSO_LOCAL_KEK", short)]),
            "SSO_LOCAL_KEK"
        ));
    }

    #[test]
    fn configs_debug_prints_none_of_its_secrets() {
        let local = format!("k1={P256_PKCS8}");
        let c = with_vars(&[
            ("JWT_LOCAL_SIGNING_KEY", &local),
            ("SSO_LOCAL_KEK", KEK_HEX),
        ])
        .unwrap();
        assert!(matches!(c.token_signing_key, SigningKeyConfig::Local(_)));
        assert!(matches!(c.sso_kek, KekConfig::Local(_)));
        let shown = format!("{c:?}");
        use base64::Engine;
        let pkcs8 = base64::engine::general_purpose::STANDARD
            .decode(P256_PKCS8)
            .unwrap();
        let secrets = [
            P256_PKCS8.to_owned(),
            // The key's bytes as Debug would print a byte slice, anywhere in it.
            format!("{:?}", &pkcs8[36..44])
                .trim_matches(['[', ']'])
                .to_owned(),
            KEK_HEX.to_owned(),
            "107, 101, 107, 45".to_owned(),
        ];
        for secret in secrets {
            assert!(!shown.contains(&secret), "{secret} in {shown}");
        }
        assert!(shown.contains("k1"), "the key is named: {shown}");
    }

    #[test]
    fn a_local_kek_is_64_hex_digits_and_excludes_kms() {
        let with = |kms: Option<&str>, local: Option<&str>| {
            Config::from_lookup(|k| match k {
                "TABLE_NAME" => Some("t".into()),
                "SSO_KMS_KEY_ID" => kms.map(Into::into),
                "SSO_LOCAL_KEK" => local.map(Into::into),
                _ => None,
            })
        };
        let hex = "00".repeat(31) + "ff";
        let mut key = [0u8; 32];
        key[31] = 0xff;
        assert_eq!(
            with(None, Some(&hex)).unwrap().sso_kek,
            KekConfig::Local(key)
        );
        assert!(with(None, Some("abc")).is_err());
        assert!(with(Some("alias/x"), Some(&hex)).is_err());
        assert_eq!(
            with(Some("alias/x"), None).unwrap().sso_kek,
            KekConfig::Kms("alias/x".into())
        );
    }

    #[test]
    fn the_dynamodb_budget_defaults_to_one_two_and_five_seconds_and_three_attempts() {
        let c = Config::from_lookup(|k| (k == "TABLE_NAME").then(|| "t".into())).unwrap();
        assert_eq!(c.dynamodb, DynamoDbBudget::default());
        assert_eq!(c.dynamodb.operation_timeout, Duration::from_secs(5));
        assert_eq!(c.dynamodb.max_attempts, 3);
    }

    #[test]
    fn a_dynamodb_attempt_longer_than_its_operation_is_refused() {
        let r = Config::from_lookup(|k| match k {
            "TABLE_NAME" => Some("t".into()),
            "DYNAMODB_ATTEMPT_TIMEOUT_MS" => Some("6000".into()),
            _ => None,
        });
        assert!(r.is_err());
    }

    #[test]
    fn dynamodb_max_attempts_outside_one_to_ten_is_refused() {
        for bad in ["0", "11", "many"] {
            let r = Config::from_lookup(|k| match k {
                "TABLE_NAME" => Some("t".into()),
                "DYNAMODB_MAX_ATTEMPTS" => Some(bad.into()),
                _ => None,
            });
            assert!(r.is_err(), "{bad}");
        }
    }

    #[test]
    fn lockouts_default_to_five_logins_and_ten_secrets_and_double_up_to_fifteen_minutes() {
        let c = Config::from_lookup(|k| (k == "TABLE_NAME").then(|| "t".into())).unwrap();
        assert_eq!(c.sso_login_lockout.max_failures, 5);
        assert_eq!(c.oauth_lockout.max_failures, 10);
        let waits: Vec<u64> = (0..6)
            .map(|k| c.sso_login_lockout.wait(k).as_secs())
            .collect();
        assert_eq!(waits, [60, 120, 240, 480, 900, 900]);
        assert_eq!(c.sso_login_lockout.wait(u32::MAX).as_secs(), 900);
    }

    #[test]
    fn a_token_lifetime_over_twelve_hours_is_refused() {
        let with = |secs: &'static str| {
            Config::from_lookup(move |k| match k {
                "TABLE_NAME" => Some("t".into()),
                "OAUTH_TOKEN_SECONDS" => Some(secs.into()),
                _ => None,
            })
        };
        assert_eq!(with("43200").unwrap().token_ttl.as_secs(), 43_200);
        assert!(with("43201").is_err());
        assert!(with("0").is_err());
    }

    #[test]
    fn sessions_end_twelve_hours_after_login_unless_configured() {
        let c = Config::from_lookup(|k| (k == "TABLE_NAME").then(|| "t".into())).unwrap();
        assert_eq!(c.sso_session_max.as_secs(), 12 * 60 * 60);
    }

    #[test]
    fn a_zero_lockout_threshold_is_refused() {
        let r = Config::from_lookup(|k| match k {
            "TABLE_NAME" => Some("t".into()),
            "SSO_LOGIN_MAX_FAILURES" => Some("0".into()),
            _ => None,
        });
        assert!(r.is_err());
    }

    #[test]
    fn a_non_numeric_auth_cache_is_refused() {
        let r = Config::from_lookup(|k| match k {
            "TABLE_NAME" => Some("t".into()),
            "AUTH_CACHE_SECONDS" => Some("soon".into()),
            _ => None,
        });
        assert!(matches!(
            r,
            Err(ConfigError::Invalid {
                name: "AUTH_CACHE_SECONDS",
                ..
            })
        ));
    }
}
