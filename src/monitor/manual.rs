//! Manual monitoring (手工监测): results read from a CSV
//! (`credit_code,outlet,pollutant,sampled_at,value,unit`, optionally
//! `report`), checked two ways against the permit: every manual entry of
//! the monitoring plan (`monitoring[]` with `method: manual`) needs a
//! result in each of its periods (year, half-year, quarter, month, week or
//! day, by its `frequency`), and each result is compared with the
//! permit's limit for that outlet and pollutant like an hourly reading.

use super::leads::{Lead, MANUAL};
use super::permit::{Frequency, Limit, PermitLimits, PlanEntry};
use super::{MFinding, Related, finding};
use crate::date::Date;
use crate::finding::Severity;
use crate::span::{Source, Span};
use crate::units::Dim;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// Basis of `monitor.manual-missing`.
pub const MISSING_BASIS: &str = "排污许可管理条例 第十九条 (按照排污许可证规定开展自行监测); HJ 819-2017 §5 监测方案制定; the permit's monitoring plan (frequency)";
/// Basis of `monitor.manual-exceedance`.
pub const EXCEED_BASIS: &str =
    "the permit's limit for the outlet and pollutant; 排污许可管理条例 第三十四条";
/// Missing periods named one by one in a finding; the rest are counted.
const MAX_NAMED: usize = 24;

/// One manual result.
#[derive(Clone, Debug, PartialEq)]
pub struct Manual {
    /// Index of the data file in the run.
    pub file: u32,
    /// Byte range of the value in the file.
    pub start: u32,
    pub end: u32,
    /// Day of sampling (days since 1970-01-01).
    pub day: i64,
    pub credit_code: Option<String>,
    pub outlet: String,
    /// Catalogue code.
    pub code: &'static str,
    /// As written.
    pub value: f64,
    /// As written (may be empty: then the value is in the unit of the limit).
    pub unit: String,
    /// The value in the base unit of its dimension, when a unit is given.
    pub base: Option<(f64, Dim)>,
    /// The lab report id (`report` column), when given.
    pub report: Option<String>,
}

/// The period of `frequency` that day `day` falls in: (first day, day after the last).
pub fn period(frequency: Frequency, day: i64) -> (i64, i64) {
    let d = Date::from_days(day);
    let month_start = |y: i32, m: u8| Date::new(y, m, 1).map_or(day, |x| x.days());
    let span_months = |n: u8| {
        let first = (d.month - 1) / n * n + 1;
        let (ny, nm) = if first + n > 12 {
            (d.year + 1, first + n - 12)
        } else {
            (d.year, first + n)
        };
        (month_start(d.year, first), month_start(ny, nm))
    };
    match frequency {
        Frequency::Annual => span_months(12),
        Frequency::Semiannual => span_months(6),
        Frequency::Quarterly => span_months(3),
        Frequency::Monthly => span_months(1),
        // Weeks start on Monday; 1970-01-01 was a Thursday.
        Frequency::Weekly => {
            let start = day - (day + 3).rem_euclid(7);
            (start, start + 7)
        }
        Frequency::Daily => (day, day + 1),
    }
}

/// `2026`, `2026-H1`, `2026-Q2`, `2026-03`, `week of 2026-03-02`, `2026-03-05`.
pub fn label(frequency: Frequency, start: i64) -> String {
    let d = Date::from_days(start);
    match frequency {
        Frequency::Annual => format!("{}", d.year),
        Frequency::Semiannual => format!("{}-H{}", d.year, if d.month <= 6 { 1 } else { 2 }),
        Frequency::Quarterly => format!("{}-Q{}", d.year, (d.month - 1) / 3 + 1),
        Frequency::Monthly => format!("{}-{:02}", d.year, d.month),
        Frequency::Weekly => format!("week of {d}"),
        Frequency::Daily => d.to_string(),
    }
}

fn frequency_words(f: Frequency) -> &'static str {
    match f {
        Frequency::Annual => "a year",
        Frequency::Semiannual => "each half-year",
        Frequency::Quarterly => "a quarter",
        Frequency::Monthly => "a month",
        Frequency::Weekly => "a week",
        Frequency::Daily => "a day",
    }
}

