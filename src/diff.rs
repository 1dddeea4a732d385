//! Verdict diff: the same permits under two libraries (or two dates), and
//! what changes — findings that appear, disappear, or change severity or
//! message. Findings are matched by (file, rule, permit path).

use crate::finding::Finding;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Side {
    pub severity: String,
    pub message: String,
    pub line: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Appeared { new: Side },
    Disappeared { old: Side },
    Changed { old: Side, new: Side },
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub file: String,
    pub rule: String,
    pub path: String,
    #[serde(flatten)]
    pub change: Change,
}

#[derive(Debug, Default, Serialize)]
pub struct RuleSummary {
    pub appeared: usize,
    pub disappeared: usize,
    pub changed: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct Diff {
    pub entries: Vec<Entry>,
    pub by_rule: BTreeMap<String, RuleSummary>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn side(f: &Finding) -> Side {
    Side {
        severity: f.severity.to_string(),
        message: f.message.clone(),
        line: f.line_col().0,
    }
}

type Key = (String, String, String, usize);

/// Key findings by file, rule and path; several findings at one path (the
/// same rule failing twice on one value) are told apart by their order.
fn keyed(findings: &[Finding]) -> BTreeMap<Key, &Finding> {
    let mut out = BTreeMap::new();
    let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for f in findings {
        let base = (f.file.name.clone(), f.rule.clone(), f.path.clone());
        let n = seen.entry(base.clone()).or_default();
        out.insert((base.0, base.1, base.2, *n), f);
        *n += 1;
    }
    out
}

pub fn diff(old: &[Finding], new: &[Finding]) -> Diff {
    let (a, b) = (keyed(old), keyed(new));
    let mut d = Diff::default();
    let mut keys: Vec<&Key> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let change = match (a.get(k), b.get(k)) {
            (Some(x), Some(y)) => {
                let (sx, sy) = (side(x), side(y));
                if sx.severity == sy.severity && sx.message == sy.message {
                    continue;
                }
                Change::Changed { old: sx, new: sy }
            }
            (Some(x), None) => Change::Disappeared { old: side(x) },
            (None, Some(y)) => Change::Appeared { new: side(y) },
            (None, None) => continue,
        };
        let s = d.by_rule.entry(k.1.clone()).or_default();
        match change {
            Change::Appeared { .. } => s.appeared += 1,
            Change::Disappeared { .. } => s.disappeared += 1,
            Change::Changed { .. } => s.changed += 1,
        }
        d.entries.push(Entry {
            file: k.0.clone(),
            rule: k.1.clone(),
            path: k.2.clone(),
            change,
        });
    }
    d
}

/// Plain-text rendering: per permit, then a summary table per rule.
pub fn render_text(d: &Diff) -> String {
    let mut s = String::new();
    let mut current = "";
    for e in &d.entries {
        if e.file != current {
            s.push_str(&format!("{}\n", e.file));
            current = &e.file;
        }
        match &e.change {
            Change::Appeared { new } => s.push_str(&format!(
                "  + {} [{}] line {}: {}\n",
                e.rule, new.severity, new.line, new.message
            )),
            Change::Disappeared { old } => s.push_str(&format!(
                "  - {} [{}] line {}: {}\n",
                e.rule, old.severity, old.line, old.message
            )),
            Change::Changed { old, new } => s.push_str(&format!(
                "  ~ {} line {}: [{}] {}\n      now [{}] {}\n",
                e.rule, new.line, old.severity, old.message, new.severity, new.message
            )),
        }
    }
    if d.entries.is_empty() {
        s.push_str("no verdict changes\n");
    } else {
        s.push_str("\n| rule | appeared | disappeared | changed |\n|---|---|---|---|\n");
        for (rule, r) in &d.by_rule {
            s.push_str(&format!(
                "| {rule} | {} | {} | {} |\n",
                r.appeared, r.disappeared, r.changed
            ));
        }
    }
    s
}
