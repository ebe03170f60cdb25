//! The one DynamoDB client of a process, bound to its table. Every request goes through here so
//! that each is counted (with its consumed capacity) for the request's log line, and every SDK
//! error is classified the same way.

use std::collections::HashMap;
use std::fmt::Debug;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, ConsumedCapacity, Delete, KeysAndAttributes, Put,
    ReturnConsumedCapacity, TransactWriteItem,
};

use crate::error::StoreError;
use crate::keys::Key;
use crate::metrics;

pub type Item = HashMap<String, AttributeValue>;

#[derive(Clone, Debug)]
pub struct Db {
    pub client: Client,
    pub table: String,
}

/// BatchGetItem may leave keys unprocessed under load; we retry those a bounded number of times.
const BATCH_GET_ATTEMPTS: u32 = 4;
/// DynamoDB's own cap on the items of one transaction.
pub const MAX_TRANSACTION_ITEMS: usize = 100;

impl Db {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Opens the connection during init so the first request does not pay for it.
    pub async fn warm(&self) -> Result<(), StoreError> {
        self.client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok(())
    }

    pub async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| counted(classify(&e)))?;
        record(out.consumed_capacity());
        Ok(out.item)
    }

    /// Reads several items in one request (more only if DynamoDB leaves some unprocessed).
    /// Returns them in no particular order; missing items are simply absent.
    pub async fn batch_get(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::with_capacity(keys.len());
        let mut pending = KeysAndAttributes::builder()
            .set_keys(Some(keys.iter().map(Key::to_item).collect()))
            .consistent_read(true)
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        for attempt in 0..BATCH_GET_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(25 << attempt)).await;
            }
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, pending.clone())
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|e| counted(classify(&e)))?;
            record_all(out.consumed_capacity());
            if let Some(mut responses) = out.responses {
                found.extend(responses.remove(&self.table).unwrap_or_default());
            }
            match out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)) {
                Some(rest) if !rest.keys().is_empty() => pending = rest,
                _ => return Ok(found),
            }
        }
        Err(StoreError::Throttled)
    }

    /// Every item of partition `pk` whose sort key begins with `sk_prefix`, strongly consistent.
    /// One request unless the result passes DynamoDB's 1 MB page.
    pub async fn query_prefix(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", crate::keys::PK)
                .expression_attribute_names("#sk", crate::keys::SK)
                .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
                .expression_attribute_values(":prefix", AttributeValue::S(sk_prefix.to_owned()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|e| counted(classify(&e)))?;
            record(out.consumed_capacity());
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(items),
            }
        }
    }

    /// Applies all writes or none.
    pub async fn transact(&self, writes: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        if writes.len() > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::Internal(format!(
                "{} items exceed one transaction",
                writes.len()
            )));
        }
        let out = self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| counted(classify_transaction(e)))?;
        record_all(out.consumed_capacity());
        Ok(())
    }

    /// A `Put` for a transaction, applied only if `condition` holds.
    pub fn put(&self, item: Item, condition: Option<&str>) -> TransactWriteItem {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned))
            .build()
            .expect("table and item are set");
        TransactWriteItem::builder().put(put).build()
    }

    /// A `Delete` for a transaction.
    pub fn delete(&self, key: &Key) -> TransactWriteItem {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .build()
            .expect("table and key are set");
        TransactWriteItem::builder().delete(delete).build()
    }

    /// A `ConditionCheck` for a transaction: nothing is written, but the transaction fails
    /// unless `condition` holds for the item at `key`.
    pub fn check(&self, key: &Key, condition: &str) -> TransactWriteItem {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .condition_expression(condition)
            .build()
            .expect("table, key and condition are set");
        TransactWriteItem::builder().condition_check(check).build()
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

/// Maps any SDK failure onto what the API layer needs to know: throttled (429), unavailable
/// (503), a failed condition (the caller decides), or our own fault.
pub fn classify<E: ProvideErrorMetadata + Debug, R: Debug>(e: &SdkError<E, R>) -> StoreError {
    match e {
        SdkError::ServiceError(se) => match se.err().code() {
            Some(
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded",
            ) => StoreError::Throttled,
            Some("ConditionalCheckFailedException") => StoreError::ConditionFailed,
            Some("InternalServerError" | "ServiceUnavailable" | "ResourceNotFoundException") => {
                StoreError::Unavailable(format!("{:?}", se.err().code()))
            }
            other => StoreError::Internal(format!("{other:?}: {:?}", se.err().message())),
        },
        SdkError::TimeoutError(_) => StoreError::Unavailable("timed out".into()),
        SdkError::DispatchFailure(d) => StoreError::Unavailable(format!("dispatch failure: {d:?}")),
        SdkError::ResponseError(_) => StoreError::Unavailable("unreadable response".into()),
        other => StoreError::Internal(format!("{other:?}")),
    }
}

fn classify_transaction<R: Debug>(e: SdkError<TransactWriteItemsError, R>) -> StoreError {
    if let SdkError::ServiceError(se) = &e {
        if let TransactWriteItemsError::TransactionCanceledException(tc) = se.err() {
            let reasons: Vec<String> = tc
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().unwrap_or("None").to_owned())
                .collect();
            if reasons
                .iter()
                .any(|r| r.contains("Throttl") || r == "ProvisionedThroughputExceeded")
            {
                return StoreError::Throttled;
            }
            if reasons.iter().any(|r| r == "TransactionConflict") {
                return StoreError::ConditionFailed;
            }
            return StoreError::TransactionCancelled(reasons);
        }
    }
    classify(&e)
}
