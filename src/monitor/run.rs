//! One monitoring run: match every file's readings to permits, evaluate
//! each series (in parallel; results in a fixed order whatever the thread
//! count), build the lead list and the charts.

use super::check::SeriesCtx;
use super::data::DataFile;
use super::devices::Device;
use super::leads::{Lead, classify};
use super::permit::PermitLimits;
use super::report::Chart;
use super::{MFinding, Period, Reading, Target, finding};
use crate::date::Date;
use crate::finding::Severity;
use crate::span::{Source, Span};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Keep hourly points for the charts.
    pub charts: bool,
}

pub struct Outcome {
    /// Sorted.
    pub findings: Vec<MFinding>,
    pub leads: Vec<Lead>,
    pub charts: Vec<Chart>,
    /// Series evaluated (outlet × pollutant with a limit and data).
    pub series: usize,
    /// Readings evaluated.
    pub readings: usize,
}

/// (permit, outlet) of a target, or why not.
fn resolve_target(
    t: &Target,
    permits: &[PermitLimits],
    by_credit: &FxHashMap<&str, usize>,
    devices: &FxHashMap<String, Device>,
) -> Result<(usize, usize), String> {
    let (credit, outlet) = match t {
        Target::Mn(mn) => match devices.get(mn) {
            Some(d) => (Some(d.credit_code.as_str()), d.outlet.as_str()),
            None => return Err(format!("{} is not in the devices file", t.describe())),
        },
        Target::Outlet {
            credit_code,
            outlet,
        } => (credit_code.as_deref(), outlet.as_str()),
    };
    let permit = match credit.filter(|c| !c.is_empty()) {
        Some(c) => *by_credit
            .get(c)
            .ok_or_else(|| format!("no permit of unit `{c}` ({})", t.describe()))?,
        None if permits.len() == 1 => 0,
        None => {
            return Err(format!(
                "{} names no unit (credit code) and {} permits are given",
                t.describe(),
                permits.len()
            ));
        }
    };
    let o = permits[permit]
        .outlets
        .iter()
        .position(|o| o.id == outlet)
        .ok_or_else(|| {
            format!(
                "the permit {} has no outlet `{outlet}` ({})",
                permits[permit].source.name,
                t.describe()
            )
        })?;
    Ok((permit, o))
}

