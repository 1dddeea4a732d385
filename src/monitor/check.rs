//! The checks over one series (a permit's outlet and pollutant): hourly and
//! daily limits, floors, O₂ correction, flagged and missing hours, annual
//! totals. Each series is independent of every other, so series run in
//! parallel and their findings are sorted afterwards.

use super::batch::{Batch, Run};
use super::permit::{Limit, PermitLimits, Row};
use super::{MFinding, Period, Reading, Related, finding, iso_time};
use crate::catalogue::pollutants::Medium;
use crate::date::Date;
use crate::finding::Severity;
use crate::span::{Source, Span};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

/// HJ 75-2017: a valid daily mean needs at least 20 valid hourly means
/// [unverified] (see docs/monitoring.md).
pub const MIN_VALID_HOURS_A_DAY: u32 = 20;
/// This project's lead thresholds (docs/monitoring.md): a month with fewer
/// than 75% of its expected hours valid, or 30% or more flagged.
pub const MIN_VALID_SHARE: f64 = 0.75;
pub const MAX_EXCLUDED_SHARE: f64 = 0.30;
/// Relative tolerance between a stated and a recomputed corrected value.
pub const CORRECTION_TOLERANCE: f64 = 0.02;

/// Whether a reading with data flag `flag` is valid for the exceedance
/// check (HJ 212-2017: `N` normal, `T` over the analyser's range — still a
/// measured exceedance; every other flag is excluded).
pub fn is_valid_flag(flag: u8) -> bool {
    matches!(flag, b'N' | b'T')
}

/// O₂ correction to the reference content: C = C_measured × (21 − O₂_ref)
/// / (21 − O₂_measured) (GB 13223-2011 5.2 / HJ 75-2017; docs/monitoring.md).
/// `None` when the measured O₂ is not below 21 %.
pub fn correct_o2(measured: f64, o2: f64, reference: f64) -> Option<f64> {
    (0.0..21.0)
        .contains(&o2)
        .then(|| measured * (21.0 - reference) / (21.0 - o2))
}

/// One year of validity of a series: its running total and limit.
pub struct Year<'a> {
    pub start: Date,
    /// Day index (since 1970) of `start`.
    pub start_day: i64,
    /// Day index (since 1970) the next year starts.
    pub end_day: i64,
    pub total: f64,
    pub reported: bool,
    pub limit: Option<&'a Limit>,
}

/// Per month of one series: what the lead list and the checks count.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Month {
    pub expected_hours: u32,
    pub present_hours: u32,
    pub valid_hours: u32,
    pub excluded_hours: u32,
    /// Flag letter → hours.
    pub excluded_by_flag: BTreeMap<char, u32>,
    pub exceed_hours: u32,
    /// Hours exceeding by 1.2× the limit or more.
    pub exceed_hours_1_2: u32,
    pub exceed_days: u32,
    pub valid_days: u32,
    /// Worst value, the limit it broke and how far (value / limit; limit /
    /// value for floors).
    pub worst: Option<(f64, f64, f64)>,
}

/// One hourly point of a chart.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub time: i64,
    pub value: f64,
    pub valid: bool,
}

/// The result of one series.
pub struct SeriesResult {
    pub findings: Vec<MFinding>,
    /// `YYYY-MM` → counts.
    pub months: BTreeMap<String, Month>,
    /// Hourly points (only when charts are asked for).
    pub points: Vec<Point>,
    /// Computed annual emissions (t) per year of validity starting date.
    pub annual_t: Vec<(Date, f64)>,
    /// Computed emissions (t) per calendar year (for declared totals).
    pub calendar_t: Vec<(i32, f64)>,
}

/// What a series needs to know about its permit and data files.
pub struct SeriesCtx<'a> {
    pub permit: &'a PermitLimits,
    pub outlet: &'a str,
    pub medium: Medium,
    pub row: &'a Row,
    pub sources: &'a [Source],
    /// Hour range the run covers (`--from`/`--to`, else the data's span), inclusive.
    pub range: (i64, i64),
    pub want_points: bool,
}

/// `year × 12 + month − 1` of an hour index (cheap: no text).
fn month_index(hour: i64) -> i32 {
    let d = Date::from_days(hour.div_euclid(24));
    d.year * 12 + i32::from(d.month) - 1
}

