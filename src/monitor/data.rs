//! Reading data files into [`Reading`]s: HJ 212 packet logs (one packet a
//! line, recognised by `##`) and tabular CSV exports (recognised by a
//! `pollutant` column). Problems become findings at their line and byte;
//! nothing here ends the run. Minute packets go through `hj212::minutes`
//! into hours, packets not evaluated into `hj212::commands`' one notice;
//! XLSX workbooks are read by `xlsx` through [`read_csv`].

use super::hj212::commands::NotEvaluated;
use super::hj212::minutes::{MinuteValue, Minutes};
use super::hj212::packet::{self, Deviation, FLAGS};
use super::manual::Manual;
use super::{MFinding, Period, Reading, Target, finding};
use crate::catalogue::pollutants::{Pollutant, Resolved, catalogue};
use crate::date::Date;
use crate::finding::Severity;
use crate::span::{Source, Span};
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// HJ 212 code of the oxygen content (a19001) and of the flue-gas flow
/// (a00000, m³/h) [unverified: as commonly used, not read from the standard].
pub const O2_CODE: &str = "a19001";
pub const FLOW_CODE: &str = "a00000";
/// Most rejected packets listed one by one per file; the rest are counted.
pub(crate) const MAX_REJECTS: usize = 100;

/// One data file, read.
pub struct DataFile {
    /// The file's name, without its text (see [`DataFile::empty`]).
    pub source: Source,
    pub targets: Vec<Target>,
    pub readings: Vec<Reading>,
    pub findings: Vec<MFinding>,
    /// Packets or rows read (accepted).
    pub records: usize,
    /// Manual results (a manual-results CSV only).
    pub manual: Vec<Manual>,
    /// The file is a manual-results CSV (the plan's frequencies are
    /// checked only when one is given).
    pub is_manual: bool,
    /// Declared annual totals (an execution report's CSV only).
    pub declared: Vec<super::declared::Declared>,
}

impl DataFile {
    /// A file with nothing read yet; its `source` is `source`'s name
    /// without the text (findings are located in the text again at the end
    /// of the run, so no data file's text is held while the run goes on).
    pub fn empty(source: &Source) -> DataFile {
        DataFile {
            source: crate::span::SourceFile::new(source.name.clone(), ""),
            targets: Vec::new(),
            readings: Vec::new(),
            findings: Vec::new(),
            records: 0,
            manual: Vec::new(),
            is_manual: false,
            declared: Vec::new(),
        }
    }
}

/// What a file holds, judged by its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Hj212,
    Csv,
    /// Manual monitoring results (a `sampled_at` column).
    Manual,
    /// An execution report's declared annual totals (a `declared_t` column).
    Declared,
    Unknown,
}

pub fn detect(text: &str) -> Kind {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with("##") {
        return Kind::Hj212;
    }
    let header = t.lines().next().unwrap_or("").to_ascii_lowercase();
    let has = |name: &str| {
        header
            .split(',')
            .any(|c| c.trim().trim_matches('"') == name)
    };
    if has("declared_t") {
        Kind::Declared
    } else if has("sampled_at") {
        Kind::Manual
    } else if has("pollutant") {
        Kind::Csv
    } else {
        Kind::Unknown
    }
}

/// HJ 212 code → catalogue row.
fn by_hj212() -> &'static FxHashMap<&'static str, &'static Pollutant> {
    static MAP: OnceLock<FxHashMap<&'static str, &'static Pollutant>> = OnceLock::new();
    MAP.get_or_init(|| {
        catalogue()
            .pollutants
            .iter()
            .filter_map(|p| p.hj212.map(|c| (c, p)))
            .collect()
    })
}

/// A pollutant written in data: an HJ 212 code or a catalogue name.
pub fn resolve(written: &str) -> Option<&'static Pollutant> {
    if let Some(p) = by_hj212().get(written) {
        return Some(p);
    }
    match catalogue().resolve(written, None) {
        Resolved::Code(p) | Resolved::Alias(p) => Some(p),
        Resolved::Unknown { .. } => None,
    }
}

