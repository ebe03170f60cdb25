//! Creates the table described by template.yaml's `Table` resource, so the local table and the
//! deployed one cannot drift. Deploy-only settings (PITR, encryption, deletion protection) have
//! no meaning on DynamoDB Local and are skipped.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection, ProjectionType, ScalarAttributeType, StreamSpecification,
    StreamViewType, TimeToLiveSpecification,
};
use serde::Deserialize;
use serde_norway::Value;

/// The parts of an `AWS::DynamoDB::Table` the local stack reproduces.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct TableSpec {
    pub attribute_definitions: Vec<AttributeSpec>,
    pub key_schema: Vec<KeySpec>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<IndexSpec>,
    #[serde(default)]
    pub local_secondary_indexes: Vec<IndexSpec>,
    pub stream_specification: Option<StreamSpec>,
    pub time_to_live_specification: Option<TtlSpec>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeSpec {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct KeySpec {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct IndexSpec {
    pub index_name: String,
    pub key_schema: Vec<KeySpec>,
    pub projection: ProjectionSpec,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ProjectionSpec {
    pub projection_type: String,
    #[serde(default)]
    pub non_key_attributes: Vec<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSpec {
    pub stream_view_type: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct TtlSpec {
    pub attribute_name: String,
    pub enabled: bool,
}

/// Reads the `Table` resource's properties out of a SAM template (CloudFormation tags such as
/// `!Ref` parse as tagged values and are ignored where they occur).
pub fn spec_from_template(template_yaml: &str) -> Result<TableSpec, String> {
    let doc: Value =
        serde_norway::from_str(template_yaml).map_err(|e| format!("template.yaml: {e}"))?;
    let props = doc
        .get("Resources")
        .and_then(|r| r.get("Table"))
        .and_then(|t| t.get("Properties"))
        .ok_or("template.yaml has no Resources.Table.Properties")?;
    let mut props = props.clone();
    if let Value::Mapping(m) = &mut props {
        m.retain(|k, _| {
            let k = k.as_str().unwrap_or_default();
            !matches!(
                k,
                "PointInTimeRecoverySpecification"
                    | "SSESpecification"
                    | "DeletionProtectionEnabled"
                    | "BillingMode"
                    | "TableName"
                    | "Tags"
            )
        });
    }
    serde_norway::from_value(props).map_err(|e| format!("Table properties: {e}"))
}

fn key_schema(keys: &[KeySpec]) -> Result<Vec<KeySchemaElement>, String> {
    keys.iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(&k.attribute_name)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn projection(p: &ProjectionSpec) -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::from(p.projection_type.as_str()))
        .set_non_key_attributes(
            (!p.non_key_attributes.is_empty()).then(|| p.non_key_attributes.clone()),
        )
        .build()
}

/// Creates the table unless it exists, then turns on TTL. Returns whether it created it.
pub async fn create(client: &Client, name: &str, spec: &TableSpec) -> Result<bool, String> {
    let existing = client
        .list_tables()
        .send()
        .await
        .map_err(|e| format!("DynamoDB: {e:?}"))?;
    if existing.table_names().iter().any(|t| t == name) {
        return Ok(false);
    }
    let attrs = spec
        .attribute_definitions
        .iter()
        .map(|a| {
            AttributeDefinition::builder()
                .attribute_name(&a.attribute_name)
                .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let gsis = spec
        .global_secondary_indexes
        .iter()
        .map(|i| {
            GlobalSecondaryIndex::builder()
                .index_name(&i.index_name)
                .set_key_schema(Some(key_schema(&i.key_schema)?))
                .projection(projection(&i.projection))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let lsis = spec
        .local_secondary_indexes
        .iter()
        .map(|i| {
            LocalSecondaryIndex::builder()
                .index_name(&i.index_name)
                .set_key_schema(Some(key_schema(&i.key_schema)?))
                .projection(projection(&i.projection))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let stream = spec.stream_specification.as_ref().map(|s| {
        StreamSpecification::builder()
            .stream_enabled(true)
            .stream_view_type(StreamViewType::from(s.stream_view_type.as_str()))
            .build()
            .expect("stream_enabled is set")
    });
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(attrs))
        .set_key_schema(Some(key_schema(&spec.key_schema)?))
        .set_global_secondary_indexes((!gsis.is_empty()).then_some(gsis))
        .set_local_secondary_indexes((!lsis.is_empty()).then_some(lsis))
        .set_stream_specification(stream)
        .send()
        .await
        .map_err(|e| format!("CreateTable: {e:?}"))?;
    if let Some(ttl) = &spec.time_to_live_specification {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(&ttl.attribute_name)
                    .enabled(ttl.enabled)
                    .build()
                    .map_err(|e| e.to_string())?,
            )
            .send()
            .await
            .map_err(|e| format!("UpdateTimeToLive: {e:?}"))?;
    }
    Ok(true)
}
