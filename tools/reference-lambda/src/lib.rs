//! The reference of `bench/run`'s lambda section: what a function that only sends its DynamoDB
//! operations costs. `idgraph-bench` captures the operations a measured function issues (the SDK's
//! typed inputs), writes them in the JSON form below into the reference's event, and the reference
//! sends them again through aws-sdk-dynamodb, one after the other, as the function did.
//!
//! The form mirrors the inputs' fields that expression-based requests use. The legacy parameters
//! (`AttributesToGet`, `KeyConditions`, `QueryFilter`, `ScanFilter`, `Expected`,
//! `AttributeUpdates`, `ConditionalOperator`) are refused rather than dropped, so a reference
//! never silently sends less than the function did.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;
use aws_sdk_dynamodb::operation::get_item::GetItemInput;
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::scan::ScanInput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types as t;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use serde::{Deserialize, Serialize};

/// An attribute value, tagged as on the wire (`{"S": "…"}`); binaries as byte arrays.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Av {
    S(String),
    N(String),
    B(Vec<u8>),
    #[serde(rename = "SS")]
    Ss(Vec<String>),
    #[serde(rename = "NS")]
    Ns(Vec<String>),
    #[serde(rename = "BS")]
    Bs(Vec<Vec<u8>>),
    M(Item),
    L(Vec<Av>),
    #[serde(rename = "NULL")]
    Null(bool),
    #[serde(rename = "BOOL")]
    Bool(bool),
}

pub type Item = HashMap<String, Av>;
type Names = HashMap<String, String>;

/// The expression parts most requests share.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Expr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<Names>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Item>,
}

/// The options of a request that are plain flags or enum names.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Opts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistent_read: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_index_forward: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusive_start_key: Option<Item>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<(i32, i32)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_consumed_capacity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_item_collection_metrics: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_values: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_values_on_condition_check_failure: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Keys {
    pub keys: Vec<Item>,
    #[serde(default)]
    pub expr: Expr,
    #[serde(default)]
    pub opts: Opts,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Write {
    Put(Item),
    Delete(Item),
}

/// One item of a TransactWriteItems: `item` is a put's item or the key of the others.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransactItem {
    pub kind: TransactKind,
    pub table: String,
    pub item: Item,
    #[serde(default)]
    pub expr: Expr,
    #[serde(default)]
    pub opts: Opts,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub enum TransactKind {
    ConditionCheck,
    Put,
    Delete,
    Update,
}

/// One DynamoDB operation, as the function sent it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Op {
    GetItem {
        table: String,
        key: Item,
        #[serde(default)]
        expr: Expr,
        #[serde(default)]
        opts: Opts,
    },
    Query {
        table: String,
        #[serde(default)]
        expr: Expr,
        #[serde(default)]
        opts: Opts,
    },
    Scan {
        table: String,
        #[serde(default)]
        expr: Expr,
        #[serde(default)]
        opts: Opts,
    },
    BatchGetItem {
        tables: HashMap<String, Keys>,
        #[serde(default)]
        opts: Opts,
    },
    BatchWriteItem {
        tables: HashMap<String, Vec<Write>>,
        #[serde(default)]
        opts: Opts,
    },
    TransactWriteItems {
        items: Vec<TransactItem>,
        #[serde(default)]
        opts: Opts,
    },
    UpdateItem {
        table: String,
        key: Item,
        #[serde(default)]
        expr: Expr,
        #[serde(default)]
        opts: Opts,
    },
}

/// The reference's event body: the operations of one invocation, in order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Payload {
    pub ops: Vec<Op>,
}

// ---- from the SDK's inputs (idgraph-bench) ----

fn av_of(v: &t::AttributeValue) -> Result<Av, String> {
    Ok(match v {
        t::AttributeValue::S(s) => Av::S(s.clone()),
        t::AttributeValue::N(n) => Av::N(n.clone()),
        t::AttributeValue::B(b) => Av::B(b.as_ref().to_vec()),
        t::AttributeValue::Ss(s) => Av::Ss(s.clone()),
        t::AttributeValue::Ns(n) => Av::Ns(n.clone()),
        t::AttributeValue::Bs(b) => Av::Bs(b.iter().map(|b| b.as_ref().to_vec()).collect()),
        t::AttributeValue::M(m) => Av::M(item_of(m)?),
        t::AttributeValue::L(l) => Av::L(l.iter().map(av_of).collect::<Result<_, _>>()?),
        t::AttributeValue::Null(n) => Av::Null(*n),
        t::AttributeValue::Bool(b) => Av::Bool(*b),
        other => {
            return Err(format!(
                "an attribute value the reference cannot send: {other:?}"
            ));
        }
    })
}

