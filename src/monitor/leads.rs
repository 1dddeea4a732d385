//! The violation-lead list (违法线索清单): one lead per unit, outlet,
//! pollutant and month that exceeded a limit or lost too much data (online
//! data), one per manual result above a limit and one per period of the
//! monitoring plan without a manual result, with this project's severity
//! classes (defined in docs/monitoring.md, modelled on US EPA pretreatment
//! significant noncompliance, 40 CFR 403.8(f)(2)(viii)). Written as CSV
//! (UTF-8 with BOM, formula-safe cells) and JSON; `super::history` joins
//! it with an earlier run's list.

use super::check::{MAX_EXCLUDED_SHARE, MIN_VALID_SHARE, Month};
use serde::Serialize;

/// Severity classes of leads, most serious first.
pub const CLASSES: &[(&str, &str)] = &[
    (
        "chronic",
        "66% or more of the month's valid hours exceed the limit (after 40 CFR 403.8(f)(2)(viii)(A))",
    ),
    (
        "technical",
        "33% or more of the month's valid hours exceed the limit by 1.2× or more (after 40 CFR 403.8(f)(2)(viii)(B))",
    ),
    (
        "exceedance",
        "at least one valid hour or day above a limit (or below a floor); a manual result above its limit (or below a floor)",
    ),
    (
        "data",
        "no exceedance, but fewer than 75% of the hours valid or 30% or more flagged",
    ),
    (
        "missing",
        "a period of the permit's monitoring plan without the manual result its frequency requires (after 40 CFR 403.8(f)(2)(viii)(F), self-monitoring reports not provided)",
    ),
];

/// Where a lead's evidence comes from.
pub const ONLINE: &str = "online";
pub const MANUAL: &str = "manual";

/// One lead. The hour counts belong to online leads (`None` for manual
/// ones); `sampled_at`, `report` and `frequency` to manual ones.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Lead {
    pub unit: String,
    pub credit_code: String,
    pub permit: String,
    pub outlet: String,
    pub pollutant: String,
    pub pollutant_zh: String,
    /// `YYYY-MM` for online data; for manual results the period of the
    /// monitoring plan (`2026-Q2`, `2026-H1`, `2026`, `2026-03`,
    /// `week of 2026-03-02`, `2026-03-05`; a month when the plan has no
    /// entry for the result).
    pub period: String,
    pub exceedance_hours: Option<u32>,
    pub exceedance_days: Option<u32>,
    /// The worst value (online), the result (manual), in the limit's unit.
    pub worst_value: Option<f64>,
    pub limit: Option<f64>,
    pub valid_hours: Option<u32>,
    pub excluded_hours: Option<u32>,
    pub expected_hours: Option<u32>,
    pub severity: &'static str,
    pub basis: String,
    /// [`ONLINE`] or [`MANUAL`].
    pub source: &'static str,
    /// Day a manual result was sampled (`YYYY-MM-DD`).
    pub sampled_at: Option<String>,
    /// The lab report id of a manual result, as the results file gives it.
    pub report: Option<String>,
    /// The plan's frequency a manual lead is judged by (`quarterly`, …).
    pub frequency: Option<&'static str>,
    /// Against `--leads-baseline`: `new`, `open`, `closed`, `not-judged`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// Against `--leads-baseline`: the period the lead was first listed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
}

impl Lead {
    /// The class of problem a lead belongs to, for joining runs: the
    /// exceedance classes are one problem (a lead may grow from
    /// `exceedance` to `chronic`), `data` and `missing` are each their own.
    pub fn problem(&self) -> &'static str {
        match self.severity {
            "chronic" | "technical" | "exceedance" => "exceedance",
            "data" => "data",
            _ => "missing",
        }
    }
}