fn month_text(index: i32) -> String {
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

fn unit_of(text: &str) -> &str {
    text.split_once(' ').map_or("", |(_, u)| u)
}

fn num(v: f64) -> String {
    crate::units::format_number((v * 1000.0).round() / 1000.0)
}

impl SeriesCtx<'_> {
    fn related(&self, field: &str, l: &Limit) -> Related {
        Related {
            file: self.permit.source.name.clone(),
            line: l.line,
            text: format!("{field}: {}", l.text),
        }
    }

    fn emit(
        &self,
        out: &mut Vec<MFinding>,
        rule: &str,
        r: &Reading,
        message: String,
        related: Option<Related>,
    ) {
        let (sev, basis) = super::RULES
            .iter()
            .find(|x| x.0 == rule)
            .map_or((Severity::Error, ""), |x| (x.1, x.3));
        let source = &self.sources[r.file as usize];
        let message = match r.from_minutes {
            Some(m) if HOURLY_RULES.contains(&rule) => format!(
                "{message} (the hourly mean computed from {} minute value{} at {}-minute intervals, {} valid minutes)",
                m.values,
                if m.values == 1 { "" } else { "s" },
                m.interval,
                m.minutes
            ),
            _ => message,
        };
        let mut f = finding(
            rule,
            sev,
            source,
            Span::new(r.start as usize, r.end as usize),
            message,
            basis,
        );
        if let Some(rel) = &related {
            f.help = Some(format!(
                "the permit's limit: {}:{} ({})",
                rel.file, rel.line, rel.text
            ));
        }
        out.push(MFinding {
            finding: f,
            outlet: Some(self.outlet.to_string()),
            pollutant: Some(self.row.code.to_string()),
            time: Some(iso_time(r.time)),
            related,
        });
    }

    /// The value compared with concentration limits: corrected to the
    /// reference O₂ when the permit states one.
    fn concentration(&self, r: &Reading, out: &mut Vec<MFinding>) -> (f64, &'static str) {
        let Some(reference) = self.row.reference_o2 else {
            return (r.value, "");
        };
        match r.o2.and_then(|o2| correct_o2(r.value, o2, reference)) {
            Some(c) => {
                if let Some(zs) = r.zs
                    && (zs - c).abs() > CORRECTION_TOLERANCE * c.abs().max(1e-9) + 0.01
                {
                    self.emit(
                        out,
                        "monitor.correction-mismatch",
                        r,
                        format!(
                            "{} at {}: the data states a corrected {} but {} × (21 − {}) / (21 − {}) = {}",
                            self.row.code,
                            iso_time(r.time),
                            num(zs),
                            num(r.value),
                            num(reference),
                            num(r.o2.unwrap_or(0.0)),
                            num(c)
                        ),
                        None,
                    );
                }
                (c, " (corrected to the reference O₂)")
            }
            None => match r.zs {
                Some(zs) => (zs, " (corrected, as the data states it)"),
                None => (r.value, " (measured; no O₂ in the data to correct it)"),
            },
        }
    }

    /// Evaluate a whole series at once (readings in any order).
    pub fn run(self, readings: &[&Reading]) -> SeriesResult {
        let range = self.range;
        let mut s = Series::new(self);
        for r in readings {
            s.push(r);
        }
        s.finish(range)
    }
}

/// Running sums of one day of a series, kept while the day is incomplete
/// (a complete day is finalized: see [`Series::leave_day`]).
/// 32 bytes.
#[derive(Clone, Debug, Default)]
struct DayAcc {
    sum: f64,
    valid: u32,
    /// Hours seen (bit `h` for hour `h`), valid or flagged: the first
    /// reading of an hour counts.
    hours: u32,
    /// The day's latest valid hourly reading (by hour, file, byte): where a
    /// computed daily exceedance is reported. Meaningful when `valid > 0`.
    last: Loc,
}

/// Where a reading is and its hour: what locates a month's findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct At {
    time: i64,
    file: u32,
    start: u32,
    end: u32,
}

impl At {
    fn of(r: &Reading) -> At {
        At {
            time: r.time,
            file: r.file,
            start: r.start,
            end: r.end,
        }
    }

