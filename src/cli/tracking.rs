//! `check --baseline / --write-baseline / --waivers / --stats`: glue between
//! the check command and `baseline`, `waiver` and `stats`. The check command
//! calls these hooks; everything else about a run is unchanged.

use crate::baseline::{self, Baseline, Entry};
use crate::date::Date;
use crate::escape::terminal;
use crate::finding::Finding;
use crate::report::github;
use crate::report::json::{Annotation, WaiverNote};
use crate::report::{self, Format, HumanOptions, RunInfo};
use crate::run::FileResult;
use crate::stats::Stats;
use crate::waiver::{Effect, Waivers};
use clap::Args;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

#[derive(Args, Debug, Default, Clone)]
pub struct TrackingArgs {
    /// Compare with a baseline written by `--write-baseline`: each finding is
    /// `new` or `open`, and baseline findings that are gone are listed as closed (销号).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record this run's findings (with the date each was first seen) in FILE.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Waivers (JSON, see docs/output.md "Waivers"): waived findings are
    /// reported as `waived` and do not fail the run until they expire.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Write audit statistics (stats.md, stats.json, two SVG charts) into DIR.
    #[arg(long, value_name = "DIR")]
    pub stats: Option<PathBuf>,
    /// Replace existing files permitlint did not write (see docs/output.md, "Files written").
    #[arg(long)]
    pub force: bool,
}

pub struct Tracking {
    as_of: Date,
    baseline: Option<Baseline>,
    first_seen: BTreeMap<String, String>,
    write_baseline: Option<PathBuf>,
    force: bool,
    waivers: Option<Waivers>,
    stats: Option<(PathBuf, Stats)>,
    /// Fingerprint → annotation, for the final (non-streaming) render.
    annotations: BTreeMap<String, Annotation>,
    current: Vec<Entry>,
    fingerprints: BTreeSet<String>,
    files: BTreeSet<String>,
    waived: usize,
    expired: usize,
    stale: usize,
}

fn read(path: &std::path::Path, what: &str) -> Result<String, ()> {
    crate::fsio::read_text(path, crate::fsio::MAX_INPUT_BYTES).map_err(|e| {
        eprintln!("error: {what}: {e}");
    })
}

impl Tracking {
    /// Read the baseline and waivers; prints every problem and fails (exit 2).
    pub fn open(a: &TrackingArgs, as_of: Date) -> Result<Tracking, ()> {
        let baseline = match &a.baseline {
            Some(p) => Some(Baseline::parse(&read(p, "baseline")?).map_err(|e| {
                eprintln!("error: baseline `{}`: {}", p.display(), terminal(&e));
            })?),
            None => None,
        };
        let waivers = match &a.waivers {
            Some(p) => {
                let name = p.display().to_string();
                Some(
                    Waivers::parse(&name, &read(p, "waivers")?, as_of).map_err(|errs| {
                        for e in errs {
                            eprintln!("error: {}", terminal(&e));
                        }
                    })?,
                )
            }
            None => None,
        };
        Ok(Tracking {
            as_of,
            first_seen: baseline.as_ref().map(Baseline::index).unwrap_or_default(),
            baseline,
            write_baseline: a.write_baseline.clone(),
            force: a.force,
            waivers,
            stats: a.stats.clone().map(|d| (d, Stats::new(as_of))),
            annotations: BTreeMap::new(),
            current: Vec::new(),
            fingerprints: BTreeSet::new(),
            files: BTreeSet::new(),
            waived: 0,
            expired: 0,
            stale: 0,
        })
    }

    /// Statistics need the permit (main industry).
    pub fn keep_permit(&self) -> bool {
        self.stats.is_some()
    }

    pub fn annotates(&self) -> bool {
        self.baseline.is_some() || self.waivers.is_some()
    }

    /// Whether the findings themselves are read (annotations, a baseline
    /// written, statistics), not only the output rendered from them.
    pub fn needs_findings(&self) -> bool {
        self.annotates() || self.write_baseline.is_some() || self.stats.is_some()
    }