fn item_of(m: &HashMap<String, t::AttributeValue>) -> Result<Item, String> {
    m.iter().map(|(k, v)| Ok((k.clone(), av_of(v)?))).collect()
}

fn opt_item(m: &Option<HashMap<String, t::AttributeValue>>) -> Result<Option<Item>, String> {
    m.as_ref().map(item_of).transpose()
}

fn legacy(name: &str, present: bool) -> Result<(), String> {
    if present {
        Err(format!(
            "{name} (a legacy parameter the reference does not send)"
        ))
    } else {
        Ok(())
    }
}

fn s<T: AsRef<str>>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(|v| v.as_ref().to_owned())
}

impl TryFrom<&GetItemInput> for Op {
    type Error = String;
    fn try_from(i: &GetItemInput) -> Result<Self, String> {
        legacy("AttributesToGet", i.attributes_to_get.is_some())?;
        Ok(Op::GetItem {
            table: i.table_name.clone().unwrap_or_default(),
            key: opt_item(&i.key)?.unwrap_or_default(),
            expr: Expr {
                projection: i.projection_expression.clone(),
                names: i.expression_attribute_names.clone(),
                ..Expr::default()
            },
            opts: Opts {
                consistent_read: i.consistent_read,
                return_consumed_capacity: s(&i
                    .return_consumed_capacity
                    .as_ref()
                    .map(|v| v.as_str())),
                ..Opts::default()
            },
        })
    }
}

impl TryFrom<&QueryInput> for Op {
    type Error = String;
    fn try_from(i: &QueryInput) -> Result<Self, String> {
        legacy("AttributesToGet", i.attributes_to_get.is_some())?;
        legacy("KeyConditions", i.key_conditions.is_some())?;
        legacy("QueryFilter", i.query_filter.is_some())?;
        legacy("ConditionalOperator", i.conditional_operator.is_some())?;
        Ok(Op::Query {
            table: i.table_name.clone().unwrap_or_default(),
            expr: Expr {
                projection: i.projection_expression.clone(),
                filter: i.filter_expression.clone(),
                key_condition: i.key_condition_expression.clone(),
                names: i.expression_attribute_names.clone(),
                values: opt_item(&i.expression_attribute_values)?,
                ..Expr::default()
            },
            opts: Opts {
                index: i.index_name.clone(),
                consistent_read: i.consistent_read,
                limit: i.limit,
                select: s(&i.select.as_ref().map(|v| v.as_str())),
                scan_index_forward: i.scan_index_forward,
                exclusive_start_key: opt_item(&i.exclusive_start_key)?,
                return_consumed_capacity: s(&i
                    .return_consumed_capacity
                    .as_ref()
                    .map(|v| v.as_str())),
                ..Opts::default()
            },
        })
    }
}

impl TryFrom<&ScanInput> for Op {
    type Error = String;
    fn try_from(i: &ScanInput) -> Result<Self, String> {
        legacy("AttributesToGet", i.attributes_to_get.is_some())?;
        legacy("ScanFilter", i.scan_filter.is_some())?;
        legacy("ConditionalOperator", i.conditional_operator.is_some())?;
        Ok(Op::Scan {
            table: i.table_name.clone().unwrap_or_default(),
            expr: Expr {
                projection: i.projection_expression.clone(),
                filter: i.filter_expression.clone(),
                names: i.expression_attribute_names.clone(),
                values: opt_item(&i.expression_attribute_values)?,
                ..Expr::default()
            },
            opts: Opts {
                index: i.index_name.clone(),
                consistent_read: i.consistent_read,
                limit: i.limit,
                select: s(&i.select.as_ref().map(|v| v.as_str())),
                exclusive_start_key: opt_item(&i.exclusive_start_key)?,
                segment: i.segment.zip(i.total_segments),
                return_consumed_capacity: s(&i
                    .return_consumed_capacity
                    .as_ref()
                    .map(|v| v.as_str())),
                ..Opts::default()
            },
        })
    }
}

