//! The problem list (问题清单): per unit, the open findings of `check` with
//! the department, the date first seen, a rectification deadline (a period
//! per severity), and the status against last month's list — new, open,
//! overdue, or closed (销号) with the closing evidence (the finding is gone,
//! or a waiver with its reason).

use super::eia::safe_document;
use crate::date::Date;
use crate::finding::{Finding, Severity};
use crate::waiver::{Effect, Waivers};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const VERSION: u32 = 1;

/// Days allowed for rectification, by severity (error, warning, notice).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadlines(pub [i64; 3]);

impl Default for Deadlines {
    /// The project's defaults (a bureau's practice, not a regulatory figure):
    /// 30 days for an error, 60 for a warning, 90 for a notice.
    fn default() -> Self {
        Deadlines([30, 60, 90])
    }
}

impl Deadlines {
    /// `error=30,warning=60,notice=90` (any subset; the rest keep their default).
    pub fn parse(s: &str) -> Result<Deadlines, String> {
        let mut d = Deadlines::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not SEVERITY=DAYS"))?;
            let i = match k.trim() {
                "error" => 0,
                "warning" => 1,
                "notice" => 2,
                other => {
                    return Err(format!(
                        "unknown severity `{other}` (error, warning, notice)"
                    ));
                }
            };
            d.0[i] = v
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=3650).contains(n))
                .ok_or_else(|| format!("`{v}` is not a number of days from 1 to 3650"))?;
        }
        Ok(d)
    }

    pub fn days(&self, severity: &str) -> i64 {
        match severity {
            "error" => self.0[0],
            "warning" => self.0[1],
            _ => self.0[2],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    Overdue,
    Closed,
}

impl Status {
    pub fn zh(self) -> &'static str {
        match self {
            Status::New => "新发现",
            Status::Open => "整改中",
            Status::Overdue => "逾期未整改",
            Status::Closed => "已销号",
        }
    }
}

/// One problem of the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub fingerprint: String,
    pub credit_code: String,
    pub unit: String,
    pub district: String,
    pub file: String,
    pub rule: String,
    pub severity: String,
    pub department: String,
    pub message: String,
    #[serde(default)]
    pub basis: String,
    pub first_seen: String,
    pub deadline: String,
    pub status: Status,
    /// When closed: how (the finding is gone, or a waiver and its reason).
    #[serde(default)]
    pub evidence: String,
}

/// `problems.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProblemsFile {
    pub version: u32,
    pub as_of: String,
    pub problems: Vec<Problem>,
}

/// The unit a checked file belongs to.
#[derive(Clone, Debug, Default)]
pub struct UnitInfo {
    pub credit_code: String,
    pub name: String,
    pub district: String,
}

/// Collects the findings of the checked files.
#[derive(Default)]
pub struct Collector {
    /// One problem per finding, dates and status not yet set. Findings are
    /// not kept: they hold the permit's text.
    findings: Vec<Problem>,
    files: BTreeSet<String>,
}

impl Collector {
    pub fn add(&mut self, file: &str, unit: &UnitInfo, findings: &[Finding]) {
        self.files.insert(file.to_string());
        for f in findings {
            if f.rule == crate::waiver::STALE_RULE {
                continue;
            }
            self.findings.push(Problem {
                fingerprint: f.fingerprint(),
                credit_code: unit.credit_code.clone(),
                unit: unit.name.clone(),
                district: unit.district.clone(),
                file: f.file.name.clone(),
                rule: f.rule.clone(),
                severity: f.severity.as_str().to_string(),
                department: f.department.clone(),
                message: f.message.clone(),
                basis: f.basis.clone().unwrap_or_default(),
                first_seen: String::new(),
                deadline: String::new(),
                status: Status::New,
                evidence: String::new(),
            });
        }
    }