    /// Note a checked file (before its findings are emitted).
    pub fn observe(&mut self, r: &FileResult) {
        // The files checked matter to a baseline (closed findings) and to
        // the writer (never overwrite an input).
        if self.baseline.is_some() || self.write_baseline.is_some() || self.stats.is_some() {
            self.files.insert(crate::finding::normal_file(&r.path));
        }
        if let Some((_, stats)) = &mut self.stats {
            let industry = r
                .permit
                .as_ref()
                .map(|p| crate::lists::main_industry(&p.root))
                .unwrap_or_default();
            stats.add(&r.findings, &industry);
        }
    }

    /// Annotate a chunk of findings about to be emitted. Returns, per
    /// finding, whether it counts toward the exit code (not waived).
    pub fn process(&mut self, findings: &[Finding]) -> Vec<Option<Annotation>> {
        let mut out = Vec::with_capacity(findings.len());
        // Fingerprints are read only by a baseline (written or compared)
        // and by waivers; a plain run does not compute them here.
        let needs_fp = self.write_baseline.is_some() || self.annotates();
        for f in findings {
            if !needs_fp {
                out.push(None);
                continue;
            }
            let fp = f.fingerprint();
            // Stale-waiver warnings are about the waiver file, not a permit:
            // reported, never tracked in the baseline.
            let tracked = f.rule != crate::waiver::STALE_RULE;
            let first = self.first_seen.get(&fp).cloned();
            if self.write_baseline.is_some() && tracked {
                self.current
                    .push(baseline::entry(f, first.as_deref(), self.as_of));
            }
            self.fingerprints.insert(fp.clone());
            if !self.annotates() {
                out.push(None);
                continue;
            }
            let effect = self
                .waivers
                .as_ref()
                .and_then(|w| w.effect(&fp, self.as_of));
            let waived = matches!(effect, Some(Effect::Waived(_)));
            match effect {
                Some(Effect::Waived(_)) => self.waived += 1,
                Some(Effect::Expired(_)) => self.expired += 1,
                None => {}
            }
            let a = Annotation {
                status: if waived { "waived" } else { "active" }.into(),
                baseline: self
                    .baseline
                    .as_ref()
                    .filter(|_| tracked)
                    .map(|_| if first.is_some() { "open" } else { "new" }.to_string()),
                first_seen: self
                    .baseline
                    .as_ref()
                    .filter(|_| tracked)
                    .map(|_| first.clone().unwrap_or_else(|| self.as_of.to_string())),
                waiver: effect.map(|e| {
                    let w = e.waiver();
                    WaiverNote {
                        status: if waived { "waived" } else { "expired" }.into(),
                        reason: w.reason.clone(),
                        who: w.who.clone(),
                        expires: w.expires.to_string(),
                        note: e.note(),
                    }
                }),
            };
            self.annotations.insert(fp, a.clone());
            out.push(Some(a));
        }
        out
    }

    /// Stale-waiver warnings, once every file has been checked.
    pub fn stale_waivers(&mut self) -> Vec<Finding> {
        let v = self
            .waivers
            .as_ref()
            .map(|w| w.stale(&self.fingerprints))
            .unwrap_or_default();
        self.stale = v.len();
        v
    }

    /// Human diagnostics with their baseline and waiver status, each after
    /// a blank line ([`report::piece::human_items`]).
    pub fn render_annotated_human(
        &self,
        findings: &[Finding],
        notes: &[Option<Annotation>],
        human: &HumanOptions,
    ) -> String {
        report::piece::human_items(findings.iter().zip(notes).map(|(f, n)| {
            let mut s = report::human::render_one(f, human);
            if let Some(n) = n {
                s.push_str(&format!("  status: {}\n", terminal(&status_line(n))));
            }
            s
        }))
    }

    fn closed(&self) -> Vec<Entry> {
        self.baseline
            .as_ref()
            .map(|b| b.closed(&self.fingerprints, &self.files))
            .unwrap_or_default()
    }

