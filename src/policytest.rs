//! Rule tests (`permitlint policy test`): permits annotated with the
//! findings they must (and must not) produce, kept next to the policies
//! they test, in the style of semgrep's `ruleid:` comments.
//!
//! ```yaml
//! # as-of: 2026-12-01
//! # ok: air.gb13223-2011.special-limits      (this rule must not fire here)
//! ...
//!         concentration: 150 mg/m3   # expect: air.gb13223-2011.limits
//! ```
//!
//! For every rule named in a file, the lines where it fires must be exactly
//! the lines annotated `expect:` with it. Other rules are not looked at.

use crate::date::Date;
use crate::eval::Coverage;
use crate::lang::library::Library;
use crate::run::{self, Options};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Default evaluation date of test cases without `# as-of:`.
pub const DEFAULT_AS_OF: &str = "2026-12-01";

#[derive(Debug, Default)]
pub struct Case {
    pub path: PathBuf,
    pub as_of: Option<Date>,
    /// rule → lines where it must fire.
    pub expect: BTreeMap<String, BTreeSet<usize>>,
    /// rules that must not fire at all.
    pub ok: BTreeSet<String>,
}

/// Parse the annotations of a test file.
pub fn parse_case(path: &Path, text: &str) -> Case {
    let mut case = Case {
        path: path.to_path_buf(),
        ..Case::default()
    };
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line.find('#') else { continue };
        let comment = line[pos + 1..].trim();
        if let Some(d) = comment.strip_prefix("as-of:") {
            case.as_of = Date::parse(d.trim());
        } else if let Some(rules) = comment.strip_prefix("ok:") {
            for r in rules.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                case.ok.insert(r.to_string());
            }
        } else if let Some(rules) = comment.strip_prefix("expect:") {
            for r in rules.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                case.expect.entry(r.to_string()).or_default().insert(i + 1);
            }
        }
    }
    case
}

#[derive(Debug)]
pub struct CaseResult {
    pub path: String,
    /// rule → (expected lines, actual lines) where they differ.
    pub failures: BTreeMap<String, (BTreeSet<usize>, BTreeSet<usize>)>,
    /// Rules named in the file that the library does not have.
    pub unknown_rules: Vec<String>,
    pub fired: BTreeSet<String>,
}

/// Find test files: every `.yaml` under a `tests` folder inside `dir`.
pub fn find_cases(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension().and_then(|x| x.to_str()) == Some("yaml")
                && p.components().any(|c| c.as_os_str() == "tests")
        })
        .collect();
    out.sort();
    out
}

pub fn run_case(
    lib: &Library,
    path: &Path,
    text: &str,
    coverage: Option<&mut Coverage>,
) -> (Case, CaseResult) {
    let case = parse_case(path, text);
    let as_of = case
        .as_of
        .or_else(|| Date::parse(DEFAULT_AS_OF))
        .unwrap_or_else(Date::today);
    let opts = Options::new(as_of);
    let name = path.display().to_string();
    let r = run::check_text(lib, &name, text, &opts, coverage);
    let mut actual: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for f in &r.findings {
        actual
            .entry(f.rule.clone())
            .or_default()
            .insert(f.line_col().0);
    }
    let ids: BTreeSet<&str> = lib.rule_ids().into_iter().collect();
    let mut failures = BTreeMap::new();
    let mut unknown = Vec::new();
    let named: BTreeSet<&String> = case.expect.keys().chain(case.ok.iter()).collect();
    for rule in named {
        if !ids.contains(rule.as_str()) && !rule.starts_with("document.") {
            unknown.push(rule.clone());
            continue;
        }
        let want = case.expect.get(rule).cloned().unwrap_or_default();
        let got = actual.get(rule).cloned().unwrap_or_default();
        if want != got {
            failures.insert(rule.clone(), (want, got));
        }
    }
    let fired = actual.keys().cloned().collect();
    let res = CaseResult {
        path: name,
        failures,
        unknown_rules: unknown,
        fired,
    };
    (case, res)
}

/// Rules with no case that fires them, and rules with no case where they must stay silent.
pub fn untested(lib: &Library, cases: &[Case]) -> (Vec<String>, Vec<String>) {
    let mut fires = BTreeSet::new();
    let mut silent = BTreeSet::new();
    for c in cases {
        fires.extend(c.expect.keys().cloned());
        silent.extend(c.ok.iter().cloned());
    }
    let ids = lib.rule_ids();
    let no_fire = ids
        .iter()
        .filter(|id| !fires.contains(**id))
        .map(|s| s.to_string())
        .collect();
    let no_silent = ids
        .iter()
        .filter(|id| !silent.contains(**id))
        .map(|s| s.to_string())
        .collect();
    (no_fire, no_silent)
}
