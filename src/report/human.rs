//! The human format: one miette report per finding.
//!
//! ```text
//! air.gb13223-2011.coal-boiler
//!
//!   x 颗粒物 limit 30 mg/m3 exceeds 20 mg/m3
//!    ,-[permit.yaml:5:24]
//!  4 |       - name: 颗粒物
//!  5 |         concentration: 30 mg/m3
//!    :                        ^^^|^^^^
//!    :                           `-- 排放浓度限值
//!  6 |   ...
//!    `----
//!   help: lower the limit to 20 mg/m3
//!   basis: GB 13223-2011 表1
//!   route: air -> 大气环境处
//! ```
//!
//! Columns of the snippet are computed by miette with `unicode-width`, so
//! Chinese (double-width) text lines up with its underline.

use super::HumanOptions;
use crate::escape::{terminal, terminal_source};
use crate::finding::{Finding, Severity};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use std::fmt;

/// A finding as a [`miette::Diagnostic`]: code = rule id, the message as
/// text, the whole file as source, the tested value as primary label and the
/// finding's labels as secondary labels.
#[derive(Debug)]
pub struct FindingDiagnostic {
    code: String,
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    /// Labels far from the primary value, each shown as its own snippet
    /// (miette would otherwise print every line between them).
    related: Vec<FindingDiagnostic>,
}

/// Secondary labels further than this many lines from the primary value are
/// rendered as separate related snippets.
const NEAR_LINES: usize = 6;

impl FindingDiagnostic {
    pub fn new(f: &Finding) -> FindingDiagnostic {
        let severity = match f.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Notice | Severity::Undecided => miette::Severity::Advice,
        };
        let text = &f.file.text;
        // Permit text and names reach the terminal only through `terminal`:
        // no escape sequence, no bidi override (offsets kept for the spans).
        let named_source =
            || NamedSource::new(terminal(&f.file.name), terminal_source(text).into_owned());
        let mut related = Vec::new();
        let (source, labels) = match f.primary {
            Some(primary) => {
                let label = [&f.field_zh, &f.path]
                    .into_iter()
                    .find(|s| !s.is_empty())
                    .map(|s| terminal(s).into_owned());
                let mut labels = vec![LabeledSpan::new_primary_with_span(
                    label,
                    miette_span(text, primary),
                )];
                let primary_line = f.file.line_col(primary.start).0;
                for l in &f.labels {
                    let line = f.file.line_col(l.span.start).0;
                    let span = LabeledSpan::new_with_span(
                        (!l.text.is_empty()).then(|| terminal(&l.text).into_owned()),
                        miette_span(text, l.span),
                    );
                    if line.abs_diff(primary_line) <= NEAR_LINES {
                        labels.push(span);
                    } else {
                        related.push(FindingDiagnostic {
                            code: String::new(),
                            message: format!("related: {}", terminal(&l.text)),
                            severity: miette::Severity::Advice,
                            help: None,
                            source: Some(named_source()),
                            labels: vec![span],
                            related: Vec::new(),
                        });
                    }
                }
                (Some(named_source()), labels)
            }
            None => (None, Vec::new()),
        };
        FindingDiagnostic {
            code: terminal(&f.rule).into_owned(),
            message: terminal(&f.message).into_owned(),
            severity,
            help: f.help.as_deref().map(|h| terminal(h).into_owned()),
            source,
            labels,
            related,
        }
    }
}

fn miette_span(text: &str, span: crate::span::Span) -> miette::SourceSpan {
    let (start, end) = super::clamp(text, span);
    miette::SourceSpan::new(start.into(), end - start)
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display + 'a>)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
        }
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

/// The miette theme for `opts`: box drawing only with `unicode`, ANSI
/// styles only with `color`.
pub fn theme(opts: &HumanOptions) -> GraphicalTheme {
    match (opts.unicode, opts.color) {
        (true, true) => GraphicalTheme::unicode(),
        (true, false) => GraphicalTheme::unicode_nocolor(),
        (false, true) => GraphicalTheme::ascii(),
        (false, false) => GraphicalTheme::none(),
    }
}

fn handler(opts: &HumanOptions) -> GraphicalReportHandler {
    GraphicalReportHandler::new_themed(theme(opts))
        .with_width(opts.width.max(20))
        .with_links(false)
        .with_context_lines(1)
        .without_syntax_highlighting()
}

/// Render one finding: miette's report followed by the `basis:` and
/// `route:` note lines.
pub fn render_one(f: &Finding, opts: &HumanOptions) -> String {
    let handler = handler(opts);
    let diag = FindingDiagnostic::new(f);
    let mut out = String::new();
    if handler.render_report(&mut out, &diag).is_err() {
        // Only a span outside the source can make miette fail, and spans are
        // clamped; still, never lose a finding: fall back to no snippet.
        out.clear();
        let bare = FindingDiagnostic {
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
            ..diag
        };
        let _ = handler.render_report(&mut out, &bare);
        if out.is_empty() {
            out = format!("{}\n\n  {}\n", terminal(&f.rule), terminal(&f.message));
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    if f.primary.is_none() {
        // miette names the file only in the snippet header.
        out.push_str(&note(opts, "file", &f.file.name));
    }
    if let Some(basis) = &f.basis {
        out.push_str(&note(opts, "basis", basis));
    }
    if !f.department.is_empty() {
        let arrow = if opts.unicode { "→" } else { "->" };
        let route = format!("{} {arrow} {}", f.element, f.department);
        out.push_str(&note(opts, "route", &route));
    }
    out
}

/// A note line under the report, styled like miette's `help:`.
fn note(opts: &HumanOptions, key: &str, value: &str) -> String {
    let value = terminal(value).replace('\n', "\n  ");
    if opts.color {
        // miette's `help:` style in the ANSI themes is cyan.
        format!("  \u{1b}[36m{key}:\u{1b}[39m {value}\n")
    } else {
        format!("  {key}: {value}\n")
    }
}

/// All findings, separated by blank lines.
pub fn render(findings: &[Finding], opts: &HumanOptions) -> String {
    findings
        .iter()
        .map(|f| render_one(f, opts))
        .collect::<Vec<_>>()
        .join("\n")
}