    /// This month's problem list from the findings, last month's list, a
    /// `check` baseline (fingerprint → first seen; a finding in it is not
    /// new) and the waivers.
    pub fn finish(
        self,
        previous: Option<&ProblemsFile>,
        baseline: &BTreeMap<String, String>,
        waivers: Option<&Waivers>,
        deadlines: Deadlines,
        as_of: Date,
    ) -> ProblemsFile {
        let prev: BTreeMap<&str, &Problem> = previous
            .map(|p| {
                p.problems
                    .iter()
                    .filter(|p| p.status != Status::Closed)
                    .map(|p| (p.fingerprint.as_str(), p))
                    .collect()
            })
            .unwrap_or_default();
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for mut p in self.findings {
            if !seen.insert(p.fingerprint.clone()) {
                continue;
            }
            let fp = p.fingerprint.as_str();
            let old = prev.get(fp);
            let known = old
                .map(|p| p.first_seen.as_str())
                .or(baseline.get(fp).map(String::as_str))
                .and_then(Date::parse);
            let first_seen = known.unwrap_or(as_of);
            let deadline = first_seen.add_days(deadlines.days(&p.severity));
            (p.status, p.evidence) = match waivers.and_then(|w| w.effect(fp, as_of)) {
                Some(Effect::Waived(w)) => (
                    Status::Closed,
                    format!("豁免：{}（{}，至 {}）", w.reason, w.who, w.expires),
                ),
                _ if known.is_none() => (Status::New, String::new()),
                _ if as_of > deadline => (Status::Overdue, String::new()),
                _ => (Status::Open, String::new()),
            };
            p.first_seen = first_seen.to_string();
            p.deadline = deadline.to_string();
            out.push(p);
        }
        for (fp, p) in prev {
            if seen.contains(fp) {
                continue;
            }
            let mut p = p.clone();
            if self.files.contains(&p.file) {
                p.status = Status::Closed;
                p.evidence = format!("{as_of} 复查未再发现该问题");
            } else {
                // The file was not checked this month: carried over as it was.
                let overdue = Date::parse(&p.deadline).is_some_and(|d| as_of > d);
                p.status = if overdue {
                    Status::Overdue
                } else {
                    Status::Open
                };
            }
            out.push(p);
        }
        out.sort_by(|a, b| {
            (&a.credit_code, &a.file, &a.rule, &a.message, &a.fingerprint).cmp(&(
                &b.credit_code,
                &b.file,
                &b.rule,
                &b.message,
                &b.fingerprint,
            ))
        });
        ProblemsFile {
            version: VERSION,
            as_of: as_of.to_string(),
            problems: out,
        }
    }
}

pub const PROBLEMS_HEADER: [&str; 14] = [
    "单位名称",
    "统一社会信用代码",
    "行政区划",
    "问题",
    "规则",
    "严重程度",
    "责任部门",
    "依据",
    "首次发现",
    "整改期限",
    "状态",
    "销号依据",
    "文件",
    "指纹",
];

impl ProblemsFile {
    pub fn parse(text: &str) -> Result<ProblemsFile, String> {
        let f: ProblemsFile =
            serde_json::from_str(text).map_err(|e| crate::escape::json_error(&e))?;
        if f.version != VERSION {
            return Err(format!(
                "problems.json version {} is not supported (expected {VERSION})",
                f.version
            ));
        }
        Ok(f)
    }

    pub fn count(&self, s: Status) -> usize {
        self.problems.iter().filter(|p| p.status == s).count()
    }

    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn csv(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .problems
            .iter()
            .map(|p| {
                vec![
                    p.unit.clone(),
                    p.credit_code.clone(),
                    p.district.clone(),
                    p.message.clone(),
                    p.rule.clone(),
                    match Severity::parse(&p.severity) {
                        Some(s) => s.zh().to_string(),
                        None => p.severity.clone(),
                    },
                    p.department.clone(),
                    p.basis.clone(),
                    p.first_seen.clone(),
                    p.deadline.clone(),
                    p.status.zh().to_string(),
                    p.evidence.clone(),
                    p.file.clone(),
                    p.fingerprint.clone(),
                ]
            })
            .collect();
        safe_document(&PROBLEMS_HEADER, &rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_parse() {
        assert_eq!(Deadlines::parse("").unwrap(), Deadlines([30, 60, 90]));
        assert_eq!(
            Deadlines::parse("error=15, notice=120").unwrap(),
            Deadlines([15, 60, 120])
        );
        assert!(Deadlines::parse("fatal=3").is_err());
        assert!(Deadlines::parse("error=0").is_err());
        assert!(Deadlines::parse("error").is_err());
    }
}
