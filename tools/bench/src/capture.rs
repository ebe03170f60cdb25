//! What a handler asked of DynamoDB, captured by an SDK interceptor as the typed inputs, so the
//! same operations can be issued again, raw, through the same client: the baseline a handler's
//! latency is compared with. Outputs give the items each Query or Scan read.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::operation::batch_get_item::builders::BatchGetItemInputBuilder;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;
use aws_sdk_dynamodb::operation::batch_write_item::builders::BatchWriteItemInputBuilder;
use aws_sdk_dynamodb::operation::get_item::GetItemInput;
use aws_sdk_dynamodb::operation::get_item::builders::GetItemInputBuilder;
use aws_sdk_dynamodb::operation::query::builders::QueryInputBuilder;
use aws_sdk_dynamodb::operation::query::{QueryInput, QueryOutput};
use aws_sdk_dynamodb::operation::scan::builders::ScanInputBuilder;
use aws_sdk_dynamodb::operation::scan::{ScanInput, ScanOutput};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::operation::transact_write_items::builders::TransactWriteItemsInputBuilder;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemInputBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

/// One DynamoDB operation as the handler issued it.
#[derive(Debug, Clone)]
pub enum RawOp {
    GetItem(GetItemInput),
    Query(QueryInput),
    Scan(ScanInput),
    BatchGetItem(BatchGetItemInput),
    BatchWriteItem(BatchWriteItemInput),
    TransactWriteItems(TransactWriteItemsInput),
    UpdateItem(UpdateItemInput),
    /// An operation the bench cannot replay (none of the handlers issues one today).
    Other,
}

#[derive(Debug, Default)]
struct Recording {
    on: bool,
    ops: Vec<RawOp>,
    items_read: u64,
}

/// The interceptor; clone it into the client's config and keep a handle to read it.
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Recording>>);

impl Recorder {
    /// Starts a new recording (the bench runs one request at a time).
    pub fn start(&self) {
        *self.0.lock().unwrap() = Recording {
            on: true,
            ..Recording::default()
        };
    }

    /// Stops recording: the operations issued and the items their Queries and Scans read.
    pub fn stop(&self) -> (Vec<RawOp>, u64) {
        let mut r = self.0.lock().unwrap();
        r.on = false;
        (std::mem::take(&mut r.ops), r.items_read)
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "BenchRecorder"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let mut r = self.0.lock().unwrap();
        if !r.on {
            return Ok(());
        }
        let input = context.input();
        let op = if let Some(i) = input.downcast_ref::<GetItemInput>() {
            RawOp::GetItem(i.clone())
        } else if let Some(i) = input.downcast_ref::<QueryInput>() {
            RawOp::Query(i.clone())
        } else if let Some(i) = input.downcast_ref::<ScanInput>() {
            RawOp::Scan(i.clone())
        } else if let Some(i) = input.downcast_ref::<BatchGetItemInput>() {
            RawOp::BatchGetItem(i.clone())
        } else if let Some(i) = input.downcast_ref::<BatchWriteItemInput>() {
            RawOp::BatchWriteItem(i.clone())
        } else if let Some(i) = input.downcast_ref::<TransactWriteItemsInput>() {
            RawOp::TransactWriteItems(i.clone())
        } else if let Some(i) = input.downcast_ref::<UpdateItemInput>() {
            RawOp::UpdateItem(i.clone())
        } else {
            RawOp::Other
        };
        r.ops.push(op);
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let mut r = self.0.lock().unwrap();
        if !r.on {
            return Ok(());
        }
        if let Some(Ok(output)) = context.output_or_error() {
            if let Some(q) = output.downcast_ref::<QueryOutput>() {
                r.items_read += q.scanned_count.max(0) as u64;
            } else if let Some(s) = output.downcast_ref::<ScanOutput>() {
                r.items_read += s.scanned_count.max(0) as u64;
            }
        }
        Ok(())
    }
}

type Sent = Result<(), String>;

fn sent<T, E: std::fmt::Display>(r: Result<T, E>) -> Sent {
    r.map(|_| ()).map_err(|e| e.to_string())
}

