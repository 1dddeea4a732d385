//! `--format concise`: one line per finding, `file:line:col: rule severity
//! message` (ruff's `concise`), for grep, editors' quickfix lists and
//! quick reading. A message of several lines is joined with ` / `; a
//! whole-file finding has no `line:col`.

use super::primary_region;
use crate::finding::Finding;

pub fn render_one(f: &Finding) -> String {
    let place = match primary_region(f) {
        Some(r) => format!("{}:{}:{}", f.file.name, r.line, r.column),
        None => f.file.name.clone(),
    };
    let message: Vec<&str> = f
        .message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    format!(
        "{place}: {} {} {}\n",
        f.rule,
        f.severity.as_str(),
        message.join(" / ")
    )
}

pub fn render(findings: &[Finding]) -> String {
    findings.iter().map(render_one).collect()
}
