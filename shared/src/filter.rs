//! Parser for SailPoint's standard collection `filters` query parameter.
//!
//! ```text
//! filter  := or
//! or      := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | primary
//! primary := "(" filter ")" | "pr" field | field "pr" | field "isnull"
//!          | field ("eq"|"ne"|"gt"|"ge"|"lt"|"le"|"co"|"sw") value
//!          | field ("in"|"ca") "(" value ("," value)* ")"
//! value   := '"' (char | '\"' | '\\')* '"' | bare word
//! ```
//!
//! The input must already be percent-decoded: `\"` and `\\` are the filter
//! language's own escapes, applied after URL decoding.

use std::fmt;

/// Longer inputs are rejected before lexing, so work per request is bounded.
pub const MAX_INPUT_BYTES: usize = 4096;
/// Counts every `(` and every `not`; keeps recursion far from the stack limit.
pub const MAX_DEPTH: usize = 32;
pub const MAX_LIST_VALUES: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Compare {
        field: String,
        op: Op,
        value: Value,
    },
    In {
        field: String,
        values: Vec<Value>,
    },
    /// `groups ca ("a","b")`: the collection-valued field holds every value.
    ContainsAll {
        field: String,
        values: Vec<Value>,
    },
    Present {
        field: String,
    },
    IsNull {
        field: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Co,
    Sw,
}

impl Op {
    pub const ALL: [Op; 8] = [
        Op::Eq,
        Op::Ne,
        Op::Gt,
        Op::Ge,
        Op::Lt,
        Op::Le,
        Op::Co,
        Op::Sw,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Co => "co",
            Op::Sw => "sw",
        }
    }
}

/// Numbers, booleans, `null` and dates arrive as `Bare`: their meaning depends
/// on the field's type, which only the caller knows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Quoted(String),
    Bare(String),
}

