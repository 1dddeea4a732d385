//! Permit YAML in the editor: the findings `check` gives for the open
//! permit — loading and validation problems first, then the rules of the
//! library in force today — as diagnostics, each with its rule id, basis
//! and the related permit values. Which library (configured folders, a
//! `policies` folder beside the permit as edited, or the shipped one) is
//! the server's choice (`lsp/mod.rs`).

use super::text::LineIndex;
use crate::date::Date;
use crate::finding::Finding;
use crate::lang::library::Library;
use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri,
};
use std::path::Path;

/// The diagnostics of one permit text checked with `lib` as of `as_of`;
/// none for a YAML text that does not declare a format.
pub fn diagnostics(
    lib: &Library,
    uri: &Uri,
    name: &str,
    text: &str,
    as_of: Date,
) -> Vec<Diagnostic> {
    if !declares_format(text) {
        return Vec::new();
    }
    let opts = crate::run::Options::new(as_of);
    let result = crate::run::check_text(lib, name, text, &opts, None);
    let ix = LineIndex::new(text);
    result
        .findings
        .iter()
        .map(|f| finding_diagnostic(f, &ix, uri))
        .collect()
}

fn finding_diagnostic(f: &Finding, ix: &LineIndex, uri: &Uri) -> Diagnostic {
    let range = f
        .primary
        .map_or_else(lsp_types::Range::default, |s| ix.range(s));
    let mut message = f.message.clone();
    if let Some(b) = &f.basis {
        message.push_str(&format!("\nbasis: {b}"));
    }
    if let Some(h) = &f.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = f
        .labels
        .iter()
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), ix.range(l.span)),
            message: l.text.clone(),
        })
        .collect();
    Diagnostic {
        range,
        // By name, so a level added to `Severity` shows as a warning.
        severity: Some(match f.severity.as_str() {
            "error" => DiagnosticSeverity::ERROR,
            "notice" => DiagnosticSeverity::INFORMATION,
            _ => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(f.rule.clone())),
        source: Some("permitlint".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Diagnostic::default()
    }
}

/// Whether a YAML text is meant as a permit: it has a top-level `format:`
/// key (`format: permit/v1`). Other YAML files an author opens (CI
/// configuration, rule tests' neighbours) get no diagnostics.
pub fn declares_format(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("format:"))
}

/// Whether a document may be a permit (by its file name).
pub fn is_permit(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}
