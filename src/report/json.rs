//! permitlint's stable JSON format, version 1 (documented in
//! `docs/output.md`). Field order is fixed by the structs below; adding a
//! field is compatible, renaming or removing one bumps `version`.

use super::{Counts, Region, RunInfo, primary_region};
use crate::finding::Finding;
use serde::Serialize;

/// Version of the JSON format.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    as_of: String,
    files: usize,
    findings: Vec<JsonFinding<'a>>,
    summary: Summary,
    /// Baseline findings that are gone (`check --baseline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    closed: Option<&'a serde_json::Value>,
}

/// Extra fields of one finding when the run tracks a baseline or applies
/// waivers (`check --baseline`, `check --waivers`); absent otherwise.
#[derive(Serialize, Clone, Debug, Default, PartialEq)]
pub struct Annotation {
    /// `active` or `waived`.
    pub status: String,
    /// `new` or `open` against the baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// As-of date of the run that first saw the finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
}

#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct WaiverNote {
    /// `waived` (in force) or `expired`.
    pub status: String,
    pub reason: String,
    pub who: String,
    pub expires: String,
    pub note: String,
}

#[derive(Serialize)]
struct Summary {
    error: usize,
    warning: usize,
    notice: usize,
    undecided: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'static str,
    element: &'a str,
    department: &'a str,
    message: &'a str,
    basis: Option<&'a str>,
    help: Option<&'a str>,
    file: &'a str,
    path: &'a str,
    field_zh: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    start_byte: Option<usize>,
    end_byte: Option<usize>,
    labels: Vec<JsonLabel<'a>>,
    fingerprint: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    annotation: Option<&'a Annotation>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    text: &'a str,
    line: usize,
    column: usize,
    start_byte: usize,
    end_byte: usize,
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    let r: Option<Region> = primary_region(f);
    JsonFinding {
        rule: &f.rule,
        severity: f.severity.as_str(),
        element: &f.element,
        department: &f.department,
        message: &f.message,
        basis: f.basis.as_deref(),
        help: f.help.as_deref(),
        file: &f.file.name,
        path: &f.path,
        field_zh: &f.field_zh,
        line: r.map(|r| r.line),
        column: r.map(|r| r.column),
        end_line: r.map(|r| r.end_line),
        end_column: r.map(|r| r.end_column),
        start_byte: r.map(|r| r.start_byte),
        end_byte: r.map(|r| r.end_byte),
        labels: f
            .labels
            .iter()
            .map(|l| {
                let r = Region::of(&f.file, l.span);
                JsonLabel {
                    text: &l.text,
                    line: r.line,
                    column: r.column,
                    start_byte: r.start_byte,
                    end_byte: r.end_byte,
                }
            })
            .collect(),
        fingerprint: f.fingerprint(),
        annotation: None,
    }
}

/// Pretty-printed JSON (two-space indent) with a final newline. Built from
/// the streaming pieces, so `check` can write it chunk by chunk with the
/// same bytes.
pub fn render(findings: &[Finding], run: &RunInfo) -> String {
    let mut s = stream_header(run);
    let mut first = true;
    s.push_str(&stream_findings(findings, &mut first));
    s.push_str(&stream_footer(Counts::of(findings), !first));
    s
}

/// Opening of the document, up to the `findings` array.
pub fn stream_header(run: &RunInfo) -> String {
    format!(
        "{{\n  \"version\": {VERSION},\n  \"as_of\": {},\n  \"files\": {},\n  \"findings\": [",
        serde_json::Value::String(run.as_of.to_string()),
        run.files
    )
}

/// Findings as array items; `first` tracks whether a comma is needed.
pub fn stream_findings(findings: &[Finding], first: &mut bool) -> String {
    let mut s = String::new();
    for f in findings {
        let item = serde_json::to_string_pretty(&finding(f)).unwrap_or_default();
        super::push_array_item(&mut s, &item, "    ", first);
    }
    s
}

