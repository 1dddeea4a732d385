//! Post-permit supervision (证后监管): a unit's monitoring data checked
//! against its own permit. This module owns reading the data (HJ 212
//! packet logs of the 2017 and 2025 editions, their minute data recomputed
//! into hours; tabular CSV and XLSX exports; Parquet readings), mapping
//! devices and outlets to permits (`--devices`, credit code, outlet id,
//! pollutant code), the checks (hourly and daily limits, floors, O₂
//! correction, flagged and missing hours, annual totals from concentration
//! × flow; manual results against the monitoring plan; an execution
//! report's declared totals), the violation-lead list (违法线索清单) with
//! its severity classes and its joining with an earlier run's list, the
//! chart report, the export of open tables for the SQL checks, and the
//! generator of test data. Findings are
//! ordinary [`Finding`]s pointing at the data file, so every reporter of
//! `crate::report` prints them; the permit's limit travels alongside as a
//! related location ([`Related`]). Documented for users in
//! `docs/monitoring.md`.

pub mod batch;
pub mod check;
pub mod data;
pub mod declared;
pub mod devices;
pub mod export;
pub mod generate;
pub mod history;
pub mod hj212;
pub mod leads;
pub mod manual;
pub mod parquet;
pub mod permit;
pub mod report;
pub mod run;
pub mod xlsx;

use crate::date::Date;
use crate::finding::{Finding, Severity};
use crate::span::{Source, Span};

/// Averaging period of a reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Hour,
    Day,
}

/// Where a reading comes from, before it is matched to a permit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// An HJ 212 device number, mapped by `--devices`.
    Mn(String),
    /// An outlet id, with the unit's credit code when the data names it.
    Outlet {
        credit_code: Option<String>,
        outlet: String,
    },
}

impl Target {
    pub fn describe(&self) -> String {
        match self {
            Target::Mn(mn) => format!("device MN `{mn}`"),
            Target::Outlet {
                credit_code: Some(c),
                outlet,
            } => format!("outlet `{outlet}` of unit `{c}`"),
            Target::Outlet { outlet, .. } => format!("outlet `{outlet}`"),
        }
    }
}

/// One value read from a data file.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// Index of the data file in the run.
    pub file: u32,
    /// Byte range of the value in the file.
    pub start: u32,
    pub end: u32,
    /// Hours since 1970-01-01 00:00 (local time as the data states it);
    /// for daily values the day's hour 0.
    pub time: i64,
    pub period: Period,
    /// Index into the file's targets.
    pub target: u32,
    /// Catalogue code (`SO2`).
    pub code: &'static str,
    /// The value as measured (HJ 212 `-Avg`, CSV `value`).
    pub value: f64,
    /// The corrected value the data states (HJ 212 `-ZsAvg`, CSV `corrected`).
    pub zs: Option<f64>,
    /// Data flag (`N` normal, …).
    pub flag: u8,
    /// O₂ (%) measured in the same hour.
    pub o2: Option<f64>,
    /// Flow (m³/h) in the same hour.
    pub flow: Option<f64>,
    /// An hour computed from minute data (HJ 212 CN 2051), not reported
    /// as an hourly value.
    pub from_minutes: Option<FromMinutes>,
}

/// How an hour computed from minute data was computed (`hj212::minutes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FromMinutes {
    /// Valid minute values averaged.
    pub values: u8,
    /// Interval of the minute data (minutes), as its time stamps give it.
    pub interval: u8,
    /// Minutes the valid values cover.
    pub minutes: u8,
}

/// ISO 8601 local time of an hour index, Beijing time as HJ 212 data is.
pub fn iso_time(hour: i64) -> String {
    let date = Date::from_days(hour.div_euclid(24));
    format!("{date}T{:02}:00:00+08:00", hour.rem_euclid(24))
}

/// The permit's limit a finding breaks.
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    pub file: String,
    pub line: usize,
    /// `concentration: 35 mg/m3`
    pub text: String,
}

/// A finding with the monitoring context `--format json` adds.
#[derive(Clone, Debug)]
pub struct MFinding {
    pub finding: Finding,
    pub outlet: Option<String>,
    pub pollutant: Option<String>,
    pub time: Option<String>,
    pub related: Option<Related>,
}

impl MFinding {
    pub fn plain(finding: Finding) -> MFinding {
        MFinding {
            finding,
            outlet: None,
            pollutant: None,
            time: None,
            related: None,
        }
    }
}