    /// A reading at this place (what `SeriesCtx::emit` reads of it).
    fn reading(self, code: &'static str) -> Reading {
        let loc = Loc {
            hour: self.time.rem_euclid(24) as u8,
            file: self.file,
            start: self.start,
            end: self.end,
        };
        loc.reading(self.time.div_euclid(24), code)
    }
}

/// Where a reading of a known day is: enough to report a finding at it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Loc {
    hour: u8,
    file: u32,
    start: u32,
    end: u32,
}

impl Loc {
    fn of(r: &Reading) -> Loc {
        Loc {
            hour: r.time.rem_euclid(24) as u8,
            file: r.file,
            start: r.start,
            end: r.end,
        }
    }

    /// A reading at this place on `day` (what `SeriesCtx::emit` reads of it).
    fn reading(self, day: i64, code: &'static str) -> Reading {
        Reading {
            file: self.file,
            start: self.start,
            end: self.end,
            time: day * 24 + i64::from(self.hour),
            period: Period::Hour,
            target: 0,
            code,
            value: 0.0,
            zs: None,
            flag: b'N',
            o2: None,
            flow: None,
            from_minutes: None,
        }
    }
}

/// One series evaluated as its readings stream in (files in path order,
/// lines in order): exceedances are found reading by reading, while days,
/// months and years are running sums. A day whose 24 hours have all been
/// seen can no longer change (a later reading of a seen hour is ignored),
/// so when the series leaves it, it is finalized and only a bit "complete"
/// is kept; the running sums and hour bits stay only for incomplete days.
/// What a series keeps thus grows with its months and its incomplete days,
/// not with its readings or complete days.
pub struct Series<'a> {
    pub ctx: SeriesCtx<'a>,
    out: Vec<MFinding>,
    months: BTreeMap<i32, Month>,
    points: Vec<Point>,
    /// Incomplete days left behind.
    days: FxHashMap<i64, DayAcc>,
    /// The day being summed (readings come mostly in time order).
    day: (i64, DayAcc),
    /// Complete (finalized) days, 64 a word.
    complete: FxHashMap<i64, u64>,
    /// Complete days whose computed mean exceeds the daily limit: reported
    /// at the end unless the data reports a daily value for the day, which
    /// may come later.
    pending: FxHashMap<i64, DayAcc>,
    reported_days: FxHashSet<i64>,
    annual: Vec<Year<'a>>,
    /// Emissions (t) per calendar year.
    calendar: Vec<(i32, f64)>,
    /// Day → month index, recomputed when the day changes.
    month_of: (i64, i32),
    /// Per month its earliest hourly reading, which locates the month's findings.
    first_hour: FxHashMap<i32, At>,
    /// The month being counted, with its earliest hourly reading (out of
    /// `months` and `first_hour` until another month comes).
    month: (i32, Month, Option<At>),
    /// Unit of the hourly limit, for messages.
    unit: &'a str,
    any_hourly: bool,
    /// Readings pushed.
    pub readings: usize,
    /// Keep every day's sums to the end instead of finalizing complete
    /// days (the results are the same; tests compare the two).
    pub keep_days: bool,
}

fn earlier(a: &Reading, b: &At) -> bool {
    (a.time, a.file, a.start) < (b.time, b.file, b.start)
}

