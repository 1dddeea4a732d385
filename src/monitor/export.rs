//! Open tables of what the monitoring checks need (`permitlint monitor
//! --export-limits DIR`), for engines other than permitlint: the permits'
//! limits (`limits/province=/unit=`), the hours the run covered
//! (`coverage/province=/unit=/month=`) and the readings matched to them
//! (`readings/province=/unit=/month=`, written as the data files come by
//! an [`Exporter`]) as Hive-partitioned tables. The checks themselves ship as
//! standard SQL in `sql/`; `docs/scale.md` describes the layout, the
//! columns and the engines.
//!
//! CSV (UTF-8, header, RFC 4180 quoting, CRLF) is always available;
//! Parquet is written when the crate is built with the `parquet` feature.

use super::data::DataFile;
use super::devices::Device;
use super::permit::{Limit, PermitLimits, Row};
use super::{Period, Reading};
use crate::catalogue::pollutants::Medium;
use crate::date::Date;
use crate::fsio::Writer;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::path::Path;

/// The format of the exported tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Parquet,
}

impl TableFormat {
    pub fn extension(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::Parquet => "parquet",
        }
    }

    /// Whether this build can write the format.
    pub fn available(self) -> bool {
        match self {
            TableFormat::Csv => true,
            TableFormat::Parquet => cfg!(feature = "parquet"),
        }
    }
}

/// One row of the limits table: a limit of one pollutant row of an outlet.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitRow {
    pub credit_code: String,
    pub unit_name: String,
    pub region: String,
    pub outlet: String,
    /// `air` or `water`.
    pub medium: &'static str,
    /// Catalogue code (`SO2`).
    pub pollutant: &'static str,
    pub pollutant_zh: &'static str,
    pub hj212: Option<&'static str>,
    /// The permit's field: `concentration`, `daily`, `limit`, `annual`, `annual_years`.
    pub field: &'static str,
    /// Averaging period the limit applies to: `hour`, `day`, `year`.
    pub averaging: &'static str,
    /// `max` (a ceiling) or `min` (a floor, e.g. furnace temperature).
    pub bound: &'static str,
    /// In the base unit of its dimension.
    pub limit_value: f64,
    /// The base unit (`mg/m3`, `mg/L`, `℃`, `t/a`, …).
    pub unit_of_measure: &'static str,
    /// As the permit writes it (`35 mg/m3`).
    pub written: String,
    /// Reference O₂ (%) of the row, when its concentrations are corrected to it.
    pub reference_o2: Option<f64>,
    /// First and last day of the year of validity an annual limit applies to.
    pub year_from: Option<Date>,
    pub year_to: Option<Date>,
    /// `permit.yaml:140 (35 mg/m3)`: the permit row the limit stands on.
    pub basis: String,
    pub permit: String,
    pub line: usize,
}

/// Columns of the limits table, in order.
pub const LIMIT_COLUMNS: &[&str] = &[
    "credit_code",
    "unit_name",
    "region",
    "outlet",
    "medium",
    "pollutant",
    "pollutant_zh",
    "hj212",
    "field",
    "averaging",
    "bound",
    "limit_value",
    "unit_of_measure",
    "written",
    "reference_o2",
    "year_from",
    "year_to",
    "basis",
    "permit",
    "line",
];

/// Columns of the readings table, in order (the partition columns
/// `province`, `unit`, `month` are the folders, not columns of the files).
pub const READING_COLUMNS: &[&str] = &[
    "credit_code",
    "outlet",
    "pollutant",
    "averaging",
    "measured_at",
    "measured",
    "corrected",
    "flag",
    "o2",
    "flow",
    "file",
    "line",
];

/// Columns of the coverage table, in order: per unit and month, the hours
/// of the month the run covered (`--from`/`--to`, else the span of the data
/// read). The data leads need them: a month's expected hours.
pub const COVERAGE_COLUMNS: &[&str] = &[
    "credit_code",
    "period",
    "covered_from",
    "covered_to",
    "expected_hours",
];

/// One row of the coverage table.
#[derive(Clone, Debug, PartialEq)]
pub struct CoverageRow {
    pub credit_code: String,
    /// `YYYY-MM`.
    pub period: String,
    /// First and last hour of the month the run covered (hour indexes).
    pub from: i64,
    pub to: i64,
    pub expected_hours: i64,
}

/// The months of `hours` (inclusive), each with the part of it covered.
pub fn coverage_rows(credit_code: &str, hours: Option<(i64, i64)>) -> Vec<CoverageRow> {
    let Some((lo, hi)) = hours.filter(|h| h.0 <= h.1) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let first = Date::from_days(lo.div_euclid(24));
    let mut start = Date::new(first.year, first.month, 1).map_or(lo, |m| m.days() * 24);
    while start <= hi {
        let d = Date::from_days(start.div_euclid(24));
        let next = start + i64::from(crate::date::days_in_month(d.year, d.month)) * 24;
        let (from, to) = (start.max(lo), (next - 1).min(hi));
        out.push(CoverageRow {
            credit_code: credit_code.to_string(),
            period: month_of(start),
            from,
            to,
            expected_hours: to - from + 1,
        });
        start = next;
    }
    out
}

