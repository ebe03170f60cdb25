//! Reads: single items, batches and Queries, each counted and classified.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnConsumedCapacity};

use super::{Db, Item, classify, counted, record, record_all};
use crate::error::StoreError;
use crate::keys::Key;

/// BatchGetItem may leave keys unprocessed under load; we retry those a bounded number of times.
const BATCH_GET_ATTEMPTS: u32 = 4;

/// A Query over one partition: of the table (`index: None`, sort key `sk`) or of an LSI.
#[derive(Debug, Clone)]
pub struct QuerySpec<'a> {
    pub pk: &'a str,
    /// The partition-key attribute: `pk` for the table and its LSIs, a GSI's own otherwise.
    pub pk_attr: &'a str,
    pub index: Option<&'a str>,
    /// The sort-key attribute `prefix` or `between` applies to.
    pub sort_attr: &'a str,
    /// Sort keys beginning with this.
    pub prefix: Option<String>,
    /// Sort keys within these bounds, both included (instead of `prefix`).
    pub between: Option<(String, String)>,
    pub forward: bool,
    pub limit: Option<i32>,
    pub start: Option<Item>,
    /// `Select = COUNT`: only `count` comes back.
    pub count_only: bool,
    /// `Select = ALL_ATTRIBUTES` on an LSI: what it does not project is fetched from the table.
    pub all_attributes: bool,
    /// Strongly consistent, as the table and its LSIs can be; a GSI cannot.
    pub consistent: bool,
}

impl<'a> QuerySpec<'a> {
    /// A forward Query of the table's partition `pk`, narrowed by struct update.
    pub fn table(pk: &'a str) -> Self {
        Self {
            pk,
            pk_attr: crate::keys::PK,
            index: None,
            sort_attr: crate::keys::SK,
            prefix: None,
            between: None,
            forward: true,
            limit: None,
            start: None,
            count_only: false,
            all_attributes: false,
            consistent: true,
        }
    }

    /// A forward Query of partition `pk` of the global index `index` (partition key `pk_attr`),
    /// eventually consistent as every GSI read is.
    pub fn global_index(index: &'a str, pk_attr: &'a str, pk: &'a str) -> Self {
        Self {
            pk_attr,
            index: Some(index),
            consistent: false,
            ..Self::table(pk)
        }
    }
}

#[derive(Debug, Default)]
pub struct QueryPage {
    pub items: Vec<Item>,
    pub count: u64,
    /// Where the next page starts; `None` at the end of the range.
    pub last: Option<Item>,
}

impl Db {
    /// One read of a key nothing is stored under (`keys::warm_up`), made once at init so that
    /// the connection, the CA store and the TLS session are ready before the first request. One
    /// attempt and its outcome ignored: a fault here is the first request's to report.
    pub async fn warm_up(&self) {
        let _ = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(crate::keys::warm_up().to_item()))
            .customize()
            .config_override(
                aws_sdk_dynamodb::config::Builder::default()
                    .retry_config(aws_config::retry::RetryConfig::disabled()),
            )
            .send()
            .await;
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

    /// One Query request over partition `q.pk` of the table or one of its indexes: the caller
    /// pages with `last`, so it can stop as soon as it has enough.
    pub async fn query_page(&self, q: &QuerySpec<'_>) -> Result<QueryPage, StoreError> {
        let mut condition = "#pk = :pk".to_owned();
        let mut names = HashMap::from([("#pk".to_owned(), q.pk_attr.to_owned())]);
        let mut values = HashMap::from([(":pk".to_owned(), AttributeValue::S(q.pk.to_owned()))]);
        if let Some(prefix) = &q.prefix {
            condition.push_str(" AND begins_with(#sk, :prefix)");
            names.insert("#sk".into(), q.sort_attr.to_owned());
            values.insert(":prefix".into(), AttributeValue::S(prefix.clone()));
        } else if let Some((low, high)) = &q.between {
            condition.push_str(" AND #sk BETWEEN :low AND :high");
            names.insert("#sk".into(), q.sort_attr.to_owned());
            values.insert(":low".into(), AttributeValue::S(low.clone()));
            values.insert(":high".into(), AttributeValue::S(high.clone()));
        }
        let select = if q.count_only {
            Some(aws_sdk_dynamodb::types::Select::Count)
        } else if q.all_attributes {
            Some(aws_sdk_dynamodb::types::Select::AllAttributes)
        } else {
            None
        };
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
            .set_select(select)
            .consistent_read(q.consistent)
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

    /// Every item of partition `pk` of the global index `index` (partition key `pk_attr`), in
    /// the index's order, that `filter` keeps, each handed to `visit`: page after page (1 MB
    /// each) to the end, holding one page at a time. DynamoDB reads, and bills, the whole
    /// partition whatever the filter keeps. Eventually consistent, as every GSI read is.
    pub async fn query_index_each(
        &self,
        index: &str,
        pk_attr: &str,
        pk: &str,
        filter: super::Condition,
        mut visit: impl FnMut(Item) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let (expression, names, values) = filter.parts();
        let mut names = names.unwrap_or_default();
        let mut values = values.unwrap_or_default();
        names.insert("#index_pk".into(), pk_attr.to_owned());
        values.insert(":index_pk".into(), AttributeValue::S(pk.to_owned()));
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression("#index_pk = :index_pk")
                .set_filter_expression(expression.clone())
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .set_exclusive_start_key(start)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|e| counted(classify(&e)))?;
            record(out.consumed_capacity());
            for item in out.items.unwrap_or_default() {
                visit(item)?;
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(()),
            }
        }
    }

    /// The keys of the first item whose `attr` equals `value` on the keys-only global index
    /// `index` (eventually consistent, as every GSI read is).
    pub async fn first_by_index(
        &self,
        index: &str,
        attr: &str,
        value: &str,
    ) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression("#a = :v")
            .expression_attribute_names("#a", attr)
            .expression_attribute_values(":v", AttributeValue::S(value.to_owned()))
            .limit(1)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| counted(classify(&e)))?;
        record(out.consumed_capacity());
        Ok(out.items.and_then(|items| items.into_iter().next()))
    }
}
