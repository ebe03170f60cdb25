//! The stream consumer's second duty: every search document the table holds (ingested or
//! projected) copied into the search engine, one engine index per SailPoint index.
//!
//! A record only says which document changed; the document is read as it is now (strongly
//! consistent) and indexed whole, or deleted from the engine when it is gone, so replays and
//! reordering converge. A document the engine refuses (a mapping limit, a value its field's type
//! cannot take) is logged and counted and never retried: it could only fail again, and would
//! hold every later record of its shard. Throttling and engine faults fail the batch at the
//! first document not indexed, so Lambda retries from there.

use serde_json::{Value, json};

use crate::db::Db;
use crate::ids::{DocumentId, OrgId};
use crate::item::get_s;
use crate::keys;
use crate::search_body::INDICES;
use crate::search_mapping::{engine_id, engine_index, engine_source};
use crate::store::search::Index;
use crate::store::search_engine::{EngineError, SearchEngine};

/// The documents a batch changed, each with the first record that named it.
#[derive(Debug, Default)]
pub struct Pending {
    documents: Vec<(String, OrgId, Index, DocumentId)>,
}

impl Pending {
    pub fn add(&mut self, sequence_number: &str, org: &OrgId, index: Index, id: &DocumentId) {
        // Only SailPoint's searchable indices go to the engine.
        if INDICES.contains(&index.as_str()) {
            self.documents
                .push((sequence_number.to_owned(), org.clone(), index, id.clone()));
        }
    }
}

/// Indexes the pending documents in one `_bulk`; `Err` is the sequence number to retry from.
pub async fn index<'a>(
    db: &Db,
    engine: &SearchEngine,
    pending: &'a Pending,
) -> Result<(), &'a str> {
    let Some((first, ..)) = pending.documents.first() else {
        return Ok(());
    };
    if let Err(e) = engine.ensure_templates(INDICES).await {
        tracing::warn!(error = %e, "index templates not put; the batch resumes at its first document");
        return Err(first);
    }
    let keys: Vec<_> = pending
        .documents
        .iter()
        .map(|(_, org, index, id)| keys::search_document(org, index.as_str(), id.as_str()))
        .collect();
    let items = match db.batch_get_many(&keys).await {
        Ok(items) => items,
        Err(e) => {
            tracing::warn!(error = %e, "search documents not read; the batch resumes at its first");
            return Err(first);
        }
    };
    let lines: Vec<String> = pending
        .documents
        .iter()
        .zip(&keys)
        .map(|((_, org, index, id), key)| {
            let doc = items
                .iter()
                .find(|item| get_s(item, keys::PK).is_ok_and(|pk| pk == key.pk))
                .and_then(|item| get_s(item, "doc").ok())
                .and_then(|raw| serde_json::from_str::<Value>(raw).ok());
            action_lines(org, *index, id, doc)
        })
        .collect();
    let mut start = 0;
    for end in chunk_ends(&lines, MAX_BULK_BYTES) {
        let documents = &pending.documents[start..end];
        let answer = match engine.bulk(lines[start..end].concat()).await {
            Ok(answer) => answer,
            Err(e) => {
                tracing::warn!(error = %e, "bulk indexing failed; the batch resumes at its first document not indexed");
                return Err(&documents[0].0);
            }
        };
        judge_items(documents, &answer)?;
        start = end;
    }
    Ok(())
}

/// The most one `_bulk` carries: a batch holds up to 100 documents of up to 350 KB, and the
/// smallest domains take 10 MiB per request.
const MAX_BULK_BYTES: usize = 5 * 1024 * 1024;

/// Where each `_bulk` of `lines` ends, so that none passes `max` bytes (a lone document larger
/// than that still goes, alone).
fn chunk_ends(lines: &[String], max: usize) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut bytes = 0;
    for (i, line) in lines.iter().enumerate() {
        if bytes > 0 && bytes + line.len() > max {
            ends.push(i);
            bytes = 0;
        }
        bytes += line.len();
    }
    if !lines.is_empty() {
        ends.push(lines.len());
    }
    ends
}

/// Copies stored search-document items into the engine as they are: the rebuild after a domain
/// is created over existing data or a mapping changes (`idgraph-admin reindex-search`).
/// Returns (documents indexed, documents the engine refused); stops at any other failure.
pub async fn reindex(
    engine: &SearchEngine,
    items: &[crate::db::Item],
) -> Result<(usize, usize), EngineError> {
    engine.ensure_templates(INDICES).await?;
    let documents: Vec<_> = items
        .iter()
        .filter_map(|item| {
            let pk = get_s(item, keys::PK).ok()?;
            let sk = get_s(item, keys::SK).ok()?;
            let (org, index, id) = keys::parse_search_document(pk, sk)?;
            let index = Index::parse(index)?;
            let id = DocumentId::parse(id).ok()?;
            let doc = serde_json::from_str::<Value>(get_s(item, "doc").ok()?).ok()?;
            INDICES
                .contains(&index.as_str())
                .then(|| action_lines(&org, index, &id, Some(doc)))
        })
        .collect();
    let (mut indexed, mut refused, mut start) = (0, 0, 0);
    for end in chunk_ends(&documents, MAX_BULK_BYTES) {
        let answer = engine.bulk(documents[start..end].concat()).await?;
        for item in answer["items"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            match outcome("index", item["index"]["status"].as_u64().unwrap_or(500)) {
                Outcome::Done => indexed += 1,
                Outcome::Refused => refused += 1,
                Outcome::Retry => {
                    return Err(EngineError::Unavailable(
                        "the engine did not index every document; run the rebuild again".into(),
                    ));
                }
            }
        }
        start = end;
    }
    Ok((indexed, refused))
}