    /// Render the whole run (json, sarif, junit).
    pub fn render_final(
        &self,
        format: Format,
        findings: &[Finding],
        info: &RunInfo,
        human: &HumanOptions,
    ) -> String {
        if format != Format::Json || !self.annotates() {
            return report::render(format, findings, info, human);
        }
        let closed = self
            .baseline
            .as_ref()
            .map(|_| serde_json::to_value(self.closed()).unwrap_or_default());
        report::json::render_annotated(
            findings,
            info,
            &|f| self.annotations.get(&f.fingerprint()),
            closed.as_ref(),
        )
    }

    /// Lines after a streamed run: one per closed finding (销号).
    pub fn epilogue(&self, format: Format) -> String {
        let mut s = String::new();
        for e in self.closed() {
            match format {
                Format::Human => s.push_str(&terminal(&format!(
                    "销号 closed: {} {} {} — {} (first seen {}, fingerprint {})\n",
                    e.rule,
                    e.file,
                    if e.path.is_empty() { "-" } else { &e.path },
                    e.message.replace(['\r', '\n'], " "),
                    e.first_seen,
                    e.fingerprint
                ))),
                Format::Github => s.push_str(&format!(
                    "::notice title={}::{}\n",
                    github::escape_property(&format!("closed {}", e.rule)),
                    github::escape_data(&format!(
                        "{} {} (first seen {})",
                        e.file, e.message, e.first_seen
                    )),
                )),
                _ => {}
            }
        }
        s
    }

    /// Write the baseline and statistics; print a summary of the tracking.
    pub fn finish(self) -> Result<(), ()> {
        let mut ok = true;
        let mut writer = crate::fsio::Writer::new(self.force);
        // The inputs are resolved (a `realpath` each) only when something
        // is written: a plain run over 10,000 permits would spend 40,000
        // system calls on it.
        if self.write_baseline.is_some() || self.stats.is_some() {
            for f in &self.files {
                writer.input(std::path::Path::new(f));
            }
        }
        if self.baseline.is_some() {
            let new = self
                .annotations
                .values()
                .filter(|a| a.baseline.as_deref() == Some("new"))
                .count();
            let open = self
                .annotations
                .values()
                .filter(|a| a.baseline.as_deref() == Some("open"))
                .count();
            eprintln!(
                "baseline: {} new, {} open, {} closed",
                new,
                open,
                self.closed().len()
            );
        }
        if self.waivers.is_some() {
            eprintln!(
                "waivers: {} waived, {} expired, {} stale",
                self.waived, self.expired, self.stale
            );
        }
        if let Some(path) = &self.write_baseline {
            // Merge on write: entries another run wrote to the file since
            // this run started (for files this run did not check) are kept.
            let on_disk = crate::fsio::read_text(path, crate::fsio::MAX_INPUT_BYTES)
                .ok()
                .and_then(|t| Baseline::parse(&t).ok());
            let old = match (self.baseline, on_disk) {
                (Some(mut a), Some(b)) => {
                    a.findings.extend(b.findings);
                    Some(a)
                }
                (a, b) => a.or(b),
            };
            let b = baseline::next(old.as_ref(), self.current, &self.files, self.as_of);
            if let Err(e) = writer.write(path, b.json().as_bytes()) {
                eprintln!("error: baseline: {e}");
                ok = false;
            }
        }
        if let Some((dir, stats)) = &self.stats
            && let Err(e) = stats.write(dir, &writer)
        {
            eprintln!("error: statistics: {e}");
            ok = false;
        }
        if ok { Ok(()) } else { Err(()) }
    }
}

fn status_line(a: &Annotation) -> String {
    let mut parts = Vec::new();
    if a.status == "waived" {
        parts.push("waived".to_string());
    }
    if let Some(b) = &a.baseline {
        match (b.as_str(), &a.first_seen) {
            ("open", Some(d)) => parts.push(format!("open (first seen {d})")),
            _ => parts.push(b.clone()),
        }
    }
    if let Some(w) = &a.waiver {
        parts.push(w.note.clone());
    }
    parts.join("; ")
}

/// Whether a finding counts toward exit code 1.
pub fn counts(a: &Option<Annotation>) -> bool {
    a.as_ref().is_none_or(|a| a.status != "waived")
}