/// The base unit of a limit's dimension, read from its text.
fn base_unit(l: &Limit) -> &'static str {
    crate::units::parse_quantity(&l.text)
        .ok()
        .and_then(|q| q.dim().units().next())
        .map_or("", |u| u.symbol)
}

/// The limits of every permit, one row per limit, in permit, outlet and row
/// order. Only the first row of a pollutant in an outlet is exported: it is
/// the one the checks use.
pub fn limit_rows(permits: &[PermitLimits]) -> Vec<LimitRow> {
    let mut out = Vec::new();
    for p in permits {
        for o in &p.outlets {
            let medium = match o.medium {
                Medium::Air => "air",
                Medium::Water => "water",
            };
            let mut seen: Vec<&str> = Vec::new();
            for row in &o.rows {
                if seen.contains(&row.code) {
                    continue;
                }
                seen.push(row.code);
                let make = |field: &'static str,
                            averaging: &'static str,
                            bound: &'static str,
                            l: &Limit,
                            years: Option<(Date, Date)>| LimitRow {
                    credit_code: p.credit_code.clone(),
                    unit_name: p.unit_name.clone(),
                    region: p.region.clone(),
                    outlet: o.id.clone(),
                    medium,
                    pollutant: row.code,
                    pollutant_zh: row.name_zh,
                    hj212: row.hj212,
                    field,
                    averaging,
                    bound,
                    limit_value: l.value,
                    unit_of_measure: base_unit(l),
                    written: l.text.clone(),
                    reference_o2: row.reference_o2,
                    year_from: years.map(|y| y.0),
                    year_to: years.map(|y| y.1),
                    basis: format!("{}:{} ({})", p.source.name, l.line, l.text),
                    permit: p.source.name.clone(),
                    line: l.line,
                };
                out.extend(row_limits(row, p.valid_from, make));
            }
        }
    }
    out
}

fn row_limits(
    row: &Row,
    valid_from: Option<Date>,
    make: impl Fn(&'static str, &'static str, &'static str, &Limit, Option<(Date, Date)>) -> LimitRow,
) -> Vec<LimitRow> {
    let mut out = Vec::new();
    if let Some(l) = &row.hourly {
        out.push(make("concentration", "hour", "max", l, None));
    }
    if let Some(l) = &row.ceiling {
        out.push(make("limit", "hour", "max", l, None));
    }
    if let Some(l) = &row.floor {
        out.push(make("limit", "hour", "min", l, None));
    }
    if let Some(l) = &row.daily {
        out.push(make("daily", "day", "max", l, None));
    }
    for (n, l) in row.annual_years.iter().enumerate() {
        let years = valid_from.map(|from| {
            let start = from.add_years(n as i32);
            (start, Date::from_days(start.add_years(1).days() - 1))
        });
        out.push(make("annual_years", "year", "max", l, years));
    }
    if let Some(l) = &row.annual {
        // `annual` applies to every year `annual_years` does not name: open-ended.
        let from = valid_from.map(|f| f.add_years(row.annual_years.len() as i32));
        let mut r = make("annual", "year", "max", l, from.map(|f| (f, f)));
        r.year_to = None;
        out.push(r);
    }
    out
}

/// One row of the readings table.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadingRow<'a> {
    pub credit_code: &'a str,
    pub outlet: &'a str,
    pub pollutant: &'static str,
    /// `hour` or `day`.
    pub averaging: &'static str,
    /// Hours since 1970-01-01 00:00, local time as the data states it.
    pub hour: i64,
    pub measured: f64,
    pub corrected: Option<f64>,
    pub flag: u8,
    pub o2: Option<f64>,
    pub flow: Option<f64>,
    pub file: &'a str,
    pub line: usize,
}

/// One partition of the readings table: `(province, unit, month)`.
pub type Partition = (String, String, String);

