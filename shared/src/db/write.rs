//! Writes: transactions and the items they hold, and the few writes made outside one. Every
//! transaction item comes from one builder per kind (`put`, `delete`, `update`, `check`), and
//! each takes a `Condition`, so a write's guard is always visible where it is made.

use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnConsumedCapacity, ReturnValue,
    TransactWriteItem, Update,
};

use super::classify::classify_transaction;
use super::{Db, Item, classify, counted, record, record_all};
use crate::error::StoreError;
use crate::keys::Key;

/// A batch write gives up (as throttled) when items stay unprocessed after this many tries.
const BATCH_WRITE_ATTEMPTS: u32 = 10;

/// A write's guard, and the placeholders its expressions bind. DynamoDB takes one map of names
/// and one of values per write, shared by the condition and an update expression, so an
/// update's own placeholders are bound here too (`Condition::none().names(..)`).
#[derive(Clone, Debug, Default)]
pub struct Condition {
    expression: Option<String>,
    names: Vec<(String, String)>,
    values: Vec<(String, AttributeValue)>,
}

impl Condition {
    /// No guard: the write always applies.
    pub fn none() -> Self {
        Self::default()
    }

    /// The write applies only if `expression` holds for the item as it is.
    pub fn new(expression: impl Into<String>) -> Self {
        Self {
            expression: Some(expression.into()),
            ..Self::default()
        }
    }

    /// A create: there is no item at the key yet.
    pub fn absent() -> Self {
        Self::new("attribute_not_exists(pk)")
    }

    /// There is an item at the key.
    pub fn present() -> Self {
        Self::new("attribute_exists(pk)")
    }

    /// Binds expression attribute names (`#name` → attribute).
    pub fn names(mut self, names: &[(&str, &str)]) -> Self {
        self.names.extend(
            names
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        self
    }

    /// Binds names and values built in a loop (`#n0`, `:v0`, …), as owned pairs.
    pub fn bind(
        mut self,
        names: Vec<(String, String)>,
        values: Vec<(String, AttributeValue)>,
    ) -> Self {
        self.names.extend(names);
        self.values.extend(values);
        self
    }

    /// Binds expression attribute values (`:value` → value).
    pub fn values(mut self, values: Vec<(&str, AttributeValue)>) -> Self {
        self.values
            .extend(values.into_iter().map(|(k, v)| (k.to_owned(), v)));
        self
    }

    /// The expression and the two maps as the SDK takes them (`None` when empty: DynamoDB
    /// refuses empty maps).
    pub(super) fn parts(self) -> (Option<String>, Names, Values) {
        let names = (!self.names.is_empty()).then(|| self.names.into_iter().collect());
        let values = (!self.values.is_empty()).then(|| self.values.into_iter().collect());
        (self.expression, names, values)
    }
}

type Names = Option<std::collections::HashMap<String, String>>;
type Values = Option<std::collections::HashMap<String, AttributeValue>>;

impl Db {
    /// Applies all writes or none.
    pub async fn transact(&self, writes: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        if writes.len() > self.max_transaction_items {
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

    /// A `Put` of a whole item.
    pub fn put(&self, item: Item, condition: Condition) -> TransactWriteItem {
        let (expression, names, values) = condition.parts();
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table and item are set");
        TransactWriteItem::builder().put(put).build()
    }

    /// A `Delete` of the item at `key`.
    pub fn delete(&self, key: &Key, condition: Condition) -> TransactWriteItem {
        let (expression, names, values) = condition.parts();
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .set_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table and key are set");
        TransactWriteItem::builder().delete(delete).build()
    }

    /// An `Update` of the item at `key` by the `update` expression.
    pub fn update(&self, key: &Key, update: &str, condition: Condition) -> TransactWriteItem {
        let (expression, names, values) = condition.parts();
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .update_expression(update)
            .set_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table, key and update are set");
        TransactWriteItem::builder().update(update).build()
    }

    /// A `ConditionCheck`: nothing is written, but the transaction fails unless `condition`
    /// holds for the item at `key`.
    pub fn check(&self, key: &Key, condition: Condition) -> TransactWriteItem {
        let (expression, names, values) = condition.parts();
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .set_condition_expression(expression)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table, key and condition are set");
        TransactWriteItem::builder().condition_check(check).build()
    }

    /// An UpdateItem outside a transaction that returns the item as it is afterwards, or `None`
    /// when `condition` did not hold.
    pub async fn update_returning(
        &self,
        key: &Key,
        update: &str,
        condition: Condition,
    ) -> Result<Option<Item>, StoreError> {
        let (expression, names, values) = condition.parts();
        let sent = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .update_expression(update)
            .set_condition_expression(expression)
            .return_values(ReturnValue::AllNew)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .send()
            .await;
        match sent {
            Ok(out) => {
                record(out.consumed_capacity());
                Ok(out.attributes)
            }
            Err(e) => match counted(classify(&e)) {
                StoreError::ConditionFailed => Ok(None),
                other => Err(other),
            },
        }
    }

    /// A DeleteItem outside a transaction that returns the item as it was, or `None` when there
    /// was none.
    pub async fn delete_returning(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .return_values(ReturnValue::AllOld)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| counted(classify(&e)))?;
        record(out.consumed_capacity());
        Ok(out.attributes.filter(|item| !item.is_empty()))
    }

    /// Deletes many items, 25 per BatchWriteItem, retrying unprocessed ones with backoff.
    pub async fn batch_delete(&self, keys: &[Key]) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
        let requests = keys.iter().map(|k| {
            let d = DeleteRequest::builder()
                .set_key(Some(k.to_item()))
                .build()
                .expect("key is set");
            WriteRequest::builder().delete_request(d).build()
        });
        self.batch_write(requests.collect()).await
    }

    /// Puts many items unconditionally, 25 per BatchWriteItem, retrying unprocessed ones with
    /// backoff: for items whose every write is the same whole value (bulk import).
    pub async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        let requests = items.into_iter().map(|item| {
            let p = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .expect("item is set");
            WriteRequest::builder().put_request(p).build()
        });
        self.batch_write(requests.collect()).await
    }

    async fn batch_write(
        &self,
        requests: Vec<aws_sdk_dynamodb::types::WriteRequest>,
    ) -> Result<(), StoreError> {
        for chunk in requests.chunks(25) {
            let mut pending = chunk.to_vec();
            for attempt in 0..BATCH_WRITE_ATTEMPTS {
                if attempt > 0 {
                    tokio::time::sleep(Duration::from_millis(25 << attempt.min(6))).await;
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send()
                    .await
                    .map_err(|e| counted(classify(&e)))?;
                record_all(out.consumed_capacity());
                pending = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
            }
            if !pending.is_empty() {
                return Err(StoreError::Throttled);
            }
        }
        Ok(())
    }
}