impl<'a> Series<'a> {
    pub fn new(ctx: SeriesCtx<'a>) -> Series<'a> {
        Series {
            out: Vec::new(),
            months: BTreeMap::new(),
            points: Vec::new(),
            days: FxHashMap::default(),
            day: (i64::MIN, DayAcc::default()),
            complete: FxHashMap::default(),
            pending: FxHashMap::default(),
            reported_days: FxHashSet::default(),
            annual: Vec::new(),
            calendar: Vec::new(),
            month_of: (i64::MIN, 0),
            first_hour: FxHashMap::default(),
            month: (i32::MIN, Month::default(), None),
            unit: ctx.row.hourly.as_ref().map_or("", |l| unit_of(&l.text)),
            any_hourly: false,
            readings: 0,
            keep_days: false,
            ctx,
        }
    }

    /// `true` the first time `hour` is seen; the hour's day is then the
    /// day being summed.
    fn first_time(&mut self, hour: i64) -> bool {
        let day = hour.div_euclid(24);
        if self.day.0 != day {
            if self.is_complete(day) {
                return false;
            }
            self.enter_day(day);
        }
        let bit = 1u32 << hour.rem_euclid(24);
        let acc = &mut self.day.1;
        let new = acc.hours & bit == 0;
        acc.hours |= bit;
        new
    }

    fn is_complete(&self, day: i64) -> bool {
        self.complete
            .get(&day.div_euclid(64))
            .is_some_and(|w| w & (1 << day.rem_euclid(64)) != 0)
    }

    /// Make `day` the day being summed, leaving the current one.
    fn enter_day(&mut self, day: i64) {
        let acc = self.days.remove(&day).unwrap_or_default();
        let (left, done) = std::mem::replace(&mut self.day, (day, acc));
        if left != i64::MIN {
            self.leave_day(left, done);
        }
    }

    /// A day the series leaves: kept when incomplete; else finalized — its
    /// month counts it as a valid day (20 valid hours or more), a computed
    /// mean above the daily limit waits in `pending`, and only its bit in
    /// `complete` is kept.
    fn leave_day(&mut self, day: i64, acc: DayAcc) {
        if self.keep_days || acc.hours != (1 << 24) - 1 {
            self.days.insert(day, acc);
            return;
        }
        *self.complete.entry(day.div_euclid(64)).or_default() |= 1 << day.rem_euclid(64);
        if acc.valid < MIN_VALID_HOURS_A_DAY {
            return;
        }
        let index = month_index(day * 24);
        if self.month.0 == index {
            self.month.1.valid_days += 1;
        } else {
            self.months.entry(index).or_default().valid_days += 1;
        }
        if let Some(l) = &self.ctx.row.daily
            && acc.sum / f64::from(acc.valid) > l.value
        {
            self.pending.insert(day, acc);
        }
    }

    /// The month `index`'s counts (and earliest hourly reading).
    fn month_acc<'m>(
        months: &mut BTreeMap<i32, Month>,
        first_hour: &mut FxHashMap<i32, At>,
        cur: &'m mut (i32, Month, Option<At>),
        index: i32,
    ) -> &'m mut (i32, Month, Option<At>) {
        if cur.0 != index {
            let (i, m, f) = std::mem::replace(
                cur,
                (
                    index,
                    months.remove(&index).unwrap_or_default(),
                    first_hour.remove(&index),
                ),
            );
            if i != i32::MIN {
                months.insert(i, m);
                if let Some(f) = f {
                    first_hour.insert(i, f);
                }
            }
        }
        cur
    }

    pub fn push(&mut self, r: &Reading) {
        self.readings += 1;
        let ctx = &self.ctx;
        let row = ctx.row;
        let unit = self.unit;
        let day = r.time.div_euclid(24);
        if self.month_of.0 != day {
            self.month_of = (day, month_index(r.time));
        }
        let month = self.month_of.1;
        let valid = is_valid_flag(r.flag);
        match r.period {
            Period::Day => {
                self.reported_days.insert(day);
                let cur = Self::month_acc(
                    &mut self.months,
                    &mut self.first_hour,
                    &mut self.month,
                    month,
                );
                let m = &mut cur.1;
                if !valid {
                    return;
                }
                let (c, how) = ctx.concentration(r, &mut self.out);
                if let Some(l) = &row.daily
                    && c > l.value
                {
                    ctx.emit(
                        &mut self.out,
                        "monitor.daily-exceedance",
                        r,
                        format!(
                            "{} daily mean {} {unit}{how} on {} exceeds the permit's daily limit {} at outlet {}",
                            row.code,
                            num(c),
                            &iso_time(r.time)[..10],
                            l.text,
                            ctx.outlet
                        ),
                        Some(ctx.related("daily", l)),
                    );
                    m.exceed_days += 1;
                    worst(m, c, l.value, false);
                }
            }
            Period::Hour => {
                self.any_hourly = true;
                let cur = Self::month_acc(
                    &mut self.months,
                    &mut self.first_hour,
                    &mut self.month,
                    month,
                );
                if cur.2.as_ref().is_none_or(|f| earlier(r, f)) {
                    cur.2 = Some(At::of(r));
                }
                if !self.first_time(r.time) {
                    return; // the same hour twice: the first reading counts
                }
                let ctx = &self.ctx;
                let want_points = ctx.want_points;
                let m = &mut self.month.1;
                m.present_hours += 1;
                if !valid {
                    m.excluded_hours += 1;
                    *m.excluded_by_flag.entry(char::from(r.flag)).or_default() += 1;
                    if want_points {
                        self.points.push(Point {
                            time: r.time,
                            value: r.value,
                            valid: false,
                        });
                    }
                    return;
                }
                m.valid_hours += 1;
                let (c, how) = ctx.concentration(r, &mut self.out);
                if want_points {
                    self.points.push(Point {
                        time: r.time,
                        value: if row.hourly.is_some() { c } else { r.value },
                        valid: true,
                    });
                }
                if let Some(l) = &row.hourly
                    && c > l.value
                {
                    ctx.emit(
                        &mut self.out,
                        "monitor.hourly-exceedance",
                        r,
                        format!(
                            "{} hourly mean {} {unit}{how} at {} exceeds the permit's {} at outlet {}",
                            row.code,
                            num(c),
                            iso_time(r.time),
                            l.text,
                            ctx.outlet
                        ),
                        Some(ctx.related("concentration", l)),
                    );
                    m.exceed_hours += 1;
                    if c >= 1.2 * l.value {
                        m.exceed_hours_1_2 += 1;
                    }
                    worst(m, c, l.value, false);
                }
                if let Some(l) = &row.ceiling
                    && r.value > l.value
                {
                    ctx.emit(
                        &mut self.out,
                        "monitor.limit-exceedance",
                        r,
                        format!(
                            "{} {} at {} exceeds the permit's limit {} at outlet {}",
                            row.code,
                            num(r.value),
                            iso_time(r.time),
                            l.text,
                            ctx.outlet
                        ),
                        Some(ctx.related("limit", l)),
                    );
                    m.exceed_hours += 1;
                    worst(m, r.value, l.value, false);
                }
                if let Some(l) = &row.floor
                    && r.value < l.value
                {
                    ctx.emit(
                        &mut self.out,
                        "monitor.below-minimum",
                        r,
                        format!(
                            "{} {} at {} is below the permit's minimum {} at outlet {}",
                            row.code,
                            num(r.value),
                            iso_time(r.time),
                            l.text,
                            ctx.outlet
                        ),
                        Some(ctx.related("limit", l)),
                    );
                    m.exceed_hours += 1;
                    worst(m, r.value, l.value, true);
                }
                let acc = &mut self.day.1;
                let loc = Loc::of(r);
                if acc.valid == 0 || acc.last < loc {
                    acc.last = loc;
                }
                acc.sum += c;
                acc.valid += 1;
                if let Some(flow) = r.flow {
                    let t = self
                        .ctx
                        .add_annual(&mut self.annual, &mut self.out, r, c, flow);
                    let year = month.div_euclid(12);
                    match self.calendar.iter_mut().rev().find(|y| y.0 == year) {
                        Some(y) => y.1 += t,
                        None => self.calendar.push((year, t)),
                    }
                }
            }
        }
    }

    /// The readings `run.rows` of a batch, those with a time in `keep`
    /// (inclusive), in row order: what [`Series::push`] of each in turn
    /// would do, byte for byte. An ordinary hour — a valid flag, an hour
    /// not seen before, in the day and month being summed, after the
    /// month's earliest reading, nothing to report — is a few additions
    /// here; anything else (the first hour of a day, a duplicate, a
    /// flagged hour, an exceedance, a correction mismatch, a new year of
    /// validity, a daily value) goes through `push`, so the sums are made
    /// in the same order with the same operations.
    pub fn push_run(&mut self, b: &Batch, run: &Run, keep: (i64, i64)) {
        let c = &b.cols;
        let row = self.ctx.row;
        let hourly = row.hourly.as_ref().map_or(f64::INFINITY, |l| l.value);
        let ceiling = row.ceiling.as_ref().map_or(f64::INFINITY, |l| l.value);
        let floor = row.floor.as_ref().map_or(f64::NEG_INFINITY, |l| l.value);
        let reference = row.reference_o2;
        let point_corrected = row.hourly.is_some();
        let water = matches!(self.ctx.medium, Medium::Water);
        for i in run.rows.clone() {
            let t = c.time[i];
            if t < keep.0 || t > keep.1 {
                continue;
            }
            if run.period != Period::Hour
                || !self.fast(
                    b,
                    i,
                    hourly,
                    ceiling,
                    floor,
                    reference,
                    point_corrected,
                    water,
                )
            {
                self.push(&b.reading(run, i));
            }
        }
    }

    /// The fast path of [`Series::push_run`] for row `i`: `false`, with
    /// nothing changed, when the reading needs the exact path.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn fast(
        &mut self,
        b: &Batch,
        i: usize,
        hourly: f64,
        ceiling: f64,
        floor: f64,
        reference: Option<f64>,
        point_corrected: bool,
        water: bool,
    ) -> bool {
        let c = &b.cols;
        let t = c.time[i];
        if !is_valid_flag(c.flag[i]) {
            return false;
        }
        let day = t.div_euclid(24);
        if self.day.0 != day || self.month_of.0 != day || self.month.0 != self.month_of.1 {
            return false;
        }
        if self.month.2.as_ref().is_none_or(|f| f.time >= t) {
            return false;
        }
        let bit = 1u32 << (t - day * 24);
        if self.day.1.hours & bit != 0 {
            return false;
        }
        let value = c.value[i];
        let conc = match reference {
            None => value,
            Some(reference) => match c.o2[i].and_then(|o2| correct_o2(value, o2, reference)) {
                Some(cc) => {
                    if let Some(zs) = c.zs[i]
                        && (zs - cc).abs() > CORRECTION_TOLERANCE * cc.abs().max(1e-9) + 0.01
                    {
                        return false;
                    }
                    cc
                }
                None => c.zs[i].unwrap_or(value),
            },
        };
        if conc > hourly || value > ceiling || value < floor {
            return false;
        }
        let mut mg = None;
        if let Some(flow) = c.flow[i] {
            let Some(y) = self.annual.last() else {
                return false;
            };
            if day < y.start_day || day >= y.end_day {
                return false;
            }
            let m = if water {
                conc * flow * 1000.0
            } else {
                conc * flow
            };
            if !y.reported && y.limit.is_some_and(|l| y.total + m * 1e-9 > l.value) {
                return false;
            }
            mg = Some(m);
        }
        // Nothing to report: apply what `push` would.
        self.readings += 1;
        self.any_hourly = true;
        let m = &mut self.month.1;
        m.present_hours += 1;
        m.valid_hours += 1;
        if self.ctx.want_points {
            self.points.push(Point {
                time: t,
                value: if point_corrected { conc } else { value },
                valid: true,
            });
        }
        let acc = &mut self.day.1;
        acc.hours |= bit;
        let loc = Loc {
            hour: t.rem_euclid(24) as u8,
            file: b.file,
            start: c.at[i],
            end: c.end[i],
        };
        if acc.valid == 0 || acc.last < loc {
            acc.last = loc;
        }
        acc.sum += conc;
        acc.valid += 1;
        if let (Some(mg), Some(y)) = (mg, self.annual.last_mut()) {
            y.total += mg * 1e-9;
            // The calendar year's total, as `push` sums it.
            let year = self.month_of.1.div_euclid(12);
            match self.calendar.iter_mut().rev().find(|y| y.0 == year) {
                Some(y) => y.1 += mg * 1e-9,
                None => self.calendar.push((year, mg * 1e-9)),
            }
        }
        true
    }

    /// Daily means, completeness and flagged shares over `range` (the
    /// hours the run covers, inclusive), once every reading is in.
    pub fn finish(mut self, range: (i64, i64)) -> SeriesResult {
        self.ctx.range = range;
        let (d, acc) = std::mem::take(&mut self.day);
        if d != i64::MIN {
            self.days.insert(d, acc);
        }
        let (i, m, f) = std::mem::replace(&mut self.month, (i32::MIN, Month::default(), None));
        if i != i32::MIN {
            self.months.insert(i, m);
            if let Some(f) = f {
                self.first_hour.insert(i, f);
            }
        }
        let ctx = &self.ctx;
        let row = ctx.row;
        let unit = row.hourly.as_ref().map_or("", |l| unit_of(&l.text));
        // Incomplete days (`false`) and complete ones whose mean exceeds
        // the daily limit (`true`: their valid day is counted already).
        let mut days: Vec<(i64, DayAcc, bool)> = self
            .days
            .into_iter()
            .map(|(d, a)| (d, a, false))
            .chain(self.pending.into_iter().map(|(d, a)| (d, a, true)))
            .collect();
        days.sort_unstable_by_key(|d| d.0);
        let mut out = self.out;
        let mut months = self.months;
        // Daily means from valid hours, where the data reports no daily value.
        for (day, acc, counted) in &days {
            let n = acc.valid;
            let m = months.entry(month_index(day * 24)).or_default();
            if n < MIN_VALID_HOURS_A_DAY {
                continue;
            }
            if !counted {
                m.valid_days += 1;
            }
            if self.reported_days.contains(day) {
                continue;
            }
            let mean = acc.sum / f64::from(n);
            if let (Some(l), Some(r)) = (
                &row.daily,
                (acc.valid > 0).then(|| acc.last.reading(*day, row.code)),
            ) && mean > l.value
            {
                ctx.emit(
                    &mut out,
                    "monitor.daily-exceedance",
                    &r,
                    format!(
                        "{} daily mean {} {unit} over {n} valid hours of {} exceeds the permit's daily limit {} at outlet {}",
                        row.code,
                        num(mean),
                        &iso_time(day * 24)[..10],
                        l.text,
                        ctx.outlet
                    ),
                    Some(ctx.related("daily", l)),
                );
                m.exceed_days += 1;
                worst(m, mean, l.value, false);
            }
        }
        ctx.months_checks(&mut months, self.any_hourly, &self.first_hour, &mut out);
        let mut points = self.points;
        points.sort_by_key(|p| p.time);
        SeriesResult {
            findings: out,
            months: months
                .into_iter()
                .map(|(k, m)| (month_text(k), m))
                .collect(),
            points,
            annual_t: self
                .annual
                .into_iter()
                .map(|y| (y.start, y.total))
                .collect(),
            calendar_t: self.calendar,
        }
    }
}

