//! GitHub Actions workflow commands: one annotation per finding.
//!
//! `::error file=permit.yaml,line=5,col=24,endLine=5,endColumn=31,title=RULE::message`
//!
//! Severity `error` -> `::error`, `warning` -> `::warning`, `notice` ->
//! `::notice`. `col`/`endColumn` are only given when the finding starts and
//! ends on one line (GitHub ignores columns otherwise).

use super::primary_region;
use crate::finding::{Finding, Severity};
use std::fmt::Write;

pub use crate::escape::{github_data as escape_data, github_property as escape_property};

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice | Severity::Undecided => "notice",
    }
}

pub fn render_one(f: &Finding) -> String {
    let mut props = format!("file={}", escape_property(&f.file.name.replace('\\', "/")));
    if let Some(r) = primary_region(f) {
        let _ = write!(props, ",line={}", r.line);
        if r.line == r.end_line {
            let _ = write!(props, ",col={}", r.column);
        }
        let _ = write!(props, ",endLine={}", r.end_line);
        if r.line == r.end_line {
            let _ = write!(props, ",endColumn={}", r.end_column);
        }
    }
    let _ = write!(props, ",title={}", escape_property(&f.rule));
    let mut message = f.message.clone();
    if let Some(basis) = &f.basis {
        let _ = write!(message, "\nbasis: {basis}");
    }
    if let Some(help) = &f.help {
        let _ = write!(message, "\nhelp: {help}");
    }
    format!(
        "::{} {}::{}\n",
        command(f.severity),
        props,
        escape_data(&message)
    )
}

pub fn render(findings: &[Finding]) -> String {
    findings.iter().map(render_one).collect()
}
