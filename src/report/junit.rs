//! JUnit XML, for CI systems that show test reports (GitLab, Jenkins, ...).
//!
//! One `<testsuite>` per file that has findings (in finding order), one
//! `<testcase>` per finding. Errors and warnings carry a `<failure>`; notices
//! are passing test cases whose text is in `<system-out>`. No timestamps or
//! durations, so the output is reproducible.

use super::{Counts, RunInfo, primary_region};
use crate::finding::{Finding, Severity};
use std::fmt::Write;

/// Escape text for XML content and attribute values. Characters XML 1.0
/// cannot carry at all (controls other than tab, LF, CR) become U+FFFD;
/// in attributes tab, LF and CR are written as character references so
/// parsers do not normalise them away.
pub fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' | '\n' | '\r' if attribute => {
                let _ = write!(out, "&#{};", c as u32);
            }
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn attr(s: &str) -> String {
    escape(s, true)
}

/// Where a finding is, for test-case names: `12:5` or `file`.
fn position(f: &Finding) -> String {
    primary_region(f).map_or_else(
        || "file".to_string(),
        |r| format!("{}:{}", r.line, r.column),
    )
}

fn details(f: &Finding) -> String {
    let at = match primary_region(f) {
        Some(r) => format!("{}:{}:{}", f.file.name, r.line, r.column),
        None => f.file.name.clone(),
    };
    let mut s = format!("{at}: {}: {}\n", f.severity, f.message);
    let mut line = |k: &str, v: &str| {
        if !v.is_empty() {
            let _ = writeln!(s, "{k}: {v}");
        }
    };
    line("rule", &f.rule);
    line("path", &f.path);
    line("field", &f.field_zh);
    line("basis", f.basis.as_deref().unwrap_or(""));
    line("help", f.help.as_deref().unwrap_or(""));
    line("element", &f.element);
    line("department", &f.department);
    s
}

/// The report. Built from the streaming pieces ([`header`], [`suites`],
/// [`FOOTER`]), so `check` writes the same bytes chunk by chunk: the root
/// element carries no totals (they would have to be known before the first
/// file), each file's `<testsuite>` carries its own, which is what CI
/// dashboards add up.
pub fn render(findings: &[Finding], run: &RunInfo) -> String {
    let mut out = header();
    out.push_str(&suites(findings, run));
    out.push_str(FOOTER);
    out
}

/// The XML declaration and the opening `<testsuites>`.
pub fn header() -> String {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"permitlint\">\n".to_string()
}

/// Closes the root element.
pub const FOOTER: &str = "</testsuites>\n";

/// One `<testsuite>` per file of `findings` (sorted by file, as a run's
/// chunks are: each file is one contiguous group).
pub fn suites(findings: &[Finding], run: &RunInfo) -> String {
    let mut out = String::new();
    // Findings are sorted by file, so each file is one contiguous run.
    for group in findings.chunk_by(|a, b| a.file.name == b.file.name) {
        let c = Counts::of(group);
        let file = &group[0].file.name;
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
            attr(file),
            group.len(),
            c.error + c.warning
        );
        let _ = writeln!(
            out,
            "    <properties>\n      <property name=\"as_of\" value=\"{}\"/>\n    </properties>",
            run.as_of
        );
        for f in group {
            let name = format!("{} @ {}", f.rule, position(f));
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"",
                attr(&name),
                attr(&f.rule),
                attr(file)
            );
            if let Some(r) = primary_region(f) {
                let _ = write!(out, " line=\"{}\"", r.line);
            }
            out.push_str(">\n");
            match f.severity {
                Severity::Error | Severity::Warning => {
                    let _ = writeln!(
                        out,
                        "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                        attr(&f.message),
                        f.severity,
                        escape(&details(f), false)
                    );
                }
                Severity::Notice | Severity::Undecided => {
                    let _ = writeln!(
                        out,
                        "      <system-out>{}</system-out>",
                        escape(&details(f), false)
                    );
                }
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out
}