impl<'a> SeriesCtx<'a> {
    /// Emissions of one valid hour (t): concentration × flow × 1 h, added
    /// to its year of validity and returned. The year of validity is
    /// computed when a reading leaves the current one (readings come in
    /// time order), not for every reading.
    fn add_annual(
        &self,
        annual: &mut Vec<Year<'a>>,
        out: &mut Vec<MFinding>,
        r: &Reading,
        c: f64,
        flow: f64,
    ) -> f64 {
        let day = r.time.div_euclid(24);
        // mg/m³ × m³/h × 1 h = mg; mg/L × m³/h × 1000 L/m³ × 1 h = mg.
        let mg = match self.medium {
            Medium::Air => c * flow,
            Medium::Water => c * flow * 1000.0,
        };
        let within = |y: &Year| day >= y.start_day && day < y.end_day;
        if !annual.last().is_some_and(within) {
            // Out of time order: back to an earlier year, or a new one at the end.
            if let Some(i) = annual.iter().position(within) {
                let y = annual.remove(i);
                annual.push(y);
            }
        }
        if !annual.last().is_some_and(within) {
            let date = Date::from_days(day);
            let start = match self.permit.valid_from {
                Some(from) => {
                    let mut y = from;
                    while y.add_years(1) <= date {
                        y = y.add_years(1);
                    }
                    y
                }
                None => Date::new(date.year, 1, 1).unwrap_or(date),
            };
            annual.push(Year {
                start,
                start_day: start.days(),
                end_day: start.add_years(1).days(),
                total: 0.0,
                reported: false,
                limit: self.row.annual_for(self.permit.valid_from, date),
            });
        }
        let Some(acc) = annual.last_mut() else {
            return mg * 1e-9;
        };
        acc.total += mg * 1e-9;
        if !acc.reported
            && let Some(l) = acc.limit
            && acc.total > l.value
        {
            acc.reported = true;
            let field = if self.row.annual_years.is_empty() {
                "annual"
            } else {
                "annual_years"
            };
            self.emit(
                out,
                "monitor.annual-exceedance",
                r,
                format!(
                    "{} emissions of outlet {} computed from concentration × flow reach {} t in the year from {}, above the permit's annual limit {}",
                    self.row.code,
                    self.outlet,
                    num(acc.total),
                    acc.start,
                    l.text
                ),
                Some(self.related(field, l)),
            );
        }
        mg * 1e-9
    }

