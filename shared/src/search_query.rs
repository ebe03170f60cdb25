//! SailPoint's search query (`query.query`): Elasticsearch `query_string` syntax plus SailPoint's
//! `@path(...)` nested groups, whose field names are relative to `path`
//! (`@accounts(source.name:"AD")` means `accounts.source.name`). Parsed once, here, into the
//! query DSL the engine runs.
//!
//! The engine does every clause's analysis, wildcards, ranges and date math: a query without a
//! nested group goes to it whole, as one `query_string`. Only around nested groups is the boolean
//! structure built here, clause by clause, with the rules of Lucene's classic query parser
//! (`QueryParserBase.addClause`, default operator OR), so that `a OR b AND @x(c)` means what
//! the engine would have made of it had it known `@`: `a` optional, `b` and the group required.

use serde_json::{Value, json};

/// Longer queries are refused (SailPoint documents a limit of about 800 values in a query).
pub const MAX_QUERY_LEN: usize = 32 * 1024;
/// Parentheses nest at most this deep (the parser recurses per level).
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query is empty")]
    Empty,
    #[error("the query is longer than {MAX_QUERY_LEN} characters")]
    TooLong,
    #[error("parentheses nest deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("a ( at character {0} is never closed")]
    Unclosed(usize),
    #[error("a ) at character {0} closes nothing")]
    UnexpectedClose(usize),
    #[error("a quoted phrase starting at character {0} is never closed")]
    UnterminatedPhrase(usize),
    #[error("a range starting at character {0} is never closed")]
    UnterminatedRange(usize),
    #[error("a nested group at character {0} needs a field path then (: @accounts(...)")]
    BadNested(usize),
    #[error("a nested group at character {0} is inside another; nested groups do not nest")]
    NestedInNested(usize),
    #[error("{0} at character {1} has no clause to apply to")]
    DanglingOperator(&'static str, usize),
    #[error("the group at character {0} is empty")]
    EmptyGroup(usize),
}

/// What a query is run with besides its text: `query.fields` and `query.timeZone`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOptions {
    /// The fields a clause without a field searches (`query_string`'s `fields`).
    pub fields: Vec<String>,
    /// Applied to the date ranges of every clause.
    pub time_zone: Option<String>,
}

/// A parsed query: raw clauses for the engine, and the structure around nested groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Text the engine parses as one `query_string`.
    Text(String),
    /// `@path(...)`: the inner query with its field names made absolute.
    Nested { path: String, query: Box<Node> },
    /// Clauses combined as Lucene combines them.
    Bool {
        must: Vec<Node>,
        should: Vec<Node>,
        must_not: Vec<Node>,
    },
}

/// Parses `raw`, a SailPoint query.
pub fn parse(raw: &str) -> Result<Node, QueryError> {
    if raw.len() > MAX_QUERY_LEN {
        return Err(QueryError::TooLong);
    }
    if raw.trim().is_empty() {
        return Err(QueryError::Empty);
    }
    let mut parser = Parser {
        src: raw,
        chars: raw.char_indices().collect(),
        at: 0,
    };
    let seq = parser.sequence(0, None)?;
    if let Some(&(i, _)) = parser.chars.get(parser.at) {
        return Err(QueryError::UnexpectedClose(i));
    }
    Ok(build(raw, &seq, None))
}

impl Node {
    /// The OpenSearch query DSL of this query.
    pub fn to_dsl(&self, options: &QueryOptions) -> Value {
        match self {
            Node::Text(text) => {
                let mut q = json!({ "query": text });
                if !options.fields.is_empty() {
                    q["fields"] = json!(options.fields);
                }
                if let Some(tz) = &options.time_zone {
                    q["time_zone"] = json!(tz);
                }
                json!({ "query_string": q })
            }
            // An index without this nested path matches nothing, rather than failing its
            // shards (a search of several indices would come back short).
            Node::Nested { path, query } => json!({
                "nested": { "path": path, "query": query.to_dsl(options), "ignore_unmapped": true }
            }),
            Node::Bool {
                must,
                should,
                must_not,
            } => {
                let mut b = serde_json::Map::new();
                for (name, nodes) in [("must", must), ("should", should), ("must_not", must_not)] {
                    if !nodes.is_empty() {
                        let dsl: Vec<Value> = nodes.iter().map(|n| n.to_dsl(options)).collect();
                        b.insert(name.into(), Value::Array(dsl));
                    }
                }
                json!({ "bool": b })
            }
        }
    }
}

