//! `POST /persons/bulk-import` — SlashID's `PostPersonsBulkImport`: a CSV file (the multipart
//! field `persons`) with a person per row, each created as `POST /persons` creates one. Rows are
//! independent, as SlashID's answer counts them: a bad row is reported in `failed_csv` with its
//! reason, and the others are imported. A body that is not such a file is a 400 before any write.

use futures_util::stream::{self, StreamExt};
use idgraph::error::ApiError;
use idgraph::faces::{public_message, slashid};
use idgraph::ids::PersonId;
use idgraph::person::HandleKind;
use idgraph::request::{MAX_BODY_BYTES, body_bytes, header};
use idgraph::store::buckets;
use idgraph::{App, Body, Request, Response, auth};
use serde_json::{Map, Value, json};

idgraph::handler!(SlashId, run);

/// Rows per request: what one invocation creates well within its time limit (eight creations in
/// flight, one transaction each). A larger file is split by the caller.
const MAX_ROWS: usize = 1000;
/// Creations in flight at once.
const IN_FLIGHT: usize = 8;
/// The columns SlashID's import reads (GET /persons/bulk-import answers them); others are
/// ignored, as SlashID's documentation says only these are taken into consideration.
pub const COLUMNS: [&str; 6] = [
    "slashid:emails",
    "slashid:phone_numbers",
    "slashid:usernames",
    "slashid:region",
    "slashid:groups",
    "slashid:attributes",
];
const HANDLE_COLUMNS: [(&str, HandleKind); 3] = [
    ("slashid:emails", HandleKind::EmailAddress),
    ("slashid:phone_numbers", HandleKind::PhoneNumber),
    ("slashid:usernames", HandleKind::Username),
];

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    let ctx = auth::slashid(app, &req).await?;
    let file = csv_file(&req).await?;
    let rows = rows(&file)?;
    let view = buckets::view(app, &ctx.org).await?;
    // Checked first (pure work), so the creations in flight hold owned persons.
    let checked: Vec<Result<slashid::NewPerson, ApiError>> = rows
        .records
        .iter()
        .map(|record| {
            rows.person(record)?.validate(
                PersonId::new_random(),
                &app.config.default_person_region,
                &view,
            )
        })
        .collect();
    let (db, org) = (&app.db, &ctx.org);
    let outcomes: Vec<Result<(), ApiError>> = stream::iter(checked)
        .map(|new| async move {
            let new = new?;
            slashid::create_person(db, org, &new).await
        })
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    let mut failed = csv::Writer::from_writer(Vec::new());
    let mut failures = 0usize;
    for (record, outcome) in rows.records.iter().zip(outcomes) {
        if let Err(e) = outcome {
            if failures == 0 {
                failed
                    .write_record(rows.header.iter().chain(["slashid:error"]))
                    .map_err(|_| ApiError::Internal)?;
            }
            failures += 1;
            failed
                .write_record(record.iter().chain([public_message(&e).as_str()]))
                .map_err(|_| ApiError::Internal)?;
        }
    }
    let mut result = json!({
        "successful_imports": rows.records.len() - failures,
        "failed_imports": failures,
    });
    if failures > 0 {
        let bytes = failed.into_inner().map_err(|_| ApiError::Internal)?;
        result["failed_csv"] = Value::String(String::from_utf8_lossy(&bytes).into_owned());
    }
    Ok(slashid::result(200, &result))
}

/// The `persons` field of a `multipart/form-data` body.
async fn csv_file(req: &Request) -> Result<Vec<u8>, ApiError> {
    let bad = |m: &str| ApiError::BadRequest(m.to_owned());
    let content_type = header(req, "content-type")?.unwrap_or_default();
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| bad("the body must be multipart/form-data with a `persons` CSV file"))?;
    let body = body_bytes(req);
    if body.len() > MAX_BODY_BYTES {
        return Err(bad("the CSV file is too large; split it"));
    }
    let chunk = multer::bytes::Bytes::copy_from_slice(body);
    let source = stream::once(async move { Ok::<_, std::io::Error>(chunk) });
    let mut form = multer::Multipart::new(source, boundary);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("the multipart body is malformed: {e}")))?
    {
        if field.name() == Some("persons") {
            let bytes = field.bytes().await.map_err(|e| {
                ApiError::BadRequest(format!("the multipart body is malformed: {e}"))
            })?;
            return Ok(bytes.to_vec());
        }
    }
    Err(bad("the form has no `persons` field"))
}

/// The file's header and rows, checked as a whole before anything is written.
struct Rows {
    header: csv::StringRecord,
    records: Vec<csv::StringRecord>,
    /// Where each column SlashID reads is, if present.
    at: [Option<usize>; 6],
}

fn rows(file: &[u8]) -> Result<Rows, ApiError> {
    let bad = |m: String| ApiError::BadRequest(m);
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(file);
    let header = reader
        .headers()
        .map_err(|e| bad(format!("the CSV file cannot be read: {e}")))?
        .clone();
    let at = COLUMNS.map(|c| header.iter().position(|h| h.trim() == c));
    if at[..3].iter().all(Option::is_none) {
        return Err(bad(format!(
            "the CSV header has none of {}, {}, {}: a person needs a handle",
            COLUMNS[0], COLUMNS[1], COLUMNS[2]
        )));
    }
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| bad(format!("the CSV file cannot be read: {e}")))?;
        if records.len() == MAX_ROWS {
            return Err(bad(format!(
                "a bulk import takes at most {MAX_ROWS} persons; split the file"
            )));
        }
        records.push(record);
    }
    if records.is_empty() {
        return Err(bad("the CSV file has no persons".into()));
    }
    Ok(Rows {
        header,
        records,
        at,
    })
}

impl Rows {
    fn cell<'r>(&self, record: &'r csv::StringRecord, column: &str) -> &'r str {
        COLUMNS
            .iter()
            .position(|c| *c == column)
            .and_then(|i| self.at[i])
            .and_then(|i| record.get(i))
            .map(str::trim)
            .unwrap_or("")
    }

    /// The row as the `PersonCreateReq` `POST /persons` takes, so both check it alike.
    fn person(&self, record: &csv::StringRecord) -> Result<slashid::PersonCreateReq, ApiError> {
        let mut handles = Vec::new();
        for (column, kind) in HANDLE_COLUMNS {
            for value in list(self.cell(record, column)) {
                handles.push(json!({ "type": kind.as_str(), "value": value }));
            }
        }
        let attributes = match self.cell(record, "slashid:attributes") {
            "" => Map::new(),
            text => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => map,
                _ => {
                    return Err(ApiError::BadRequest(
                        "slashid:attributes must be a JSON object of buckets".into(),
                    ));
                }
            },
        };
        let mut body = json!({
            "handles": handles,
            "groups": list(self.cell(record, "slashid:groups")).collect::<Vec<_>>(),
            "attributes": attributes,
        });
        match self.cell(record, "slashid:region") {
            "" => {}
            region => body["region"] = Value::String(region.to_owned()),
        }
        serde_json::from_value(body).map_err(|e| ApiError::BadRequest(e.to_string()))
    }
}

/// A cell's comma-separated values, trimmed, empty ones dropped.
fn list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(',').map(str::trim).filter(|v| !v.is_empty())
}
