//! SlashID's `SlashID-Required-Consistency` and `SlashID-Required-Consistency-Timeout`. With
//! `all_regions` a write answers only once every configured replica shows it, else 408; the
//! write stands either way.

use std::time::{Duration, Instant};

use lambda_http::Request;

use crate::app::App;
use crate::db::Item;
use crate::error::ApiError;
use crate::item::get_u64;
use crate::keys::Key;
use crate::request::header;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    LocalRegion,
    AllRegions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consistency {
    pub level: Level,
    pub timeout: Duration,
}

const POLL_EVERY: Duration = Duration::from_millis(200);

impl Consistency {
    pub fn from_request(req: &Request) -> Result<Self, ApiError> {
        let bad = |m: String| ApiError::BadRequest(m);
        let level = match header(req, "slashid-required-consistency")? {
            None | Some("local_region") => Level::LocalRegion,
            Some("all_regions") => Level::AllRegions,
            Some(other) => {
                return Err(bad(format!(
                    "SlashID-Required-Consistency must be local_region or all_regions, not {other:?}"
                )));
            }
        };
        let timeout = match header(req, "slashid-required-consistency-timeout")? {
            None => 30,
            Some(raw) => match raw.parse::<u64>() {
                Ok(secs @ 1..=120) => secs,
                _ => {
                    return Err(bad(format!(
                        "SlashID-Required-Consistency-Timeout must be 1 to 120 seconds, not {raw:?}"
                    )));
                }
            },
        };
        Ok(Self {
            level,
            timeout: Duration::from_secs(timeout),
        })
    }

    /// After a write that left `key` at `version`: with `all_regions`, polls every replica until
    /// each shows at least that version; 408 if the timeout passes first. An item without a
    /// version counts as its first.
    pub async fn wait(&self, app: &App, key: &Key, version: u64) -> Result<(), ApiError> {
        self.wait_until(app, key, "the write is stored", |item| {
            item.map_or(0, |i| get_u64(i, "version").unwrap_or(1)) >= version.max(1)
        })
        .await
    }

    /// After a delete of the item at `key`: with `all_regions`, polls every replica until none
    /// shows it any more; 408 if the timeout passes first.
    pub async fn wait_absent(&self, app: &App, key: &Key) -> Result<(), ApiError> {
        self.wait_until(app, key, "the delete is done", |item| item.is_none())
            .await
    }

    /// With `all_regions`, polls every replica until `shown` holds of its copy of `key` (`None`
    /// when it has none); 408 naming `done` if the timeout passes first. An unreachable or
    /// lagging replica is simply not there yet.
    pub async fn wait_until(
        &self,
        app: &App,
        key: &Key,
        done: &str,
        shown: impl Fn(Option<&Item>) -> bool,
    ) -> Result<(), ApiError> {
        if self.level == Level::LocalRegion || app.replicas.is_empty() {
            return Ok(());
        }
        let deadline = Instant::now() + self.timeout;
        for replica in &app.replicas {
            while !replica
                .get_eventually(key)
                .await
                .is_ok_and(|item| shown(item.as_ref()))
            {
                if Instant::now() + POLL_EVERY > deadline {
                    return Err(ApiError::RequestTimeout(format!(
                        "{done}, but not every region confirmed it within {} s",
                        self.timeout.as_secs()
                    )));
                }
                tokio::time::sleep(POLL_EVERY).await;
            }
        }
        Ok(())
    }
}