/// Every rule of the monitoring checks: id, usual severity, title, basis.
pub const RULES: &[(&str, Severity, &str, &str)] = &[
    (
        "monitor.annual-exceedance",
        Severity::Error,
        "emissions computed from concentration × flow above the permit's annual limit",
        "the permit's annual limit; 排污许可管理条例 第三十四条 (超过许可排放量)",
    ),
    (
        "monitor.below-minimum",
        Severity::Error,
        "a valid hourly value below the permit's floor (e.g. furnace temperature)",
        "the permit's limit (`bound: min`); GB 18485-2014 表1 (炉膛温度 ≥ 850 ℃)",
    ),
    (
        "monitor.completeness",
        Severity::Warning,
        "a month with too few valid hours",
        "HJ 75-2017 (数据有效性判别); this project's threshold (docs/monitoring.md)",
    ),
    (
        "monitor.correction-mismatch",
        Severity::Warning,
        "the corrected value the data states disagrees with the recomputed O₂ correction",
        "HJ 75-2017 (折算浓度); the permit's reference O₂",
    ),
    (
        "monitor.csv",
        Severity::Warning,
        "a CSV row that cannot be read",
        "docs/monitoring.md (tabular data)",
    ),
    (
        "monitor.daily-exceedance",
        Severity::Error,
        "a valid daily mean above the permit's daily limit",
        "the permit's `daily` limit; 生态环境部令第10号 (垃圾焚烧: 日均值)",
    ),
    (
        "monitor.data-format",
        Severity::Warning,
        "a data file that is neither HJ 212 packets nor a monitoring CSV",
        "docs/monitoring.md (inputs)",
    ),
    (
        "monitor.declared-below-computed",
        Severity::Warning,
        "an execution report's declared annual total well below the total computed from the monitoring data",
        declared::BELOW_BASIS,
    ),
    (
        "monitor.declared-exceeds-annual",
        Severity::Error,
        "an execution report's declared annual total above the permit's annual limit",
        declared::EXCEEDS_BASIS,
    ),
    (
        "monitor.excluded-share",
        Severity::Warning,
        "a month in which a large share of hours is flagged (maintenance, fault, …)",
        "HJ 212-2017 数据标记; MEE 公告2022年第21号; this project's threshold",
    ),
    (
        "monitor.hj212-deviation",
        Severity::Warning,
        "a packet that deviates from HJ 212 but is read (length, case, CRLF, …)",
        "HJ 212-2017 6 (packet structure)",
    ),
    (
        "monitor.hj212-rejected",
        Severity::Warning,
        "a line that is not a readable HJ 212 packet",
        "HJ 212-2017 6 (packet structure) and 附录 A (CRC)",
    ),
    (
        "monitor.hourly-exceedance",
        Severity::Error,
        "a valid hourly mean above the permit's hourly concentration limit",
        "the permit's `concentration` limit; 排污许可管理条例 第三十四条",
    ),
    (
        "monitor.limit-exceedance",
        Severity::Error,
        "a valid hourly value above a permit limit that is not a concentration",
        "the permit's `limit` (`bound: max`)",
    ),
    (
        "monitor.manual-exceedance",
        Severity::Error,
        "a manual monitoring result above (or below a floor of) the permit's limit",
        manual::EXCEED_BASIS,
    ),
    (
        "monitor.manual-missing",
        Severity::Warning,
        "periods of the permit's monitoring plan without the manual result its frequency requires",
        manual::MISSING_BASIS,
    ),
    (
        "monitor.minute-mismatch",
        Severity::Warning,
        "an hourly packet that the same hour's minute data does not support",
        hj212::minutes::MISMATCH_BASIS,
    ),
    (
        "monitor.not-evaluated",
        Severity::Notice,
        "packets read but not evaluated (real-time data, other commands), once per file",
        hj212::commands::BASIS,
    ),
    (
        "monitor.parquet",
        Severity::Warning,
        "a Parquet data file, or a row of it, that cannot be read",
        "docs/monitoring.md (Parquet data)",
    ),
    (
        "monitor.plant-annual-exceedance",
        Severity::Error,
        "the plant's emissions, summed over its outlets, above its plant-wide annual limit",
        "the permit's plant-wide annual limit (全厂许可排放量); 排污许可管理条例 第三十四条 (超过许可排放量)",
    ),
    (
        "monitor.unmapped",
        Severity::Undecided,
        "data whose device or outlet matches no permit",
        "docs/monitoring.md (device mapping)",
    ),
    (
        "monitor.xlsx",
        Severity::Warning,
        "an XLSX workbook that cannot be read, or sheets without the header (a notice)",
        "docs/monitoring.md (tabular data, XLSX)",
    ),
];

/// A finding on a data file, element `monitoring`.
pub fn finding(
    rule: &str,
    severity: Severity,
    source: &Source,
    primary: Span,
    message: String,
    basis: &str,
) -> Finding {
    Finding {
        rule: rule.to_string(),
        severity,
        element: "monitoring".into(),
        department: String::new(),
        message,
        basis: Some(basis.to_string()),
        help: None,
        file: source.clone(),
        primary: Some(primary),
        labels: Vec::new(),
        path: String::new(),
        field_zh: String::new(),
    }
}

/// Sort findings (with their context) in the order every output uses.
pub fn sort(findings: &mut [MFinding]) {
    findings.sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
}
