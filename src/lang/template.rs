//! Message templates: `"{p.pollutant} 浓度 {p.concentration} 超过 {limit}"`.
//! Each `{...}` is an expression, parsed with the policy grammar and type
//! checked like any other; `\{` and `\}` are literal braces.

use super::ast::{Expr, Str};
use super::errors::ParseError;
use super::parser::{ExprCache, parse_expr_cached};
use crate::span::Source;

#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Text(String),
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Template {
    pub parts: Vec<Part>,
}

impl Template {
    /// Split a string literal into text and expressions. Interpolation
    /// offsets are exact for plain strings; triple-quoted strings are not
    /// interpolated (they hold documentation). Expressions parsed before
    /// are taken from `cache`.
    pub fn parse(source: &Source, s: &Str, cache: &ExprCache) -> Result<Template, ParseError> {
        let text = &s.text.node;
        if s.triple {
            return Ok(Template {
                parts: vec![Part::Text(text.clone())],
            });
        }
        // Position of the string's content in the file: after the opening quote.
        let base = s.text.span.start as usize + 1;
        let raw = source
            .text
            .get(base..(s.text.span.end as usize).saturating_sub(1))
            .unwrap_or("");
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut i = 0;
        let bytes = raw.as_bytes();
        while i < raw.len() {
            let c = bytes[i];
            if c == b'\\' && i + 1 < raw.len() {
                let n = raw[i + 1..].chars().next().unwrap_or('\\');
                lit.push(match n {
                    'n' => '\n',
                    other => other,
                });
                i += 1 + n.len_utf8();
            } else if c == b'{' {
                let Some(close) = raw[i..].find('}') else {
                    return Err(ParseError::Syntax {
                        src: source.named_source(),
                        span: crate::span::Span::new(base + i, base + i + 1).into(),
                        expected: "`}` closing the interpolation (write `\\{` for a literal brace)"
                            .into(),
                    });
                };
                if !lit.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut lit)));
                }
                let inner = &raw[i + 1..i + close];
                parts.push(Part::Expr(parse_expr_cached(
                    cache,
                    source,
                    inner,
                    base + i + 1,
                )?));
                i += close + 1;
            } else {
                let ch = raw[i..].chars().next().unwrap_or(' ');
                lit.push(ch);
                i += ch.len_utf8();
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Text(lit));
        }
        let _ = text;
        Ok(Template { parts })
    }

    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.parts.iter().filter_map(|p| match p {
            Part::Expr(e) => Some(e),
            Part::Text(_) => None,
        })
    }
}