/// (permit, medium, pollutant code, start of the year of validity): the key
/// the outlets' computed emissions are summed under.
type PlantKey = (usize, u8, &'static str, Date);

pub fn run(
    permits: &[PermitLimits],
    files: &[DataFile],
    devices: &FxHashMap<String, Device>,
    opts: Options,
) -> Outcome {
    let mut findings: Vec<MFinding> = Vec::new();
    let mut by_credit: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, p) in permits.iter().enumerate() {
        by_credit.entry(p.credit_code.as_str()).or_insert(i);
    }
    let sources: Vec<Source> = files.iter().map(|f| f.source.clone()).collect();
    let from_h = opts.from.map(|d| d.days() * 24);
    let to_h = opts.to.map(|d| d.days() * 24 + 23);
    // (permit, outlet, code) → readings, in file and line order.
    let mut series: BTreeMap<(usize, usize, &'static str), Vec<&Reading>> = BTreeMap::new();
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for f in files {
        findings.extend(f.findings.iter().cloned());
        let resolved: Vec<Result<(usize, usize), String>> = f
            .targets
            .iter()
            .map(|t| resolve_target(t, permits, &by_credit, devices))
            .collect();
        let mut reported = vec![false; resolved.len()];
        for r in &f.readings {
            if from_h.is_some_and(|h| r.time < h) || to_h.is_some_and(|h| r.time > h) {
                continue;
            }
            match &resolved[r.target as usize] {
                Ok((p, o)) => {
                    lo = lo.min(r.time);
                    hi = hi.max(r.time + if r.period == Period::Day { 23 } else { 0 });
                    series.entry((*p, *o, r.code)).or_default().push(r);
                }
                Err(why) if !reported[r.target as usize] => {
                    reported[r.target as usize] = true;
                    findings.push(MFinding::plain(finding(
                        "monitor.unmapped",
                        Severity::Undecided,
                        &f.source,
                        Span::new(r.start as usize, r.end as usize),
                        format!("data not checked: {why}"),
                        "docs/monitoring.md (device mapping)",
                    )));
                }
                Err(_) => {}
            }
        }
    }
    let range = (from_h.unwrap_or(lo), to_h.unwrap_or(hi));
    let work: Vec<_> = series
        .into_iter()
        .filter_map(|((p, o, code), mut rs)| {
            let outlet = &permits[p].outlets[o];
            let row = outlet.rows.iter().find(|r| r.code == code)?;
            rs.sort_by_key(|r| (r.period, r.time, r.file, r.start));
            // Hours first, then days, each in time order: one pass per kind.
            Some((p, outlet, row, rs))
        })
        .collect();
    let readings = work.iter().map(|w| w.3.len()).sum();
    let results: Vec<_> = work
        .par_iter()
        .map(|(p, outlet, row, rs)| {
            let ctx = SeriesCtx {
                permit: &permits[*p],
                outlet: &outlet.id,
                medium: outlet.medium,
                row,
                sources: &sources,
                range,
                want_points: opts.charts,
            };
            ctx.run(rs)
        })
        .collect();
    let mut leads = Vec::new();
    let mut charts = Vec::new();
    let mut plant: BTreeMap<PlantKey, (f64, Vec<String>)> = BTreeMap::new();
    for ((p, outlet, row, _), res) in work.iter().zip(results) {
        let permit = &permits[*p];
        findings.extend(res.findings);
        for &(start, t) in &res.annual_t {
            let e = plant
                .entry((*p, outlet.medium as u8, row.code, start))
                .or_default();
            e.0 += t;
            e.1.push(outlet.id.clone());
        }
        for (period, m) in &res.months {
            let Some(class) = classify(m) else {
                continue;
            };
            let limit = row
                .hourly
                .as_ref()
                .or(row.ceiling.as_ref())
                .or(row.floor.as_ref());
            leads.push(Lead {
                unit: permit.unit_name.clone(),
                credit_code: permit.credit_code.clone(),
                permit: permit.source.name.clone(),
                outlet: outlet.id.clone(),
                pollutant: row.code.to_string(),
                pollutant_zh: row.name_zh.to_string(),
                period: period.clone(),
                exceedance_hours: m.exceed_hours,
                exceedance_days: m.exceed_days,
                worst_value: m.worst.map(|w| w.0),
                limit: m.worst.map(|w| w.1).or(limit.map(|l| l.value)),
                valid_hours: m.valid_hours,
                excluded_hours: m.excluded_hours,
                expected_hours: m.expected_hours,
                severity: class,
                basis: limit.map_or(String::new(), |l| {
                    format!("{}:{} ({})", permit.source.name, l.line, l.text)
                }),
            });
        }
        if opts.charts && !res.points.is_empty() {
            let unit = row
                .hourly
                .as_ref()
                .or(row.floor.as_ref())
                .or(row.ceiling.as_ref())
                .and_then(|l| l.text.split_once(' ').map(|(_, u)| u.to_string()))
                .unwrap_or_default();
            charts.push(Chart {
                title: format!(
                    "{} {} {} {}",
                    permit.unit_name, outlet.id, row.code, row.name_zh
                ),
                unit,
                limit: row
                    .hourly
                    .as_ref()
                    .or(row.ceiling.as_ref())
                    .map(|l| l.value),
                floor: row.floor.as_ref().map(|l| l.value),
                points: res.points,
            });
        }
    }
    if files.iter().any(|f| f.is_manual) {
        let (from_d, to_d) = (opts.from.map(|d| d.days()), opts.to.map(|d| d.days()));
        let manual: Vec<&super::manual::Manual> = files
            .iter()
            .flat_map(|f| &f.manual)
            .filter(|m| from_d.is_none_or(|d| m.day >= d) && to_d.is_none_or(|d| m.day <= d))
            .collect();
        let (mut dlo, mut dhi) = (lo.div_euclid(24), hi.div_euclid(24));
        if lo > hi {
            (dlo, dhi) = (i64::MAX, i64::MIN);
        }
        for m in &manual {
            dlo = dlo.min(m.day);
            dhi = dhi.max(m.day);
        }
        let days = (from_d.unwrap_or(dlo), to_d.unwrap_or(dhi));
        findings.extend(super::manual::check(permits, &manual, &sources, days));
    }
    for ((p, medium, code, start), (t, outlets)) in plant {
        let permit = &permits[p];
        let Some((_, _, l)) = permit
            .totals
            .iter()
            .find(|(m, c, _)| *m as u8 == medium && *c == code)
        else {
            continue;
        };
        if t > l.value {
            let mut f = finding(
                "monitor.plant-annual-exceedance",
                Severity::Error,
                &permit.source,
                l.span,
                format!(
                    "{code} emissions computed from concentration × flow at outlets {} reach {} t in the year from {start}, above the plant's annual limit {}",
                    outlets.join(", "),
                    crate::units::format_number((t * 1000.0).round() / 1000.0),
                    l.text
                ),
                "the permit's plant-wide annual limit (全厂许可排放量); 排污许可管理条例 第三十四条 (超过许可排放量)",
            );
            f.help = Some("the sum over the outlets' valid hours with a flow; a lower bound when data is missing".into());
            findings.push(MFinding {
                finding: f,
                outlet: None,
                pollutant: Some(code.to_string()),
                time: Some(format!("{start}T00:00:00+08:00")),
                related: Some(super::Related {
                    file: permit.source.name.clone(),
                    line: l.line,
                    text: format!("annual: {}", l.text),
                }),
            });
        }
    }
    super::sort(&mut findings);
    Outcome {
        findings,
        leads,
        charts,
        series: work.len(),
        readings,
    }
}