/// The `_bulk` lines of one document: index it as it is now (with its tenant), or delete it.
fn action_lines(org: &OrgId, index: Index, id: &DocumentId, doc: Option<Value>) -> String {
    let target = json!({"_index": engine_index(index.as_str()), "_id": engine_id(org.as_str(), id.as_str())});
    match doc {
        Some(Value::Object(fields)) => format!(
            "{}\n{}\n",
            json!({"index": target}),
            engine_source(fields, org.as_str())
        ),
        _ => format!("{}\n", json!({"delete": target})),
    }
}

/// What one `_bulk` item's status means for its document.
enum Outcome {
    Done,
    /// A 400 is the document's own fault (a value its field's type cannot take, a mapping
    /// limit): it could only fail again.
    Refused,
    /// Anything else (429, a full disk's 403 cluster block, a missing index, 5xx) may pass on
    /// a retry.
    Retry,
}

fn outcome(action: &str, status: u64) -> Outcome {
    match status {
        200..=299 => Outcome::Done,
        404 if action == "delete" => Outcome::Done,
        400 => Outcome::Refused,
        _ => Outcome::Retry,
    }
}

/// The bulk answer, item by item (in request order): refused documents are logged and
/// skipped; the first throttled or failed one is where the batch resumes.
fn judge_items<'a>(
    documents: &'a [(String, OrgId, Index, DocumentId)],
    answer: &Value,
) -> Result<(), &'a str> {
    let items = answer["items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for ((sequence_number, org, index, id), item) in documents.iter().zip(items) {
        let (action, result) = item
            .as_object()
            .and_then(|o| o.iter().next())
            .map(|(a, r)| (a.as_str(), r))
            .unwrap_or(("", &Value::Null));
        let status = result["status"].as_u64().unwrap_or(500);
        match outcome(action, status) {
            Outcome::Done => {}
            Outcome::Refused => {
                // The reason can quote the document's values: only its type is logged.
                tracing::warn!(
                    status,
                    org = org.as_str(),
                    index = index.as_str(),
                    document = id.as_str(),
                    refusal = result["error"]["type"].as_str().unwrap_or("unknown"),
                    "the search engine refused a document; it stays out of search"
                );
            }
            Outcome::Retry => {
                tracing::warn!(
                    status,
                    index = index.as_str(),
                    "a document was not indexed; the batch resumes there"
                );
                return Err(sequence_number);
            }
        }
    }
    if items.len() < documents.len() {
        return Err(&documents[items.len()].0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "af5fbd30-7ce7-4548-8b30-4cd59cb2aba1";

    fn docs(n: usize) -> Vec<(String, OrgId, Index, DocumentId)> {
        (0..n)
            .map(|i| {
                (
                    format!("seq-{i}"),
                    OrgId::parse(ORG).unwrap(),
                    Index::Entitlements,
                    DocumentId::parse(&format!("d{i}")).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn a_document_is_indexed_with_its_tenant_under_an_id_unique_across_orgs() {
        let org = OrgId::parse(ORG).unwrap();
        let id = DocumentId::parse("e1").unwrap();

        let lines = action_lines(&org, Index::Entitlements, &id, Some(json!({"id": "e1"})));

        let mut lines = lines
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap());
        assert_eq!(
            lines.next().unwrap(),
            json!({"index": {"_index": "idgraph-entitlements", "_id": format!("{ORG}:e1")}})
        );
        assert_eq!(
            lines.next().unwrap(),
            json!({"id": "e1", "idgraph_org": ORG})
        );
        assert!(lines.next().is_none());
    }

    #[test]
    fn a_document_gone_from_the_table_is_deleted_from_the_engine() {
        let org = OrgId::parse(ORG).unwrap();
        let id = DocumentId::parse("e1").unwrap();

        let lines = action_lines(&org, Index::Entitlements, &id, None);

        assert_eq!(
            lines,
            format!(
                "{{\"delete\":{{\"_id\":\"{ORG}:e1\",\"_index\":\"idgraph-entitlements\"}}}}\n"
            )
        );
    }

    #[test]
    fn a_refused_document_is_skipped_and_a_throttled_one_is_retried_from() {
        let documents = docs(3);
        let answer = json!({"items": [
            {"index": {"status": 400, "error": {"type": "mapper_parsing_exception"}}},
            {"index": {"status": 429}},
            {"index": {"status": 201}},
        ]});

        assert_eq!(judge_items(&documents, &answer), Err("seq-1"));
    }

    #[test]
    fn a_full_disks_cluster_block_is_retried_not_skipped() {
        let documents = docs(2);
        let answer = json!({"items": [
            {"index": {"status": 201}},
            {"index": {"status": 403, "error": {"type": "cluster_block_exception"}}},
        ]});

        assert_eq!(judge_items(&documents, &answer), Err("seq-1"));
    }

    #[test]
    fn bulks_are_cut_before_they_pass_the_size_limit_and_a_big_document_goes_alone() {
        let lines: Vec<String> = [4, 4, 3, 9, 1].iter().map(|n| "x".repeat(*n)).collect();

        assert_eq!(chunk_ends(&lines, 8), vec![2, 3, 4, 5]);
        assert_eq!(chunk_ends(&[], 8), Vec::<usize>::new());
    }

    #[test]
    fn refused_documents_and_deletes_of_absent_ones_never_fail_the_batch() {
        let documents = docs(2);
        let answer = json!({"items": [
            {"index": {"status": 400, "error": {"type": "illegal_argument_exception"}}},
            {"delete": {"status": 404}},
        ]});

        assert_eq!(judge_items(&documents, &answer), Ok(()));
    }
}
