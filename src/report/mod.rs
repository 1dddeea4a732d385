//! Reporters: turn [`Finding`]s into output.
//!
//! Reporters know nothing of YAML or policies: they consume findings (already
//! sorted by [`crate::finding::sort`]) plus a little information about the run
//! ([`RunInfo`]) and produce one `String`. Every format is deterministic:
//! the same findings give byte-identical output. The only value that changes
//! from run to run, the elapsed time, appears **only** in [`summary_line`],
//! which callers print separately (to stderr) after the body.
//!
//! The formats are documented for users in `docs/output.md`.

use crate::date::Date;
use crate::finding::{Finding, Severity};

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod piece;
pub mod sarif;

/// What reporters know about a rule of the policy library.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleMeta {
    pub id: String,
    pub title: String,
    /// Exact citation, e.g. `GB 13223-2011 表1`.
    pub basis: String,
    pub element: String,
    /// Default severity of the rule.
    pub severity: Severity,
    /// Markdown documentation of the rule.
    pub help: String,
}

/// What reporters know about the run.
#[derive(Clone, Debug)]
pub struct RunInfo {
    /// The date the permits were checked as of.
    pub as_of: Date,
    /// Number of permit files checked.
    pub files: usize,
    /// Wall time of the run; shown only by [`summary_line`].
    pub elapsed: std::time::Duration,
    /// Every rule that was run (for SARIF `tool.driver.rules`).
    pub rules: Vec<RuleMeta>,
    /// `env!("CARGO_PKG_VERSION")` of the binary.
    pub tool_version: &'static str,
}

/// Output format, selected by `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// miette diagnostics with source snippets, for people.
    Human,
    /// permitlint's stable JSON (`docs/output.md`).
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// One line per finding: `file:line:col: rule severity message`.
    Concise,
}

impl Format {
    /// All formats with their command-line names.
    pub const ALL: [(&'static str, Format); 6] = [
        ("human", Format::Human),
        ("json", Format::Json),
        ("sarif", Format::Sarif),
        ("junit", Format::Junit),
        ("github", Format::Github),
        ("concise", Format::Concise),
    ];

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL
            .iter()
            .find(|(name, _)| *name == s)
            .map(|&(_, f)| f)
    }

    pub fn name(self) -> &'static str {
        Format::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("human", |&(name, _)| name)
    }
}

/// Options of the human format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HumanOptions {
    /// ANSI colours.
    pub color: bool,
    /// Unicode box drawing; only when writing to a terminal.
    pub unicode: bool,
    /// Width to wrap messages at.
    pub width: usize,
}

impl Default for HumanOptions {
    /// Plain: no colour, ASCII, 100 columns (what non-terminals get).
    fn default() -> Self {
        HumanOptions {
            color: false,
            unicode: false,
            width: 100,
        }
    }
}

/// Render `findings` (sorted) in `format`. The result ends with a newline
/// unless it is empty. Does not include [`summary_line`].
pub fn render(format: Format, findings: &[Finding], run: &RunInfo, human: &HumanOptions) -> String {
    match format {
        Format::Human => human::render(findings, human),
        Format::Json => json::render(findings, run),
        Format::Sarif => sarif::render(findings, run),
        Format::Junit => junit::render(findings, run),
        Format::Github => github::render(findings),
        Format::Concise => concise::render(findings),
    }
}

/// Counts of findings by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub notice: usize,
    pub undecided: usize,
}

impl Counts {
    pub fn of(findings: &[Finding]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.severity {
                Severity::Error => c.error += 1,
                Severity::Warning => c.warning += 1,
                Severity::Notice => c.notice += 1,
                Severity::Undecided => c.undecided += 1,
            }
        }
        c
    }
}

/// `checked 34 files as of 2026-11-29: 12 errors, 5 warnings, 3 notices, 2 undecided in 0.41s`
pub fn summary_line(findings: &[Finding], run: &RunInfo) -> String {
    let c = Counts::of(findings);
    format!(
        "checked {} as of {}: {}, {}, {}, {} undecided in {:.2}s",
        plural(run.files, "file"),
        run.as_of,
        plural(c.error, "error"),
        plural(c.warning, "warning"),
        plural(c.notice, "notice"),
        c.undecided,
        run.elapsed.as_secs_f64(),
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub(crate) use crate::span::{Region, clamp};

/// The primary span of `f` in people's coordinates, `None` for findings
/// about the file as a whole.
pub(crate) fn primary_region(f: &Finding) -> Option<Region> {
    f.primary.map(|s| Region::of(&f.file, s))
}

/// Append one pretty-printed JSON value as an item of an array being
/// streamed: a comma unless it is the `first`, a newline, and every line
/// indented by `indent` (the array's depth in the document), so streamed
/// documents read as `serde_json::to_string_pretty` writes whole ones.
pub(crate) fn push_array_item(out: &mut String, pretty: &str, indent: &str, first: &mut bool) {
    out.push_str(if *first { "\n" } else { ",\n" });
    *first = false;
    for (i, line) in pretty.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(indent);
        out.push_str(line);
    }
}