fn intern(targets: &mut Vec<Target>, t: Target) -> u32 {
    match targets.iter().position(|x| *x == t) {
        Some(i) => i as u32,
        None => {
            targets.push(t);
            (targets.len() - 1) as u32
        }
    }
}

/// Read an HJ 212 log.
pub fn read_hj212(source: &Source, file: u32) -> DataFile {
    let text = source.text.as_str();
    let mut out = DataFile::empty(source);
    let source = &out.source.clone();
    // Deviation → (first byte in the file, count).
    let mut devs: FxHashMap<Deviation, (usize, usize)> = FxHashMap::default();
    let mut rejects = 0usize;
    let mut offset = 0usize;
    let mut last_mn: Option<(&str, u32)> = None;
    let mut minutes = Minutes::default();
    let mut skipped = NotEvaluated::default();
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = if i == 0 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        let bom = if i == 0 {
            raw.len() - raw.trim_start_matches('\u{feff}').len()
        } else {
            0
        };
        let base = start + bom;
        if line.trim().is_empty() {
            continue;
        }
        let p = match packet::parse(line) {
            Ok(p) => p,
            Err(r) => {
                rejects += 1;
                if rejects <= MAX_REJECTS {
                    let at = base + r.at;
                    out.findings.push(MFinding::plain(finding(
                        "monitor.hj212-rejected",
                        Severity::Warning,
                        source,
                        Span::new(at, (at + 1).min(base + line.len()).max(at)),
                        format!("HJ 212 packet rejected: {}", r.reason),
                        "HJ 212-2017 6 (packet structure) and 附录 A (CRC)",
                    )));
                }
                continue;
            }
        };
        out.records += 1;
        for &(d, at) in &p.deviations {
            let e = devs.entry(d).or_insert((base + at, 0));
            e.1 += 1;
        }
        // Minute data (`None`) goes into hours at the end of the file.
        let period = match p.cn {
            "2061" => Some(Period::Hour),
            "2031" => Some(Period::Day),
            "2051" => None,
            cn => {
                skipped.note(cn, base);
                continue;
            }
        };
        let Some(t) = p.data_time else {
            continue;
        };
        let Some(date) = Date::new(t.year, t.month, t.day) else {
            continue;
        };
        let hour = match period {
            Some(Period::Day) => 0,
            _ => i64::from(t.hour),
        };
        let time = date.days() * 24 + hour;
        // Packets of one device come in runs: try the last device first,
        // and make its `String` only when it is new.
        let target = match last_mn {
            Some((mn, t)) if mn == p.mn => t,
            _ => {
                let found = out
                    .targets
                    .iter()
                    .position(|t| matches!(t, Target::Mn(m) if m == p.mn));
                let t = match found {
                    Some(i) => i as u32,
                    None => intern(&mut out.targets, Target::Mn(p.mn.to_string())),
                };
                last_mn = Some((p.mn, t));
                t
            }
        };
        let num = |code: &str| {
            p.get(code, "Avg")
                .and_then(|f| f.value.parse::<f64>().ok())
                .filter(|v| v.is_finite())
        };
        let o2 = num(O2_CODE);
        let flow = num(FLOW_CODE);
        for f in p.fields.iter().filter(|f| f.kind == "Avg") {
            let Some(pol) = by_hj212().get(f.code) else {
                continue;
            };
            let Some(value) = f.value.parse::<f64>().ok().filter(|v| v.is_finite()) else {
                let e = devs
                    .entry(Deviation::BadNumber)
                    .or_insert((base + f.start, 0));
                e.1 += 1;
                continue;
            };
            let flag = p
                .get(f.code, "Flag")
                .and_then(|x| x.value.bytes().next())
                .unwrap_or(b'N');
            if !FLAGS.contains(&flag) {
                let e = devs
                    .entry(Deviation::UnknownFlag)
                    .or_insert((base + f.start, 0));
                e.1 += 1;
            }
            let zs = p
                .get(f.code, "ZsAvg")
                .and_then(|x| x.value.parse::<f64>().ok());
            let Some(period) = period else {
                minutes.push(MinuteValue {
                    target,
                    code: pol.code,
                    hour: time,
                    minute: t.minute,
                    value,
                    zs,
                    flag,
                    o2,
                    flow,
                    start: (base + f.start) as u32,
                    end: (base + f.end) as u32,
                });
                continue;
            };
            out.readings.push(Reading {
                file,
                start: (base + f.start) as u32,
                end: (base + f.end) as u32,
                time,
                period,
                target,
                code: pol.code,
                value,
                zs,
                flag,
                o2,
                flow,
                from_minutes: None,
            });
        }
    }
    if !minutes.is_empty() {
        super::hj212::minutes::merge(minutes, file, text, source, &mut out);
    }
    out.findings.extend(skipped.finding(source));
    if rejects > MAX_REJECTS {
        out.findings.push(MFinding::plain(finding(
            "monitor.hj212-rejected",
            Severity::Warning,
            source,
            Span::new(0, 0),
            format!(
                "{} more rejected packets in this file are not listed one by one",
                rejects - MAX_REJECTS
            ),
            "HJ 212-2017 6 (packet structure)",
        )));
    }
    let mut devs: Vec<(Deviation, (usize, usize))> = devs.into_iter().collect();
    devs.sort();
    for (d, (at, count)) in devs {
        out.findings.push(MFinding::plain(finding(
            "monitor.hj212-deviation",
            Severity::Warning,
            source,
            Span::new(at, at + 1),
            format!(
                "{} ({count} packet{} in this file, first here); read all the same",
                d.text(),
                if count == 1 { "" } else { "s" }
            ),
            "HJ 212-2017 6 (packet structure)",
        )));
    }
    out
}