impl RawOp {
    /// The same operation for the baseline. Writes lose their conditions (a replay of a create
    /// would otherwise be refused by the condition its first run made true), so the baseline
    /// does the write's work in full; an update keeps one, that its item exists, so a replay
    /// never creates a partial item. Reads are sent exactly as captured.
    pub fn replayable(&self) -> Self {
        match self {
            RawOp::UpdateItem(i) => {
                let mut i = i.clone();
                let used = used_placeholders(&[i.update_expression.as_deref()]);
                prune(
                    &used,
                    &mut i.expression_attribute_names,
                    &mut i.expression_attribute_values,
                );
                i.condition_expression = Some(only_if_present(&mut i.expression_attribute_names));
                RawOp::UpdateItem(i)
            }
            RawOp::TransactWriteItems(i) => {
                let mut i = i.clone();
                i.transact_items = i.transact_items.map(|items| {
                    items
                        .into_iter()
                        .filter(|t| t.condition_check.is_none())
                        .map(unconditional)
                        .collect()
                });
                RawOp::TransactWriteItems(i)
            }
            other => other.clone(),
        }
    }

    /// The operation in the reference function's form (`reference_lambda::Op`).
    pub fn to_reference(&self) -> Result<reference_lambda::Op, String> {
        match self {
            RawOp::GetItem(i) => i.try_into(),
            RawOp::Query(i) => i.try_into(),
            RawOp::Scan(i) => i.try_into(),
            RawOp::BatchGetItem(i) => i.try_into(),
            RawOp::BatchWriteItem(i) => i.try_into(),
            RawOp::TransactWriteItems(i) => i.try_into(),
            RawOp::UpdateItem(i) => i.try_into(),
            RawOp::Other => Err("an operation the bench does not capture".into()),
        }
    }

    pub async fn send(&self, client: &Client) -> Sent {
        match self.clone() {
            RawOp::GetItem(i) => sent(
                GetItemInputBuilder::default()
                    .set_table_name(i.table_name)
                    .set_key(i.key)
                    .set_attributes_to_get(i.attributes_to_get)
                    .set_consistent_read(i.consistent_read)
                    .set_return_consumed_capacity(i.return_consumed_capacity)
                    .set_projection_expression(i.projection_expression)
                    .set_expression_attribute_names(i.expression_attribute_names)
                    .send_with(client)
                    .await,
            ),
            RawOp::Query(i) => sent(
                QueryInputBuilder::default()
                    .set_table_name(i.table_name)
                    .set_index_name(i.index_name)
                    .set_select(i.select)
                    .set_attributes_to_get(i.attributes_to_get)
                    .set_limit(i.limit)
                    .set_consistent_read(i.consistent_read)
                    .set_key_conditions(i.key_conditions)
                    .set_query_filter(i.query_filter)
                    .set_conditional_operator(i.conditional_operator)
                    .set_scan_index_forward(i.scan_index_forward)
                    .set_exclusive_start_key(i.exclusive_start_key)
                    .set_return_consumed_capacity(i.return_consumed_capacity)
                    .set_projection_expression(i.projection_expression)
                    .set_filter_expression(i.filter_expression)
                    .set_key_condition_expression(i.key_condition_expression)
                    .set_expression_attribute_names(i.expression_attribute_names)
                    .set_expression_attribute_values(i.expression_attribute_values)
                    .send_with(client)
                    .await,
            ),
            RawOp::Scan(i) => sent(
                ScanInputBuilder::default()
                    .set_table_name(i.table_name)
                    .set_index_name(i.index_name)
                    .set_attributes_to_get(i.attributes_to_get)
                    .set_limit(i.limit)
                    .set_select(i.select)
                    .set_scan_filter(i.scan_filter)
                    .set_conditional_operator(i.conditional_operator)
                    .set_exclusive_start_key(i.exclusive_start_key)
                    .set_return_consumed_capacity(i.return_consumed_capacity)
                    .set_total_segments(i.total_segments)
                    .set_segment(i.segment)
                    .set_projection_expression(i.projection_expression)
                    .set_filter_expression(i.filter_expression)
                    .set_expression_attribute_names(i.expression_attribute_names)
                    .set_expression_attribute_values(i.expression_attribute_values)
                    .set_consistent_read(i.consistent_read)
                    .send_with(client)
                    .await,
            ),
            RawOp::BatchGetItem(i) => sent(
                BatchGetItemInputBuilder::default()
                    .set_request_items(i.request_items)
                    .set_return_consumed_capacity(i.return_consumed_capacity)
                    .send_with(client)
                    .await,
            ),
            RawOp::BatchWriteItem(i) => sent(
                BatchWriteItemInputBuilder::default()
                    .set_request_items(i.request_items)
                    .set_return_consumed_capacity(i.return_consumed_capacity)
                    .set_return_item_collection_metrics(i.return_item_collection_metrics)
                    .send_with(client)
                    .await,
            ),
            RawOp::TransactWriteItems(i) => {
                if i.transact_items.as_ref().is_none_or(Vec::is_empty) {
                    return Ok(());
                }
                sent(
                    TransactWriteItemsInputBuilder::default()
                        .set_transact_items(i.transact_items)
                        .set_return_consumed_capacity(i.return_consumed_capacity)
                        .set_return_item_collection_metrics(i.return_item_collection_metrics)
                        // A reused token would make DynamoDB answer from its idempotency
                        // record instead of doing the write.
                        .set_client_request_token(None)
                        .send_with(client)
                        .await,
                )
            }
            RawOp::UpdateItem(i) => sent(
                UpdateItemInputBuilder::default()
                    .set_table_name(i.table_name)
                    .set_key(i.key)
                    .set_attribute_updates(i.attribute_updates)
                    .set_expected(i.expected)
                    .set_conditional_operator(i.conditional_operator)
                    .set_return_values(i.return_values)
                    .set_return_consumed_capacity(i.return_consumed_capacity)
                    .set_return_item_collection_metrics(i.return_item_collection_metrics)
                    .set_update_expression(i.update_expression)
                    .set_condition_expression(i.condition_expression)
                    .set_expression_attribute_names(i.expression_attribute_names)
                    .set_expression_attribute_values(i.expression_attribute_values)
                    .send_with(client)
                    .await,
            ),
            RawOp::Other => Err("an operation the bench does not replay".into()),
        }
    }
}

