//! Findings: what every phase reports about a permit.
//!
//! A finding is self-contained: reporters (`report::*`) turn findings into
//! text, JSON, SARIF, ... without knowing anything of YAML or policies.

use crate::span::{Source, Span};
use serde::Serialize;
use std::fmt;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Notice,
    /// Not a verdict: a rule could not decide (a fact it needs is not
    /// stated, a table has no row for the value). Never silent, never an
    /// error; listed for the reviewer (须会商/上报事项).
    Undecided,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Notice => "notice",
            Severity::Undecided => "undecided",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
            Severity::Notice => "提示",
            Severity::Undecided => "未判定",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "notice" => Some(Severity::Notice),
            "undecided" => Some(Severity::Undecided),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location: a value that made the rule apply.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// A rule built into permitlint rather than written as a policy: every
/// finding of document validation, reading, the run itself and waivers.
/// Listed so outputs that describe rules up front (SARIF's
/// `tool.driver.rules`, written before the first result is streamed) know
/// them all.
pub struct BuiltinRule {
    pub id: &'static str,
    pub severity: Severity,
    pub element: &'static str,
    pub title: &'static str,
}

const fn builtin(id: &'static str, severity: Severity, title: &'static str) -> BuiltinRule {
    let element = match id.as_bytes() {
        [b'i', ..] => "internal",
        _ => "document",
    };
    BuiltinRule {
        id,
        severity,
        element,
        title,
    }
}

/// Every built-in rule, sorted by id. (`severity` is the usual one:
/// `document.unknown-key` is a warning, the rest of `document.*` errors.)
pub const BUILTIN_RULES: &[BuiltinRule] = &[
    builtin(
        "document.conflicting-fields",
        Severity::Error,
        "fields that contradict each other",
    ),
    builtin(
        "document.credit-code",
        Severity::Error,
        "unified social credit code (GB 32100-2015)",
    ),
    builtin(
        "document.dangling-reference",
        Severity::Error,
        "an id that names no item of its list",
    ),
    builtin("document.date", Severity::Error, "a malformed date"),
    builtin(
        "document.duplicate-id",
        Severity::Error,
        "an id used twice in one list",
    ),
    builtin(
        "document.enum",
        Severity::Error,
        "a value outside its enumeration",
    ),
    builtin(
        "document.format",
        Severity::Error,
        "the permit format and version",
    ),
    builtin(
        "document.industry-code",
        Severity::Error,
        "industry code shape (GB/T 4754-2017)",
    ),
    builtin(
        "document.missing-field",
        Severity::Error,
        "a required field is missing",
    ),
    builtin("document.outlet-id", Severity::Error, "outlet id shape"),
    builtin(
        "document.permit-number",
        Severity::Error,
        "permit number = credit code + serial + category",
    ),
    builtin(
        "document.receiving-class",
        Severity::Error,
        "receiving water class",
    ),
    builtin(
        "document.region-code",
        Severity::Error,
        "region code (GB/T 2260)",
    ),
    builtin(
        "document.unit",
        Severity::Error,
        "a quantity's unit: missing, unknown or of the wrong dimension",
    ),
    builtin(
        "document.unknown-key",
        Severity::Warning,
        "a key the permit format does not have",
    ),
    builtin(
        "document.unreadable",
        Severity::Error,
        "a file or folder that cannot be read",
    ),
    builtin(
        "document.validity",
        Severity::Error,
        "validity period: `valid_until` after `valid_from`",
    ),
    builtin(
        "document.wrong-type",
        Severity::Error,
        "a value of the wrong type",
    ),
    builtin(
        "document.yaml",
        Severity::Error,
        "a file that is not one readable YAML permit document",
    ),
    builtin(
        "internal.panic",
        Severity::Error,
        "an internal error while checking one file",
    ),
    builtin(
        "suppression.malformed",
        Severity::Warning,
        "a `# permitlint:` comment that cannot be read",
    ),
    builtin(
        "suppression.no-reason",
        Severity::Warning,
        "a suppression comment without its reason",
    ),
    builtin(
        "suppression.unused",
        Severity::Warning,
        "a suppression comment that matches no finding",
    ),
    builtin(
        "waiver.stale",
        Severity::Warning,
        "a waiver that matches no finding",
    ),
];

