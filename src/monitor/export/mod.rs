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

#[cfg(feature = "parquet")]
mod parquet_out;
mod spill;
#[cfg(test)]
mod tests;

pub use spill::Exporter;

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