/// A Hive partition value: ASCII letters, digits, `-`, `_` and `.` as they
/// are, every other byte percent-encoded (as Hive escapes path values).
pub fn partition_value(s: &str) -> String {
    if s.is_empty() {
        return "__HIVE_DEFAULT_PARTITION__".into();
    }
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_') || (b == b'.' && s.len() > 2) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The province of a GB/T 2260 region code: its first two digits
/// (`320412` → `32`); `unknown` when the code does not start with two digits.
pub fn province(region: &str) -> String {
    let b = region.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_digit() && b[1].is_ascii_digit() {
        region[..2].to_string()
    } else {
        "unknown".into()
    }
}

/// `YYYY-MM-DD HH:00:00` of an hour index.
fn timestamp(hour: i64) -> String {
    format!(
        "{} {:02}:00:00",
        Date::from_days(hour.div_euclid(24)),
        hour.rem_euclid(24)
    )
}

fn month_of(hour: i64) -> String {
    let d = Date::from_days(hour.div_euclid(24));
    format!("{:04}-{:02}", d.year, d.month)
}

/// Bytes of one reading spilled to disk (see [`Exporter`]).
const RECORD: usize = 4 + 1 + 8 + 8 + 8 + 1 + 8 + 8 + 4 + 4;
/// Spilled bytes held in memory before they are appended to their
/// partitions' files.
const SPILL_BUDGET: usize = 16 << 20;

/// One partition's spilled readings: what is still in memory, and whether
/// some are in its file already.
struct Spill {
    /// Names the partition's temporary file.
    id: usize,
    buf: Vec<u8>,
    on_disk: bool,
    count: usize,
}

/// The readings table written as the data files come, one file at a time:
/// each matched reading is encoded in a fixed-size record and appended to
/// its partition's buffer; when the buffers hold [`SPILL_BUDGET`] bytes
/// they are appended to one temporary file per partition (in a hidden
/// folder of the export). [`Exporter::finish`] then reads, sorts and
/// writes one partition at a time. Memory follows one data file, the
/// budget and the largest partition, not the run.
pub struct Exporter<'a> {
    permits: &'a [PermitLimits],
    devices: &'a FxHashMap<String, Device>,
    by_credit: FxHashMap<&'a str, usize>,
    from_h: Option<i64>,
    to_h: Option<i64>,
    spill_dir: std::path::PathBuf,
    /// (permit, outlet, pollutant) of every series seen, by index.
    series: Vec<(usize, usize, &'static str)>,
    series_index: FxHashMap<(usize, usize, &'static str), u32>,
    /// Data file names by index.
    files: Vec<String>,
    parts: BTreeMap<Partition, Spill>,
    buffered: usize,
    /// [`SPILL_BUDGET`]; tests set less.
    budget: usize,
    /// Whether this export made `spill_dir` (it removes only its own).
    created: bool,
}

impl Drop for Exporter<'_> {
    fn drop(&mut self) {
        // The temporary folder goes, whether the export succeeded or not.
        if self.created {
            let _ = std::fs::remove_dir_all(&self.spill_dir);
        }
    }
}

impl<'a> Exporter<'a> {
    /// An export into `dir` of the readings between `from` and `to`.
    pub fn new(
        dir: &Path,
        permits: &'a [PermitLimits],
        devices: &'a FxHashMap<String, Device>,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Exporter<'a> {
        let mut by_credit: FxHashMap<&str, usize> = FxHashMap::default();
        for (i, p) in permits.iter().enumerate() {
            by_credit.entry(p.credit_code.as_str()).or_insert(i);
        }
        Exporter {
            permits,
            devices,
            by_credit,
            from_h: from.map(|d| d.days() * 24),
            to_h: to.map(|d| d.days() * 24 + 23),
            spill_dir: dir.join(format!(".permitlint-export-{}", std::process::id())),
            series: Vec::new(),
            series_index: FxHashMap::default(),
            files: Vec::new(),
            parts: BTreeMap::new(),
            buffered: 0,
            budget: SPILL_BUDGET,
            created: false,
        }
    }

    /// Take one data file's matched readings (its text names their lines).
    pub fn add(&mut self, f: &DataFile) -> Result<(), String> {
        let file = self.files.len() as u32;
        self.files.push(f.source.name.clone());
        let resolved: Vec<Option<(usize, usize)>> = f
            .targets
            .iter()
            .map(|t| {
                super::run::resolve_target(t, self.permits, &self.by_credit, self.devices).ok()
            })
            .collect();
        let mut lines = LineCounter::default();
        for r in &f.readings {
            if self.from_h.is_some_and(|h| r.time < h) || self.to_h.is_some_and(|h| r.time > h) {
                continue;
            }
            let Some(Some((p, o))) = resolved.get(r.target as usize) else {
                continue;
            };
            let (p, o) = (*p, *o);
            let (permit, outlet) = (&self.permits[p], &self.permits[p].outlets[o]);
            if !outlet.rows.iter().any(|row| row.code == r.code) {
                continue;
            }
            let next = self.series.len() as u32;
            let series = *self.series_index.entry((p, o, r.code)).or_insert(next);
            if series == next {
                self.series.push((p, o, r.code));
            }
            let key = (
                partition_value(&province(&permit.region)),
                partition_value(&permit.credit_code),
                month_of(r.time),
            );
            let line = lines.line(&f.source.text, r.start as usize);
            let id = self.parts.len();
            let spill = self.parts.entry(key).or_insert_with(|| Spill {
                id,
                buf: Vec::new(),
                on_disk: false,
                count: 0,
            });
            encode(&mut spill.buf, series, r, file, line);
            spill.count += 1;
            self.buffered += RECORD;
        }
        if self.buffered >= self.budget {
            self.flush()?;
        }
        Ok(())
    }

    /// Append every partition's buffer to its temporary file.
    fn flush(&mut self) -> Result<(), String> {
        use std::io::Write;
        let dir = &self.spill_dir;
        if !self.created {
            // A folder of its own, never one that was there (nor a link).
            std::fs::create_dir(dir)
                .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
            self.created = true;
        }
        for spill in self.parts.values_mut() {
            if spill.buf.is_empty() {
                continue;
            }
            let path = dir.join(format!("{}.bin", spill.id));
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(&spill.buf).map(|()| f))
                .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
            let _ = file.flush();
            spill.buf = Vec::new();
            spill.on_disk = true;
        }
        self.buffered = 0;
        Ok(())
    }

    /// Write every partition: its rows read back, sorted by series,
    /// averaging, time, file and line, and written as `format`.
    pub fn finish(
        mut self,
        dir: &Path,
        format: TableFormat,
        writer: &Writer,
    ) -> Result<(usize, usize, u64), String> {
        let ext = format.extension();
        let mut readings = 0usize;
        let mut bytes_total = 0u64;
        let parts = std::mem::take(&mut self.parts);
        let count = parts.len();
        for ((province, unit, month), spill) in parts {
            let mut raw = Vec::new();
            if spill.on_disk {
                let path = self.spill_dir.join(format!("{}.bin", spill.id));
                raw = std::fs::read(&path)
                    .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
                let _ = std::fs::remove_file(&path);
            }
            raw.extend_from_slice(&spill.buf);
            drop(spill.buf);
            let mut rows: Vec<ReadingRow> = raw
                .chunks_exact(RECORD)
                .map(|rec| self.decode(rec))
                .collect();
            drop(raw);
            rows.sort_by(|a, b| {
                (
                    a.credit_code,
                    a.outlet,
                    a.pollutant,
                    a.averaging,
                    a.hour,
                    a.file,
                    a.line,
                )
                    .cmp(&(
                        b.credit_code,
                        b.outlet,
                        b.pollutant,
                        b.averaging,
                        b.hour,
                        b.file,
                        b.line,
                    ))
            });
            let folder = dir
                .join("readings")
                .join(format!("province={province}"))
                .join(format!("unit={unit}"))
                .join(format!("month={month}"));
            std::fs::create_dir_all(&folder)
                .map_err(|e| format!("cannot create `{}`: {e}", folder.display()))?;
            let bytes = match format {
                TableFormat::Csv => readings_csv(&rows).into_bytes(),
                TableFormat::Parquet => parquet_readings(&rows)?,
            };
            writer.write(&folder.join(format!("part-0.{ext}")), &bytes)?;
            readings += rows.len();
            debug_assert_eq!(rows.len(), spill.count);
            bytes_total += bytes.len() as u64;
        }
        Ok((count, readings, bytes_total))
    }

    fn decode(&self, rec: &[u8]) -> ReadingRow<'_> {
        let u32_at = |i: usize| u32::from_le_bytes([rec[i], rec[i + 1], rec[i + 2], rec[i + 3]]);
        let u64_at = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&rec[i..i + 8]);
            u64::from_le_bytes(b)
        };
        let f64_at = |i: usize| f64::from_bits(u64_at(i));
        let opt = |v: f64| Some(v).filter(|v| v.is_finite());
        let (p, o, code) = self.series[u32_at(0) as usize];
        let permit = &self.permits[p];
        ReadingRow {
            credit_code: &permit.credit_code,
            outlet: &permit.outlets[o].id,
            pollutant: code,
            averaging: if rec[4] == 0 { "hour" } else { "day" },
            hour: u64_at(5) as i64,
            measured: f64_at(13),
            corrected: opt(f64_at(21)),
            flag: rec[29],
            o2: opt(f64_at(30)),
            flow: opt(f64_at(38)),
            file: &self.files[u32_at(46) as usize],
            line: u32_at(50) as usize,
        }
    }
}

