//! Configuration comes from the environment, the same way in Lambda, under `cargo lambda watch`
//! and in tests. `AWS_ENDPOINT_URL_DYNAMODB` (read by the SDK itself) points at DynamoDB Local.

use std::time::Duration;

use crate::ids::OrgId;

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
    /// SailPoint access-token signing keys (`JWT_SIGNING_KEYS=kid=secret,kid2=secret2`): the
    /// first signs, all verify, so a key can be rotated in before the old one is dropped.
    pub jwt_keys: Vec<(String, String)>,
    /// Lifetime of a SailPoint access token (`OAUTH_TOKEN_SECONDS`, default 749 as ISC's).
    pub token_ttl: Duration,
    /// Zato SSO: the apps a `current_app` must name (`SSO_APPS=CRM,demo`).
    pub sso_apps: Vec<String>,
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
        let jwt_keys = get("JWT_SIGNING_KEYS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| match k.split_once('=') {
                Some((kid, secret)) if !kid.is_empty() && secret.len() >= 32 => {
                    Ok((kid.to_owned(), secret.to_owned()))
                }
                _ => Err(ConfigError::Invalid {
                    name: "JWT_SIGNING_KEYS",
                    reason: "expected kid=secret pairs with secrets of at least 32 characters"
                        .into(),
                }),
            })
            .collect::<Result<Vec<_>, _>>()?;
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
            sso_apps: get("SSO_APPS")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect(),
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
            jwt_keys,
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

    #[test]
    fn signing_keys_are_kid_secret_pairs_and_short_secrets_are_refused() {
        let with = |keys: &'static str| {
            Config::from_lookup(move |k| match k {
                "TABLE_NAME" => Some("t".into()),
                "JWT_SIGNING_KEYS" => Some(keys.into()),
                _ => None,
            })
        };
        let long = "k1=0123456789abcdef0123456789abcdef, k0=fedcba9876543210fedcba9876543210";
        assert_eq!(with(long).unwrap().jwt_keys[1].0, "k0");
        assert!(with("k1=short").is_err());
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