/// The whole periods of `frequency` inside the days `lo..=hi`.
pub fn whole_periods(frequency: Frequency, lo: i64, hi: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut p = period(frequency, lo);
    while p.0 <= hi {
        if p.0 >= lo && p.1 - 1 <= hi {
            out.push(p);
        }
        p = period(frequency, p.1);
    }
    out
}

/// The permit a result belongs to: by credit code, or the only permit.
fn permit_of(m: &Manual, permits: &[PermitLimits]) -> Result<usize, String> {
    match m.credit_code.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => permits
            .iter()
            .position(|p| p.credit_code == c)
            .ok_or_else(|| format!("no permit of unit `{c}`")),
        None if permits.len() == 1 => Ok(0),
        None => Err(format!(
            "the row names no unit (credit code) and {} permits are given",
            permits.len()
        )),
    }
}

/// The limit a manual value is compared with: the hourly concentration,
/// else a ceiling, else a floor (`true`).
fn limit_of<'a>(permit: &'a PermitLimits, m: &Manual) -> Option<(&'a str, &'a Limit, bool)> {
    let row = permit
        .outlet(&m.outlet)?
        .rows
        .iter()
        .find(|r| r.code == m.code)?;
    if let Some(l) = &row.hourly {
        return Some(("concentration", l, false));
    }
    if let Some(l) = &row.ceiling {
        return Some(("limit", l, false));
    }
    row.floor.as_ref().map(|l| ("limit", l, true))
}

/// The frequency a result of `outlet` and `code` is judged by: the plan's
/// (its first manual entry for them), else a month.
fn frequency_of(permit: &PermitLimits, outlet: &str, code: &str) -> (Frequency, bool) {
    permit
        .plan
        .iter()
        .find(|e| e.outlet == outlet && e.code == code)
        .map_or((Frequency::Monthly, false), |e| (e.frequency, true))
}

/// A manual lead's fixed fields.
fn lead(permit: &PermitLimits, outlet: &str, code: &str, period: String) -> Lead {
    Lead {
        unit: permit.unit_name.clone(),
        credit_code: permit.credit_code.clone(),
        permit: permit.source.name.clone(),
        outlet: outlet.to_string(),
        pollutant: code.to_string(),
        pollutant_zh: crate::catalogue::pollutants::zh_name(code)
            .unwrap_or("")
            .to_string(),
        period,
        exceedance_hours: None,
        exceedance_days: None,
        worst_value: None,
        limit: None,
        valid_hours: None,
        excluded_hours: None,
        expected_hours: None,
        severity: "exceedance",
        basis: String::new(),
        source: MANUAL,
        sampled_at: None,
        report: None,
        frequency: None,
        status: None,
        first_seen: None,
    }
}

/// What the manual checks give: findings, and the leads (manual
/// exceedances and missing periods) in permit, outlet, pollutant and
/// period order.
pub struct Checked {
    pub findings: Vec<MFinding>,
    pub leads: Vec<Lead>,
    /// (credit code, outlet, pollutant) → days with a result.
    pub sampled: BTreeMap<(String, String, String), Vec<i64>>,
}

fn num(v: f64) -> String {
    crate::units::format_number((v * 1000.0).round() / 1000.0)
}