    /// Completeness and flagged share per month, against the hours the run covers.
    fn months_checks(
        &self,
        months: &mut BTreeMap<i32, Month>,
        hourly: bool,
        first_hour: &FxHashMap<i32, At>,
        out: &mut Vec<MFinding>,
    ) {
        for (&index, m) in months.iter_mut() {
            let key = month_text(index);
            let (y, mo) = (index.div_euclid(12), (index.rem_euclid(12) + 1) as u8);
            let Some(first) = Date::new(y, mo, 1) else {
                continue;
            };
            let start = first.days() * 24;
            let end = start + i64::from(crate::date::days_in_month(y, mo)) * 24 - 1;
            let (lo, hi) = (start.max(self.range.0), end.min(self.range.1));
            m.expected_hours = u32::try_from((hi - lo + 1).max(0)).unwrap_or(0);
            if !hourly || m.expected_hours == 0 {
                continue;
            }
            // The month's first reading locates its findings.
            let Some(r) = first_hour.get(&index).map(|a| a.reading(self.row.code)) else {
                continue;
            };
            let r = &r;
            let expected = f64::from(m.expected_hours);
            if f64::from(m.valid_hours) < MIN_VALID_SHARE * expected {
                self.emit(
                    out,
                    "monitor.completeness",
                    r,
                    format!(
                        "{} at outlet {} in {key}: {} valid hours of {} expected ({}%), {} valid days",
                        self.row.code,
                        self.outlet,
                        m.valid_hours,
                        m.expected_hours,
                        num(100.0 * f64::from(m.valid_hours) / expected),
                        m.valid_days
                    ),
                    None,
                );
            }
            if f64::from(m.excluded_hours) >= MAX_EXCLUDED_SHARE * expected {
                let flags: Vec<String> = m
                    .excluded_by_flag
                    .iter()
                    .map(|(f, n)| format!("{}: {n}", flag_label(*f)))
                    .collect();
                self.emit(
                    out,
                    "monitor.excluded-share",
                    r,
                    format!(
                        "{} at outlet {} in {key}: {} of {} hours flagged and excluded ({})",
                        self.row.code,
                        self.outlet,
                        m.excluded_hours,
                        m.expected_hours,
                        flags.join(", ")
                    ),
                    None,
                );
            }
        }
    }
}