impl TryFrom<&BatchGetItemInput> for Op {
    type Error = String;
    fn try_from(i: &BatchGetItemInput) -> Result<Self, String> {
        let mut tables = HashMap::new();
        for (table, k) in i.request_items.iter().flatten() {
            legacy("AttributesToGet", k.attributes_to_get.is_some())?;
            let keys = k.keys.iter().map(item_of).collect::<Result<_, _>>()?;
            let expr = Expr {
                projection: k.projection_expression.clone(),
                names: k.expression_attribute_names.clone(),
                ..Expr::default()
            };
            let opts = Opts {
                consistent_read: k.consistent_read,
                ..Opts::default()
            };
            tables.insert(table.clone(), Keys { keys, expr, opts });
        }
        Ok(Op::BatchGetItem {
            tables,
            opts: Opts {
                return_consumed_capacity: s(&i
                    .return_consumed_capacity
                    .as_ref()
                    .map(|v| v.as_str())),
                ..Opts::default()
            },
        })
    }
}

impl TryFrom<&BatchWriteItemInput> for Op {
    type Error = String;
    fn try_from(i: &BatchWriteItemInput) -> Result<Self, String> {
        let mut tables = HashMap::new();
        for (table, writes) in i.request_items.iter().flatten() {
            let mut out = Vec::new();
            for w in writes {
                if let Some(p) = &w.put_request {
                    out.push(Write::Put(item_of(&p.item)?));
                }
                if let Some(d) = &w.delete_request {
                    out.push(Write::Delete(item_of(&d.key)?));
                }
            }
            tables.insert(table.clone(), out);
        }
        Ok(Op::BatchWriteItem {
            tables,
            opts: Opts {
                return_consumed_capacity: s(&i
                    .return_consumed_capacity
                    .as_ref()
                    .map(|v| v.as_str())),
                return_item_collection_metrics: s(&i
                    .return_item_collection_metrics
                    .as_ref()
                    .map(|v| v.as_str())),
                ..Opts::default()
            },
        })
    }
}

fn rvoccf(v: &Option<t::ReturnValuesOnConditionCheckFailure>) -> Opts {
    Opts {
        return_values_on_condition_check_failure: s(&v.as_ref().map(|v| v.as_str())),
        ..Opts::default()
    }
}

impl TryFrom<&TransactWriteItemsInput> for Op {
    type Error = String;
    fn try_from(i: &TransactWriteItemsInput) -> Result<Self, String> {
        let mut items = Vec::new();
        for w in i.transact_items.iter().flatten() {
            if let Some(c) = &w.condition_check {
                items.push(TransactItem {
                    kind: TransactKind::ConditionCheck,
                    table: c.table_name.clone(),
                    item: item_of(&c.key)?,
                    expr: Expr {
                        condition: Some(c.condition_expression.clone()),
                        names: c.expression_attribute_names.clone(),
                        values: opt_item(&c.expression_attribute_values)?,
                        ..Expr::default()
                    },
                    opts: rvoccf(&c.return_values_on_condition_check_failure),
                });
            }
            if let Some(p) = &w.put {
                items.push(TransactItem {
                    kind: TransactKind::Put,
                    table: p.table_name.clone(),
                    item: item_of(&p.item)?,
                    expr: Expr {
                        condition: p.condition_expression.clone(),
                        names: p.expression_attribute_names.clone(),
                        values: opt_item(&p.expression_attribute_values)?,
                        ..Expr::default()
                    },
                    opts: rvoccf(&p.return_values_on_condition_check_failure),
                });
            }
            if let Some(d) = &w.delete {
                items.push(TransactItem {
                    kind: TransactKind::Delete,
                    table: d.table_name.clone(),
                    item: item_of(&d.key)?,
                    expr: Expr {
                        condition: d.condition_expression.clone(),
                        names: d.expression_attribute_names.clone(),
                        values: opt_item(&d.expression_attribute_values)?,
                        ..Expr::default()
                    },
                    opts: rvoccf(&d.return_values_on_condition_check_failure),
                });
            }
            if let Some(u) = &w.update {
                items.push(TransactItem {
                    kind: TransactKind::Update,
                    table: u.table_name.clone(),
                    item: item_of(&u.key)?,
                    expr: Expr {
                        update: Some(u.update_expression.clone()),
                        condition: u.condition_expression.clone(),
                        names: u.expression_attribute_names.clone(),
                        values: opt_item(&u.expression_attribute_values)?,
                        ..Expr::default()
                    },
                    opts: rvoccf(&u.return_values_on_condition_check_failure),
                });
            }
        }
        Ok(Op::TransactWriteItems {
            items,
            opts: Opts {
                return_consumed_capacity: s(&i
                    .return_consumed_capacity
                    .as_ref()
                    .map(|v| v.as_str())),
                return_item_collection_metrics: s(&i
                    .return_item_collection_metrics
                    .as_ref()
                    .map(|v| v.as_str())),
                ..Opts::default()
            },
        })
    }
}