impl Value {
    pub fn as_str(&self) -> &str {
        match self {
            Value::Quoted(s) | Value::Bare(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Byte offset into the input.
    pub position: usize,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at position {}", self.message, self.position)
    }
}

impl std::error::Error for FilterError {}

fn error(position: usize, message: impl Into<String>) -> FilterError {
    FilterError {
        position,
        message: message.into(),
    }
}

/// Keywords and operators are matched case-insensitively.
pub fn parse(input: &str) -> Result<Expr, FilterError> {
    Parser::run(input, false)
}

/// Like [`parse`], but rejects keywords that are not lowercase, as SailPoint's
/// docs say the real service does ("specifying EQ instead of eq is not allowed").
pub fn parse_strict(input: &str) -> Result<Expr, FilterError> {
    Parser::run(input, true)
}

/// Fields and the operators each may use, as an operation's spec lists them.
pub type Allowed<'a> = &'a [(&'a str, &'a [&'a str])];

/// [`parse_strict`], then every comparison checked against `allowed`; the error names what is
/// supported.
pub fn parse_allowed(input: &str, allowed: Allowed) -> Result<Expr, String> {
    let expr = parse_strict(input).map_err(|e| format!("invalid filters: {e}"))?;
    check_allowed(&expr, allowed)?;
    Ok(expr)
}

/// Every comparison of `expr` checked against `allowed`; the error names what is supported.
pub fn check_allowed(expr: &Expr, allowed: Allowed) -> Result<(), String> {
    for (field, op) in expr.comparisons() {
        match allowed.iter().find(|(f, _)| *f == field) {
            None => {
                let supported: Vec<String> = allowed
                    .iter()
                    .map(|(f, ops)| format!("{f} ({})", ops.join(", ")))
                    .collect();
                return Err(format!(
                    "filtering on field {field:?} is not supported; supported are {}",
                    supported.join(", ")
                ));
            }
            Some((_, ops)) if !ops.contains(&op) => {
                return Err(format!(
                    "operator {op:?} is not supported for field {field:?}; supported are {}",
                    ops.join(", ")
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// A leaf of a SCIM filter as a comparison whose field (compared case-insensitively, as SCIM's
/// attribute names are) and operator `allowed` lists; the error says `supported`. Returns the
/// lowercased field, the operator and the value.
pub fn allowed_comparison(
    leaf: Expr,
    allowed: &[(&[&str], &[Op])],
    supported: &str,
) -> Result<(String, Op, Value), String> {
    let Expr::Compare { field, op, value } = leaf else {
        return Err(format!(
            "this filter form is not supported; supported are {supported}"
        ));
    };
    let field = field.to_lowercase();
    let Some((_, ops)) = allowed
        .iter()
        .find(|(fields, _)| fields.contains(&field.as_str()))
    else {
        return Err(format!(
            "filtering on {field:?} is not supported; supported are {supported}"
        ));
    };
    if !ops.contains(&op) {
        return Err(format!(
            "operator {:?} is not supported for {field:?}; supported are {supported}",
            op.name()
        ));
    }
    Ok((field, op, value))
}

/// The standard `sorters` parameter: a comma list of fields, `-` for descending, each field
/// once. `field` knows the operation's sortable fields; `supported` says them in the error.
pub fn parse_sorters<F: PartialEq>(
    raw: &str,
    field: impl Fn(&str) -> Option<F>,
    supported: &str,
) -> Result<Vec<(F, bool)>, String> {
    let mut sorters: Vec<(F, bool)> = Vec::new();
    for part in raw.split(',').map(str::trim) {
        let (descending, name) = match part.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, part),
        };
        let f =
            field(name).ok_or_else(|| format!("sorter {name:?} is not supported; {supported}"))?;
        if sorters.iter().any(|(s, _)| *s == f) {
            return Err(format!("sorter {name:?} is given twice"));
        }
        sorters.push((f, descending));
    }
    Ok(sorters)
}

impl Expr {
    /// The same tree with every leaf (comparison, list, presence) passed through `f`: for
    /// values whose meaning depends on the field (timestamps, booleans).
    pub fn try_map_leaves<E>(self, f: &impl Fn(Expr) -> Result<Expr, E>) -> Result<Expr, E> {
        let all = |xs: Vec<Expr>| {
            xs.into_iter()
                .map(|x| x.try_map_leaves(f))
                .collect::<Result<Vec<_>, E>>()
        };
        Ok(match self {
            Expr::Or(xs) => Expr::Or(all(xs)?),
            Expr::And(xs) => Expr::And(all(xs)?),
            Expr::Not(x) => Expr::Not(Box::new(x.try_map_leaves(f)?)),
            leaf => f(leaf)?,
        })
    }

    /// Whether the tree holds, `and`/`or`/`not` applied here and each leaf judged by `leaf`.
    pub fn holds(&self, leaf: &impl Fn(&Expr) -> bool) -> bool {
        match self {
            Expr::Or(xs) => xs.iter().any(|x| x.holds(leaf)),
            Expr::And(xs) => xs.iter().all(|x| x.holds(leaf)),
            Expr::Not(x) => !x.holds(leaf),
            other => leaf(other),
        }
    }

    /// Every leaf as `(field, operator)`, operator being one of `eq`..`sw`,
    /// `in`, `ca`, `pr` or `isnull`.
    pub fn comparisons(&self) -> Vec<(&str, &'static str)> {
        let mut out = Vec::new();
        self.collect_comparisons(&mut out);
        out
    }

    fn collect_comparisons<'s>(&'s self, out: &mut Vec<(&'s str, &'static str)>) {
        match self {
            Expr::Or(items) | Expr::And(items) => {
                items.iter().for_each(|e| e.collect_comparisons(out))
            }
            Expr::Not(inner) => inner.collect_comparisons(out),
            Expr::Compare { field, op, .. } => out.push((field, op.name())),
            Expr::In { field, .. } => out.push((field, "in")),
            Expr::ContainsAll { field, .. } => out.push((field, "ca")),
            Expr::Present { field } => out.push((field, "pr")),
            Expr::IsNull { field } => out.push((field, "isnull")),
        }
    }

    fn precedence(&self) -> u8 {
        match self {
            Expr::Or(_) => 1,
            Expr::And(_) => 2,
            Expr::Not(_) => 3,
            _ => 4,
        }
    }
}

/// Builds `And`/`Or`, absorbing children of the same kind so that grouping
/// which cannot change the meaning does not change the tree either.
fn composite(items: Vec<Expr>, is_and: bool) -> Expr {
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match (item, is_and) {
            (Expr::And(inner), true) | (Expr::Or(inner), false) => flat.extend(inner),
            (item, _) => flat.push(item),
        }
    }
    if is_and {
        Expr::And(flat)
    } else {
        Expr::Or(flat)
    }
}

/// Minimal parentheses, by precedence. `parse` reads the output back to an
/// equal `Expr` provided composites have at least two children, bare values
/// are valid bare words and fields are valid field names (true of anything
/// `parse` returned).
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn operand(f: &mut fmt::Formatter<'_>, e: &Expr, min: u8) -> fmt::Result {
            if e.precedence() < min {
                write!(f, "({e})")
            } else {
                write!(f, "{e}")
            }
        }
        fn joined(f: &mut fmt::Formatter<'_>, items: &[Expr], sep: &str, min: u8) -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                operand(f, item, min)?;
            }
            Ok(())
        }
        fn list(
            f: &mut fmt::Formatter<'_>,
            field: &str,
            op: &str,
            values: &[Value],
        ) -> fmt::Result {
            write!(f, "{field} {op} (")?;
            for (i, v) in values.iter().enumerate() {
                write!(f, "{}{v}", if i > 0 { "," } else { "" })?;
            }
            f.write_str(")")
        }
        match self {
            Expr::Or(items) => joined(f, items, " or ", 1),
            Expr::And(items) => joined(f, items, " and ", 2),
            Expr::Not(inner) => {
                f.write_str("not ")?;
                operand(f, inner, 3)
            }
            Expr::Compare { field, op, value } => write!(f, "{field} {} {value}", op.name()),
            Expr::In { field, values } => list(f, field, "in", values),
            Expr::ContainsAll { field, values } => list(f, field, "ca", values),
            // The prefix form is the one SailPoint documents.
            Expr::Present { field } => write!(f, "pr {field}"),
            Expr::IsNull { field } => write!(f, "{field} isnull"),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bare(s) => f.write_str(s),
            Value::Quoted(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    if matches!(c, '"' | '\\') {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")
            }
        }
    }
}

// ---------------------------------------------------------------- lexer

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'a> {
    LParen,
    RParen,
    Comma,
    Str(String),
    Word(&'a str),
}

#[derive(Debug)]
struct Token<'a> {
    tok: Tok<'a>,
    pos: usize,
}

fn is_word_char(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, '(' | ')' | ',' | '"'))
}

fn lex(input: &str) -> Result<Vec<Token<'_>>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some((pos, c)) = chars.next() {
        let tok = match c {
            c if c.is_whitespace() => continue,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err(error(pos, "unterminated string")),
                        Some((_, '"')) => break,
                        Some((at, '\\')) => match chars.next() {
                            Some((_, c @ ('"' | '\\'))) => s.push(c),
                            Some((_, c)) => {
                                // Invisible characters would make the message unreadable.
                                let escape = if c.is_control() || c.is_whitespace() {
                                    format!("\\ followed by U+{:04X}", u32::from(c))
                                } else {
                                    format!("\\{c}")
                                };
                                return Err(error(
                                    at,
                                    format!("invalid escape {escape} in string"),
                                ));
                            }
                            None => return Err(error(pos, "unterminated string")),
                        },
                        Some((_, c)) => s.push(c),
                    }
                }
                Tok::Str(s)
            }
            _ => {
                while chars.next_if(|&(_, c)| is_word_char(c)).is_some() {}
                let end = chars.peek().map_or(input.len(), |&(i, _)| i);
                Tok::Word(&input[pos..end])
            }
        };
        tokens.push(Token { tok, pos });
    }
    Ok(tokens)
}