/// One reading as a fixed-size record (little-endian): series, averaging,
/// hour, measured, corrected, flag, O₂, flow, file, line; a missing value
/// is NaN.
fn encode(buf: &mut Vec<u8>, series: u32, r: &Reading, file: u32, line: usize) {
    let none = |v: Option<f64>| v.filter(|v| v.is_finite()).unwrap_or(f64::NAN);
    buf.extend_from_slice(&series.to_le_bytes());
    buf.push(u8::from(r.period == Period::Day));
    buf.extend_from_slice(&r.time.to_le_bytes());
    buf.extend_from_slice(&r.value.to_bits().to_le_bytes());
    buf.extend_from_slice(&none(r.zs).to_bits().to_le_bytes());
    buf.push(r.flag);
    buf.extend_from_slice(&none(r.o2).to_bits().to_le_bytes());
    buf.extend_from_slice(&none(r.flow).to_bits().to_le_bytes());
    buf.extend_from_slice(&file.to_le_bytes());
    buf.extend_from_slice(&u32::try_from(line).unwrap_or(u32::MAX).to_le_bytes());
}

/// 1-based line of a byte offset, counted forward from the last offset
/// asked for (readings come in file order), from the start when asked for
/// an earlier one.
#[derive(Default)]
struct LineCounter {
    at: usize,
    line: usize,
}