// ---- the parse --------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conj {
    None,
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Modifier {
    None,
    Plus,
    /// `-` or `NOT` / `!`.
    Minus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Body {
    /// One clause: `field:value`, a phrase, a range, `field:(...)`, a bare term. Byte span.
    Leaf(usize, usize),
    /// `( ... )`: its clauses, and the byte span inside the parentheses.
    Group(Vec<Clause>, usize, usize),
    Nested(String, Vec<Clause>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Clause {
    conj: Conj,
    modifier: Modifier,
    body: Body,
}

struct Parser<'a> {
    src: &'a str,
    chars: Vec<(usize, char)>,
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).map(|&(_, c)| c)
    }
    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.at + n).map(|&(_, c)| c)
    }
    fn offset(&self) -> usize {
        self.chars.get(self.at).map_or(self.src.len(), |&(i, _)| i)
    }
    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }
    /// Whether the word `w` starts here and ends at a clause boundary.
    fn word(&self, w: &str) -> bool {
        let n = w.chars().count();
        w.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
            && self
                .peek_at(n)
                .is_none_or(|c| c.is_whitespace() || c == '(')
    }

    /// Clauses up to the end (`close == None`) or the `)` that closes a group opened at `open`.
    fn sequence(&mut self, depth: usize, close: Option<usize>) -> Result<Vec<Clause>, QueryError> {
        if depth > MAX_DEPTH {
            return Err(QueryError::TooDeep);
        }
        let mut clauses = Vec::new();
        let mut conj = Conj::None;
        let mut modifier = Modifier::None;
        let mut pending: Option<(&'static str, usize)> = None;
        loop {
            self.skip_space();
            let here = self.offset();
            match self.peek() {
                None => {
                    if let Some(open) = close {
                        return Err(QueryError::Unclosed(open));
                    }
                    break;
                }
                Some(')') => {
                    if close.is_none() {
                        return Err(QueryError::UnexpectedClose(here));
                    }
                    self.at += 1;
                    break;
                }
                _ => {}
            }
            if self.word("AND") || self.word("&&") {
                self.at += if self.peek() == Some('A') { 3 } else { 2 };
                conj = Conj::And;
                pending = Some(("AND", here));
                continue;
            }
            if self.word("OR") || self.word("||") {
                self.at += 2;
                conj = Conj::Or;
                pending = Some(("OR", here));
                continue;
            }
            if self.word("NOT") {
                self.at += 3;
                modifier = Modifier::Minus;
                pending = Some(("NOT", here));
                continue;
            }
            if let Some(c @ ('+' | '-' | '!')) = self.peek()
                && self.peek_at(1).is_some_and(|n| !n.is_whitespace())
            {
                self.at += 1;
                modifier = if c == '+' {
                    Modifier::Plus
                } else {
                    Modifier::Minus
                };
                pending = Some((if c == '+' { "+" } else { "NOT" }, here));
                continue;
            }
            let body = self.clause(depth)?;
            clauses.push(Clause {
                conj: if clauses.is_empty() { Conj::None } else { conj },
                modifier,
                body,
            });
            conj = Conj::None;
            modifier = Modifier::None;
            pending = None;
        }
        if let Some((op, at)) = pending {
            return Err(QueryError::DanglingOperator(op, at));
        }
        Ok(clauses)
    }

    fn clause(&mut self, depth: usize) -> Result<Body, QueryError> {
        let start = self.offset();
        match self.peek() {
            Some('(') => {
                self.at += 1;
                let inner_start = self.offset();
                let inner = self.sequence(depth + 1, Some(start))?;
                let inner_end = self.chars[self.at - 1].0;
                if inner.is_empty() {
                    return Err(QueryError::EmptyGroup(start));
                }
                Ok(Body::Group(inner, inner_start, inner_end))
            }
            Some('@') => {
                self.at += 1;
                let path_start = self.offset();
                while self
                    .peek()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    self.at += 1;
                }
                let path = self.src[path_start..self.offset()].to_owned();
                if path.is_empty() || self.peek() != Some('(') {
                    return Err(QueryError::BadNested(start));
                }
                self.at += 1;
                let inner = self.sequence(depth + 1, Some(start))?;
                if inner.is_empty() {
                    return Err(QueryError::EmptyGroup(start));
                }
                if inner.iter().any(Clause::has_nested) {
                    return Err(QueryError::NestedInNested(start));
                }
                Ok(Body::Nested(path, inner))
            }
            _ => {
                self.leaf(depth)?;
                Ok(Body::Leaf(start, self.offset()))
            }
        }
    }

    /// One clause's text: an optional `field:`, then a phrase, a range, a parenthesised
    /// field group or a term, with any `^boost` or `~fuzz` that follows.
    fn leaf(&mut self, depth: usize) -> Result<(), QueryError> {
        self.term_chars(true);
        if self.peek() == Some(':') {
            self.at += 1;
        }
        let start = self.offset();
        match self.peek() {
            Some('"') => self.phrase(start)?,
            Some('[' | '{') => self.range(start)?,
            Some('(') => {
                // `field:(a OR b)`: the engine's own field group, kept whole; a nested group
                // has no meaning inside one.
                self.at += 1;
                if self
                    .sequence(depth + 1, Some(start))?
                    .iter()
                    .any(Clause::has_nested)
                {
                    return Err(QueryError::BadNested(start));
                }
            }
            _ => {}
        }
        self.term_chars(false);
        Ok(())
    }

    /// Term characters (a backslash escapes the next one); a field name stops at `:`.
    fn term_chars(&mut self, stop_at_colon: bool) {
        while let Some(c) = self.peek() {
            match c {
                '\\' => self.at += 2.min(self.chars.len() - self.at),
                c if c.is_whitespace() || c == '(' || c == ')' => break,
                ':' if stop_at_colon => break,
                '"' => break,
                _ => self.at += 1,
            }
        }
    }

    fn phrase(&mut self, start: usize) -> Result<(), QueryError> {
        self.at += 1;
        loop {
            match self.peek() {
                None => return Err(QueryError::UnterminatedPhrase(start)),
                Some('\\') => self.at += 2.min(self.chars.len() - self.at),
                Some('"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(_) => self.at += 1,
            }
        }
    }

    fn range(&mut self, start: usize) -> Result<(), QueryError> {
        self.at += 1;
        loop {
            match self.peek() {
                None => return Err(QueryError::UnterminatedRange(start)),
                Some('\\') => self.at += 2.min(self.chars.len() - self.at),
                Some('"') => self.phrase(self.offset())?,
                Some(']' | '}') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(_) => self.at += 1,
            }
        }
    }
}

