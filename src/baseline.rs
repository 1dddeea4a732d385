//! Baselines: the closed loop of 发现、反馈、督促整改、销号.
//!
//! A baseline file records the findings of a run by fingerprint
//! ([`Finding::fingerprint`]) with the date each was first seen. Comparing a
//! run with a baseline marks each finding `new` or `open` (still there) and
//! lists the baseline findings that are gone as `closed` (销号). Only
//! findings of files checked in this run can close: a baseline entry for a
//! file that was not checked is carried over unchanged.

use crate::date::Date;
use crate::finding::{Finding, normal_file};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    #[serde(default)]
    pub severity: String,
    pub file: String,
    pub path: String,
    pub message: String,
    /// As-of date of the run that first saw the finding.
    pub first_seen: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub as_of: String,
    pub findings: Vec<Entry>,
}

impl Baseline {
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| crate::escape::json_error(&e))?;
        if b.version != VERSION {
            return Err(format!(
                "baseline version {} is not supported (expected {VERSION})",
                b.version
            ));
        }
        // A broken date would be carried forward for ever: refuse the file
        // (exit 2, nothing written) and name the entry.
        if let Some((i, e)) = b
            .findings
            .iter()
            .enumerate()
            .find(|(_, e)| Date::parse(&e.first_seen).is_none())
        {
            let shown: String = e.first_seen.chars().take(40).collect();
            return Err(format!(
                "findings[{i}] (fingerprint {}): first_seen `{}` is not a date in the form YYYY-MM-DD",
                crate::escape::terminal(&e.fingerprint.chars().take(40).collect::<String>()),
                crate::escape::terminal(&shown)
            ));
        }
        Ok(b)
    }

    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Fingerprint → first-seen date, for looking up many findings.
    pub fn index(&self) -> std::collections::BTreeMap<String, String> {
        self.findings
            .iter()
            .map(|e| (e.fingerprint.clone(), e.first_seen.clone()))
            .collect()
    }

    /// Baseline entries that are gone: their file was checked (`files`) and
    /// no current finding has their fingerprint. Sorted by file, rule, path.
    pub fn closed(&self, current: &BTreeSet<String>, files: &BTreeSet<String>) -> Vec<Entry> {
        let mut out: Vec<Entry> = self
            .findings
            .iter()
            .filter(|e| files.contains(&normal_file(&e.file)) && !current.contains(&e.fingerprint))
            .cloned()
            .collect();
        sort(&mut out);
        out
    }
}

fn sort(entries: &mut [Entry]) {
    entries.sort_by(|a, b| {
        (&a.file, &a.path, &a.rule, &a.message, &a.fingerprint).cmp(&(
            &b.file,
            &b.path,
            &b.rule,
            &b.message,
            &b.fingerprint,
        ))
    });
}

/// The baseline entry of a current finding: `first_seen` is carried over
/// from the old baseline when the finding was already there, else `as_of`.
pub fn entry(f: &Finding, first_seen: Option<&str>, as_of: Date) -> Entry {
    let fingerprint = f.fingerprint();
    let first_seen = first_seen.map_or_else(|| as_of.to_string(), str::to_string);
    Entry {
        fingerprint,
        rule: f.rule.clone(),
        severity: f.severity.as_str().to_string(),
        file: normal_file(&f.file.name),
        path: f.path.clone(),
        message: f.message.clone(),
        first_seen,
    }
}

/// The baseline to write after a run: the `current` entries (deduplicated
/// by fingerprint) plus the old entries of files this run did not check.
pub fn next(
    old: Option<&Baseline>,
    current: Vec<Entry>,
    files: &BTreeSet<String>,
    as_of: Date,
) -> Baseline {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for e in current {
        if seen.insert(e.fingerprint.clone()) {
            out.push(e);
        }
    }
    if let Some(b) = old {
        for e in &b.findings {
            if !files.contains(&normal_file(&e.file)) && seen.insert(e.fingerprint.clone()) {
                out.push(e.clone());
            }
        }
    }
    sort(&mut out);
    Baseline {
        version: VERSION,
        as_of: as_of.to_string(),
        findings: out,
    }
}