/// `YYYY-MM-DD[ T]HH:MM[:SS]` → (date, Some(hour)); `YYYY-MM-DD` → (date, None).
fn parse_time(s: &str) -> Option<(Date, Option<u8>)> {
    let s = s.trim();
    let date = Date::parse(s.get(..10)?)?;
    let rest = s.get(10..)?;
    if rest.is_empty() {
        return Some((date, None));
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let hour: u8 = rest.get(..2)?.parse().ok()?;
    (hour < 24 && rest.get(2..3) == Some(":")).then_some((date, Some(hour)))
}

/// A comma-separated text as the tabular readers see it: the header's
/// column names (lower case; BOM, blanks and quotes trimmed), the header
/// line's length, and the data rows (blank lines left out).
pub(crate) struct CsvTable<'t> {
    cols: Vec<String>,
    pub(crate) header_len: usize,
    pub(crate) rows: Vec<CsvRow<'t>>,
}

/// A data row: its byte offset in the file, the line without its end, and
/// its cells as written.
pub(crate) struct CsvRow<'t> {
    pub(crate) start: usize,
    pub(crate) line: &'t str,
    cells: Vec<&'t str>,
}

impl<'t> CsvTable<'t> {
    pub(crate) fn read(text: &'t str) -> CsvTable<'t> {
        let mut table = CsvTable {
            cols: Vec::new(),
            header_len: 0,
            rows: Vec::new(),
        };
        let mut offset = 0usize;
        for (i, raw) in text.split_inclusive('\n').enumerate() {
            let start = offset;
            offset += raw.len();
            let line = raw.trim_end_matches(['\n', '\r']);
            if i == 0 {
                table.header_len = line.len();
                table.cols = line
                    .trim_start_matches('\u{feff}')
                    .split(',')
                    .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
                    .collect();
            } else if !line.trim().is_empty() {
                table.rows.push(CsvRow {
                    start,
                    line,
                    cells: line.split(',').collect(),
                });
            }
        }
        table
    }

    /// The first of `required` the header lacks.
    /// The `monitor.csv` finding for a header that lacks one of
    /// `required` (the file is then not read); `header` names it in the
    /// message (`the CSV header`).
    pub(crate) fn missing(
        &self,
        required: &[&str],
        source: &Source,
        header: &str,
        doc: &'static str,
    ) -> Option<MFinding> {
        let req = required
            .iter()
            .find(|r| !self.cols.iter().any(|c| c == *r))?;
        Some(MFinding::plain(finding(
            "monitor.csv",
            Severity::Warning,
            source,
            Span::new(0, self.header_len),
            format!("{header} has no `{req}` column; the file is not read"),
            doc,
        )))
    }

    pub(crate) fn col(&self, name: &str) -> Option<usize> {
        self.cols.iter().position(|c| c == name)
    }
}

impl<'t> CsvRow<'t> {
    /// The cell of column `k`, blanks and quotes trimmed; `None` when empty.
    pub(crate) fn get(&self, k: Option<usize>) -> Option<&'t str> {
        k.and_then(|k| self.cells.get(k))
            .map(|c| c.trim().trim_matches('"'))
            .filter(|v| !v.is_empty())
    }