/// Close the array (`any`: it holds at least one finding) and add the summary.
pub fn stream_footer(c: Counts, any: bool) -> String {
    format!(
        "{}],\n  \"summary\": {{\n    \"error\": {},\n    \"warning\": {},\n    \"notice\": {},\n    \"undecided\": {}\n  }}\n}}\n",
        if any { "\n  " } else { "" },
        c.error,
        c.warning,
        c.notice,
        c.undecided
    )
}

/// [`render`] with per-finding annotations (looked up by finding) and the
/// `closed` array of a baseline comparison.
pub fn render_annotated<'a>(
    findings: &'a [Finding],
    run: &RunInfo,
    annotate: &dyn Fn(&Finding) -> Option<&'a Annotation>,
    closed: Option<&'a serde_json::Value>,
) -> String {
    let c = Counts::of(findings);
    let out = Output {
        version: VERSION,
        as_of: run.as_of.to_string(),
        files: run.files,
        summary: Summary {
            error: c.error,
            warning: c.warning,
            notice: c.notice,
            undecided: c.undecided,
        },
        findings: findings
            .iter()
            .map(|f| JsonFinding {
                annotation: annotate(f),
                ..finding(f)
            })
            .collect(),
        closed,
    };
    let mut s = serde_json::to_string_pretty(&out).expect("JSON of plain structs");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::span::{SourceFile, Span};

    fn run() -> RunInfo {
        RunInfo {
            as_of: crate::date::Date::parse("2026-12-01").unwrap(),
            files: 2,
            elapsed: std::time::Duration::ZERO,
            rules: Vec::new(),
            tool_version: "test",
        }
    }

    fn finding(msg: &str) -> Finding {
        Finding {
            rule: "air.x".into(),
            severity: Severity::Error,
            element: "air".into(),
            department: "大气环境".into(),
            message: msg.into(),
            basis: Some("GB 1".into()),
            help: None,
            file: SourceFile::new("a.yaml", "a: 1\nb: \"苏州\"\n"),
            primary: Some(Span::new(8, 14)),
            labels: Vec::new(),
            path: "b".into(),
            field_zh: "乙".into(),
        }
    }

    /// The streamed pieces give exactly serde_json's pretty output.
    #[test]
    fn streaming_equals_serde_pretty() {
        for findings in [
            vec![],
            vec![finding("一")],
            vec![finding("一"), finding("二\"q")],
        ] {
            let streamed = render(&findings, &run());
            let whole = render_annotated(&findings, &run(), &|_| None, None);
            assert_eq!(streamed, whole);
            let v: serde_json::Value = serde_json::from_str(&streamed).unwrap();
            assert_eq!(v["findings"].as_array().unwrap().len(), findings.len());
        }
    }
}

/// One suppressed finding in the `suppressions` list.
#[derive(Serialize)]
struct JsonSuppression<'a> {
    rule: &'a str,
    severity: &'static str,
    message: &'a str,
    file: &'a str,
    path: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    reason: &'a str,
    comment_line: usize,
    fingerprint: String,
}

/// Add the `suppressions` list (findings taken out by comments in the
/// permits, with their reasons) to a finished JSON document; the document
/// is unchanged when there is none.
pub fn with_suppressions(mut doc: String, list: &[crate::finding::Suppressed]) -> String {
    if list.is_empty() || !doc.ends_with("\n}\n") {
        return doc;
    }
    let items: Vec<JsonSuppression<'_>> = list
        .iter()
        .map(|s| {
            let r = primary_region(&s.finding);
            JsonSuppression {
                rule: &s.finding.rule,
                severity: s.finding.severity.as_str(),
                message: &s.finding.message,
                file: &s.finding.file.name,
                path: &s.finding.path,
                line: r.map(|r| r.line),
                column: r.map(|r| r.column),
                reason: &s.reason,
                comment_line: s.comment_line,
                fingerprint: s.finding.fingerprint(),
            }
        })
        .collect();
    let array = serde_json::to_string_pretty(&items).unwrap_or_default();
    doc.truncate(doc.len() - 3);
    doc.push_str(",\n  \"suppressions\": ");
    doc.push_str(&array.replace('\n', "\n  "));
    doc.push_str("\n}\n");
    doc
}