/// A transaction item without its condition. A put's or a delete's placeholders serve only its
/// condition, so they go with it; an update keeps those its expression uses.
fn unconditional(mut t: TransactWriteItem) -> TransactWriteItem {
    if let Some(p) = t.put.as_mut() {
        p.condition_expression = None;
        p.expression_attribute_names = None;
        p.expression_attribute_values = None;
    }
    if let Some(d) = t.delete.as_mut() {
        d.condition_expression = None;
        d.expression_attribute_names = None;
        d.expression_attribute_values = None;
    }
    if let Some(u) = t.update.as_mut() {
        let used = used_placeholders(&[Some(u.update_expression.as_str())]);
        prune(
            &used,
            &mut u.expression_attribute_names,
            &mut u.expression_attribute_values,
        );
        u.condition_expression = Some(only_if_present(&mut u.expression_attribute_names));
    }
    t
}

/// The condition an update keeps: its item exists (an update would otherwise create it).
fn only_if_present(names: &mut Option<std::collections::HashMap<String, String>>) -> String {
    names
        .get_or_insert_with(Default::default)
        .insert("#bench_pk".into(), idgraph::keys::PK.into());
    "attribute_exists(#bench_pk)".into()
}

/// The `#name` and `:value` placeholders the expressions use (DynamoDB refuses unused ones).
fn used_placeholders(expressions: &[Option<&str>]) -> HashSet<String> {
    let mut used = HashSet::new();
    for e in expressions.iter().flatten() {
        let mut current: Option<String> = None;
        for c in e.chars().chain(std::iter::once(' ')) {
            if let Some(p) = current.as_mut() {
                if c.is_alphanumeric() || c == '_' {
                    p.push(c);
                    continue;
                }
                used.extend(current.take());
            }
            if c == '#' || c == ':' {
                current = Some(c.to_string());
            }
        }
    }
    used
}

fn prune(
    used: &HashSet<String>,
    names: &mut Option<std::collections::HashMap<String, String>>,
    values: &mut Option<std::collections::HashMap<String, AttributeValue>>,
) {
    if let Some(n) = names.as_mut() {
        n.retain(|k, _| used.contains(k));
    }
    if let Some(v) = values.as_mut() {
        v.retain(|k, _| used.contains(k));
    }
    if names.as_ref().is_some_and(|n| n.is_empty()) {
        *names = None;
    }
    if values.as_ref().is_some_and(|v| v.is_empty()) {
        *values = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_read_from_expressions() {
        let used = used_placeholders(&[Some("SET #a = :one, b = if_not_exists(#b_2, :zero)")]);
        let mut used: Vec<_> = used.into_iter().collect();
        used.sort();
        assert_eq!(used, ["#a", "#b_2", ":one", ":zero"]);
    }
}