    /// Byte range in the file of the value in column `k` (the cells before
    /// it, their commas, and the cell's leading blanks and quote).
    pub(crate) fn span_of(&self, k: Option<usize>) -> (usize, usize) {
        let end_of_line = self.start + self.line.len();
        let k = k.unwrap_or(0);
        let before: usize = self.cells[..k.min(self.cells.len())]
            .iter()
            .map(|c| c.len() + 1)
            .sum();
        let cell = self.cells.get(k).copied().unwrap_or("");
        let lead = cell.len() - cell.trim_start().trim_start_matches('"').len();
        let from = (self.start + before + lead).min(end_of_line);
        let len = self.get(Some(k)).map_or(0, str::len);
        (from, (from + len).min(end_of_line))
    }
}

/// The rows of a table a reader skips: each of the first [`MAX_REJECTS`]
/// a warning at its row (`<what> skipped: <why>`), the rest one finding at
/// the end ([`SkippedRows::finish`]).
pub(crate) struct SkippedRows {
    count: usize,
    what: &'static str,
    doc: &'static str,
}

impl SkippedRows {
    pub fn new(what: &'static str, doc: &'static str) -> SkippedRows {
        SkippedRows {
            count: 0,
            what,
            doc,
        }
    }

    pub fn skip(&mut self, out: &mut DataFile, source: &Source, row: &CsvRow<'_>, why: &str) {
        self.count += 1;
        if self.count <= MAX_REJECTS {
            out.findings.push(MFinding::plain(finding(
                "monitor.csv",
                Severity::Warning,
                source,
                Span::new(row.start, row.start + row.line.len()),
                format!("{} skipped: {why}", self.what),
                self.doc,
            )));
        }
    }

    /// The one finding for the skipped rows beyond the first
    /// [`MAX_REJECTS`].
    pub fn finish(&self, out: &mut DataFile, source: &Source) {
        if self.count > MAX_REJECTS {
            out.findings.push(MFinding::plain(finding(
                "monitor.csv",
                Severity::Warning,
                source,
                Span::new(0, 0),
                format!(
                    "{} more skipped rows are not listed one by one",
                    self.count - MAX_REJECTS
                ),
                self.doc,
            )));
        }
    }
}

