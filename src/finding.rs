//! Findings: what every phase reports about a permit.
//!
//! A finding is self-contained: reporters (`report::*`) turn findings into
//! text, JSON, SARIF, ... without knowing anything of YAML or policies.

use crate::span::{Source, Span};
use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Notice,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Notice => "notice",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
            Severity::Notice => "提示",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "notice" => Some(Severity::Notice),
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

impl Finding {
    /// 1-based line and character column of the primary span.
    pub fn line_col(&self) -> (usize, usize) {
        self.primary.map_or((1, 1), |s| self.file.line_col(s.start))
    }

    /// Stable fingerprint: rule, file name, permit path and message. Does not
    /// change when unrelated lines move or files are checked in another order.
    pub fn fingerprint(&self) -> String {
        // FNV-1a 64: fixed, dependency-free, stable across Rust versions.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [
            self.rule.as_str(),
            self.file.name.as_str(),
            self.path.as_str(),
            self.message.as_str(),
        ] {
            for b in part.bytes().chain(std::iter::once(0u8)) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{h:016x}")
    }

    /// Sort key: file, then position, then rule id, then message.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        let (s, e) = self.primary.map_or((0, 0), |p| (p.start, p.end));
        (&self.file.name, s, e, &self.rule, &self.message)
    }
}

/// Sort findings into the one order every output uses.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}