#[derive(Clone, Debug)]
pub struct Finding {
    /// Stable rule id, e.g. `air.gb13223-2011.coal-boiler` or `document.unknown-key`.
    pub rule: String,
    pub severity: Severity,
    /// 要素: `document`, `procedure`, `classification`, `eia`, `air`, `water`,
    /// `soil`, `solid_waste`, `monitoring`, `online`, `internal`.
    pub element: String,
    /// Department the element is routed to (filled in by the run from the
    /// library's routing table; empty until then).
    pub department: String,
    pub message: String,
    /// Exact citation: standard number and table/clause.
    pub basis: Option<String>,
    pub help: Option<String>,
    pub file: Source,
    /// The permit value the requirement tested. `None` only for findings
    /// about the file as a whole (unreadable, not YAML).
    pub primary: Option<Span>,
    pub labels: Vec<Label>,
    /// Dotted path of the primary value in the permit, e.g.
    /// `air.outlets[0].pollutants[1].concentration`: used by fingerprints
    /// (stable when unrelated lines move) and by the notice.
    pub path: String,
    /// Chinese label of the field at `path`, for the notice and the form.
    pub field_zh: String,
}

/// A finding taken out by a suppression comment in the permit
/// (`track::suppress`): not counted, not shown as a finding, but reported
/// with its reason (JSON `suppressions`, SARIF `suppressions`).
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub finding: Finding,
    /// The reason written after the brackets.
    pub reason: String,
    /// 1-based line of the comment.
    pub comment_line: usize,
}

impl Finding {
    /// 1-based line and character column of the primary span.
    pub fn line_col(&self) -> (usize, usize) {
        self.primary.map_or((1, 1), |s| self.file.line_col(s.start))
    }

    /// Stable fingerprint: rule, file name ([`normal_file`]), permit path
    /// and message. Does not change when unrelated lines move, files are
    /// checked in another order or named `./lib/x.yaml` instead of
    /// `lib/x.yaml`.
    pub fn fingerprint(&self) -> String {
        // FNV-1a 64: fixed, dependency-free, stable across Rust versions.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [
            self.rule.as_str(),
            self.file.normal_name(),
            self.path.as_str(),
            self.message.as_str(),
        ] {
            for &b in part.as_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            // The separator byte 0: `h ^= 0` changes nothing.
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:016x}")
    }

    /// Sort key: file, then position, then rule id, then message.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        let (s, e) = self.primary.map_or((0, 0), |p| (p.start, p.end));
        (&self.file.name, s, e, &self.rule, &self.message)
    }
}

/// A file name as baselines and fingerprints record it: `/` separators, no
/// `.` segments, no repeated `/`, and relative to the working folder when
/// it lies inside it (`./lib/x.yaml`, `lib//x.yaml` and `$PWD/lib/x.yaml`
/// are all `lib/x.yaml`). `..` is kept (resolving it needs the disk).
pub fn normal_file(name: &str) -> String {
    static CWD: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let slashed = name.replace('\\', "/");
    let mut rest = slashed.as_str();
    if let Some(cwd) = CWD.get_or_init(|| {
        std::env::current_dir()
            .ok()
            .and_then(|p| p.to_str().map(|s| s.replace('\\', "/")))
    }) && let Some(r) = rest.strip_prefix(cwd.trim_end_matches('/'))
        && r.starts_with('/')
    {
        rest = r.trim_start_matches('/');
    }
    let absolute = rest.starts_with('/');
    let parts: Vec<&str> = rest
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Sort findings into the one order every output uses.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_normalised_for_fingerprints() {
        for n in [
            "lib/x.yaml",
            "./lib/x.yaml",
            "lib//x.yaml",
            "./lib/./x.yaml",
            "lib\\x.yaml",
        ] {
            assert_eq!(normal_file(n), "lib/x.yaml", "{n}");
        }
        let cwd = std::env::current_dir().unwrap();
        let abs = cwd.join("lib/x.yaml");
        assert_eq!(normal_file(abs.to_str().unwrap()), "lib/x.yaml");
        assert_eq!(normal_file("/elsewhere/x.yaml"), "/elsewhere/x.yaml");
        assert_eq!(normal_file("../x.yaml"), "../x.yaml");
    }
}
