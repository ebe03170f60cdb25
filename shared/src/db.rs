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

/// A Query over one partition: of the table (`index: None`, sort key `sk`) or of an LSI.
#[derive(Debug, Clone)]
pub struct QuerySpec<'a> {
    pub pk: &'a str,
    pub index: Option<&'a str>,
    /// The sort-key attribute `prefix` applies to.
    pub sort_attr: &'a str,
    pub prefix: Option<&'a str>,
    pub forward: bool,
    pub limit: Option<i32>,
    pub start: Option<Item>,
    /// `Select = COUNT`: only `count` comes back.
    pub count_only: bool,
}

#[derive(Debug, Default)]
pub struct QueryPage {
    pub items: Vec<Item>,
    pub count: u64,
    /// Where the next page starts; `None` at the end of the range.
    pub last: Option<Item>,
}

#[derive(Clone, Debug)]
pub struct Db {
    pub client: Client,
    pub table: String,
    /// The most items one transaction may hold: 100 in DynamoDB, 10 in DynamoDB Local's 2020
    /// build. Every size decision (one transaction or several) follows it.
    pub max_transaction_items: usize,
}

/// BatchGetItem may leave keys unprocessed under load; we retry those a bounded number of times.
/// A batch write gives up (as throttled) when items stay unprocessed after this many tries.
const BATCH_WRITE_ATTEMPTS: u32 = 10;
const BATCH_GET_ATTEMPTS: u32 = 4;
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

    pub async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.read_item(key, true).await
    }

    /// An eventually consistent read, as a replica region serves it.
    pub async fn get_eventually(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.read_item(key, false).await
    }

    async fn read_item(&self, key: &Key, consistent: bool) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .consistent_read(consistent)
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

    /// Any number of keys: duplicates dropped, 100 per BatchGetItem (DynamoDB's limit).
    pub async fn batch_get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        let mut unique: Vec<Key> = Vec::with_capacity(keys.len());
        for k in keys {
            if !unique.contains(k) {
                unique.push(k.clone());
            }
        }
        let mut found = Vec::with_capacity(unique.len());
        for chunk in unique.chunks(100) {
            found.extend(self.batch_get(chunk).await?);
        }
        Ok(found)
    }

    /// Every item of partition `pk` whose sort key begins with `sk_prefix`, strongly consistent.
    /// One request unless the result passes DynamoDB's 1 MB page.
    pub async fn query_prefix(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.query_where(
            pk,
            "#pk = :pk AND begins_with(#sk, :prefix)",
            vec![(":prefix", sk_prefix)],
        )
        .await
    }

    /// How many items of partition `pk` have a sort key beginning with `sk_prefix`: a strongly
    /// consistent `Select: COUNT` Query, paged to the end.
    pub async fn count_prefix(&self, pk: &str, sk_prefix: &str) -> Result<u64, StoreError> {
        let mut count = 0u64;
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
                .select(aws_sdk_dynamodb::types::Select::Count)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|e| counted(classify(&e)))?;
            record(out.consumed_capacity());
            count += out.count.max(0) as u64;
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(count),
            }
        }
    }

    /// Every item of partition `pk`, strongly consistent.
    pub async fn query_all(&self, pk: &str) -> Result<Vec<Item>, StoreError> {
        self.query_where(pk, "#pk = :pk", vec![]).await
    }

    async fn query_where(
        &self,
        pk: &str,
        condition: &str,
        bounds: Vec<(&str, &str)>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(condition)
                .set_expression_attribute_names(Some(
                    [("#pk".to_owned(), crate::keys::PK.to_owned())]
                        .into_iter()
                        .chain(
                            condition
                                .contains("#sk")
                                .then(|| ("#sk".to_owned(), crate::keys::SK.to_owned())),
                        )
                        .collect(),
                ))
                .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .return_consumed_capacity(ReturnConsumedCapacity::Total);
            for (name, value) in &bounds {
                q = q.expression_attribute_values(*name, AttributeValue::S((*value).to_owned()));
            }
            let out = q.send().await.map_err(|e| counted(classify(&e)))?;
            record(out.consumed_capacity());
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(items),
            }
        }
    }

    /// One Query request over partition `q.pk` of the table or one of its LSIs, strongly
    /// consistent: the caller pages with `last`, so it can stop as soon as it has enough.
    pub async fn query_page(&self, q: &QuerySpec<'_>) -> Result<QueryPage, StoreError> {
        let mut condition = "#pk = :pk".to_owned();
        let mut names = HashMap::from([("#pk".to_owned(), crate::keys::PK.to_owned())]);
        let mut values = HashMap::from([(":pk".to_owned(), AttributeValue::S(q.pk.to_owned()))]);
        if let Some(prefix) = q.prefix {
            condition.push_str(" AND begins_with(#sk, :prefix)");
            names.insert("#sk".into(), q.sort_attr.to_owned());
            values.insert(":prefix".into(), AttributeValue::S(prefix.to_owned()));
        }
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(q.index.map(str::to_owned))
            .key_condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(q.forward)
            .set_limit(q.limit)
            .set_exclusive_start_key(q.start.clone())
            .set_select(
                q.count_only
                    .then_some(aws_sdk_dynamodb::types::Select::Count),
            )
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| counted(classify(&e)))?;
        record(out.consumed_capacity());
        Ok(QueryPage {
            count: u64::try_from(out.count).unwrap_or(0),
            items: out.items.unwrap_or_default(),
            last: out.last_evaluated_key.filter(|k| !k.is_empty()),
        })
    }

    /// An UpdateItem outside a transaction that returns the item as it is afterwards, or `None`
    /// when `condition` did not hold.
    pub async fn update_returning(
        &self,
        key: &Key,
        update: &str,
        condition: &str,
        names: &[(&str, &str)],
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<Option<Item>, StoreError> {
        let (names, values) = bindings(names, values);
        let sent = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .update_expression(update)
            .condition_expression(condition)
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
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
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
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

    /// Every item whose partition key begins with one of `prefixes`: a parallel Scan of the whole
    /// table in `segments`, for offline tools (export), never for an API request.
    pub async fn scan_partitions(
        &self,
        prefixes: &[String],
        segments: i32,
    ) -> Result<Vec<Item>, StoreError> {
        let filter = (0..prefixes.len())
            .map(|i| format!("begins_with(#pk, :p{i})"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let scans = (0..segments).map(|segment| {
            let filter = filter.clone();
            async move {
                let mut items = Vec::new();
                let mut start = None;
                loop {
                    let mut scan = self
                        .client
                        .scan()
                        .table_name(&self.table)
                        .segment(segment)
                        .total_segments(segments)
                        .filter_expression(&filter)
                        .expression_attribute_names("#pk", crate::keys::PK)
                        .consistent_read(true)
                        .set_exclusive_start_key(start)
                        .return_consumed_capacity(ReturnConsumedCapacity::Total);
                    for (i, p) in prefixes.iter().enumerate() {
                        scan = scan.expression_attribute_values(
                            format!(":p{i}"),
                            AttributeValue::S(p.clone()),
                        );
                    }
                    let out = scan.send().await.map_err(|e| counted(classify(&e)))?;
                    record(out.consumed_capacity());
                    items.extend(out.items.unwrap_or_default());
                    match out.last_evaluated_key {
                        Some(k) if !k.is_empty() => start = Some(k),
                        _ => return Ok::<_, StoreError>(items),
                    }
                }
            }
        });
        let mut all = Vec::new();
        for part in futures_util::future::try_join_all(scans).await? {
            all.extend(part);
        }
        Ok(all)
    }

    /// Marks the item at `key` as being deleted (`state = deleting`), so that writes conditioned
    /// on its liveness fail from now on. `false` when there is no such item.
    pub async fn tombstone(&self, key: &Key) -> Result<bool, StoreError> {
        let mark = self.update(
            key,
            "SET #state = :deleting",
            Some("attribute_exists(pk)"),
            &[("#state", "state")],
            vec![(":deleting", AttributeValue::S("deleting".into()))],
        );
        match self.transact(vec![mark]).await {
            Ok(()) => Ok(true),
            Err(StoreError::TransactionCancelled(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

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

    /// A `Put` for a transaction, applied only if `condition` holds.
    pub fn put(&self, item: Item, condition: Option<&str>) -> TransactWriteItem {
        self.put_with(item, condition, &[], vec![])
    }

    /// A `Put` whose condition binds names and values.
    pub fn put_with(
        &self,
        item: Item,
        condition: Option<&str>,
        names: &[(&str, &str)],
        values: Vec<(&str, AttributeValue)>,
    ) -> TransactWriteItem {
        let (names, values) = bindings(names, values);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned))
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table and item are set");
        TransactWriteItem::builder().put(put).build()
    }

    /// A `Delete` for a transaction.
    pub fn delete(&self, key: &Key) -> TransactWriteItem {
        self.delete_if(key, None)
    }

    /// A `Delete` for a transaction, applied only if `condition` holds.
    pub fn delete_if(&self, key: &Key, condition: Option<&str>) -> TransactWriteItem {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .set_condition_expression(condition.map(str::to_owned))
            .build()
            .expect("table and key are set");
        TransactWriteItem::builder().delete(delete).build()
    }

    /// A `Delete` for a transaction whose condition binds values.
    pub fn delete_if_with(
        &self,
        key: &Key,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> TransactWriteItem {
        let (_, values) = bindings(&[], values);
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .condition_expression(condition)
            .set_expression_attribute_values(values)
            .build()
            .expect("table and key are set");
        TransactWriteItem::builder().delete(delete).build()
    }

    /// An `Update` for a transaction. `values` and `names` bind the expressions' placeholders.
    pub fn update(
        &self,
        key: &Key,
        update: &str,
        condition: Option<&str>,
        names: &[(&str, &str)],
        values: Vec<(&str, AttributeValue)>,
    ) -> TransactWriteItem {
        let (names, values) = bindings(names, values);
        let update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .update_expression(update)
            .set_condition_expression(condition.map(str::to_owned))
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table, key and update are set");
        TransactWriteItem::builder().update(update).build()
    }

    /// Every item of partition `pk` whose sort key lies in `[from, to]`, strongly consistent.
    pub async fn query_range(
        &self,
        pk: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<Item>, StoreError> {
        self.query_where(
            pk,
            "#pk = :pk AND #sk BETWEEN :from AND :to",
            vec![(":from", from), (":to", to)],
        )
        .await
    }

    /// A `ConditionCheck` whose condition binds names and values.
    pub fn check_with(
        &self,
        key: &Key,
        condition: &str,
        names: &[(&str, &str)],
        values: Vec<(&str, AttributeValue)>,
    ) -> TransactWriteItem {
        let (names, values) = bindings(names, values);
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .condition_expression(condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .expect("table, key and condition are set");
        TransactWriteItem::builder().condition_check(check).build()
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

/// Expression placeholders as the SDK takes them (`None` when there are none: DynamoDB refuses
/// empty maps).
type Names = Option<HashMap<String, String>>;
type Values = Option<HashMap<String, AttributeValue>>;

fn bindings(names: &[(&str, &str)], values: Vec<(&str, AttributeValue)>) -> (Names, Values) {
    let names: HashMap<_, _> = names
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let values: HashMap<_, _> = values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    (
        (!names.is_empty()).then_some(names),
        (!values.is_empty()).then_some(values),
    )
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
    if let SdkError::ServiceError(se) = &e
        && let TransactWriteItemsError::TransactionCanceledException(tc) = se.err()
    {
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
    classify(&e)
}
