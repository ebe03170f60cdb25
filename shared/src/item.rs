//! Typed reads of stored items. A missing or mistyped field is `StoreError::Internal`: the item
//! was written by this code, so that is a bug or tampering, never bad input.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::db::Item;
use crate::error::StoreError;

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    opt_s(item, name)?.ok_or_else(|| missing(name))
}

pub fn opt_s<'a>(item: &'a Item, name: &str) -> Result<Option<&'a str>, StoreError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::S(v)) => Ok(Some(v)),
        Some(_) => Err(mistyped(name)),
    }
}

pub fn get_bool(item: &Item, name: &str) -> Result<bool, StoreError> {
    match item.get(name) {
        Some(AttributeValue::Bool(b)) => Ok(*b),
        None => Err(missing(name)),
        Some(_) => Err(mistyped(name)),
    }
}

pub fn get_u64(item: &Item, name: &str) -> Result<u64, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().map_err(|_| mistyped(name)),
        None => Err(missing(name)),
        Some(_) => Err(mistyped(name)),
    }
}

pub fn get_list<'a>(item: &'a Item, name: &str) -> Result<&'a [AttributeValue], StoreError> {
    match item.get(name) {
        Some(AttributeValue::L(v)) => Ok(v),
        None => Ok(&[]),
        Some(_) => Err(mistyped(name)),
    }
}

/// Whether the item's partition and sort key equal `key`.
pub fn has_key(item: &Item, key: &crate::keys::Key) -> bool {
    matches!(item.get(crate::keys::PK), Some(AttributeValue::S(pk)) if *pk == key.pk)
        && matches!(item.get(crate::keys::SK), Some(AttributeValue::S(sk)) if *sk == key.sk)
}

fn missing(name: &str) -> StoreError {
    StoreError::Internal(format!("item lacks {name}"))
}

fn mistyped(name: &str) -> StoreError {
    StoreError::Internal(format!("item field {name} has the wrong type"))
}
