//! `--format concise`: one line per finding, `file:line:col: rule severity
//! message` (ruff's `concise`), for grep, editors' quickfix lists and
//! quick reading. A message of several lines is joined with ` / `; a
//! whole-file finding has no `line:col`. The file name, rule and message
//! go through `escape::terminal`, as in the human format, and a line break
//! in a file name or rule becomes U+FFFD: one finding, one line.

use super::primary_region;
use crate::escape::terminal;
use crate::finding::Finding;

pub fn render_one(f: &Finding) -> String {
    let one_line = |s: &str| terminal(s).replace('\n', "\u{fffd}");
    let name = one_line(&f.file.name);
    let place = match primary_region(f) {
        Some(r) => format!("{name}:{}:{}", r.line, r.column),
        None => name,
    };
    let message = terminal(&f.message);
    let message: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    format!(
        "{place}: {} {} {}\n",
        one_line(&f.rule),
        f.severity.as_str(),
        message.join(" / ")
    )
}

pub fn render(findings: &[Finding]) -> String {
    findings.iter().map(render_one).collect()
}
