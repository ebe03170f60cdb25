//! The one DynamoDB client of a process, bound to its table. Every request goes through here so
//! that each is counted (with its consumed capacity) for the request's log line, and every SDK
//! error is classified the same way.

//!
//! - `read`: single items, batches and Queries;
//! - `write`: transactions, the one builder per kind of transaction item (each taking a
//!   `Condition`), and the few writes made outside a transaction;
//! - `classify`: what an SDK failure means to the API layer (pure, unit-tested).

mod classify;
mod read;
mod write;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ConsumedCapacity};

use crate::error::StoreError;
use crate::metrics;

pub use classify::classify;
pub use read::{QueryPage, QuerySpec};
pub use write::Condition;

pub type Item = HashMap<String, AttributeValue>;

#[derive(Clone, Debug)]
pub struct Db {
    pub client: Client,
    pub table: String,
    /// The most items one transaction may hold: 100 in DynamoDB, 10 in DynamoDB Local's 2020
    /// build. Every size decision (one transaction or several) follows it.
    pub max_transaction_items: usize,
}

/// DynamoDB's cap on the items of one transaction.
pub const DYNAMODB_TRANSACTION_ITEMS: usize = 100;

impl Db {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            max_transaction_items: DYNAMODB_TRANSACTION_ITEMS,
        }
    }
}

fn record(capacity: Option<&ConsumedCapacity>) {
    metrics::record(capacity.and_then(|c| c.capacity_units).unwrap_or(0.0));
}

fn record_all(capacities: &[ConsumedCapacity]) {
    metrics::record(capacities.iter().filter_map(|c| c.capacity_units).sum());
}

/// A failed request is still a request made.
fn counted(e: StoreError) -> StoreError {
    metrics::record(0.0);
    e
}