impl TryFrom<&UpdateItemInput> for Op {
    type Error = String;
    fn try_from(i: &UpdateItemInput) -> Result<Self, String> {
        legacy("AttributeUpdates", i.attribute_updates.is_some())?;
        legacy("Expected", i.expected.is_some())?;
        legacy("ConditionalOperator", i.conditional_operator.is_some())?;
        Ok(Op::UpdateItem {
            table: i.table_name.clone().unwrap_or_default(),
            key: opt_item(&i.key)?.unwrap_or_default(),
            expr: Expr {
                update: i.update_expression.clone(),
                condition: i.condition_expression.clone(),
                names: i.expression_attribute_names.clone(),
                values: opt_item(&i.expression_attribute_values)?,
                ..Expr::default()
            },
            opts: Opts {
                return_values: s(&i.return_values.as_ref().map(|v| v.as_str())),
                return_consumed_capacity: s(&i
                    .return_consumed_capacity
                    .as_ref()
                    .map(|v| v.as_str())),
                return_item_collection_metrics: s(&i
                    .return_item_collection_metrics
                    .as_ref()
                    .map(|v| v.as_str())),
                return_values_on_condition_check_failure: s(&i
                    .return_values_on_condition_check_failure
                    .as_ref()
                    .map(|v| v.as_str())),
                ..Opts::default()
            },
        })
    }
}

// ---- to the SDK (the reference function) ----

fn sdk_av(v: Av) -> t::AttributeValue {
    match v {
        Av::S(s) => t::AttributeValue::S(s),
        Av::N(n) => t::AttributeValue::N(n),
        Av::B(b) => t::AttributeValue::B(Blob::new(b)),
        Av::Ss(s) => t::AttributeValue::Ss(s),
        Av::Ns(n) => t::AttributeValue::Ns(n),
        Av::Bs(b) => t::AttributeValue::Bs(b.into_iter().map(Blob::new).collect()),
        Av::M(m) => t::AttributeValue::M(sdk_item(m)),
        Av::L(l) => t::AttributeValue::L(l.into_iter().map(sdk_av).collect()),
        Av::Null(n) => t::AttributeValue::Null(n),
        Av::Bool(b) => t::AttributeValue::Bool(b),
    }
}

fn sdk_item(m: Item) -> HashMap<String, t::AttributeValue> {
    m.into_iter().map(|(k, v)| (k, sdk_av(v))).collect()
}

fn sdk_values(m: Option<Item>) -> Option<HashMap<String, t::AttributeValue>> {
    m.map(sdk_item)
}

fn e<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, String> {
    r.map_err(|e| e.to_string())
}

