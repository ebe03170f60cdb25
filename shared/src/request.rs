//! Reading a request, the same way for every function and face: path parameters, the raw query
//! string (comma lists, repeated keys, strict percent-decoding), JSON bodies (also on GET, as the
//! Zato face needs), and headers. Each failure says what was wrong, for a 400.

use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;

/// Bodies larger than this are refused with 413 before parsing.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Query strings longer than this are refused with 400 before any handler runs. API Gateway
/// refuses a request line and headers over 10 KiB itself, so only a request that bypassed it
/// (a local router, a direct invoke) can be this long, and no legitimate one is.
pub const MAX_QUERY_BYTES: usize = 10 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("missing path parameter {0}")]
    MissingPathParameter(&'static str),
    #[error("path parameter {0} is not valid percent-encoded UTF-8")]
    BadPathEncoding(&'static str),
    #[error("the query string is not valid percent-encoded UTF-8")]
    BadQueryEncoding,
    #[error("the query string is longer than {MAX_QUERY_BYTES} bytes")]
    QueryTooLong,
    #[error("query parameter {0} is given more than once")]
    RepeatedParameter(String),
    #[error("query parameter {0} has an empty item")]
    EmptyListItem(String),
    #[error("header {0} is not valid text")]
    BadHeader(&'static str),
    #[error("a JSON request body is required")]
    MissingBody,
    #[error("the request body is larger than {MAX_BODY_BYTES} bytes")]
    BodyTooLarge,
    #[error("the request body is not valid JSON: {0}")]
    BadJson(String),
}

impl From<InputError> for crate::error::ApiError {
    fn from(e: InputError) -> Self {
        match e {
            InputError::BodyTooLarge => Self::PayloadTooLarge(e.to_string()),
            _ => Self::BadRequest(e.to_string()),
        }
    }
}

/// A path parameter, percent-decoded: routers differ in whether they decode (`org%2Fperm`), and
/// no id or name we accept contains `%`, so decoding once more is harmless.
pub fn path_param(req: &Request, name: &'static str) -> Result<String, InputError> {
    let raw = req
        .path_parameters_ref()
        .and_then(|p| p.first(name))
        .ok_or(InputError::MissingPathParameter(name))?;
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| InputError::BadPathEncoding(name))
}

/// The decoded query string, in order, repeated keys kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn from_request(req: &Request) -> Result<Self, InputError> {
        Self::parse(req.uri().query().unwrap_or(""))
    }

    /// `+` is a space (form encoding, which some clients use), `%XX` must decode to UTF-8.
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let decode = |s: &str| -> Result<String, InputError> {
            let spaced = s.replace('+', " ");
            percent_encoding::percent_decode_str(&spaced)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| InputError::BadQueryEncoding)
        };
        raw.split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                Ok((decode(k)?, decode(v)?))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Every value given for `key`.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The single value of `key`; giving it twice is ambiguous and refused.
    pub fn single<'a>(&'a self, key: &'a str) -> Result<Option<&'a str>, InputError> {
        let mut values = self.all(key);
        let first = values.next();
        if values.next().is_some() {
            return Err(InputError::RepeatedParameter(key.to_owned()));
        }
        Ok(first)
    }

    /// A comma list (`a,b`), also accepted as repeated keys (`k=a&k=b`). `None` when absent;
    /// an empty item (`a,,b`, `k=`) is refused.
    pub fn comma_list(&self, key: &str) -> Result<Option<Vec<String>>, InputError> {
        let mut items = Vec::new();
        let mut present = false;
        for value in self.all(key) {
            present = true;
            for item in value.split(',') {
                if item.is_empty() {
                    return Err(InputError::EmptyListItem(key.to_owned()));
                }
                items.push(item.to_owned());
            }
        }
        Ok(present.then_some(items))
    }

    /// Every (key, value) pair, in order.
    pub fn all_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn contains(&self, key: &str) -> bool {
        self.all(key).next().is_some()
    }
}

/// A header's value; `None` when absent, an error when it is not visible ASCII text.
pub fn header<'r>(req: &'r Request, name: &'static str) -> Result<Option<&'r str>, InputError> {
    match req.headers().get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(Some)
            .map_err(|_| InputError::BadHeader(name)),
    }
}

/// The raw body bytes, empty when there is none.
pub fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    }
}

/// The body as JSON of type `T`. Unknown fields are the type's business (serde's default ignores
/// them, as the vendors' servers do); nesting is bounded by serde_json's recursion limit.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, InputError> {
    let bytes = body_bytes(req);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(InputError::MissingBody);
    }
    if bytes.len() > MAX_BODY_BYTES {
        return Err(InputError::BodyTooLarge);
    }
    serde_json::from_slice(bytes).map_err(|e| InputError::BadJson(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comma_list_splits_on_commas_and_repeated_keys() {
        let q = Query::parse("buckets=a,b&buckets=c").unwrap();
        assert_eq!(
            q.comma_list("buckets").unwrap(),
            Some(vec!["a".into(), "b".into(), "c".into()])
        );
    }

    #[test]
    fn an_absent_comma_list_is_none() {
        assert_eq!(
            Query::parse("x=1").unwrap().comma_list("buckets").unwrap(),
            None
        );
    }

    #[test]
    fn an_empty_comma_list_item_is_refused() {
        for raw in ["buckets=a,,b", "buckets=", "buckets", "buckets=a,"] {
            let q = Query::parse(raw).unwrap();
            assert_eq!(
                q.comma_list("buckets"),
                Err(InputError::EmptyListItem("buckets".into())),
                "{raw}"
            );
        }
    }

    #[test]
    fn percent_encoding_and_plus_decode_to_text() {
        let q =
            Query::parse("filters=name%20sw%20%22T%22&sorters=aliasName%2C-name&x=a+b").unwrap();
        assert_eq!(q.single("filters").unwrap(), Some("name sw \"T\""));
        assert_eq!(q.single("sorters").unwrap(), Some("aliasName,-name"));
        assert_eq!(q.single("x").unwrap(), Some("a b"));
    }

    #[test]
    fn invalid_utf8_in_the_query_is_refused() {
        assert_eq!(Query::parse("a=%ff%fe"), Err(InputError::BadQueryEncoding));
    }

    #[test]
    fn a_single_valued_parameter_given_twice_is_refused() {
        let q = Query::parse("limit=1&limit=2").unwrap();
        assert_eq!(
            q.single("limit"),
            Err(InputError::RepeatedParameter("limit".into()))
        );
    }
}
