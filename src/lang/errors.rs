//! Errors of the policy language, one enum per phase: [`ParseError`] (text →
//! AST) and [`CheckError`] (AST against the permit schema). Messages are
//! lowercase, user values in backticks, with a span and, where a fix is
//! known, a `help:`.

use crate::span::{Source, Span, named};
use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum ParseError {
    #[error("syntax error: expected {expected}")]
    #[diagnostic(code(policy::syntax))]
    Syntax {
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        span: SourceSpan,
        expected: String,
    },
    /// Found by the AST builder; the source is attached by [`ParseError::attach`].
    #[error("{message}")]
    #[diagnostic(code(policy::syntax))]
    Invalid {
        #[source_code]
        src: Option<NamedSource<Source>>,
        #[label("here")]
        span: SourceSpan,
        message: String,
    },
}

impl ParseError {
    pub fn from_pest(source: &Source, e: pest::error::Error<super::parser::Rule>) -> ParseError {
        ParseError::from_pest_at(source, e, 0)
    }

    pub fn from_pest_at(
        source: &Source,
        e: pest::error::Error<super::parser::Rule>,
        offset: usize,
    ) -> ParseError {
        use pest::error::{ErrorVariant, InputLocation};
        let (start, end) = match e.location {
            InputLocation::Pos(p) => (p, p),
            InputLocation::Span((a, b)) => (a, b),
        };
        let expected = match &e.variant {
            ErrorVariant::ParsingError { positives, .. } => {
                // Operators and postfix forms read as one alternative: listing
                // fifteen symbols buries the one word the author needs.
                let mut names: Vec<&str> = positives
                    .iter()
                    .map(|r| {
                        if super::parser::is_operator(*r) {
                            "an operator"
                        } else {
                            super::parser::rule_name(*r)
                        }
                    })
                    .filter(|n| *n != "whitespace")
                    .collect();
                names.sort_unstable();
                names.dedup();
                match names.len() {
                    0 => "something else here".to_string(),
                    1 => names[0].to_string(),
                    _ => {
                        let last = names.pop().unwrap_or_default();
                        format!("{} or {}", names.join(", "), last)
                    }
                }
            }
            ErrorVariant::CustomError { message } => message.clone(),
        };
        let text = &source.text;
        // Point at the offending character (not an empty span) when there is one.
        let s = offset + start;
        let e = if end > start {
            offset + end
        } else {
            text[s.min(text.len())..]
                .chars()
                .next()
                .map_or(s, |c| s + c.len_utf8())
        };
        ParseError::Syntax {
            src: source.named_source(),
            span: Span::new(s, e).into(),
            expected,
        }
    }

    /// Attach the file to an error found by the AST builder.
    pub fn attach(self, source: &Source) -> ParseError {
        match self {
            ParseError::Invalid {
                src: None,
                span,
                message,
            } => ParseError::Invalid {
                src: Some(named(source)),
                span,
                message,
            },
            other => other,
        }
    }

    pub fn span(&self) -> SourceSpan {
        match self {
            ParseError::Syntax { span, .. } | ParseError::Invalid { span, .. } => *span,
        }
    }
}

/// A static error found by `policy check`. Every variant has the file and
/// the span of the offending policy text.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(policy::check))]
pub struct CheckError {
    #[source_code]
    pub src: NamedSource<Source>,
    #[label("{label}")]
    pub span: SourceSpan,
    pub label: String,
    pub message: String,
    #[help]
    pub help: Option<String>,
    /// Which check failed, stable for tools (`unknown-field`, `unit-mismatch`, ...).
    pub kind: &'static str,
    pub file: String,
    pub byte: usize,
    /// Secondary places the error refers to (the other definition of a
    /// duplicate): (file, span, what it is). Editors show them as related
    /// information.
    pub related: Vec<(Source, Span, String)>,
}

impl CheckError {
    pub fn new(
        source: &Source,
        span: Span,
        kind: &'static str,
        message: impl Into<String>,
    ) -> Self {
        CheckError {
            src: named(source),
            span: span.into(),
            label: "here".into(),
            message: message.into(),
            help: None,
            kind,
            file: source.name.clone(),
            byte: span.start as usize,
            related: Vec::new(),
        }
    }
    pub fn related(mut self, source: &Source, span: Span, what: impl Into<String>) -> Self {
        self.related.push((source.clone(), span, what.into()));
        self
    }
    pub fn label(mut self, l: impl Into<String>) -> Self {
        self.label = l.into();
        self
    }
    pub fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
    pub fn help_opt(mut self, h: Option<String>) -> Self {
        self.help = h;
        self
    }
}

/// "did you mean `x`?" from a fuzzy match over candidates.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let best = candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (word.chars().count().max(c.chars().count()) / 3).max(1))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))?;
    Some(format!("did you mean `{}`?", best.1))
}
