//! What SailPoint's three search operations share: the engine (or 501 where the deployment has
//! none), the `Search` body and paging as the SDKs send them, sorting text on its `.exact`
//! keyword, hits as documents, and Lambda's response cap.

use lambda_http::{Body, Request, Response};
use serde_json::Value;

use crate::App;
use crate::error::ApiError;
use crate::request::{Query, header, json_body};
use crate::role::Paging;
use crate::search_body::{BodyError, EngineSearch, SearchBody};
use crate::search_mapping::sailpoint_document;
use crate::search_request::Page;
use crate::store::search_engine::{FieldTypes, SearchEngine};

/// A synchronous Lambda answer may carry 6 MB (6,291,456 bytes), envelope included; the body
/// travels in it as an escaped JSON string. The rest is left for the envelope's headers.
pub const RESPONSE_CAP_BYTES: usize = 6 * 1024 * 1024 - 16 * 1024;

/// The engine, or 501 in SailPoint's format where the deployment was made without one.
pub fn engine(app: &App) -> Result<&SearchEngine, ApiError> {
    app.search.as_ref().ok_or_else(|| {
        ApiError::NotImplemented(
            "search is not enabled on this deployment (SearchEngine=none)".into(),
        )
    })
}

/// The `Search` body. Parts this service does not serve are refused by name, never ignored.
pub fn body(req: &Request) -> Result<SearchBody, ApiError> {
    let raw: Value = json_body(req)?;
    if !raw["query"]["innerHit"].is_null() {
        return Err(bad(BodyError::Unsupported("query.innerHit")));
    }
    serde_json::from_value(raw).map_err(|e| ApiError::BadRequest(format!("the search body: {e}")))
}

/// `offset`, `limit` (at most `max_limit`, default 250) and `count`, as SailPoint pages.
pub fn paging(req: &Request, max_limit: u64) -> Result<(Page, bool), ApiError> {
    let query = Query::from_request(req)?;
    let max = usize::try_from(max_limit).unwrap_or(usize::MAX);
    let paging = Paging::parse_with(&query, 250.min(max), max)?;
    let page = Page::new(
        Some(paging.offset as u64),
        Some(paging.limit as u64),
        max_limit,
    )
    .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok((page, paging.count))
}

/// The engine field holding a SailPoint field's whole value, which sorts and TERMS/RANGE
/// filters compare: a text field's `.exact` keyword (text is split into words and cannot be
/// sorted), any other field itself.
pub fn whole_field(types: &FieldTypes) -> impl Fn(&str) -> String + '_ {
    |field| match types.get(field).map(String::as_str) {
        Some("text") => format!("{field}.exact"),
        _ => field.to_owned(),
    }
}

/// One page of an engine search: its documents in order, the total when `count=true` asked for
/// it, and the rest of the answer (its aggregations).
pub struct Fetched {
    pub documents: Vec<Value>,
    pub total: Option<u64>,
    pub rest: Value,
}

/// Runs `request` on the engine; the documents are moved out of the answer, not copied (a page
/// can be megabytes).
pub async fn fetch(
    engine: &SearchEngine,
    request: &EngineSearch,
    count: bool,
) -> Result<Fetched, ApiError> {
    let mut rest = engine.search(&request.indices, &request.body).await?;
    let total = count.then(|| rest["hits"]["total"]["value"].as_u64().unwrap_or(0));
    let documents = match rest["hits"]["hits"].take() {
        Value::Array(hits) => hits
            .into_iter()
            .map(|mut h| sailpoint_document(h["_source"].take()))
            .collect(),
        _ => Vec::new(),
    };
    Ok(Fetched {
        documents,
        total,
        rest,
    })
}

/// A 200 JSON answer, unless it would pass Lambda's response cap: then a 400 asking for a
/// smaller page. Never a short page, which the SDKs' paginators would take for the last.
pub fn capped_json(body: &Value, documents: usize) -> Result<Response<Body>, ApiError> {
    let text = body.to_string();
    // The envelope carries the body as a JSON string: quotes and backslashes double.
    let carried = text.len() + text.bytes().filter(|b| matches!(b, b'"' | b'\\')).count();
    if carried > RESPONSE_CAP_BYTES {
        let fits = (documents * RESPONSE_CAP_BYTES / carried.max(1)).max(1);
        return Err(ApiError::BadRequest(format!(
            "this page of {documents} documents is {carried} bytes, more than the {RESPONSE_CAP_BYTES} a response may carry; \
             ask for at most {fits} with limit and page with searchAfter or offset"
        )));
    }
    Ok(super::json_response(200, body, None))
}

/// A 200 `text/csv` answer (SAILPOINT aggregations), within the same cap.
pub fn csv_response(text: String) -> Result<Response<Body>, ApiError> {
    if text.len() > RESPONSE_CAP_BYTES {
        return Err(ApiError::BadRequest(format!(
            "the CSV is {} bytes, more than the {RESPONSE_CAP_BYTES} a response may carry; ask for fewer buckets",
            text.len()
        )));
    }
    Ok(Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "text/csv")
        .body(Body::Text(text))
        .expect("status and headers are valid"))
}

/// Whether the caller asked for CSV (`Accept: text/csv`).
pub fn wants_csv(req: &Request) -> Result<bool, ApiError> {
    Ok(header(req, "accept")?.is_some_and(|a| a.contains("text/csv")))
}

/// A body the search modules refused, as SailPoint's 400.
pub fn bad(e: BodyError) -> ApiError {
    ApiError::BadRequest(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_sorts_on_its_exact_keyword_and_other_types_on_themselves() {
        let types = FieldTypes::from([
            ("name".to_owned(), "text".to_owned()),
            ("created".to_owned(), "date".to_owned()),
        ]);

        let field = whole_field(&types);

        assert_eq!(field("name"), "name.exact");
        assert_eq!(field("created"), "created");
        assert_eq!(field("never.indexed"), "never.indexed");
    }

    #[test]
    fn a_page_past_the_response_cap_is_a_400_that_names_a_limit_that_fits() {
        let big = "x".repeat(RESPONSE_CAP_BYTES / 3);
        let page = json!([{"a": big}, {"a": big}, {"a": big}, {"a": big}]);

        let err = capped_json(&page, 4).unwrap_err();

        assert!(
            matches!(&err, ApiError::BadRequest(m) if m.contains("ask for at most 2 ")),
            "{err:?}"
        );
    }

    #[test]
    fn a_page_within_the_cap_is_answered_whole() {
        let page = json!([{"id": "a"}, {"id": "b"}]);

        let resp = capped_json(&page, 2).unwrap();

        assert_eq!(resp.status(), 200);
    }
}