// ---------------------------------------------------------------- parser

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kw {
    And,
    Or,
    Not,
    Cmp(Op),
    In,
    Ca,
    Pr,
    IsNull,
}

const KEYWORDS: [(&str, Kw); 15] = [
    ("and", Kw::And),
    ("or", Kw::Or),
    ("not", Kw::Not),
    ("eq", Kw::Cmp(Op::Eq)),
    ("ne", Kw::Cmp(Op::Ne)),
    ("gt", Kw::Cmp(Op::Gt)),
    ("ge", Kw::Cmp(Op::Ge)),
    ("lt", Kw::Cmp(Op::Lt)),
    ("le", Kw::Cmp(Op::Le)),
    ("co", Kw::Cmp(Op::Co)),
    ("sw", Kw::Cmp(Op::Sw)),
    ("in", Kw::In),
    ("ca", Kw::Ca),
    ("pr", Kw::Pr),
    ("isnull", Kw::IsNull),
];

/// Quotes a piece of the input for an error message, truncated so that a
/// huge token cannot bloat the response that echoes the message.
fn quoted(s: &str) -> String {
    const MAX_CHARS: usize = 40;
    match s.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("\"{}…\"", &s[..cut]),
        None => format!("\"{s}\""),
    }
}

/// Segments of ASCII letters, digits and `_`, joined by single dots.
fn is_field_name(s: &str) -> bool {
    s.split('.')
        .all(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

struct Parser<'a> {
    tokens: std::iter::Peekable<std::vec::IntoIter<Token<'a>>>,
    end: usize,
    depth: usize,
    strict: bool,
}

impl<'a> Parser<'a> {
    fn run(input: &'a str, strict: bool) -> Result<Expr, FilterError> {
        if input.len() > MAX_INPUT_BYTES {
            return Err(error(
                MAX_INPUT_BYTES,
                format!("filter is longer than {MAX_INPUT_BYTES} bytes"),
            ));
        }
        let tokens = lex(input)?;
        if tokens.is_empty() {
            return Err(error(0, "empty filter"));
        }
        let mut parser = Parser {
            tokens: tokens.into_iter().peekable(),
            end: input.len(),
            depth: 0,
            strict,
        };
        let expr = parser.or()?;
        if parser.tokens.peek().is_some() {
            return Err(parser.unexpected());
        }
        Ok(expr)
    }

    fn here(&mut self) -> usize {
        self.tokens.peek().map_or(self.end, |t| t.pos)
    }

    fn found(&mut self) -> String {
        match self.tokens.peek().map(|t| &t.tok) {
            None => "end of filter".into(),
            Some(Tok::LParen) => "\"(\"".into(),
            Some(Tok::RParen) => "\")\"".into(),
            Some(Tok::Comma) => "\",\"".into(),
            Some(Tok::Str(_)) => "a string".into(),
            Some(Tok::Word(w)) => quoted(w),
        }
    }

    fn unexpected(&mut self) -> FilterError {
        let found = self.found();
        error(self.here(), format!("unexpected {found}"))
    }

    fn eat(&mut self, want: &Tok) -> bool {
        self.tokens.next_if(|t| t.tok == *want).is_some()
    }

    fn peek_word(&mut self) -> Option<(&'a str, usize)> {
        match self.tokens.peek()? {
            Token {
                tok: Tok::Word(w),
                pos,
            } => Some((w, *pos)),
            _ => None,
        }
    }

    fn keyword(&self, word: &str, pos: usize) -> Result<Option<Kw>, FilterError> {
        let Some(&(name, kw)) = KEYWORDS.iter().find(|(k, _)| k.eq_ignore_ascii_case(word)) else {
            return Ok(None);
        };
        if self.strict && name != word {
            return Err(error(
                pos,
                format!("keyword {} must be lowercase", quoted(word)),
            ));
        }
        Ok(Some(kw))
    }

    fn peek_keyword(&mut self) -> Result<Option<Kw>, FilterError> {
        match self.peek_word() {
            Some((word, pos)) => self.keyword(word, pos),
            None => Ok(None),
        }
    }

    fn descend(&mut self, pos: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error(
                pos,
                format!("filter is nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let first = self.and()?;
        if self.peek_keyword()? != Some(Kw::Or) {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek_keyword()? == Some(Kw::Or) {
            self.tokens.next();
            items.push(self.and()?);
        }
        Ok(composite(items, false))
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let first = self.not()?;
        if self.peek_keyword()? != Some(Kw::And) {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek_keyword()? == Some(Kw::And) {
            self.tokens.next();
            items.push(self.not()?);
        }
        Ok(composite(items, true))
    }

    fn not(&mut self) -> Result<Expr, FilterError> {
        if self.peek_keyword()? != Some(Kw::Not) {
            return self.primary();
        }
        let pos = self.here();
        self.tokens.next();
        self.descend(pos)?;
        let inner = self.not()?;
        self.depth -= 1;
        Ok(Expr::Not(Box::new(inner)))
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        let pos = self.here();
        if self.eat(&Tok::LParen) {
            self.descend(pos)?;
            let inner = self.or()?;
            if !self.eat(&Tok::RParen) {
                let found = self.found();
                return Err(error(self.here(), format!("expected \")\", found {found}")));
            }
            self.depth -= 1;
            return Ok(inner);
        }
        let Some((word, pos)) = self.peek_word() else {
            return Err(match self.tokens.peek() {
                None => error(self.end, "unexpected end of filter"),
                Some(_) => self.unexpected(),
            });
        };
        match self.keyword(word, pos)? {
            Some(Kw::Pr) => {
                self.tokens.next();
                let field = self.prefix_field()?;
                Ok(Expr::Present { field })
            }
            Some(_) => Err(self.unexpected()),
            None => {
                let field = Self::field_name(word, pos)?;
                self.tokens.next();
                self.after_field(field)
            }
        }
    }

    fn field_name(word: &str, pos: usize) -> Result<String, FilterError> {
        if !is_field_name(word) {
            return Err(error(pos, format!("invalid field name {}", quoted(word))));
        }
        Ok(word.to_owned())
    }

    fn prefix_field(&mut self) -> Result<String, FilterError> {
        let expected = |found: String| format!("expected a field name after \"pr\", found {found}");
        let Some((word, pos)) = self.peek_word() else {
            let found = self.found();
            return Err(error(self.here(), expected(found)));
        };
        if self.keyword(word, pos)?.is_some() {
            return Err(error(pos, expected(quoted(word))));
        }
        let field = Self::field_name(word, pos)?;
        self.tokens.next();
        Ok(field)
    }

    fn after_field(&mut self, field: String) -> Result<Expr, FilterError> {
        let expected = |found: String| {
            format!(
                "expected an operator after field {}, found {found}",
                quoted(&field)
            )
        };
        let Some((word, pos)) = self.peek_word() else {
            let found = self.found();
            return Err(error(self.here(), expected(found)));
        };
        let kw = match self.keyword(word, pos)? {
            None => {
                let message = format!(
                    "unknown operator {} after field {}",
                    quoted(word),
                    quoted(&field)
                );
                return Err(error(pos, message));
            }
            Some(Kw::And | Kw::Or | Kw::Not) => return Err(error(pos, expected(quoted(word)))),
            Some(kw) => kw,
        };
        self.tokens.next();
        Ok(match kw {
            Kw::Cmp(op) => {
                let value_pos = self.here();
                let Some(value) = self.value() else {
                    let found = self.found();
                    let message =
                        format!("expected a value after \"{}\", found {found}", op.name());
                    return Err(error(value_pos, message));
                };
                Expr::Compare { field, op, value }
            }
            Kw::Ca => Expr::ContainsAll {
                values: self.list("ca")?,
                field,
            },
            Kw::Pr => Expr::Present { field },
            Kw::IsNull => Expr::IsNull { field },
            _ => Expr::In {
                values: self.list("in")?,
                field,
            },
        })
    }

    fn value(&mut self) -> Option<Value> {
        let token = self
            .tokens
            .next_if(|t| matches!(t.tok, Tok::Word(_) | Tok::Str(_)))?;
        match token.tok {
            Tok::Word(w) => Some(Value::Bare(w.to_owned())),
            Tok::Str(s) => Some(Value::Quoted(s)),
            _ => None,
        }
    }

    fn list(&mut self, op: &str) -> Result<Vec<Value>, FilterError> {
        if !self.eat(&Tok::LParen) {
            return Err(error(
                self.here(),
                format!("{op} expects a parenthesised list"),
            ));
        }
        let mut values = Vec::new();
        loop {
            let pos = self.here();
            let Some(value) = self.value() else {
                let found = self.found();
                return Err(error(
                    pos,
                    format!("expected a value in list, found {found}"),
                ));
            };
            if values.len() == MAX_LIST_VALUES {
                let message = format!("{op} list has more than {MAX_LIST_VALUES} values");
                return Err(error(pos, message));
            }
            values.push(value);
            if self.eat(&Tok::RParen) {
                return Ok(values);
            }
            if !self.eat(&Tok::Comma) {
                let found = self.found();
                return Err(error(
                    self.here(),
                    format!("expected \",\" or \")\" in list, found {found}"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(field: &str, op: Op, value: Value) -> Expr {
        Expr::Compare {
            field: field.into(),
            op,
            value,
        }
    }
    fn q(s: &str) -> Value {
        Value::Quoted(s.into())
    }
    fn b(s: &str) -> Value {
        Value::Bare(s.into())
    }
    fn eq(field: &str, value: &str) -> Expr {
        cmp(field, Op::Eq, b(value))
    }
    fn not(e: Expr) -> Expr {
        Expr::Not(Box::new(e))
    }
    fn err(input: &str) -> (usize, String) {
        let e = parse(input).expect_err(input);
        (e.position, e.message)
    }

    #[test]
    fn every_comparison_operator_parses_with_quoted_value() {
        for op in Op::ALL {
            let input = format!("name {} \"Rajesh\"", op.name());
            assert_eq!(parse(&input), Ok(cmp("name", op, q("Rajesh"))), "{input}");
        }
    }

    #[test]
    fn in_takes_a_parenthesised_list() {
        assert_eq!(
            parse(r#"id in ("a", "b",c)"#),
            Ok(Expr::In {
                field: "id".into(),
                values: vec![q("a"), q("b"), b("c")]
            })
        );
        assert_eq!(
            parse("id in(x)"),
            Ok(Expr::In {
                field: "id".into(),
                values: vec![b("x")]
            })
        );
    }

    #[test]
    fn ca_takes_a_parenthesised_list() {
        assert_eq!(
            parse(r#"groups ca ("Venezia","Firenze")"#),
            Ok(Expr::ContainsAll {
                field: "groups".into(),
                values: vec![q("Venezia"), q("Firenze")]
            })
        );
    }

    #[test]
    fn pr_works_as_prefix_and_postfix() {
        let present = Ok(Expr::Present {
            field: "accountRequestInfo".into(),
        });
        assert_eq!(parse("pr accountRequestInfo"), present);
        assert_eq!(parse("accountRequestInfo pr"), present);
    }

    #[test]
    fn isnull_is_postfix() {
        assert_eq!(
            parse("lastUsed isnull"),
            Ok(Expr::IsNull {
                field: "lastUsed".into()
            })
        );
    }

    #[test]
    fn or_binds_looser_than_and() {
        assert_eq!(
            parse("a eq 1 or b eq 2 and c eq 3"),
            Ok(Expr::Or(vec![
                eq("a", "1"),
                Expr::And(vec![eq("b", "2"), eq("c", "3")])
            ]))
        );
    }

    #[test]
    fn not_binds_tighter_than_and() {
        assert_eq!(
            parse("not a eq 1 and b eq 2"),
            Ok(Expr::And(vec![not(eq("a", "1")), eq("b", "2")]))
        );
    }

    #[test]
    fn not_applies_to_a_parenthesised_group() {
        assert_eq!(
            parse("not (a eq 1 or b eq 2) and c eq 3"),
            Ok(Expr::And(vec![
                not(Expr::Or(vec![eq("a", "1"), eq("b", "2")])),
                eq("c", "3")
            ]))
        );
        assert_eq!(parse(r#"not (a eq "x")"#), parse(r#"not a eq "x""#));
        assert_eq!(
            parse("not not a pr"),
            Ok(not(not(Expr::Present { field: "a".into() })))
        );
    }

    #[test]
    fn parentheses_override_precedence() {
        assert_eq!(
            parse("(a eq 1 or b eq 2) and c eq 3"),
            Ok(Expr::And(vec![
                Expr::Or(vec![eq("a", "1"), eq("b", "2")]),
                eq("c", "3")
            ]))
        );
        assert_eq!(parse("((((a eq 1))))"), Ok(eq("a", "1")));
    }

    #[test]
    fn same_kind_composites_are_flattened_even_across_parentheses() {
        let abc = Ok(Expr::And(vec![eq("a", "1"), eq("b", "2"), eq("c", "3")]));
        assert_eq!(parse("a eq 1 and b eq 2 and c eq 3"), abc);
        assert_eq!(parse("a eq 1 and (b eq 2 and c eq 3)"), abc);
        assert_eq!(parse("(a eq 1 and b eq 2) and c eq 3"), abc);
        assert_eq!(
            parse("a eq 1 or (b eq 2 or c eq 3) or d eq 4"),
            Ok(Expr::Or(vec![
                eq("a", "1"),
                eq("b", "2"),
                eq("c", "3"),
                eq("d", "4")
            ]))
        );
    }

    #[test]
    fn quoted_strings_unescape_quote_and_backslash() {
        assert_eq!(
            parse(r#"name eq "\"Employees\"""#),
            Ok(cmp("name", Op::Eq, q("\"Employees\"")))
        );
        assert_eq!(
            parse(r#"name eq "a\\b""#),
            Ok(cmp("name", Op::Eq, q(r"a\b")))
        );
        assert_eq!(parse(r#"name eq """#), Ok(cmp("name", Op::Eq, q(""))));
        assert_eq!(
            parse("name eq \"  (a,b) and or 日本 🦀\t\""),
            Ok(cmp("name", Op::Eq, q("  (a,b) and or 日本 🦀\t")))
        );
    }

    #[test]
    fn bare_words_are_kept_as_bare_tokens() {
        assert_eq!(parse("name sw Joe"), Ok(cmp("name", Op::Sw, b("Joe"))));
        assert_eq!(
            parse("created gt 2018-12-18T23:05:55Z"),
            Ok(cmp("created", Op::Gt, b("2018-12-18T23:05:55Z")))
        );
        for word in [
            "7", "-1.5e3", "true", "false", "null", "José", "a\\b", "and", "EQ",
        ] {
            assert_eq!(parse(&format!("x eq {word}")), Ok(eq("x", word)), "{word}");
        }
        assert_eq!(b("Joe").as_str(), "Joe");
        assert_eq!(q("Joe").as_str(), "Joe");
    }

    #[test]
    fn keywords_are_case_insensitive_but_fields_and_values_are_kept() {
        assert_eq!(
            parse("Name EQ Joe AND NOT b Pr oR c ISNULL"),
            Ok(Expr::Or(vec![
                Expr::And(vec![
                    cmp("Name", Op::Eq, b("Joe")),
                    not(Expr::Present { field: "b".into() })
                ]),
                Expr::IsNull { field: "c".into() },
            ]))
        );
        assert_eq!(parse("id In (a)"), parse("id in (a)"));
    }

    #[test]
    fn strict_mode_requires_lowercase_keywords() {
        assert_eq!(
            parse_strict("name eq Joe and pr x"),
            parse("name eq Joe and pr x")
        );
        let e = parse_strict("name EQ Joe").unwrap_err();
        assert_eq!(
            (e.position, e.message.as_str()),
            (5, "keyword \"EQ\" must be lowercase")
        );
        let e = parse_strict("a pr And b pr").unwrap_err();
        assert_eq!(
            (e.position, e.message.as_str()),
            (5, "keyword \"And\" must be lowercase")
        );
    }

    #[test]
    fn field_names_may_be_dotted_paths() {
        assert_eq!(
            parse(r#"attributes.cloudStatus eq "UNREGISTERED""#),
            Ok(cmp("attributes.cloudStatus", Op::Eq, q("UNREGISTERED")))
        );
        assert_eq!(parse("a_1.B2.c eq x"), Ok(eq("a_1.B2.c", "x")));
    }

    #[test]
    fn any_whitespace_separates_tokens_and_punctuation_needs_none() {
        assert_eq!(parse("\t a \t eq\t\t1  "), Ok(eq("a", "1")));
        assert_eq!(
            parse(r#"(a eq "x")or(b eq"y")"#),
            Ok(Expr::Or(vec![
                cmp("a", Op::Eq, q("x")),
                cmp("b", Op::Eq, q("y"))
            ]))
        );
    }

    #[test]
    fn the_documented_examples_parse() {
        let examples = [
            r#"groups ca ("Venezia","Firenze")"#,
            r#"name co "Rajesh""#,
            r#"identitySummary.id eq "2c9180846e85e4b8016eafeba20c1314""#,
            "daysUntilEscalation ge 7",
            r#"name ge "Genaro""#,
            "daysUntilEscalation gt 7",
            "created gt 2018-12-18T23:05:55Z",
            r#"accountActivityItemId in ("2c9180846b0a0583016b299f210c1314","2c9180846b0a0581016b299e82560c1314")"#,
            "daysUntilEscalation le 7",
            "created lt 2018-12-18T23:05:55Z",
            r#"type ne "ROLE""#,
            "pr accountRequestInfo",
            "lastUsed isnull",
            r#"name sw "Rajesh""#,
            r#"startDate gt 2018 and name sw "Genaro""#,
            r#"not groups ca ("Venezia","Firenze")"#,
            r#"startDate gt 2018 or name sw "Genaro""#,
            r##"name eq "#Employees""##,
            r#"name eq "\"Employees\"""#,
            r#"email eq "john.doe@example.com""#,
            r#"firstname sw "john" or email sw "joe""#,
            r#"firstname eq "john""#,
            "name sw Joe",
        ];
        for input in examples {
            let expr = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(parse(&expr.to_string()), Ok(expr), "{input}");
        }
    }

    #[test]
    fn the_documented_precedence_equivalences_hold() {
        let pairs = [
            (
                "not prop1 eq val1 or prop2 eq val2 and prop3 eq val3",
                "(not (prop1 eq val1)) or ((prop2 eq val2) and (prop3 eq val3))",
            ),
            (
                "not (prop1 eq val1 or prop2 eq val2) and prop3 eq val3",
                "(not ((prop1 eq val1) or (prop2 eq val2))) and (prop3 eq val3)",
            ),
        ];
        for (short, long) in pairs {
            assert_eq!(parse(short), parse(long));
            assert!(parse(short).is_ok());
        }
    }

    #[test]
    fn display_uses_minimal_parentheses_and_escapes_strings() {
        let e =
            parse(r#"(a eq "x\"y\\" or b pr) and not (c in (1,"2") or d isnull) and not e ne f"#)
                .unwrap();
        assert_eq!(
            e.to_string(),
            r#"(a eq "x\"y\\" or pr b) and not (c in (1,"2") or d isnull) and not e ne f"#
        );
    }

    #[test]
    fn comparisons_lists_every_leaf_in_order() {
        let e = parse(
            r#"id eq 1 or not (name co x and groups ca (a)) or id in (a) or pr email or n isnull"#,
        )
        .unwrap();
        assert_eq!(
            e.comparisons(),
            vec![
                ("id", "eq"),
                ("name", "co"),
                ("groups", "ca"),
                ("id", "in"),
                ("email", "pr"),
                ("n", "isnull")
            ]
        );
    }

    #[test]
    fn error_display_includes_the_position() {
        let e = parse("name eqq x").unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"unknown operator "eqq" after field "name" at position 5"#
        );
        let _: &dyn std::error::Error = &e;
    }

    #[test]
    fn every_error_message_is_reported_at_the_right_position() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "empty filter"),
            (" \t ", 0, "empty filter"),
            (
                "name eqq x",
                5,
                r#"unknown operator "eqq" after field "name""#,
            ),
            (r#"name eq "abc"#, 8, "unterminated string"),
            (r#"name eq "abc\"#, 8, "unterminated string"),
            (r#"name eq "a\nb""#, 10, r"invalid escape \n in string"),
            (
                "name eq \"a\\\nb\"",
                10,
                r"invalid escape \ followed by U+000A in string",
            ),
            (r#"name eq "a\'""#, 10, r"invalid escape \' in string"),
            ("(a eq 1", 7, r#"expected ")", found end of filter"#),
            ("(a eq 1 b eq 2)", 8, r#"expected ")", found "b""#),
            ("and a eq 1", 0, r#"unexpected "and""#),
            ("a eq 1 and and b eq 2", 11, r#"unexpected "and""#),
            ("a eq 1 b", 7, r#"unexpected "b""#),
            ("a eq 1)", 6, r#"unexpected ")""#),
            ("a eq 1 (", 7, r#"unexpected "(""#),
            ("()", 1, r#"unexpected ")""#),
            (", a eq 1", 0, r#"unexpected ",""#),
            (r#""a" eq 1"#, 0, "unexpected a string"),
            ("a eq 1 and", 10, "unexpected end of filter"),
            ("not", 3, "unexpected end of filter"),
            ("id in \"a\"", 6, "in expects a parenthesised list"),
            ("id in", 5, "in expects a parenthesised list"),
            ("g ca a", 5, "ca expects a parenthesised list"),
            ("id in ()", 7, r#"expected a value in list, found ")""#),
            ("id in (a,)", 9, r#"expected a value in list, found ")""#),
            (
                "id in (a b)",
                9,
                r#"expected "," or ")" in list, found "b""#,
            ),
            (
                "id in (a",
                8,
                r#"expected "," or ")" in list, found end of filter"#,
            ),
            (
                "name eq",
                7,
                r#"expected a value after "eq", found end of filter"#,
            ),
            ("name eq )", 8, r#"expected a value after "eq", found ")""#),
            (
                "name",
                4,
                r#"expected an operator after field "name", found end of filter"#,
            ),
            (
                "name and x",
                5,
                r#"expected an operator after field "name", found "and""#,
            ),
            (
                r#"name "x""#,
                5,
                r#"expected an operator after field "name", found a string"#,
            ),
            ("na-me eq 1", 0, r#"invalid field name "na-me""#),
            ("a..b eq 1", 0, r#"invalid field name "a..b""#),
            (
                "pr",
                2,
                r#"expected a field name after "pr", found end of filter"#,
            ),
            (
                "pr or",
                3,
                r#"expected a field name after "pr", found "or""#,
            ),
            ("pr a-b", 3, r#"invalid field name "a-b""#),
        ];
        for &(input, position, message) in cases {
            assert_eq!(
                err(input),
                (position, message.to_string()),
                "input: {input:?}"
            );
        }
    }

    #[test]
    fn long_tokens_are_truncated_in_error_messages() {
        let field = "é".repeat(100);
        let (_, message) = err(&format!("{field} eq 1"));
        assert_eq!(
            message,
            format!("invalid field name \"{}…\"", "é".repeat(40))
        );
    }

    #[test]
    fn input_longer_than_the_limit_is_rejected() {
        let fits = format!("a eq \"{}\"", "x".repeat(MAX_INPUT_BYTES - 7));
        assert_eq!(fits.len(), MAX_INPUT_BYTES);
        assert!(parse(&fits).is_ok());
        let too_long = format!("{fits} ");
        assert_eq!(
            err(&too_long),
            (MAX_INPUT_BYTES, "filter is longer than 4096 bytes".into())
        );
    }

    #[test]
    fn nesting_up_to_the_limit_is_accepted_and_beyond_it_rejected() {
        let nested = |n: usize| format!("{}a eq 1{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(parse(&nested(MAX_DEPTH)), Ok(eq("a", "1")));
        assert_eq!(
            err(&nested(MAX_DEPTH + 1)),
            (32, "filter is nested more than 32 levels deep".into())
        );
        let nots = |n: usize| format!("{}a eq 1", "not ".repeat(n));
        assert!(parse(&nots(MAX_DEPTH)).is_ok());
        assert_eq!(
            err(&nots(MAX_DEPTH + 1)),
            (128, "filter is nested more than 32 levels deep".into())
        );
    }

    #[test]
    fn in_lists_up_to_the_limit_are_accepted_and_longer_rejected() {
        let list = |n: usize| format!("id in ({})", vec!["x"; n].join(","));
        assert!(parse(&list(MAX_LIST_VALUES)).is_ok());
        assert_eq!(
            err(&list(MAX_LIST_VALUES + 1)),
            (207, "in list has more than 100 values".into())
        );
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::Index;

    fn field() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "id",
            "name",
            "aliasName",
            "email",
            "attributes.cloudStatus",
            "a_1.b2",
        ])
        .prop_map(String::from)
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            prop::collection::vec(any::<char>(), 0..8)
                .prop_map(|c| Value::Quoted(c.into_iter().collect())),
            "[ a-z\"\\\\()\t,é日🦀]{0,8}".prop_map(Value::Quoted),
            "[A-Za-z0-9_.:+@é日🦀\\\\-]{1,10}".prop_map(Value::Bare),
        ]
    }

    fn leaf() -> impl Strategy<Value = Expr> {
        prop_oneof![
            (field(), prop::sample::select(Op::ALL.to_vec()), value())
                .prop_map(|(field, op, value)| Expr::Compare { field, op, value }),
            (field(), prop::collection::vec(value(), 1..5))
                .prop_map(|(field, values)| Expr::In { field, values }),
            (field(), prop::collection::vec(value(), 1..4))
                .prop_map(|(field, values)| Expr::ContainsAll { field, values }),
            field().prop_map(|field| Expr::Present { field }),
            field().prop_map(|field| Expr::IsNull { field }),
        ]
    }

    fn expr() -> impl Strategy<Value = Expr> {
        leaf().prop_recursive(5, 48, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(|v| composite(v, true)),
                prop::collection::vec(inner.clone(), 2..4).prop_map(|v| composite(v, false)),
                inner.prop_map(|e| Expr::Not(Box::new(e))),
            ]
        })
    }

    /// Whatever parses must print back to something that parses to the same tree.
    fn check_reparse(input: &str) -> Result<(), TestCaseError> {
        if let Ok(e) = parse(input) {
            let printed = e.to_string();
            // Printing may add spaces the input left out (`a eq"x"`), so it can outgrow the limit.
            if printed.len() <= MAX_INPUT_BYTES {
                prop_assert_eq!(
                    parse(&printed),
                    Ok(e),
                    "input {:?} printed {:?}",
                    input,
                    printed
                );
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn printed_expressions_parse_back_to_themselves(e in expr()) {
            let printed = e.to_string();
            if printed.len() <= MAX_INPUT_BYTES {
                prop_assert_eq!(parse(&printed), Ok(e));
            } else {
                prop_assert_eq!(parse(&printed).unwrap_err().position, MAX_INPUT_BYTES);
            }
        }

        #[test]
        fn arbitrary_strings_never_panic(s in any::<String>()) {
            check_reparse(&s)?;
        }

        #[test]
        fn filter_like_strings_never_panic(s in "([a-z]{1,3}|eq|in|pr|ca|isnull|not|and|or|NOT|[ ()\",\\\\]|\"[a-z\\\\\"]*\"){0,40}") {
            check_reparse(&s)?;
        }

        #[test]
        fn mutated_valid_filters_never_panic(
            e in expr(),
            edits in prop::collection::vec((any::<Index>(), any::<Index>(), 0u8..4, any::<char>()), 1..6),
        ) {
            let mut chars: Vec<char> = e.to_string().chars().collect();
            for (at, other, kind, c) in edits {
                let i = if chars.is_empty() { 0 } else { at.index(chars.len()) };
                match kind {
                    0 if !chars.is_empty() => { chars.remove(i); }
                    1 => chars.insert(i, c),
                    2 => chars.insert(i, ['"', '\\', '(', ')', ',', ' '][other.index(6)]),
                    _ if !chars.is_empty() => {
                        let j = other.index(chars.len());
                        chars.swap(i, j);
                    }
                    _ => {}
                }
            }
            let s: String = chars.into_iter().collect();
            check_reparse(&s)?;
        }

        #[test]
        fn nesting_beyond_the_limit_errors_instead_of_overflowing(
            n in (MAX_DEPTH + 1)..1500,
            kind in 0u8..3,
        ) {
            let input = match kind {
                0 => format!("{}a eq 1{}", "(".repeat(n), ")".repeat(n)),
                1 => format!("{}a eq 1", "not ".repeat(n)),
                _ => format!("{}a eq 1{}", "not (".repeat(n), ")".repeat(n)),
            };
            let e = parse(&input).unwrap_err();
            let expected = if input.len() > MAX_INPUT_BYTES {
                "filter is longer than 4096 bytes"
            } else {
                "filter is nested more than 32 levels deep"
            };
            prop_assert_eq!(e.message, expected);
        }
    }

    #[test]
    fn enormous_nesting_is_rejected_without_crashing() {
        let input = format!("{}a eq 1{}", "(".repeat(1_000_000), ")".repeat(1_000_000));
        assert!(parse(&input).is_err());
        // Below the length limit the depth check must do the work on its own.
        let input = "(".repeat(MAX_INPUT_BYTES);
        assert_eq!(
            parse(&input).unwrap_err().message,
            "filter is nested more than 32 levels deep"
        );
    }
}