impl LineCounter {
    fn line(&mut self, text: &str, offset: usize) -> usize {
        let offset = offset.min(text.len());
        if offset < self.at {
            *self = LineCounter::default();
        }
        self.line += text.as_bytes()[self.at..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.at = offset;
        self.line + 1
    }
}

/// A CSV cell (RFC 4180): quoted when it holds a comma, quote, CR or LF.
/// Values are written as they are, without a spreadsheet's formula guard:
/// these tables are for query engines, and a changed value would not join.
pub fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A number in the shortest form that reads back to the same `f64`; empty
/// for none.
fn num(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map(|v| v.to_string())
        .unwrap_or_default()
}

fn csv_table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut s = header.join(",");
    s.push_str("\r\n");
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| csv_cell(c)).collect();
        s.push_str(&cells.join(","));
        s.push_str("\r\n");
    }
    s
}

/// The limits table as CSV.
pub fn limits_csv(rows: &[LimitRow]) -> String {
    csv_table(
        LIMIT_COLUMNS,
        rows.iter().map(|l| {
            vec![
                l.credit_code.clone(),
                l.unit_name.clone(),
                l.region.clone(),
                l.outlet.clone(),
                l.medium.to_string(),
                l.pollutant.to_string(),
                l.pollutant_zh.to_string(),
                l.hj212.unwrap_or("").to_string(),
                l.field.to_string(),
                l.averaging.to_string(),
                l.bound.to_string(),
                num(Some(l.limit_value)),
                l.unit_of_measure.to_string(),
                l.written.clone(),
                num(l.reference_o2),
                l.year_from.map(|d| d.to_string()).unwrap_or_default(),
                l.year_to.map(|d| d.to_string()).unwrap_or_default(),
                l.basis.clone(),
                l.permit.clone(),
                l.line.to_string(),
            ]
        }),
    )
}

/// One partition of the readings table as CSV.
pub fn readings_csv(rows: &[ReadingRow]) -> String {
    csv_table(
        READING_COLUMNS,
        rows.iter().map(|r| {
            vec![
                r.credit_code.to_string(),
                r.outlet.to_string(),
                r.pollutant.to_string(),
                r.averaging.to_string(),
                timestamp(r.hour),
                num(Some(r.measured)),
                num(r.corrected),
                char::from(r.flag).to_string(),
                num(r.o2),
                num(r.flow),
                r.file.to_string(),
                r.line.to_string(),
            ]
        }),
    )
}

/// One partition of the coverage table as CSV.
pub fn coverage_csv(rows: &[CoverageRow]) -> String {
    csv_table(
        COVERAGE_COLUMNS,
        rows.iter().map(|c| {
            vec![
                c.credit_code.clone(),
                c.period.clone(),
                timestamp(c.from),
                timestamp(c.to),
                c.expected_hours.to_string(),
            ]
        }),
    )
}

/// Write `DIR/limits/province=…/unit=…/part-0.EXT` and
/// `DIR/coverage/province=…/unit=…/month=…/part-0.EXT` (the months of
/// `hours`, the hours the run covered); the readings follow through an
/// [`Exporter`].
/// A partition exported again is replaced; other partitions in DIR are
/// kept. Returns the number of limits written.
pub fn write_limits(
    dir: &Path,
    format: TableFormat,
    writer: &Writer,
    permits: &[PermitLimits],
    hours: Option<(i64, i64)>,
) -> Result<usize, String> {
    if !format.available() {
        return Err(format!(
            "this build cannot write {} tables (build with `--features {}`)",
            format.extension(),
            format.extension()
        ));
    }
    let ext = format.extension();
    let mkdir = |d: &Path| {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create `{}`: {e}", d.display()))
    };
    mkdir(dir)?;
    let limits = limit_rows(permits);
    // Limits are partitioned like the readings, so that exports of other
    // units into the same folder add to each other.
    let mut limit_parts: BTreeMap<(String, String), Vec<LimitRow>> = BTreeMap::new();
    for l in &limits {
        limit_parts
            .entry((
                partition_value(&province(&l.region)),
                partition_value(&l.credit_code),
            ))
            .or_default()
            .push(l.clone());
    }
    for ((province, unit), rows) in &limit_parts {
        let folder = dir
            .join("limits")
            .join(format!("province={province}"))
            .join(format!("unit={unit}"));
        mkdir(&folder)?;
        let bytes = match format {
            TableFormat::Csv => limits_csv(rows).into_bytes(),
            TableFormat::Parquet => parquet_limits(rows)?,
        };
        writer.write(&folder.join(format!("part-0.{ext}")), &bytes)?;
    }
    // Coverage is partitioned like the readings (by unit and month), so
    // that a month exported again replaces its coverage with its readings.
    let mut units: BTreeMap<(String, String), &str> = BTreeMap::new();
    for p in permits {
        units
            .entry((
                partition_value(&province(&p.region)),
                partition_value(&p.credit_code),
            ))
            .or_insert(&p.credit_code);
    }
    for ((province, unit), credit_code) in &units {
        for row in coverage_rows(credit_code, hours) {
            let folder = dir
                .join("coverage")
                .join(format!("province={province}"))
                .join(format!("unit={unit}"))
                .join(format!("month={}", row.period));
            mkdir(&folder)?;
            let rows = [row];
            let bytes = match format {
                TableFormat::Csv => coverage_csv(&rows).into_bytes(),
                TableFormat::Parquet => parquet_coverage(&rows)?,
            };
            writer.write(&folder.join(format!("part-0.{ext}")), &bytes)?;
        }
    }
    Ok(limits.len())
}

