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
/// Written directly, with the bytes `serde_json::to_string_pretty` gives
/// [`JsonFinding`] (a test compares the two): serialising through serde and
/// re-indenting each item was most of the time of a run whose results come
/// from the cache.
pub fn stream_findings(findings: &[Finding], first: &mut bool) -> String {
    let mut s = String::with_capacity(findings.len() * 1024);
    for f in findings {
        s.push_str(if *first { "\n" } else { ",\n" });
        *first = false;
        write_finding(&mut s, f);
    }
    s
}

/// One finding as an array item at depth 2 (four spaces), no trailing
/// newline: the layout of serde_json's pretty printer.
fn write_finding(out: &mut String, f: &Finding) {
    use std::fmt::Write;
    const I: &str = "      ";
    let str_field = |out: &mut String, key: &str, v: &str| {
        out.push_str(I);
        out.push('"');
        out.push_str(key);
        out.push_str("\": ");
        push_json_str(out, v);
        out.push_str(",\n");
    };
    let opt_str = |out: &mut String, key: &str, v: Option<&str>| match v {
        Some(v) => str_field(out, key, v),
        None => {
            let _ = writeln!(out, "{I}\"{key}\": null,");
        }
    };
    out.push_str("    {\n");
    str_field(out, "rule", &f.rule);
    str_field(out, "severity", f.severity.as_str());
    str_field(out, "element", &f.element);
    str_field(out, "department", &f.department);
    str_field(out, "message", &f.message);
    opt_str(out, "basis", f.basis.as_deref());
    opt_str(out, "help", f.help.as_deref());
    str_field(out, "file", &f.file.name);
    str_field(out, "path", &f.path);
    str_field(out, "field_zh", &f.field_zh);
    match primary_region(f) {
        Some(r) => {
            for (key, n) in [
                ("line", r.line),
                ("column", r.column),
                ("end_line", r.end_line),
                ("end_column", r.end_column),
                ("start_byte", r.start_byte),
                ("end_byte", r.end_byte),
            ] {
                out.push_str(I);
                out.push('"');
                out.push_str(key);
                out.push_str("\": ");
                push_num(out, n);
                out.push_str(",\n");
            }
        }
        None => {
            for key in [
                "line",
                "column",
                "end_line",
                "end_column",
                "start_byte",
                "end_byte",
            ] {
                let _ = writeln!(out, "{I}\"{key}\": null,");
            }
        }
    }
    if f.labels.is_empty() {
        out.push_str(I);
        out.push_str("\"labels\": [],\n");
    } else {
        out.push_str(I);
        out.push_str("\"labels\": [\n");
        for (i, l) in f.labels.iter().enumerate() {
            let r = Region::of(&f.file, l.span);
            out.push_str("        {\n          \"text\": ");
            push_json_str(out, &l.text);
            out.push_str(",\n          \"line\": ");
            push_num(out, r.line);
            out.push_str(",\n          \"column\": ");
            push_num(out, r.column);
            out.push_str(",\n          \"start_byte\": ");
            push_num(out, r.start_byte);
            out.push_str(",\n          \"end_byte\": ");
            push_num(out, r.end_byte);
            out.push_str("\n        }");
            out.push_str(if i + 1 < f.labels.len() { ",\n" } else { "\n" });
        }
        out.push_str(I);
        out.push_str("],\n");
    }
    out.push_str(I);
    out.push_str("\"fingerprint\": \"");
    out.push_str(&f.fingerprint());
    out.push_str("\"\n    }");
}

/// A number in decimal, without the formatting machinery.
fn push_num(out: &mut String, mut n: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        out.push(d as char);
    }
}

/// `v` as a JSON string, escaped as serde_json escapes it: `"` and `\\`,
/// the short escapes `\b \f \n \r \t`, other control characters as
/// `\u00xx` (lower-case hex); everything else, DEL and non-ASCII
/// included, as is.
fn push_json_str(out: &mut String, v: &str) {
    out.push('"');
    let bytes = v.as_bytes();
    // Eight bytes at a time up to the first that may need escaping
    // (most strings have none).
    const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let has_zero = |w: u64| !(((w & LO7) + LO7) | w | LO7) != 0;
    let mut clean = 0;
    for c in bytes.chunks_exact(8) {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        // Eight bytes of multi-byte characters (Chinese text): nothing to
        // escape, one test.
        if w & 0x8080_8080_8080_8080 == 0x8080_8080_8080_8080 {
            clean += 8;
            continue;
        }
        // A control byte (< 0x20: its top three bits clear), `"` or `\\`.
        let control = !(((w & 0x6060_6060_6060_6060) + LO7) | w) & 0x8080_8080_8080_8080 != 0;
        if control || has_zero(w ^ 0x2222_2222_2222_2222) || has_zero(w ^ 0x5c5c_5c5c_5c5c_5c5c) {
            break;
        }
        clean += 8;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(clean) {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&v[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&v[start..]);
    out.push('"');
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

    /// Strings are escaped as serde_json escapes them, whatever mix of
    /// Chinese text, ASCII, quotes and control characters, at every
    /// alignment of the eight-byte scan.
    #[test]
    fn strings_escape_as_serde_does() {
        let parts = [
            "苏州热电",
            "a",
            "\"",
            "\\",
            "\n",
            "\u{1}",
            "\u{7f}",
            "许可排放浓度",
            "\t",
            "x",
        ];
        for pad in 0..9 {
            for i in 0..parts.len() {
                for j in 0..parts.len() {
                    let v = format!(
                        "{}{}{}{}",
                        "甲".repeat(pad),
                        parts[i],
                        "乙".repeat(pad),
                        parts[j]
                    );
                    let mut out = String::new();
                    push_json_str(&mut out, &v);
                    assert_eq!(out, serde_json::to_string(&v).unwrap(), "{v:?}");
                }
            }
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

    /// The direct writer gives serde_json's pretty bytes for every shape
    /// of finding: no position, labels, nulls, every control character,
    /// quotes, backslashes, DEL and non-ASCII text.
    #[test]
    fn direct_writer_equals_serde() {
        let mut odd = String::from("q\"b\\s/ 苏\u{7f}\u{2028}😀");
        odd.extend((0u8..0x20).map(char::from));
        let mut a = finding(&odd);
        a.basis = None;
        a.help = Some(odd.clone());
        a.primary = None;
        let mut b = finding("二");
        b.labels = vec![
            crate::finding::Label {
                span: Span::new(0, 1),
                text: odd.clone(),
            },
            crate::finding::Label {
                span: Span::new(8, 100),
                text: "乙".into(),
            },
        ];
        b.field_zh = odd.clone();
        let mut c = finding("三");
        c.labels = vec![crate::finding::Label {
            span: Span::new(3, 4),
            text: String::new(),
        }];
        // A long clean prefix (skipped eight bytes at a time), then every
        // escape; and escapes at each offset of a word.
        let long = finding(&format!("{}{odd}", "苏州市 abc".repeat(7)));
        let mut shifted: Vec<Finding> = (0..9)
            .map(|k| finding(&format!("{}\"{}\\\n\u{1}x", "a".repeat(k), "b".repeat(k))))
            .collect();
        shifted.extend([a, b, c, long, finding("一")]);
        for f in shifted {
            let mut first = true;
            let direct = stream_findings(std::slice::from_ref(&f), &mut first);
            let mut via_serde = String::new();
            let mut first = true;
            let item = serde_json::to_string_pretty(&super::finding(&f)).unwrap();
            crate::report::push_array_item(&mut via_serde, &item, "    ", &mut first);
            assert_eq!(direct, via_serde);
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