/// Rules found on one hourly value: their message names an hour computed
/// from minute data as such.
const HOURLY_RULES: &[&str] = &[
    "monitor.hourly-exceedance",
    "monitor.limit-exceedance",
    "monitor.below-minimum",
    "monitor.correction-mismatch",
];

/// A data flag as the excluded-hours counts name it.
fn flag_label(f: char) -> String {
    if f == char::from(super::hj212::minutes::FEW_MINUTES) {
        "fewer than 45 valid minutes".into()
    } else {
        f.to_string()
    }
}

fn worst(m: &mut Month, value: f64, limit: f64, floor: bool) {
    let ratio = if floor {
        limit / value.max(1e-9)
    } else {
        value / limit.max(1e-9)
    };
    if m.worst.is_none_or(|w| ratio > w.2) {
        m.worst = Some((value, limit, ratio));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn o2_correction() {
        // 100 mg/m³ at 11 % O₂ corrected to 6 %: 100 × 15 / 10 = 150.
        assert_eq!(correct_o2(100.0, 11.0, 6.0), Some(150.0));
        assert_eq!(correct_o2(100.0, 21.0, 6.0), None);
    }

    #[test]
    fn a_day_of_a_series_is_32_bytes() {
        // One is kept per incomplete day of a series (docs/performance.md).
        assert_eq!(std::mem::size_of::<DayAcc>(), 32);
        // One locates each month's findings.
        assert_eq!(std::mem::size_of::<At>(), 24);
    }

    #[test]
    fn flags() {
        for f in b"NT" {
            assert!(is_valid_flag(*f));
        }
        for f in b"FMSDCBX" {
            assert!(!is_valid_flag(*f));
        }
    }
}