/// Read a CSV export: header with `outlet`, `time`, `pollutant`, `value`
/// and optionally `flag`, `o2`, `flow`, `corrected`, `period` (`hour` or
/// `day`), `credit_code`, `mn`.
pub fn read_csv(source: &Source, file: u32) -> DataFile {
    let mut out = DataFile::empty(source);
    let table = CsvTable::read(source.text.as_str());
    let source = &out.source.clone();
    let mut skipped = SkippedRows::new("row", "docs/monitoring.md (tabular data)");
    if let Some(f) = table.missing(
        &["time", "pollutant", "value"],
        source,
        "the CSV header",
        "docs/monitoring.md (tabular data)",
    ) {
        out.findings.push(f);
        return out;
    }
    for row in &table.rows {
        let get = |name: &str| row.get(table.col(name));
        let fnum = |name: &str| get(name).and_then(|v| v.parse::<f64>().ok());
        let mut bad = |why: String, out: &mut DataFile| skipped.skip(out, source, row, &why);
        let Some((date, hour)) = get("time").and_then(parse_time) else {
            bad(
                format!(
                    "`time` {:?} is not YYYY-MM-DD[ HH:MM]",
                    get("time").unwrap_or("")
                ),
                &mut out,
            );
            continue;
        };
        let Some(pol) = get("pollutant").and_then(resolve) else {
            bad(
                format!(
                    "pollutant `{}` is not in the catalogue",
                    get("pollutant").unwrap_or("")
                ),
                &mut out,
            );
            continue;
        };
        let Some(value) = fnum("value").filter(|v| v.is_finite()) else {
            bad("`value` is not a number".into(), &mut out);
            continue;
        };
        let period = match (get("period"), hour) {
            (Some("day"), _) | (None, None) => Period::Day,
            _ => Period::Hour,
        };
        let target = match (get("mn"), get("outlet")) {
            (Some(mn), _) => Target::Mn(mn.to_string()),
            (None, Some(outlet)) => Target::Outlet {
                credit_code: get("credit_code").map(str::to_string),
                outlet: outlet.to_string(),
            },
            (None, None) => {
                bad("neither `outlet` nor `mn` is given".into(), &mut out);
                continue;
            }
        };
        let target = intern(&mut out.targets, target);
        out.records += 1;
        let (vstart, vend) = row.span_of(table.col("value"));
        out.readings.push(Reading {
            file,
            start: vstart as u32,
            end: vend as u32,
            time: date.days() * 24 + i64::from(hour.unwrap_or(0)),
            period,
            target,
            code: pol.code,
            value,
            zs: fnum("corrected"),
            flag: get("flag").and_then(|f| f.bytes().next()).unwrap_or(b'N'),
            o2: fnum("o2"),
            flow: fnum("flow"),
            from_minutes: None,
        });
    }
    skipped.finish(&mut out, source);
    out
}

