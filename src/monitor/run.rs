//! One monitoring run: match every file's readings to permits, evaluate
//! each series (in parallel; results in a fixed order whatever the thread
//! count), build the lead list and the charts.

use super::batch::Batch;
use super::check::{Series, SeriesCtx};
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
    /// Keep every day's running sums to the end of the run instead of
    /// finalizing each complete day when its series leaves it: more memory,
    /// the same results (tests compare the two).
    pub keep_days: bool,
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
    /// What the run covered (for `--leads-baseline` and the export).
    pub coverage: super::history::Coverage,
    /// Emissions computed per series and calendar year (t).
    pub computed: super::declared::Computed,
}

/// (permit, outlet) of a target, or why not.
pub(crate) fn resolve_target(
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

/// A run fed one data file at a time ([`Runner::add`]): each file's
/// readings go into their series' running state and the file can be
/// dropped, so memory follows the series and days, not the readings.
pub struct Runner<'a> {
    permits: &'a [PermitLimits],
    devices: &'a FxHashMap<String, Device>,
    by_credit: FxHashMap<&'a str, usize>,
    /// Every data file of the run by index (`Reading::file`), name only:
    /// findings are located in the text again once the run is over.
    sources: &'a [Source],
    opts: Options,
    from_h: Option<i64>,
    to_h: Option<i64>,
    lo: i64,
    hi: i64,
    findings: Vec<MFinding>,
    /// (permit, outlet, code) → index into `series`, `None` when the
    /// permit has no limit row for it.
    index: FxHashMap<(usize, usize, &'static str), Option<usize>>,
    series: Vec<((usize, usize, &'static str), Series<'a>)>,
    manual: Vec<super::manual::Manual>,
    any_manual: bool,
    declared: Vec<super::declared::Declared>,
}

impl<'a> Runner<'a> {
    pub fn new(
        permits: &'a [PermitLimits],
        devices: &'a FxHashMap<String, Device>,
        sources: &'a [Source],
        opts: Options,
    ) -> Runner<'a> {
        let mut by_credit: FxHashMap<&str, usize> = FxHashMap::default();
        for (i, p) in permits.iter().enumerate() {
            by_credit.entry(p.credit_code.as_str()).or_insert(i);
        }
        Runner {
            permits,
            devices,
            by_credit,
            sources,
            opts,
            from_h: opts.from.map(|d| d.days() * 24),
            to_h: opts.to.map(|d| d.days() * 24 + 23),
            lo: i64::MAX,
            hi: i64::MIN,
            findings: Vec::new(),
            index: FxHashMap::default(),
            series: Vec::new(),
            manual: Vec::new(),
            any_manual: false,
            declared: Vec::new(),
        }
    }

    fn series_of(&mut self, key: (usize, usize, &'static str)) -> Option<usize> {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let (p, o, code) = key;
        let outlet = &self.permits[p].outlets[o];
        let keep_days = self.opts.keep_days;
        let i = outlet.rows.iter().find(|r| r.code == code).map(|row| {
            let mut s = Series::new(SeriesCtx {
                permit: &self.permits[p],
                outlet: &outlet.id,
                medium: outlet.medium,
                row,
                sources: self.sources,
                range: (0, -1),
                want_points: self.opts.charts,
            });
            s.keep_days = keep_days;
            self.series.push((key, s));
            self.series.len() - 1
        });
        self.index.insert(key, i);
        i
    }

    /// What a data file (or row group) gives besides its readings — its
    /// findings, manual results and declared totals — and its targets
    /// resolved to (permit, outlet).
    fn intake(&mut self, f: &DataFile) -> Vec<Result<(usize, usize), String>> {
        self.findings.extend(f.findings.iter().cloned());
        self.any_manual |= f.is_manual;
        self.manual.extend(f.manual.iter().cloned());
        self.declared.extend(f.declared.iter().cloned());
        f.targets
            .iter()
            .map(|t| resolve_target(t, self.permits, &self.by_credit, self.devices))
            .collect()
    }

    /// The series of `key` read under `target`, looked up once per (target,
    /// code) of a file, not per reading: a file holds a handful of pairs,
    /// and codes are the catalogue's own `&'static str`, so a pointer
    /// comparison finds them.
    fn cached_series(
        &mut self,
        cache: &mut Vec<(u32, &'static str, Option<usize>)>,
        target: u32,
        key: (usize, usize, &'static str),
    ) -> Option<usize> {
        if let Some(c) = cache
            .iter()
            .find(|c| c.0 == target && std::ptr::eq(c.1, key.2))
        {
            return c.2;
        }
        let s = self.series_of(key);
        cache.push((target, key.2, s));
        s
    }

    /// Feed one data file: its findings, its readings into their series
    /// (in parallel across series, each in line order), its manual results.
    pub fn add(&mut self, f: &DataFile) {
        let resolved = self.intake(f);
        let mut reported = vec![false; resolved.len()];
        let mut cache = Vec::new();
        let mut groups: Vec<Vec<&Reading>> = Vec::new();
        for r in &f.readings {
            if self.from_h.is_some_and(|h| r.time < h) || self.to_h.is_some_and(|h| r.time > h) {
                continue;
            }
            match &resolved[r.target as usize] {
                Ok((p, o)) => {
                    self.lo = self.lo.min(r.time);
                    self.hi = self
                        .hi
                        .max(r.time + if r.period == Period::Day { 23 } else { 0 });
                    if let Some(s) = self.cached_series(&mut cache, r.target, (*p, *o, r.code)) {
                        group(&mut groups, s, self.series.len(), r);
                    }
                }
                Err(why) if !reported[r.target as usize] => {
                    reported[r.target as usize] = true;
                    self.findings.push(unmapped(
                        &f.source,
                        Span::new(r.start as usize, r.end as usize),
                        why,
                    ));
                }
                Err(_) => {}
            }
        }
        feed(&mut self.series, groups, |s, r| s.push(r));
    }

    /// Feed one data file (or row group) whose readings come as columns:
    /// its findings and targets from `f` (whose `readings` are not read),
    /// its readings from `b`, each run to its series at once
    /// ([`Series::push_run`]); the same result as [`Runner::add`] of the
    /// readings one by one.
    pub fn add_batch(&mut self, f: &DataFile, b: &Batch) {
        let resolved = self.intake(f);
        let mut reported = vec![false; resolved.len()];
        let keep = (
            self.from_h.unwrap_or(i64::MIN),
            self.to_h.unwrap_or(i64::MAX),
        );
        let mut cache = Vec::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (k, run) in b.runs.iter().enumerate() {
            let times = &b.cols.time[run.rows.clone()];
            let Some(first) = times.iter().position(|t| (keep.0..=keep.1).contains(t)) else {
                continue;
            };
            let Some(target) = resolved.get(run.target as usize) else {
                continue;
            };
            match target {
                Ok((p, o)) => {
                    let day = if run.period == Period::Day { 23 } else { 0 };
                    for &t in &times[first..] {
                        if (keep.0..=keep.1).contains(&t) {
                            self.lo = self.lo.min(t);
                            self.hi = self.hi.max(t + day);
                        }
                    }
                    if let Some(s) = self.cached_series(&mut cache, run.target, (*p, *o, run.code))
                    {
                        group(&mut groups, s, self.series.len(), k);
                    }
                }
                Err(why) if !reported[run.target as usize] => {
                    reported[run.target as usize] = true;
                    let i = run.rows.start + first;
                    let at = Span::new(b.cols.at[i] as usize, b.cols.end[i] as usize);
                    self.findings.push(unmapped(&f.source, at, why));
                }
                Err(_) => {}
            }
        }
        feed(&mut self.series, groups, |s, k| {
            s.push_run(b, &b.runs[k], keep)
        });
    }

    /// Feed every row group of a Parquet file ([`Runner::add_batch`]),
    /// starting with `first` when it was decoded already, decoding the
    /// next row group while the series take the current one (two row
    /// groups in memory at most). Returns the records read.
    pub fn add_parquet(
        &mut self,
        first: Option<(DataFile, Batch)>,
        p: &mut super::parquet::ParquetFile,
    ) -> usize {
        let mut records = 0;
        let mut next = first.or_else(|| p.next_group());
        while let Some((part, batch)) = next {
            records += part.records;
            next = rayon::join(|| self.add_batch(&part, &batch), || p.next_group()).1;
        }
        records
    }

    pub fn finish(self) -> Outcome {
        let Runner {
            permits,
            sources,
            opts,
            from_h,
            to_h,
            lo,
            hi,
            mut findings,
            mut series,
            manual,
            any_manual,
            declared,
            ..
        } = self;
        let range = (from_h.unwrap_or(lo), to_h.unwrap_or(hi));
        series.sort_by_key(|s| s.0);
        let readings = series.iter().map(|s| s.1.readings).sum();
        let count = series.len();
        let work: Vec<_> = series
            .into_iter()
            .map(|((p, _, _), s)| (p, s.ctx.outlet, s.ctx.row, s.ctx.medium, s))
            .collect();
        let mut done = Vec::with_capacity(work.len());
        let mut states = Vec::with_capacity(work.len());
        for (p, outlet, row, medium, s) in work {
            done.push((p, outlet, row, medium));
            states.push(s);
        }
        let results: Vec<_> = states.into_par_iter().map(|s| s.finish(range)).collect();
        let mut outcome = assemble(permits, &done, results, &mut findings, opts);
        let cov = &mut outcome.coverage;
        cov.hours = Some(range).filter(|r| r.0 <= r.1);
        cov.units = permits.iter().map(|p| p.credit_code.clone()).collect();
        if any_manual {
            let (from_d, to_d) = (opts.from.map(|d| d.days()), opts.to.map(|d| d.days()));
            let manual: Vec<&super::manual::Manual> = manual
                .iter()
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
            let checked = super::manual::check(permits, &manual, sources, days);
            findings.extend(checked.findings);
            outcome.leads.extend(checked.leads);
            outcome.coverage.manual_days = Some(days).filter(|d| d.0 <= d.1);
            outcome.coverage.sampled = checked.sampled;
        }
        findings.extend(super::declared::check(
            permits,
            &declared,
            sources,
            &outcome.computed,
        ));
        super::sort(&mut findings);
        outcome.findings = findings;
        outcome.series = count;
        outcome.readings = readings;
        outcome
    }
}

/// Evaluate whole files at once (tests and benchmarks).
pub fn run(
    permits: &[PermitLimits],
    files: &[DataFile],
    devices: &FxHashMap<String, Device>,
    opts: Options,
) -> Outcome {
    let sources: Vec<Source> = files.iter().map(|f| f.source.clone()).collect();
    let mut runner = Runner::new(permits, devices, &sources, opts);
    for f in files {
        runner.add(f);
    }
    runner.finish()
}

/// Leads, charts and plant totals from the series' results, in series order.
fn assemble(
    permits: &[PermitLimits],
    work: &[(
        usize,
        &str,
        &super::permit::Row,
        crate::catalogue::pollutants::Medium,
    )],
    results: Vec<super::check::SeriesResult>,
    findings: &mut Vec<MFinding>,
    opts: Options,
) -> Outcome {
    let mut leads = Vec::new();
    let mut charts = Vec::new();
    let mut coverage = super::history::Coverage::default();
    let mut computed = super::declared::Computed::new();
    let mut plant: BTreeMap<PlantKey, (f64, Vec<String>)> = BTreeMap::new();
    for (&(p, outlet_id, row, medium), res) in work.iter().zip(results) {
        let p = &p;
        let permit = &permits[*p];
        findings.extend(res.findings);
        for &(year, t) in &res.calendar_t {
            *computed
                .entry((*p, outlet_id.to_string(), row.code, year))
                .or_default() += t;
        }
        for &(start, t) in &res.annual_t {
            let e = plant
                .entry((*p, medium as u8, row.code, start))
                .or_default();
            e.0 += t;
            e.1.push(outlet_id.to_string());
        }
        for period in res.months.keys() {
            coverage.online.insert((
                permit.credit_code.clone(),
                outlet_id.to_string(),
                row.code.to_string(),
                period.clone(),
            ));
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
                outlet: outlet_id.to_string(),
                pollutant: row.code.to_string(),
                pollutant_zh: row.name_zh.to_string(),
                period: period.clone(),
                exceedance_hours: Some(m.exceed_hours),
                exceedance_days: Some(m.exceed_days),
                worst_value: m.worst.map(|w| w.0),
                limit: m.worst.map(|w| w.1).or(limit.map(|l| l.value)),
                valid_hours: Some(m.valid_hours),
                excluded_hours: Some(m.excluded_hours),
                expected_hours: Some(m.expected_hours),
                severity: class,
                basis: limit.map_or(String::new(), |l| {
                    format!("{}:{} ({})", permit.source.name, l.line, l.text)
                }),
                source: super::leads::ONLINE,
                sampled_at: None,
                report: None,
                frequency: None,
                status: None,
                first_seen: None,
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
                    permit.unit_name, outlet_id, row.code, row.name_zh
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
    Outcome {
        findings: Vec::new(),
        leads,
        charts,
        series: work.len(),
        readings: 0,
        coverage,
        computed,
    }
}

/// Add `item` to the group of series `s` (groups sized to the `n` series).
fn group<T>(groups: &mut Vec<Vec<T>>, s: usize, n: usize, item: T) {
    if groups.len() <= s {
        groups.resize_with(n, Vec::new);
    }
    groups[s].push(item);
}

/// Hand every series its group of items (`groups[i]` to series `i`), the
/// series in parallel, each taking its items in order.
fn feed<K: Send, S: Send, T: Send>(
    series: &mut [(K, S)],
    mut groups: Vec<Vec<T>>,
    push: impl Fn(&mut S, T) + Sync,
) {
    groups.resize_with(series.len(), Vec::new);
    series
        .par_iter_mut()
        .zip(groups)
        .filter(|(_, g)| !g.is_empty())
        .for_each(|((_, s), g)| {
            for item in g {
                push(s, item);
            }
        });
}

/// The one finding for data of a target that matches no permit.
fn unmapped(source: &crate::span::Source, at: Span, why: &str) -> MFinding {
    MFinding::plain(finding(
        "monitor.unmapped",
        Severity::Undecided,
        source,
        at,
        format!("data not checked: {why}"),
        "docs/monitoring.md (device mapping)",
    ))
}