/// The class of a month, or `None` when it is no lead.
pub fn classify(m: &Month) -> Option<&'static str> {
    let valid = f64::from(m.valid_hours);
    if m.valid_hours > 0 && f64::from(m.exceed_hours) >= 0.66 * valid {
        return Some("chronic");
    }
    if m.valid_hours > 0 && f64::from(m.exceed_hours_1_2) >= 0.33 * valid {
        return Some("technical");
    }
    if m.exceed_hours > 0 || m.exceed_days > 0 {
        return Some("exceedance");
    }
    let expected = f64::from(m.expected_hours);
    let data_gap = m.expected_hours > 0
        && (valid < MIN_VALID_SHARE * expected
            || f64::from(m.excluded_hours) >= MAX_EXCLUDED_SHARE * expected);
    data_gap.then_some("data")
}

/// A text cell that a spreadsheet will not run as a formula.
pub fn safe_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| crate::units::format_number((v * 1000.0).round() / 1000.0))
        .unwrap_or_default()
}

fn count(v: Option<u32>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn text(v: Option<&str>) -> String {
    v.map(safe_cell).unwrap_or_default()
}

/// `leads.csv`: UTF-8 with BOM, one lead a row.
pub fn csv(leads: &[Lead]) -> String {
    let mut s = String::from(
        "\u{feff}unit,credit_code,permit,outlet,pollutant,pollutant_zh,period,exceedance_hours,exceedance_days,worst_value,limit,valid_hours,excluded_hours,expected_hours,severity,basis,source,sampled_at,report,frequency,status,first_seen\r\n",
    );
    for l in leads {
        let cells = [
            safe_cell(&l.unit),
            safe_cell(&l.credit_code),
            safe_cell(&l.permit),
            safe_cell(&l.outlet),
            safe_cell(&l.pollutant),
            safe_cell(&l.pollutant_zh),
            safe_cell(&l.period),
            count(l.exceedance_hours),
            count(l.exceedance_days),
            opt(l.worst_value),
            opt(l.limit),
            count(l.valid_hours),
            count(l.excluded_hours),
            count(l.expected_hours),
            l.severity.to_string(),
            safe_cell(&l.basis),
            l.source.to_string(),
            text(l.sampled_at.as_deref()),
            text(l.report.as_deref()),
            text(l.frequency),
            text(l.status),
            text(l.first_seen.as_deref()),
        ];
        s.push_str(&cells.join(","));
        s.push_str("\r\n");
    }
    s
}

/// `leads.json`; with a baseline (`closed`, `not_judged`: the baseline's
/// leads this run closed or could not judge) those lists too.
pub fn json(leads: &[Lead], joined: Option<&super::history::Joined>) -> String {
    let mut v = serde_json::json!({ "version": 1, "classes": CLASSES.iter().map(|(k, d)| serde_json::json!({"severity": k, "definition": d})).collect::<Vec<_>>(), "leads": leads });
    if let (Some(j), Some(obj)) = (joined, v.as_object_mut()) {
        obj.insert("closed".into(), serde_json::json!(j.closed));
        obj.insert("not_judged".into(), serde_json::json!(j.not_judged));
    }
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let m = |valid, exceed, over, excluded, expected| Month {
            valid_hours: valid,
            exceed_hours: exceed,
            exceed_hours_1_2: over,
            excluded_hours: excluded,
            expected_hours: expected,
            ..Month::default()
        };
        assert_eq!(classify(&m(100, 66, 0, 0, 100)), Some("chronic"));
        assert_eq!(classify(&m(100, 40, 33, 0, 100)), Some("technical"));
        assert_eq!(classify(&m(100, 1, 0, 0, 100)), Some("exceedance"));
        assert_eq!(classify(&m(60, 0, 0, 40, 100)), Some("data"));
        assert_eq!(classify(&m(100, 0, 0, 0, 100)), None);
    }

    #[test]
    fn formula_safe() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(safe_cell("苏州,一厂"), "\"苏州,一厂\"");
        assert_eq!(safe_cell("DA001"), "DA001");
    }
}