/// Read manual monitoring results: header with `outlet`, `pollutant`,
/// `sampled_at` (`YYYY-MM-DD`, a time after it is ignored) and `value`,
/// optionally `credit_code`, `unit` and `report` (the lab report id).
pub fn read_manual(source: &Source, file: u32) -> DataFile {
    let mut out = DataFile::empty(source);
    let table = CsvTable::read(source.text.as_str());
    let source = &out.source.clone();
    out.is_manual = true;
    let mut skipped = SkippedRows::new("manual result", "docs/monitoring.md (manual results)");
    if let Some(f) = table.missing(
        &["outlet", "pollutant", "sampled_at", "value"],
        source,
        "the manual results header",
        "docs/monitoring.md (manual results)",
    ) {
        out.findings.push(f);
        return out;
    }
    for row in &table.rows {
        let get = |name: &str| row.get(table.col(name));
        let mut bad = |why: String, out: &mut DataFile| skipped.skip(out, source, row, &why);
        let Some(date) = get("sampled_at")
            .and_then(|s| s.get(..10))
            .and_then(Date::parse)
        else {
            bad(
                format!(
                    "`sampled_at` {:?} is not YYYY-MM-DD",
                    get("sampled_at").unwrap_or("")
                ),
                &mut out,
            );
            continue;
        };
        let Some(pol) = get("pollutant").and_then(resolve) else {
            bad(
                format!(
                    "pollutant `{}` is not in the catalogue",
                    get("pollutant").unwrap_or("")
                ),
                &mut out,
            );
            continue;
        };
        let Some(outlet) = get("outlet") else {
            bad("no `outlet`".into(), &mut out);
            continue;
        };
        let Some(value) = get("value")
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite())
        else {
            bad("`value` is not a number".into(), &mut out);
            continue;
        };
        let unit = get("unit").unwrap_or("").to_string();
        let base = if unit.is_empty() {
            None
        } else {
            match crate::units::parse_quantity(&format!("{value} {unit}")) {
                Ok(q) => Some((q.base(), q.dim())),
                Err(_) => {
                    bad(format!("unit `{unit}` is not known"), &mut out);
                    continue;
                }
            }
        };
        let (vstart, vend) = row.span_of(table.col("value"));
        out.records += 1;
        out.manual.push(Manual {
            file,
            start: vstart as u32,
            end: vend as u32,
            day: date.days(),
            credit_code: get("credit_code").map(str::to_string),
            outlet: outlet.to_string(),
            code: pol.code,
            value,
            unit,
            base,
            report: get("report").filter(|r| !r.is_empty()).map(str::to_string),
        });
    }
    skipped.finish(&mut out, source);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::SourceFile;

    #[test]
    fn detects_by_content() {
        assert_eq!(detect("##0100QN=..."), Kind::Hj212);
        assert_eq!(detect("\u{feff}outlet,time,pollutant,value\n"), Kind::Csv);
        assert_eq!(detect("mn,credit_code,outlet\n"), Kind::Unknown);
    }

    #[test]
    fn csv_rows_and_bad_rows() {
        let text = "outlet,time,pollutant,value,flag,o2\nDA001,2026-03-01 05:00,SO2,40,N,7\nDA001,2026-03-01,二氧化硫,30,,\nDA001,bad,SO2,1,N,\nDA001,2026-03-01 06:00,unobtainium,1,N,\n";
        let src = SourceFile::new("d.csv", text);
        let d = read_csv(&src, 0);
        assert_eq!(d.readings.len(), 2);
        let r = &d.readings[0];
        assert_eq!(
            (r.code, r.value, r.o2, r.period),
            ("SO2", 40.0, Some(7.0), Period::Hour)
        );
        assert_eq!(&text[r.start as usize..r.end as usize], "40");
        assert_eq!(d.readings[1].period, Period::Day);
        assert_eq!(d.findings.len(), 2);
        assert_eq!(
            src.line_col(d.findings[0].finding.primary.unwrap().start).0,
            4
        );
    }

    #[test]
    fn hj212_log_reads_rejects_and_counts_deviations() {
        let data = "QN=20260301010000000;ST=31;CN=2061;PW=1;MN=M1;Flag=4;CP=&&DataTime=20260301050000;a21026-Avg=40,a21026-Flag=N;a19001-Avg=7&&";
        let good = packet::frame(data);
        let no_crlf = good.trim_end().to_string() + "\n";
        let text = format!("{good}garbage line\n{no_crlf}");
        let src = SourceFile::new("d.hj212", text.clone());
        let d = read_hj212(&src, 0);
        assert_eq!(d.records, 2);
        // SO2 and the O2 reading itself (a19001 is in the catalogue), twice.
        let so2: Vec<&Reading> = d.readings.iter().filter(|r| r.code == "SO2").collect();
        assert_eq!((d.readings.len(), so2.len()), (4, 2));
        assert_eq!(so2[0].o2, Some(7.0));
        assert_eq!(&text[so2[0].start as usize..so2[0].end as usize], "40");
        let rules: Vec<(&str, usize)> = d
            .findings
            .iter()
            .map(|f| {
                let at = f.finding.primary.map_or(0, |p| p.start);
                (f.finding.rule.as_str(), src.line_col(at).0)
            })
            .collect();
        assert_eq!(
            rules,
            [
                ("monitor.hj212-rejected", 2),
                ("monitor.hj212-deviation", 3)
            ]
        );
    }
}