impl Clause {
    fn has_nested(&self) -> bool {
        match &self.body {
            Body::Leaf(..) => false,
            Body::Nested(..) => true,
            Body::Group(inner, ..) => inner.iter().any(Clause::has_nested),
        }
    }
}

// ---- from clauses to nodes --------------------------------------------------------------------

/// The node of a sequence of clauses; inside a nested group (`path`), field names are made
/// absolute clause by clause, so the sequence is always built up.
fn build(src: &str, clauses: &[Clause], path: Option<&str>) -> Node {
    if path.is_none() && !clauses.iter().any(Clause::has_nested) {
        return Node::Text(src.trim().to_owned());
    }
    if let [only] = clauses
        && only.modifier == Modifier::None
    {
        return body_node(src, &only.body, path);
    }
    // Lucene's addClause, default operator OR: AND makes the clause before it required (unless
    // prohibited) and the clause after it; + requires; - and NOT prohibit; the rest is optional.
    let mut occurs: Vec<Occur> = Vec::with_capacity(clauses.len());
    for c in clauses {
        if c.conj == Conj::And
            && let Some(last) = occurs.last_mut()
            && *last != Occur::MustNot
        {
            *last = Occur::Must;
        }
        let prohibited = c.modifier == Modifier::Minus;
        let required = c.modifier == Modifier::Plus || (c.conj == Conj::And && !prohibited);
        occurs.push(if prohibited {
            Occur::MustNot
        } else if required {
            Occur::Must
        } else {
            Occur::Should
        });
    }
    let (mut must, mut should, mut must_not) = (Vec::new(), Vec::new(), Vec::new());
    for (c, occur) in clauses.iter().zip(occurs) {
        let node = body_node(src, &c.body, path);
        match occur {
            Occur::Must => must.push(node),
            Occur::Should => should.push(node),
            Occur::MustNot => must_not.push(node),
        }
    }
    Node::Bool {
        must,
        should,
        must_not,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occur {
    Must,
    Should,
    MustNot,
}

fn body_node(src: &str, body: &Body, path: Option<&str>) -> Node {
    match body {
        Body::Leaf(start, end) => {
            let text = &src[*start..*end];
            Node::Text(match path {
                Some(p) => absolute(text, p),
                None => text.to_owned(),
            })
        }
        Body::Group(inner, start, end) => match path {
            None if !inner.iter().any(Clause::has_nested) => {
                Node::Text(src[*start..*end].trim().to_owned())
            }
            _ => build(src, inner, path),
        },
        Body::Nested(p, inner) => Node::Nested {
            path: p.clone(),
            query: Box::new(build(src, inner, Some(p))),
        },
    }
}

/// A clause of a nested group with its field made absolute: `source.name:AD` in `@accounts`
/// is `accounts.source.name:AD`, and `_exists_:source` is `_exists_:accounts.source`. A clause
/// without a field is left as it is (it searches the query's default fields).
fn absolute(leaf: &str, path: &str) -> String {
    let Some(colon) = field_end(leaf) else {
        return leaf.to_owned();
    };
    let (field, rest) = (&leaf[..colon], &leaf[colon + 1..]);
    if field == "_exists_" {
        format!("_exists_:{path}.{rest}")
    } else {
        format!("{path}.{field}:{rest}")
    }
}

/// Where a leaf's field name ends (its unescaped `:`), if it has one.
fn field_end(leaf: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in leaf.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ':' => return (i > 0).then_some(i),
            '"' | '[' | '{' | '(' => return None,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dsl(q: &str) -> Value {
        parse(q)
            .unwrap_or_else(|e| panic!("{q}: {e}"))
            .to_dsl(&QueryOptions::default())
    }

    fn qs(text: &str) -> Value {
        json!({"query_string": {"query": text}})
    }

    fn nested(path: &str, query: Value) -> Value {
        json!({"nested": {"path": path, "query": query, "ignore_unmapped": true}})
    }

    #[test]
    fn a_query_without_a_nested_group_goes_to_the_engine_whole() {
        for q in [
            "name:a*",
            "attributes.department:Engineering",
            "created:[now-7d TO now]",
            "\"John Doe\"",
            "NOT inactive:true",
            "_exists_:email",
            "name.exact:Ada AND (source:AD OR source:\"Okta SSO\") -disabled:true",
            "name:a\\(b",
        ] {
            assert_eq!(dsl(q), qs(q), "{q}");
        }
    }

    #[test]
    fn a_nested_groups_fields_are_relative_to_its_path() {
        assert_eq!(
            dsl("@accounts(source.name:\"Active Directory\")"),
            nested("accounts", qs("accounts.source.name:\"Active Directory\""))
        );
        assert_eq!(
            dsl("@accounts(_exists_:source created:[now-7d TO now])"),
            nested(
                "accounts",
                json!({"bool": {"should": [
                    qs("_exists_:accounts.source"),
                    qs("accounts.created:[now-7d TO now]")
                ]}})
            )
        );
    }

    #[test]
    fn clauses_around_a_nested_group_combine_as_lucenes_parser_combines_them() {
        // AND makes the clause before it required too; the OR-ed clause stays optional.
        assert_eq!(
            dsl("name:a* OR name:b* AND @access(type:ROLE)"),
            json!({"bool": {
                "must": [qs("name:b*"), nested("access", qs("access.type:ROLE"))],
                "should": [qs("name:a*")]
            }})
        );
        assert_eq!(
            dsl("-@accounts(disabled:true) +name:x y"),
            json!({"bool": {
                "must": [qs("name:x")],
                "should": [qs("y")],
                "must_not": [nested("accounts", qs("accounts.disabled:true"))]
            }})
        );
        assert_eq!(
            dsl("NOT @accounts(disabled:true)"),
            json!({"bool": {"must_not": [nested("accounts", qs("accounts.disabled:true"))]}})
        );
    }

    #[test]
    fn a_group_holding_a_nested_group_is_built_and_one_without_goes_whole() {
        assert_eq!(
            dsl("(a OR b) AND (c OR @apps(name:x))"),
            json!({"bool": {"must": [
                qs("a OR b"),
                {"bool": {"should": [qs("c"), nested("apps", qs("apps.name:x"))]}}
            ]}})
        );
    }

    #[test]
    fn the_options_reach_every_clause() {
        let options = QueryOptions {
            fields: vec!["name".into(), "email".into()],
            time_zone: Some("America/Chicago".into()),
        };
        let got = parse("ada AND @accounts(created:[now-1d TO now])")
            .unwrap()
            .to_dsl(&options);
        let clause = |t: &str| {
            json!({"query_string": {
                "query": t, "fields": ["name", "email"], "time_zone": "America/Chicago"
            }})
        };
        assert_eq!(
            got,
            json!({"bool": {"must": [
                clause("ada"),
                nested("accounts", clause("accounts.created:[now-1d TO now]"))
            ]}})
        );
    }

    #[test]
    fn a_malformed_query_is_refused_saying_where() {
        for (q, e) in [
            ("", QueryError::Empty),
            ("   ", QueryError::Empty),
            ("(a", QueryError::Unclosed(0)),
            ("a)", QueryError::UnexpectedClose(1)),
            ("@accounts(a:b", QueryError::Unclosed(0)),
            ("\"abc", QueryError::UnterminatedPhrase(0)),
            ("x:[1 TO", QueryError::UnterminatedRange(2)),
            ("@(x)", QueryError::BadNested(0)),
            ("@accounts x", QueryError::BadNested(0)),
            ("@a(@b(c:d))", QueryError::NestedInNested(0)),
            ("a AND", QueryError::DanglingOperator("AND", 2)),
            ("()", QueryError::EmptyGroup(0)),
        ] {
            assert_eq!(parse(q), Err(e), "{q:?}");
        }
        assert_eq!(
            parse(&"a".repeat(MAX_QUERY_LEN + 1)),
            Err(QueryError::TooLong)
        );
        assert_eq!(
            parse(&format!("{}a{}", "(".repeat(40), ")".repeat(40))),
            Err(QueryError::TooDeep)
        );
    }
}