impl Op {
    /// Sends the operation; an error if DynamoDB refused it (or it could not be sent).
    pub async fn send(self, client: &Client) -> Result<(), String> {
        match self {
            Op::GetItem {
                table,
                key,
                expr,
                opts,
            } => e(client
                .get_item()
                .table_name(table)
                .set_key(Some(sdk_item(key)))
                .set_projection_expression(expr.projection)
                .set_expression_attribute_names(expr.names)
                .set_consistent_read(opts.consistent_read)
                .set_return_consumed_capacity(
                    opts.return_consumed_capacity.as_deref().map(Into::into),
                )
                .send()
                .await
                .map(drop)),
            Op::Query { table, expr, opts } => e(client
                .query()
                .table_name(table)
                .set_index_name(opts.index)
                .set_key_condition_expression(expr.key_condition)
                .set_filter_expression(expr.filter)
                .set_projection_expression(expr.projection)
                .set_expression_attribute_names(expr.names)
                .set_expression_attribute_values(sdk_values(expr.values))
                .set_consistent_read(opts.consistent_read)
                .set_limit(opts.limit)
                .set_select(opts.select.as_deref().map(Into::into))
                .set_scan_index_forward(opts.scan_index_forward)
                .set_exclusive_start_key(sdk_values(opts.exclusive_start_key))
                .set_return_consumed_capacity(
                    opts.return_consumed_capacity.as_deref().map(Into::into),
                )
                .send()
                .await
                .map(drop)),
            Op::Scan { table, expr, opts } => e(client
                .scan()
                .table_name(table)
                .set_index_name(opts.index)
                .set_filter_expression(expr.filter)
                .set_projection_expression(expr.projection)
                .set_expression_attribute_names(expr.names)
                .set_expression_attribute_values(sdk_values(expr.values))
                .set_consistent_read(opts.consistent_read)
                .set_limit(opts.limit)
                .set_select(opts.select.as_deref().map(Into::into))
                .set_exclusive_start_key(sdk_values(opts.exclusive_start_key))
                .set_segment(opts.segment.map(|s| s.0))
                .set_total_segments(opts.segment.map(|s| s.1))
                .set_return_consumed_capacity(
                    opts.return_consumed_capacity.as_deref().map(Into::into),
                )
                .send()
                .await
                .map(drop)),
            Op::BatchGetItem { tables, opts } => {
                let mut items = HashMap::new();
                for (table, k) in tables {
                    let keys = e(t::KeysAndAttributes::builder()
                        .set_keys(Some(k.keys.into_iter().map(sdk_item).collect()))
                        .set_projection_expression(k.expr.projection)
                        .set_expression_attribute_names(k.expr.names)
                        .set_consistent_read(k.opts.consistent_read)
                        .build())?;
                    items.insert(table, keys);
                }
                e(client
                    .batch_get_item()
                    .set_request_items(Some(items))
                    .set_return_consumed_capacity(
                        opts.return_consumed_capacity.as_deref().map(Into::into),
                    )
                    .send()
                    .await
                    .map(drop))
            }
            Op::BatchWriteItem { tables, opts } => {
                let mut items = HashMap::new();
                for (table, writes) in tables {
                    let mut out = Vec::new();
                    for w in writes {
                        out.push(match w {
                            Write::Put(item) => t::WriteRequest::builder()
                                .put_request(e(t::PutRequest::builder()
                                    .set_item(Some(sdk_item(item)))
                                    .build())?)
                                .build(),
                            Write::Delete(key) => t::WriteRequest::builder()
                                .delete_request(e(t::DeleteRequest::builder()
                                    .set_key(Some(sdk_item(key)))
                                    .build())?)
                                .build(),
                        });
                    }
                    items.insert(table, out);
                }
                e(client
                    .batch_write_item()
                    .set_request_items(Some(items))
                    .set_return_consumed_capacity(
                        opts.return_consumed_capacity.as_deref().map(Into::into),
                    )
                    .set_return_item_collection_metrics(
                        opts.return_item_collection_metrics
                            .as_deref()
                            .map(Into::into),
                    )
                    .send()
                    .await
                    .map(drop))
            }
            Op::TransactWriteItems { items, opts } => {
                let mut out = Vec::new();
                for i in items {
                    let rv = i
                        .opts
                        .return_values_on_condition_check_failure
                        .as_deref()
                        .map(Into::into);
                    let (names, values) = (i.expr.names, sdk_values(i.expr.values));
                    let item = sdk_item(i.item);
                    out.push(match i.kind {
                        TransactKind::ConditionCheck => t::TransactWriteItem::builder()
                            .condition_check(e(t::ConditionCheck::builder()
                                .table_name(i.table)
                                .set_key(Some(item))
                                .set_condition_expression(i.expr.condition)
                                .set_expression_attribute_names(names)
                                .set_expression_attribute_values(values)
                                .set_return_values_on_condition_check_failure(rv)
                                .build())?)
                            .build(),
                        TransactKind::Put => t::TransactWriteItem::builder()
                            .put(e(t::Put::builder()
                                .table_name(i.table)
                                .set_item(Some(item))
                                .set_condition_expression(i.expr.condition)
                                .set_expression_attribute_names(names)
                                .set_expression_attribute_values(values)
                                .set_return_values_on_condition_check_failure(rv)
                                .build())?)
                            .build(),
                        TransactKind::Delete => t::TransactWriteItem::builder()
                            .delete(e(t::Delete::builder()
                                .table_name(i.table)
                                .set_key(Some(item))
                                .set_condition_expression(i.expr.condition)
                                .set_expression_attribute_names(names)
                                .set_expression_attribute_values(values)
                                .set_return_values_on_condition_check_failure(rv)
                                .build())?)
                            .build(),
                        TransactKind::Update => t::TransactWriteItem::builder()
                            .update(e(t::Update::builder()
                                .table_name(i.table)
                                .set_key(Some(item))
                                .set_update_expression(i.expr.update)
                                .set_condition_expression(i.expr.condition)
                                .set_expression_attribute_names(names)
                                .set_expression_attribute_values(values)
                                .set_return_values_on_condition_check_failure(rv)
                                .build())?)
                            .build(),
                    });
                }
                if out.is_empty() {
                    return Ok(());
                }
                e(client
                    .transact_write_items()
                    .set_transact_items(Some(out))
                    .set_return_consumed_capacity(
                        opts.return_consumed_capacity.as_deref().map(Into::into),
                    )
                    .set_return_item_collection_metrics(
                        opts.return_item_collection_metrics
                            .as_deref()
                            .map(Into::into),
                    )
                    .send()
                    .await
                    .map(drop))
            }
            Op::UpdateItem {
                table,
                key,
                expr,
                opts,
            } => e(client
                .update_item()
                .table_name(table)
                .set_key(Some(sdk_item(key)))
                .set_update_expression(expr.update)
                .set_condition_expression(expr.condition)
                .set_expression_attribute_names(expr.names)
                .set_expression_attribute_values(sdk_values(expr.values))
                .set_return_values(opts.return_values.as_deref().map(Into::into))
                .set_return_consumed_capacity(
                    opts.return_consumed_capacity.as_deref().map(Into::into),
                )
                .set_return_item_collection_metrics(
                    opts.return_item_collection_metrics
                        .as_deref()
                        .map(Into::into),
                )
                .set_return_values_on_condition_check_failure(
                    opts.return_values_on_condition_check_failure
                        .as_deref()
                        .map(Into::into),
                )
                .send()
                .await
                .map(drop)),
        }
    }
}

// ---- the client ----

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// A DynamoDB client made as a function's is, minus everything else: rustls on ring with the
/// native CA store (a plain-http endpoint gets none, as `idgraph::app` does), credentials and
/// region from Lambda's variables, `AWS_ENDPOINT_URL_DYNAMODB` when set.
pub fn client() -> Client {
    let endpoint = env("AWS_ENDPOINT_URL_DYNAMODB");
    let roots = if endpoint
        .as_deref()
        .is_some_and(|u| u.starts_with("http://"))
    {
        TrustStore::empty()
    } else {
        TrustStore::default()
    };
    let tls = TlsContext::builder()
        .with_trust_store(roots)
        .build()
        .expect("building a TLS context cannot fail");
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(tls)
        .build_https();
    let credentials = Credentials::new(
        env("AWS_ACCESS_KEY_ID").unwrap_or_default(),
        env("AWS_SECRET_ACCESS_KEY").unwrap_or_default(),
        env("AWS_SESSION_TOKEN"),
        None,
        "environment",
    );
    let mut config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(env("AWS_REGION").map(Region::new))
        .credentials_provider(credentials)
        .http_client(http);
    if let Some(url) = endpoint {
        config = config.endpoint_url(url);
    }
    Client::from_conf(config.build())
}