#[cfg(not(feature = "parquet"))]
fn parquet_limits(_: &[LimitRow]) -> Result<Vec<u8>, String> {
    Err("this build cannot write Parquet (build with `--features parquet`)".into())
}

#[cfg(not(feature = "parquet"))]
fn parquet_readings(_: &[ReadingRow]) -> Result<Vec<u8>, String> {
    Err("this build cannot write Parquet (build with `--features parquet`)".into())
}

#[cfg(not(feature = "parquet"))]
fn parquet_coverage(_: &[CoverageRow]) -> Result<Vec<u8>, String> {
    Err("this build cannot write Parquet (build with `--features parquet`)".into())
}

#[cfg(feature = "parquet")]
use parquet_out::{parquet_coverage, parquet_limits, parquet_readings};

/// Parquet through the crate's low-level column writer (no Arrow): one row
/// group per file, plain and dictionary encodings, no compression codec
/// compiled in.
#[cfg(feature = "parquet")]
mod parquet_out {
    use super::{CoverageRow, LimitRow, ReadingRow};
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use std::sync::Arc;

    /// One column's values; `None` is a null (the column is OPTIONAL).
    pub(super) enum Col {
        Text(Vec<Option<String>>),
        Double(Vec<Option<f64>>),
        Int64(Vec<i64>),
        Int32(Vec<Option<i32>>),
    }

    fn err(e: parquet::errors::ParquetError) -> String {
        format!("cannot write Parquet: {e}")
    }

    fn levels<T: Clone>(v: &[Option<T>]) -> (Vec<T>, Vec<i16>) {
        let defs = v.iter().map(|x| i16::from(x.is_some())).collect();
        (v.iter().flatten().cloned().collect(), defs)
    }

    pub(super) fn write(schema: &str, cols: Vec<Col>) -> Result<Vec<u8>, String> {
        let schema = Arc::new(parse_message_type(schema).map_err(err)?);
        let props = Arc::new(WriterProperties::builder().build());
        let mut w = SerializedFileWriter::new(Vec::new(), schema, props).map_err(err)?;
        let mut rg = w.next_row_group().map_err(err)?;
        let mut cols = cols.into_iter();
        while let Some(mut c) = rg.next_column().map_err(err)? {
            let Some(col) = cols.next() else {
                return Err("cannot write Parquet: more columns in the schema than values".into());
            };
            match col {
                Col::Text(v) => {
                    let (vals, defs) = levels(&v);
                    let vals: Vec<ByteArray> = vals
                        .into_iter()
                        .map(|s| ByteArray::from(s.into_bytes()))
                        .collect();
                    c.typed::<ByteArrayType>()
                        .write_batch(&vals, Some(&defs), None)
                        .map_err(err)?;
                }
                Col::Double(v) => {
                    let (vals, defs) = levels(&v);
                    c.typed::<DoubleType>()
                        .write_batch(&vals, Some(&defs), None)
                        .map_err(err)?;
                }
                Col::Int32(v) => {
                    let (vals, defs) = levels(&v);
                    c.typed::<Int32Type>()
                        .write_batch(&vals, Some(&defs), None)
                        .map_err(err)?;
                }
                Col::Int64(v) => {
                    c.typed::<Int64Type>()
                        .write_batch(&v, None, None)
                        .map_err(err)?;
                }
            }
            c.close().map_err(err)?;
        }
        rg.close().map_err(err)?;
        w.into_inner().map_err(err)
    }

    fn text<T>(rows: &[T], f: impl Fn(&T) -> Option<String>) -> Col {
        Col::Text(rows.iter().map(f).collect())
    }

