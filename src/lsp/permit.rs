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
    CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic, DiagnosticRelatedInformation,
    DiagnosticSeverity, Location, NumberOrString, Position, TextEdit, Uri, WorkspaceEdit,
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

/// Quick fixes for the findings of rules on an open permit: a suppression
/// comment (`# permitlint: ignore[RULE] `) on its own line above the line
/// of the finding, indented like it, so it covers that line (and the
/// mapping or list item it heads). The reason is left for the author to
/// write: without one the comment suppresses nothing and says so
/// (`suppression.no-reason`). Document findings and suppression warnings
/// get none: a broken value is corrected, not suppressed.
// `WorkspaceEdit::changes` is keyed by `Uri` (lsp-types' type), which
// clippy takes for a mutable key; it is never mutated here.
#[allow(clippy::mutable_key_type)]
pub fn suppress_actions(
    uri: &Uri,
    text: &str,
    diagnostics: &[Diagnostic],
) -> Vec<CodeActionOrCommand> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut seen: Vec<(String, u32)> = Vec::new();
    let mut out = Vec::new();
    for d in diagnostics {
        if d.source.as_deref() != Some("permitlint") {
            continue;
        }
        let Some(NumberOrString::String(rule)) = &d.code else {
            continue;
        };
        if rule.starts_with("document.")
            || rule.starts_with("suppression.")
            || rule.starts_with("internal.")
        {
            continue;
        }
        let line = d.range.start.line;
        if seen.iter().any(|(r, l)| r == rule && *l == line) {
            continue;
        }
        seen.push((rule.clone(), line));
        let Some(current) = lines.get(line as usize) else {
            continue;
        };
        let indent: String = current.chars().take_while(|c| *c == ' ').collect();
        let edit = TextEdit::new(
            lsp_types::Range::new(Position::new(line, 0), Position::new(line, 0)),
            format!(
                "{indent}# {} ignore[{rule}] \n",
                crate::track::suppress::MARKER
            ),
        );
        let mut changes = std::collections::HashMap::new();
        changes.insert(uri.clone(), vec![edit]);
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Suppress `{rule}` here (write the reason after the brackets)"),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![d.clone()]),
            edit: Some(WorkspaceEdit {
                changes: Some(changes),
                ..WorkspaceEdit::default()
            }),
            ..CodeAction::default()
        }));
    }
    out
}