/// Both checks over the manual results of the run. `range` is the days
/// the run covers (`--from`/`--to`, else the span of all data read).
pub fn check(
    permits: &[PermitLimits],
    results: &[&Manual],
    sources: &[Source],
    range: (i64, i64),
) -> Checked {
    let mut out = Vec::new();
    // (permit, outlet, code, period start, 0 exceedance / 1 missing, day,
    // file, byte) → lead: sorted so, whatever the order of the results.
    type Order = (usize, String, &'static str, i64, u8, i64, u32, u32);
    let mut leads: Vec<(Order, Lead)> = Vec::new();
    // (permit, outlet, code) → sorted days with a result.
    let mut days: FxHashMap<(usize, &str, &str), Vec<i64>> = FxHashMap::default();
    let mut unmapped: FxHashMap<(u32, String), ()> = FxHashMap::default();
    for m in results {
        let source = &sources[m.file as usize];
        let span = Span::new(m.start as usize, m.end as usize);
        let p = match permit_of(m, permits) {
            Ok(p) => p,
            Err(why) => {
                if unmapped.insert((m.file, why.clone()), ()).is_none() {
                    out.push(MFinding::plain(finding(
                        "monitor.unmapped",
                        Severity::Undecided,
                        source,
                        span,
                        format!("manual result not checked: {why}"),
                        "docs/monitoring.md (manual results)",
                    )));
                }
                continue;
            }
        };
        let permit = &permits[p];
        days.entry((p, m.outlet.as_str(), m.code))
            .or_default()
            .push(m.day);
        let Some((field, l, floor)) = limit_of(permit, m) else {
            continue;
        };
        let value = match m.base {
            None => m.value,
            Some((v, dim)) if dim == l.dim => v,
            Some(_) => {
                out.push(MFinding::plain(finding(
                    "monitor.csv",
                    Severity::Warning,
                    source,
                    span,
                    format!(
                        "manual {} result in `{}` is not comparable with the permit's limit {}; not compared",
                        m.code, m.unit, l.text
                    ),
                    "docs/monitoring.md (manual results)",
                )));
                continue;
            }
        };
        let broken = if floor {
            value < l.value
        } else {
            value > l.value
        };
        if !broken {
            continue;
        }
        let unit = if m.unit.is_empty() {
            l.text.split_once(' ').map_or("", |(_, u)| u)
        } else {
            m.unit.as_str()
        };
        let day = Date::from_days(m.day);
        let (frequency, planned) = frequency_of(permit, &m.outlet, m.code);
        let (start, _) = period(frequency, m.day);
        let mut l_ = lead(permit, &m.outlet, m.code, label(frequency, start));
        l_.worst_value = Some(value);
        l_.limit = Some(l.value);
        l_.basis = format!("{}:{} ({})", permit.source.name, l.line, l.text);
        l_.sampled_at = Some(day.to_string());
        l_.report = m.report.clone();
        l_.frequency = planned.then(|| frequency.as_str());
        leads.push((
            (
                p,
                m.outlet.clone(),
                m.code,
                start,
                0,
                m.day,
                m.file,
                m.start,
            ),
            l_,
        ));
        let mut f = finding(
            "monitor.manual-exceedance",
            Severity::Error,
            source,
            span,
            format!(
                "manual {} result {} {unit} sampled {day} at outlet {} is {} the permit's {}",
                m.code,
                num(m.value),
                m.outlet,
                if floor { "below" } else { "above" },
                l.text
            ),
            EXCEED_BASIS,
        );
        f.help = Some(format!(
            "the permit's limit: {}:{} ({field}: {})",
            permit.source.name, l.line, l.text
        ));
        out.push(MFinding {
            finding: f,
            outlet: Some(m.outlet.clone()),
            pollutant: Some(m.code.to_string()),
            time: Some(format!("{day}T00:00:00+08:00")),
            related: Some(Related {
                file: permit.source.name.clone(),
                line: l.line,
                text: format!("{field}: {}", l.text),
            }),
        });
    }
    for v in days.values_mut() {
        v.sort_unstable();
    }
    let sampled = days
        .iter()
        .map(|(&(p, o, c), d)| {
            (
                (permits[p].credit_code.clone(), o.to_string(), c.to_string()),
                d.clone(),
            )
        })
        .collect();
    let (lo, hi) = range;
    if lo > hi {
        return finish(out, leads, sampled);
    }
    for (p, permit) in permits.iter().enumerate() {
        for entry in &permit.plan {
            let have = days
                .get(&(p, entry.outlet.as_str(), entry.code))
                .map_or(&[][..], Vec::as_slice);
            let missing: Vec<(i64, i64)> = whole_periods(entry.frequency, lo, hi)
                .into_iter()
                .filter(|&(s, e)| {
                    let i = have.partition_point(|&d| d < s);
                    have.get(i).is_none_or(|&d| d >= e)
                })
                .collect();
            for &(s, _) in &missing {
                let mut l = lead(permit, &entry.outlet, entry.code, label(entry.frequency, s));
                l.severity = "missing";
                l.basis = format!("{}:{} ({})", permit.source.name, entry.line, entry.text);
                l.frequency = Some(entry.frequency.as_str());
                leads.push(((p, entry.outlet.clone(), entry.code, s, 1, s, 0, 0), l));
            }
            if let Some(f) = missing_finding(permit, entry, &missing) {
                out.push(f);
            }
        }
    }
    finish(out, leads, sampled)
}

fn finish<K: Ord>(
    findings: Vec<MFinding>,
    mut leads: Vec<(K, Lead)>,
    sampled: BTreeMap<(String, String, String), Vec<i64>>,
) -> Checked {
    leads.sort_by(|a, b| a.0.cmp(&b.0));
    Checked {
        findings,
        leads: leads.into_iter().map(|(_, l)| l).collect(),
        sampled,
    }
}

fn missing_finding(
    permit: &PermitLimits,
    entry: &PlanEntry,
    missing: &[(i64, i64)],
) -> Option<MFinding> {
    let &(first, _) = missing.first()?;
    let mut named: Vec<String> = missing
        .iter()
        .take(MAX_NAMED)
        .map(|&(s, e)| {
            format!(
                "{} ({} to {})",
                label(entry.frequency, s),
                Date::from_days(s),
                Date::from_days(e - 1)
            )
        })
        .collect();
    if missing.len() > MAX_NAMED {
        named.push(format!("and {} more", missing.len() - MAX_NAMED));
    }
    let mut f = finding(
        "monitor.manual-missing",
        Severity::Warning,
        &permit.source,
        entry.span,
        format!(
            "no manual {} result at outlet {} in {} period{} where the permit's monitoring plan requires one result {}: {}",
            entry.code,
            entry.outlet,
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            frequency_words(entry.frequency),
            named.join(", ")
        ),
        MISSING_BASIS,
    );
    f.help = Some(
        "a period counts when the manual results given hold a result for this outlet and pollutant sampled in it; only periods wholly between --from and --to are judged (docs/monitoring.md)"
            .into(),
    );
    Some(MFinding {
        finding: f,
        outlet: Some(entry.outlet.clone()),
        pollutant: Some(entry.code.to_string()),
        time: Some(format!("{}T00:00:00+08:00", Date::from_days(first))),
        related: Some(Related {
            file: permit.source.name.clone(),
            line: entry.line,
            text: entry.text.clone(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> i64 {
        Date::parse(s).unwrap().days()
    }

    #[test]
    fn periods_by_frequency() {
        let d = day("2026-05-20");
        let show = |f| {
            let (s, e) = period(f, d);
            (
                label(f, s),
                Date::from_days(s).to_string(),
                Date::from_days(e - 1).to_string(),
            )
        };
        assert_eq!(
            show(Frequency::Quarterly),
            ("2026-Q2".into(), "2026-04-01".into(), "2026-06-30".into())
        );
        assert_eq!(
            show(Frequency::Semiannual),
            ("2026-H1".into(), "2026-01-01".into(), "2026-06-30".into())
        );
        assert_eq!(show(Frequency::Annual).2, "2026-12-31");
        assert_eq!(show(Frequency::Monthly).0, "2026-05");
        // 2026-05-20 is a Wednesday: its week runs Monday 18th to Sunday 24th.
        assert_eq!(
            show(Frequency::Weekly),
            (
                "week of 2026-05-18".into(),
                "2026-05-18".into(),
                "2026-05-24".into()
            )
        );
        let (s, e) = period(Frequency::Quarterly, day("2026-11-02"));
        assert_eq!(
            (
                Date::from_days(s).to_string(),
                Date::from_days(e).to_string()
            ),
            ("2026-10-01".into(), "2027-01-01".into())
        );
    }

    #[test]
    fn only_whole_periods_in_the_range_count() {
        let q = whole_periods(Frequency::Quarterly, day("2026-02-15"), day("2026-12-31"));
        let labels: Vec<String> = q
            .iter()
            .map(|&(s, _)| label(Frequency::Quarterly, s))
            .collect();
        assert_eq!(labels, ["2026-Q2", "2026-Q3", "2026-Q4"]);
        assert!(whole_periods(Frequency::Annual, day("2026-01-02"), day("2026-12-31")).is_empty());
    }
}