    pub(crate) fn parquet_limits(rows: &[LimitRow]) -> Result<Vec<u8>, String> {
        let schema = "message limits {
            OPTIONAL BINARY credit_code (STRING); OPTIONAL BINARY unit_name (STRING);
            OPTIONAL BINARY region (STRING); OPTIONAL BINARY outlet (STRING);
            OPTIONAL BINARY medium (STRING); OPTIONAL BINARY pollutant (STRING);
            OPTIONAL BINARY pollutant_zh (STRING); OPTIONAL BINARY hj212 (STRING);
            OPTIONAL BINARY field (STRING); OPTIONAL BINARY averaging (STRING);
            OPTIONAL BINARY bound (STRING); OPTIONAL DOUBLE limit_value;
            OPTIONAL BINARY unit_of_measure (STRING); OPTIONAL BINARY written (STRING);
            OPTIONAL DOUBLE reference_o2; OPTIONAL INT32 year_from (DATE);
            OPTIONAL INT32 year_to (DATE); OPTIONAL BINARY basis (STRING);
            OPTIONAL BINARY permit (STRING); OPTIONAL INT32 line; }";
        let s = |v: &str| Some(v.to_string());
        let day = |d: Option<crate::date::Date>| d.and_then(|d| i32::try_from(d.days()).ok());
        write(
            schema,
            vec![
                text(rows, |l| s(&l.credit_code)),
                text(rows, |l| s(&l.unit_name)),
                text(rows, |l| s(&l.region)),
                text(rows, |l| s(&l.outlet)),
                text(rows, |l| s(l.medium)),
                text(rows, |l| s(l.pollutant)),
                text(rows, |l| s(l.pollutant_zh)),
                text(rows, |l| l.hj212.map(str::to_string)),
                text(rows, |l| s(l.field)),
                text(rows, |l| s(l.averaging)),
                text(rows, |l| s(l.bound)),
                Col::Double(rows.iter().map(|l| Some(l.limit_value)).collect()),
                text(rows, |l| s(l.unit_of_measure)),
                text(rows, |l| s(&l.written)),
                Col::Double(rows.iter().map(|l| l.reference_o2).collect()),
                Col::Int32(rows.iter().map(|l| day(l.year_from)).collect()),
                Col::Int32(rows.iter().map(|l| day(l.year_to)).collect()),
                text(rows, |l| s(&l.basis)),
                text(rows, |l| s(&l.permit)),
                Col::Int32(rows.iter().map(|l| i32::try_from(l.line).ok()).collect()),
            ],
        )
    }

    pub(crate) fn parquet_coverage(rows: &[CoverageRow]) -> Result<Vec<u8>, String> {
        let schema = "message coverage {
            OPTIONAL BINARY credit_code (STRING); OPTIONAL BINARY period (STRING);
            REQUIRED INT64 covered_from (TIMESTAMP(MILLIS,false));
            REQUIRED INT64 covered_to (TIMESTAMP(MILLIS,false));
            REQUIRED INT64 expected_hours; }";
        write(
            schema,
            vec![
                text(rows, |c| Some(c.credit_code.clone())),
                text(rows, |c| Some(c.period.clone())),
                Col::Int64(rows.iter().map(|c| c.from * 3_600_000).collect()),
                Col::Int64(rows.iter().map(|c| c.to * 3_600_000).collect()),
                Col::Int64(rows.iter().map(|c| c.expected_hours).collect()),
            ],
        )
    }

    pub(crate) fn parquet_readings(rows: &[ReadingRow]) -> Result<Vec<u8>, String> {
        let schema = "message readings {
            OPTIONAL BINARY credit_code (STRING); OPTIONAL BINARY outlet (STRING);
            OPTIONAL BINARY pollutant (STRING); OPTIONAL BINARY averaging (STRING);
            REQUIRED INT64 measured_at (TIMESTAMP(MILLIS,false));
            OPTIONAL DOUBLE measured; OPTIONAL DOUBLE corrected;
            OPTIONAL BINARY flag (STRING); OPTIONAL DOUBLE o2; OPTIONAL DOUBLE flow;
            OPTIONAL BINARY file (STRING); OPTIONAL INT32 line; }";
        let s = |v: &str| Some(v.to_string());
        write(
            schema,
            vec![
                text(rows, |r| s(r.credit_code)),
                text(rows, |r| s(r.outlet)),
                text(rows, |r| s(r.pollutant)),
                text(rows, |r| s(r.averaging)),
                Col::Int64(rows.iter().map(|r| r.hour * 3_600_000).collect()),
                Col::Double(rows.iter().map(|r| Some(r.measured)).collect()),
                Col::Double(rows.iter().map(|r| r.corrected).collect()),
                text(rows, |r| Some(char::from(r.flag).to_string())),
                Col::Double(rows.iter().map(|r| r.o2).collect()),
                Col::Double(rows.iter().map(|r| r.flow).collect()),
                text(rows, |r| s(r.file)),
                Col::Int32(rows.iter().map(|r| i32::try_from(r.line).ok()).collect()),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_values_are_path_safe() {
        assert_eq!(partition_value("91320412MA1MX3RT62"), "91320412MA1MX3RT62");
        assert_eq!(partition_value("a/b c"), "a%2Fb%20c");
        assert_eq!(partition_value(".."), "%2E%2E");
        assert_eq!(partition_value(""), "__HIVE_DEFAULT_PARTITION__");
        assert_eq!(province("320412"), "32");
        assert_eq!(province("x"), "unknown");
    }

    #[test]
    fn csv_is_rfc_4180() {
        assert_eq!(csv_cell("苏州,一厂"), "\"苏州,一厂\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=1+1"), "=1+1");
        let t = csv_table(&["a", "b"], [vec!["1".into(), "x\ny".into()]].into_iter());
        assert_eq!(t, "a,b\r\n1,\"x\ny\"\r\n");
    }

    /// The fixture's permit and data files, as the command reads them.
    fn fixture() -> (Vec<PermitLimits>, Vec<DataFile>, FxHashMap<String, Device>) {
        use crate::span::SourceFile;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/monitor");
        let loaded = crate::permit::load_path(&dir.join("chp-v2.yaml"), &Default::default());
        let permits = vec![super::super::permit::limits(&loaded.permit.unwrap())];
        let read = |name: &str| {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            SourceFile::new(format!("tests/fixtures/monitor/{name}"), text)
        };
        let files = vec![
            super::super::data::read_hj212(&read("plant.hj212"), 0),
            super::super::data::read_csv(&read("furnace.csv"), 1),
        ];
        let devices_text = std::fs::read_to_string(dir.join("devices.csv")).unwrap();
        let devices = super::super::devices::parse(&devices_text).unwrap();
        (permits, files, devices)
    }

    /// Every file under `dir` (relative path → bytes), hidden ones included.
    fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() {
                let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
        out
    }

    #[test]
    fn spilled_partitions_are_written_as_held_ones() {
        let (permits, files, devices) = fixture();
        let mut got = Vec::new();
        for budget in [usize::MAX, 0] {
            let dir = tempfile::tempdir().unwrap();
            let writer = Writer::new(false);
            let mut e = Exporter::new(dir.path(), &permits, &devices, None, None);
            e.budget = budget;
            // The CSV first, then the log: lines and files out of order.
            for f in files.iter().rev() {
                e.add(f).unwrap();
            }
            let spilled = e.parts.values().any(|s| s.on_disk);
            assert_eq!(spilled, budget == 0);
            let spill_dir = e.spill_dir.clone();
            assert_eq!(spill_dir.exists(), spilled);
            let (partitions, readings, _) =
                e.finish(dir.path(), TableFormat::Csv, &writer).unwrap();
            assert_eq!((partitions, readings), (1, 38));
            assert!(!spill_dir.exists(), "the temporary folder is removed");
            got.push(tree(dir.path()));
        }
        assert_eq!(got[0], got[1]);
        // Rows are in series, time, file, line order.
        assert_eq!(got[0].len(), 2, "{:?}", got[0].keys());
        let csv = got[0]
            .iter()
            .find(|(k, _)| k.ends_with("part-0.csv"))
            .map(|(_, v)| String::from_utf8(v.clone()).unwrap())
            .unwrap();
        let so2: Vec<&str> = csv.lines().filter(|l| l.contains(",SO2,hour,")).collect();
        assert!(so2[0].contains("2026-03-02 00:00:00") && so2[0].ends_with("plant.hj212,1"));
    }

    #[test]
    fn an_existing_spill_folder_is_refused_and_kept() {
        let (permits, files, devices) = fixture();
        let dir = tempfile::tempdir().unwrap();
        let mut e = Exporter::new(dir.path(), &permits, &devices, None, None);
        e.budget = 0;
        std::fs::create_dir(&e.spill_dir).unwrap();
        std::fs::write(e.spill_dir.join("0.bin"), b"theirs").unwrap();
        let spill_dir = e.spill_dir.clone();
        assert!(e.add(&files[0]).unwrap_err().contains("cannot create"));
        drop(e);
        assert_eq!(std::fs::read(spill_dir.join("0.bin")).unwrap(), b"theirs");
    }

    #[test]
    fn lines_are_counted_forward_and_again_from_the_start() {
        let text = "a\nb\nc\n";
        let mut c = LineCounter::default();
        assert_eq!(c.line(text, 0), 1);
        assert_eq!(c.line(text, 4), 3);
        assert_eq!(c.line(text, 2), 2);
        assert_eq!(c.line(text, 100), 4);
    }

    #[test]
    fn coverage_splits_the_run_into_months() {
        let h = |y, m, d, hour: i64| Date::new(y, m, d).unwrap().days() * 24 + hour;
        let rows = coverage_rows("U", Some((h(2026, 1, 30, 5), h(2026, 3, 1, 23))));
        let got: Vec<(&str, i64)> = rows
            .iter()
            .map(|r| (r.period.as_str(), r.expected_hours))
            .collect();
        // 30 Jan 05:00 to 31 Jan 23:00; all of February; 1 March.
        assert_eq!(got, [("2026-01", 43), ("2026-02", 672), ("2026-03", 24)]);
        assert_eq!(timestamp(rows[0].from), "2026-01-30 05:00:00");
        assert_eq!(timestamp(rows[2].to), "2026-03-01 23:00:00");
        assert!(coverage_rows("U", None).is_empty());
    }

    #[test]
    fn numbers_read_back_exactly() {
        for v in [0.1 + 0.2, 1.0 / 3.0, 1e-7, 123456789.125, 35.0] {
            assert_eq!(num(Some(v)).parse::<f64>(), Ok(v));
        }
        assert_eq!(num(Some(f64::NAN)), "");
        assert_eq!(num(None), "");
        assert_eq!(
            timestamp(Date::new(2026, 3, 2).unwrap().days() * 24 + 5),
            "2026-03-02 05:00:00"
        );
    }
}
