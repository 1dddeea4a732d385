//! `lists --eia-approvals FILE… --problems`: the monthly dispatch on top of
//! the lists — EIA approvals reconciled with the permits, the problem list,
//! leads for enforcement and the dispatch report. Everything that can fail
//! on input is read before any permit is checked.

use crate::baseline::Baseline;
use crate::date::Date;
use crate::lists::eia::{self, ApprovalFile, PermitFacts, Reconciliation};
use crate::lists::leads::{self, LeadStatus, LeadsFile, PermitLine};
use crate::lists::problems::{Collector, Deadlines, ProblemsFile, Status, UnitInfo};
use crate::lists::report::{self, History, Inputs as ReportInputs};
use crate::lists::{ListsFile, changes::Changes};
use crate::run::FileResult;
use crate::waiver::Waivers;
use clap::Args;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Args, Debug, Default)]
pub struct DispatchArgs {
    /// EIA approval lists (CSV, UTF-8) to reconcile with the permits: writes
    /// eia.csv / eia.json.
    #[arg(long = "eia-approvals", value_name = "FILE", num_args = 1..)]
    pub eia_approvals: Vec<PathBuf>,
    /// The monthly dispatch: problems.csv/json, leads.csv/json, history.json,
    /// dispatch.md/html and trend charts (with `--previous`: carried from last month).
    #[arg(long)]
    pub problems: bool,
    /// Rectification period per severity
    /// [default: `error=30,warning=60,notice=90`].
    #[arg(long, value_name = "SEVERITY=DAYS,…", value_parser = Deadlines::parse)]
    pub rectify_days: Option<Deadlines>,
    /// Waivers (JSON, as for `check --waivers`): a waived problem is closed
    /// (销号) with the waiver's reason as evidence.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// A baseline written by `check --write-baseline`: its findings keep
    /// their first-seen date (not `new`) in the problem list.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// Inputs read before the run.
pub struct Inputs {
    problems: bool,
    approvals: Vec<ApprovalFile>,
    deadlines: Deadlines,
    waivers: Option<Waivers>,
    baseline: BTreeMap<String, String>,
    previous_problems: Option<ProblemsFile>,
    previous_leads: Option<LeadsFile>,
    history: History,
}

fn read_optional<T>(
    dir: Option<&Path>,
    name: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ()> {
    let Some(path) = dir.map(|d| d.join(name)) else {
        return Ok(None);
    };
    if !path.exists() {
        return Ok(None);
    }
    let text = crate::fsio::read_text(&path, crate::fsio::MAX_INPUT_BYTES).map_err(|e| {
        eprintln!("error: {e}");
    })?;
    parse(&text).map(Some).map_err(|e| {
        eprintln!("error: `{}`: {e}", crate::escape::path(&path));
    })
}

impl Inputs {
    pub fn open(a: &DispatchArgs, previous: Option<&Path>, as_of: Date) -> Result<Inputs, ()> {
        let mut approvals = Vec::new();
        let mut failed = false;
        for p in &a.eia_approvals {
            let name = p.display().to_string();
            match crate::fsio::read_bytes(p, crate::fsio::MAX_INPUT_BYTES) {
                Err(e) => {
                    eprintln!("error: {}", crate::escape::terminal(&e));
                    failed = true;
                }
                Ok(bytes) => match eia::parse(&name, &bytes) {
                    Err(e) => {
                        eprintln!("error: EIA approval list `{name}`: {e}");
                        failed = true;
                    }
                    Ok(f) => {
                        if !f.unknown_columns.is_empty() {
                            eprintln!(
                                "warning: `{name}`: unknown column(s) ignored: {}",
                                f.unknown_columns.join(", ")
                            );
                        }
                        for n in &f.notes {
                            eprintln!("warning: `{name}`: {n}");
                        }
                        approvals.push(f);
                    }
                },
            }
        }
        let waivers = match &a.waivers {
            Some(p) => {
                let name = p.display().to_string();
                let text =
                    crate::fsio::read_text(p, crate::fsio::MAX_INPUT_BYTES).map_err(|e| {
                        eprintln!("error: waivers: {e}");
                    })?;
                Some(Waivers::parse(&name, &text, as_of).map_err(|errs| {
                    for e in errs {
                        eprintln!("error: {e}");
                    }
                })?)
            }
            None => None,
        };
        let baseline = match &a.baseline {
            Some(p) => {
                let text =
                    crate::fsio::read_text(p, crate::fsio::MAX_INPUT_BYTES).map_err(|e| {
                        eprintln!("error: baseline: {e}");
                    })?;
                Baseline::parse(&text)
                    .map_err(|e| {
                        eprintln!("error: baseline `{}`: {e}", crate::escape::path(p));
                    })?
                    .index()
            }
            None => BTreeMap::new(),
        };
        if failed {
            return Err(());
        }
        let (previous_problems, previous_leads, history) = if a.problems {
            (
                read_optional(previous, "problems.json", ProblemsFile::parse)?,
                read_optional(previous, "leads.json", LeadsFile::parse)?,
                read_optional(previous, "history.json", History::parse)?,
            )
        } else {
            (None, None, None)
        };
        Ok(Inputs {
            problems: a.problems,
            approvals,
            deadlines: a.rectify_days.unwrap_or_default(),
            waivers,
            baseline,
            previous_problems,
            previous_leads,
            history: history.unwrap_or(History {
                version: report::VERSION,
                months: Vec::new(),
            }),
        })
    }

    fn active(&self) -> bool {
        self.problems || !self.approvals.is_empty()
    }
}

/// Collects what the dispatch needs while the permits are checked.
pub struct Month {
    active: bool,
    permits: Vec<PermitFacts>,
    problems: Collector,
}

impl Month {
    pub fn new(inputs: &Inputs) -> Month {
        Month {
            active: inputs.active(),
            permits: Vec::new(),
            problems: Collector::default(),
        }
    }

    pub fn add(&mut self, r: &FileResult) {
        if !self.active {
            return;
        }
        let facts = eia::permit_facts(r);
        let unit = facts
            .as_ref()
            .map(|f| UnitInfo {
                credit_code: f.credit_code.clone(),
                name: f.name.clone(),
                district: f.region.clone(),
            })
            .unwrap_or_default();
        self.problems.add(&r.path, &unit, &r.findings);
        if let Some(f) = facts {
            self.permits.push(f);
        }
    }

    pub fn finish(
        self,
        inputs: Inputs,
        lists: &ListsFile,
        changes: Option<&Changes>,
        out: &Path,
        as_of: Date,
    ) -> Result<(), ()> {
        if !self.active {
            return Ok(());
        }
        let write = |name: &str, text: &str| {
            report::write_atomic(out, name, text).map_err(|e| {
                eprintln!(
                    "error: cannot write `{}`: {e}",
                    crate::escape::path(&out.join(name))
                );
            })
        };
        let mut permits = self.permits;
        permits.sort_by(|a, b| (&a.credit_code, &a.file).cmp(&(&b.credit_code, &b.file)));
        permits.dedup_by(|a, b| a.credit_code == b.credit_code);
        let rec: Option<Reconciliation> =
            (!inputs.approvals.is_empty()).then(|| eia::reconcile(&inputs.approvals, &permits));
        if let Some(r) = &rec {
            write("eia.csv", &r.csv())?;
            write("eia.json", &r.json())?;
            use eia::Verdict as V;
            eprintln!(
                "EIA approvals: {} read, {} covered, {} newer than the permit (技改), {} candidate(s) to confirm, \
                 without permit: {} operating (无证排污 lead), {} under construction, {} planned, {} status unknown; \
                 {} permit(s) whose approval is not in the lists",
                r.rows.len(),
                r.count(V::Covered),
                r.count(V::NewerThanPermit),
                r.count(V::Candidate),
                r.count(V::NoPermitOperating),
                r.count(V::NoPermitUnderConstruction),
                r.count(V::NoPermitPlanned),
                r.count(V::NoPermitUnknown),
                r.permits_without_listed_approval.len()
            );
        }
        if !inputs.problems {
            return Ok(());
        }
        let problems = self.problems.finish(
            inputs.previous_problems.as_ref(),
            &inputs.baseline,
            inputs.waivers.as_ref(),
            inputs.deadlines,
            as_of,
        );
        let lines: Vec<PermitLine> = permits
            .iter()
            .map(|p| PermitLine {
                credit_code: &p.credit_code,
                name: &p.name,
                district: &p.region,
                valid_until: p.valid_until,
                operating: p.construction_status.as_deref() == Some("operating"),
            })
            .collect();
        let leads = leads::build(
            &lines,
            rec.as_ref(),
            Some(&problems),
            inputs.previous_leads.as_ref(),
            as_of,
        );
        write("problems.csv", &problems.csv())?;
        write("problems.json", &problems.json())?;
        write("leads.csv", &leads.csv())?;
        write("leads.json", &leads.json())?;
        let regions: BTreeMap<String, String> = permits
            .iter()
            .map(|p| (p.credit_code.clone(), p.region.clone()))
            .collect();
        let mut history = inputs.history;
        let previous = history
            .months
            .iter()
            .rfind(|m| m.as_of < as_of.to_string())
            .cloned();
        let month = report::month(&ReportInputs {
            lists,
            regions: &regions,
            previous: previous.as_ref(),
            changes,
            problems: Some(&problems),
            leads: Some(&leads),
            eia: rec.as_ref(),
        });
        history.push(month);
        write("history.json", &history.json())?;
        write("dispatch.md", &report::markdown(&history))?;
        write("dispatch.html", &report::html(&history))?;
        write("lists-trend.svg", &report::lists_chart(&history))?;
        write("problems-trend.svg", &report::problems_chart(&history))?;
        eprintln!(
            "problems: {} new, {} open, {} overdue, {} closed (销号); leads: {} new, {} continuing, {} closed",
            problems.count(Status::New),
            problems.count(Status::Open),
            problems.count(Status::Overdue),
            problems.count(Status::Closed),
            leads.count(LeadStatus::New),
            leads.count(LeadStatus::Continuing),
            leads.count(LeadStatus::Closed)
        );
        Ok(())
    }
}
