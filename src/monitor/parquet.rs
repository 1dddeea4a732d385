//! Parquet readings as input (`--data`): a file recognised by its `PAR1`
//! magic, with the columns of the exported `readings` table
//! (`docs/scale.md`), read one row group at a time into columns
//! ([`Batch`]) through the `parquet` crate's column readers, so memory
//! follows a row group, not the file. Findings on a row point at the file
//! with the row's number (from 1, across row groups) as the line; the
//! lines are made up when findings are located (`cli::monitor`), since a
//! Parquet file has no lines. A file that cannot be read (truncated, wrong
//! schema, a column of the wrong type) is one finding and the run goes
//! on. A build without the `parquet` feature refuses such a file with a
//! finding.

use super::batch::Batch;
use super::data::DataFile;
use super::{MFinding, finding};
use crate::finding::Severity;
use crate::span::{Source, Span};

/// The first (and last) four bytes of a Parquet file.
pub const MAGIC: &[u8; 4] = b"PAR1";

/// Whether a file starting with `head` is Parquet.
pub fn is_parquet(head: &[u8]) -> bool {
    head.starts_with(MAGIC)
}

const DOC: &str = "docs/monitoring.md (Parquet data)";

/// The columns read: `(name, required)`. The others of the export
/// (`file`, `line`: where the reading came from) are not read.
pub const COLUMNS: &[(&str, bool)] = &[
    ("credit_code", true),
    ("outlet", true),
    ("pollutant", true),
    ("averaging", true),
    ("measured_at", true),
    ("measured", true),
    ("corrected", false),
    ("flag", false),
    ("o2", false),
    ("flow", false),
];

/// A finding on a Parquet file: at the file (`row` 0) or at a row (from 1).
pub fn problem(source: &Source, row: u32, message: String) -> MFinding {
    MFinding::plain(finding(
        "monitor.parquet",
        Severity::Warning,
        source,
        Span::new(row as usize, row as usize),
        message,
        DOC,
    ))
}

/// A file whose only content is one finding at the file.
fn refused(source: &Source, message: String) -> DataFile {
    let mut out = DataFile::empty(source);
    let f = problem(&out.source, 0, message);
    out.findings.push(f);
    out
}

/// The made-up text a Parquet file's findings are located in: line `k`
/// is `row k` when a finding is at row `k` (given in `rows`, from 1),
/// empty otherwise. Returns the text and, per row of `rows`, the byte
/// range of its line.
pub fn row_text(rows: &[u32]) -> (String, Vec<(u32, u32, u32)>) {
    let mut rows: Vec<u32> = rows.iter().copied().filter(|&r| r > 0).collect();
    rows.sort_unstable();
    rows.dedup();
    let last = rows.last().copied().unwrap_or(0) as usize;
    let mut text = String::with_capacity(last + rows.len() * 12);
    let mut at = Vec::with_capacity(rows.len());
    let mut line = 1u32;
    for &r in &rows {
        while line < r {
            text.push('\n');
            line += 1;
        }
        let start = text.len() as u32;
        text.push_str(&format!("row {r}"));
        at.push((r, start, text.len() as u32));
    }
    text.push('\n');
    (text, at)
}

/// An open Parquet file of readings, read a row group at a time.
pub struct ParquetFile {
    #[cfg(feature = "parquet")]
    inner: reader::Reader,
    #[cfg(not(feature = "parquet"))]
    _never: std::convert::Infallible,
}

impl ParquetFile {
    /// Open `path` and check its schema; a file that cannot be read is
    /// the [`DataFile`] of its one finding.
    pub fn open(
        path: &std::path::Path,
        source: &Source,
        file: u32,
    ) -> Result<ParquetFile, Box<DataFile>> {
        #[cfg(feature = "parquet")]
        {
            reader::Reader::open(path, source, file).map(|inner| ParquetFile { inner })
        }
        #[cfg(not(feature = "parquet"))]
        {
            let _ = (path, file);
            Err(Box::new(refused(
                source,
                "a Parquet file, and this build of permitlint reads no Parquet (it was built without the `parquet` feature); the file is not read".into(),
            )))
        }
    }

    /// The next row group: its findings and targets (all targets so far)
    /// as a [`DataFile`] without readings, and its readings as columns.
    /// A row group that cannot be read is a finding and ends the file.
    pub fn next_group(&mut self) -> Option<(DataFile, Batch)> {
        #[cfg(feature = "parquet")]
        {
            self.inner.next_group()
        }
        #[cfg(not(feature = "parquet"))]
        {
            match self._never {}
        }
    }

    /// Rows in the file.
    pub fn rows(&self) -> u64 {
        #[cfg(feature = "parquet")]
        {
            self.inner.rows
        }
        #[cfg(not(feature = "parquet"))]
        {
            match self._never {}
        }
    }
}

#[cfg(feature = "parquet")]
mod reader {
    use super::{COLUMNS, problem, refused};
    use crate::date::Date;
    use crate::monitor::batch::{Batch, Run};
    use crate::monitor::data::{DataFile, resolve};
    use crate::monitor::{Period, Target};
    use crate::span::Source;
    use parquet::basic::{ConvertedType, LogicalType, TimeUnit, Type as Physical};
    use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
    use parquet::data_type::DataType;
    use parquet::file::reader::{ChunkReader, FileReader, Length, RowGroupReader};
    use parquet::file::serialized_reader::SerializedFileReader;
    use rayon::prelude::*;
    use std::fs::File;
    use std::sync::Arc;

    /// Most bad rows listed one by one per file; the rest are counted.
    const MAX_REJECTS: usize = 100;
    /// Values decoded at a time from a column.
    const CHUNK: usize = 4096;

    /// A column's values in a row group.
    enum Col {
        /// Distinct strings (`None`: null) and each row's index into them.
        Text(Vec<Option<Box<[u8]>>>, Vec<u32>),
        Double(Vec<Option<f64>>),
        /// Hours since 1970 (`None`: null).
        Hours(Vec<Option<i64>>),
    }

    #[derive(Clone, Copy)]
    enum Kind {
        Text,
        Double,
        /// INT64 timestamp, this many units an hour.
        Time(i64),
    }

    /// A file read at positions (`pread`), so that columns decoded in
    /// parallel do not share a file offset (`File` as a `ChunkReader`
    /// seeks one offset shared by its clones).
    pub struct At(Arc<File>);

    /// A reader of an [`At`] from a position on.
    pub struct AtRead(Arc<File>, u64);

    fn read_at(f: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
        #[cfg(unix)]
        {
            std::os::unix::fs::FileExt::read_at(f, buf, at)
        }
        #[cfg(windows)]
        {
            std::os::windows::fs::FileExt::seek_read(f, buf, at)
        }
    }

    impl std::io::Read for AtRead {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = read_at(&self.0, buf, self.1)?;
            self.1 += n as u64;
            Ok(n)
        }
    }

    impl Length for At {
        fn len(&self) -> u64 {
            self.0.metadata().map_or(0, |m| m.len())
        }
    }

    impl ChunkReader for At {
        type T = std::io::BufReader<AtRead>;

        fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
            // Page headers are read through it, then a page's bytes: a
            // larger buffer than the default 8 KiB saves system calls.
            Ok(std::io::BufReader::with_capacity(
                64 << 10,
                AtRead(self.0.clone(), start),
            ))
        }

        fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
            let mut buf = vec![0; length];
            let mut done = 0;
            while done < length {
                let n = read_at(&self.0, &mut buf[done..], start + done as u64)
                    .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))?;
                if n == 0 {
                    return Err(parquet::errors::ParquetError::EOF(format!(
                        "{length} bytes at {start}: the file ends first"
                    )));
                }
                done += n;
            }
            Ok(buf.into())
        }
    }

    pub struct Reader {
        file: SerializedFileReader<At>,
        source: Source,
        index: u32,
        /// Leaf column index and kind of each of [`COLUMNS`], when present.
        cols: Vec<Option<(usize, Kind)>>,
        group: usize,
        /// Rows before the current row group.
        row: u32,
        pub rows: u64,
        targets: Vec<Target>,
        bad_rows: usize,
        done: bool,
    }

    fn error(e: parquet::errors::ParquetError) -> String {
        e.to_string()
    }

    impl Reader {
        pub fn open(
            path: &std::path::Path,
            source: &Source,
            index: u32,
        ) -> Result<Reader, Box<DataFile>> {
            let stub = DataFile::empty(source).source;
            let refuse = |m: String| Box::new(refused(&stub, m));
            let f = File::open(path).map_err(|e| refuse(format!("cannot open: {e}")))?;
            let file = guard(|| SerializedFileReader::new(At(Arc::new(f))).map_err(error))
                .map_err(|e| {
                    refuse(format!(
                        "not a readable Parquet file ({e}); the file is not read"
                    ))
                })?;
            let meta = file.metadata();
            let schema = meta.file_metadata().schema_descr();
            let mut cols = Vec::new();
            for &(name, required) in COLUMNS {
                let found = (0..schema.num_columns()).find(|&i| schema.column(i).name() == name);
                let Some(i) = found else {
                    if required {
                        return Err(refuse(format!(
                            "the Parquet file has no `{name}` column; the file is not read"
                        )));
                    }
                    cols.push(None);
                    continue;
                };
                let c = schema.column(i);
                if c.max_rep_level() > 0 {
                    return Err(refuse(format!(
                        "column `{name}` is repeated (a list); the file is not read"
                    )));
                }
                let kind = match (name, c.physical_type()) {
                    ("measured_at", Physical::INT64) => {
                        let unit = match (c.logical_type_ref(), c.converted_type()) {
                            (Some(LogicalType::Timestamp(t)), _) => match t.unit {
                                TimeUnit::MILLIS => Some(3_600_000),
                                TimeUnit::MICROS => Some(3_600_000_000),
                                TimeUnit::NANOS => Some(3_600_000_000_000),
                            },
                            (None, ConvertedType::TIMESTAMP_MILLIS) => Some(3_600_000),
                            (None, ConvertedType::TIMESTAMP_MICROS) => Some(3_600_000_000),
                            _ => None,
                        };
                        match unit {
                            Some(u) => Kind::Time(u),
                            None => {
                                return Err(refuse(
                                    "column `measured_at` is an INT64 but not a TIMESTAMP; the file is not read".into(),
                                ));
                            }
                        }
                    }
                    ("measured" | "corrected" | "o2" | "flow", Physical::DOUBLE) => Kind::Double,
                    (
                        "credit_code" | "outlet" | "pollutant" | "averaging" | "flag",
                        Physical::BYTE_ARRAY,
                    ) => Kind::Text,
                    (_, t) => {
                        let want = match name {
                            "measured_at" => "INT64 TIMESTAMP",
                            "measured" | "corrected" | "o2" | "flow" => "DOUBLE",
                            _ => "BYTE_ARRAY (STRING)",
                        };
                        return Err(refuse(format!(
                            "column `{name}` is {t}, not {want}; the file is not read"
                        )));
                    }
                };
                cols.push(Some((i, kind)));
            }
            let rows = u64::try_from(meta.file_metadata().num_rows()).unwrap_or(0);
            if rows >= u64::from(u32::MAX) {
                return Err(refuse(format!(
                    "{rows} rows: more than this reader numbers; the file is not read"
                )));
            }
            Ok(Reader {
                file,
                source: stub,
                index,
                cols,
                group: 0,
                row: 0,
                rows,
                targets: Vec::new(),
                bad_rows: 0,
                done: false,
            })
        }

        pub fn next_group(&mut self) -> Option<(DataFile, Batch)> {
            if self.done {
                return None;
            }
            let mut out = DataFile::empty(&self.source);
            if self.group >= self.file.num_row_groups() {
                self.done = true;
                if self.bad_rows > MAX_REJECTS {
                    out.findings.push(problem(
                        &self.source,
                        0,
                        format!(
                            "{} more skipped rows are not listed one by one",
                            self.bad_rows - MAX_REJECTS
                        ),
                    ));
                    out.targets = self.targets.clone();
                    return Some((out, Batch::default()));
                }
                return None;
            }
            let g = self.group;
            self.group += 1;
            let decoded = guard(|| {
                let rg = self.file.get_row_group(g).map_err(error)?;
                let n = usize::try_from(rg.metadata().num_rows()).map_err(|e| e.to_string())?;
                let cols: Vec<Option<Col>> = self
                    .cols
                    .par_iter()
                    .map(|c| {
                        c.map(|(i, kind)| decode(rg.as_ref(), i, kind, n))
                            .transpose()
                    })
                    .collect::<Result<_, String>>()?;
                Ok((n, cols))
            });
            let (n, cols) = match decoded {
                Ok(d) => d,
                Err(e) => {
                    self.done = true;
                    out.findings.push(problem(
                        &self.source,
                        0,
                        format!(
                            "row group {} of {} cannot be read ({e}); the rest of the file is not read",
                            g + 1,
                            self.file.num_row_groups()
                        ),
                    ));
                    out.targets = self.targets.clone();
                    return Some((out, Batch::default()));
                }
            };
            let batch = self.rows_of(&mut out, n, cols);
            self.row += n as u32;
            out.targets = self.targets.clone();
            Some((out, batch))
        }

        /// The row group's columns into runs of one target, pollutant and period.
        fn rows_of(&mut self, out: &mut DataFile, n: usize, cols: Vec<Option<Col>>) -> Batch {
            let mut cols = cols.into_iter();
            let mut text = || match cols.next().flatten() {
                Some(Col::Text(d, ids)) => (d, ids),
                _ => (vec![None], vec![0; n]),
            };
            let (credit, credit_ids) = text();
            let (outlet, outlet_ids) = text();
            let (pollutant, pollutant_ids) = text();
            let (averaging, averaging_ids) = text();
            let mut next = || cols.next().flatten();
            let hours = match next() {
                Some(Col::Hours(h)) => h,
                _ => vec![None; n],
            };
            let double = |c: Option<Col>| match c {
                Some(Col::Double(v)) => v,
                _ => vec![None; n],
            };
            let measured = double(next());
            let corrected = double(next());
            let (flags, flag_ids) = match next() {
                Some(Col::Text(d, ids)) => (d, ids),
                _ => (vec![None], vec![0; n]),
            };
            let o2 = double(next());
            let flow = double(next());
            let s = |v: &Option<Box<[u8]>>| {
                v.as_deref()
                    .map(|b| String::from_utf8_lossy(b).trim().to_string())
                    .filter(|s| !s.is_empty())
            };
            // Per distinct value: the pollutant's code, the period, the flag byte.
            let codes: Vec<Option<&'static str>> = pollutant
                .iter()
                .map(|p| s(p).and_then(|p| resolve(&p)).map(|p| p.code))
                .collect();
            let periods: Vec<Option<Period>> = averaging
                .iter()
                .map(|a| match s(a).as_deref() {
                    Some("hour") => Some(Period::Hour),
                    Some("day") => Some(Period::Day),
                    _ => None,
                })
                .collect();
            let flag_bytes: Vec<u8> = flags
                .iter()
                .map(|f| s(f).and_then(|f| f.bytes().next()).unwrap_or(b'N'))
                .collect();
            // (credit id, outlet id) → target, found from the last one.
            let mut target_of: Vec<((u32, u32), Option<u32>)> = Vec::new();
            let (lo, hi) = (
                Date::new(1000, 1, 1).map_or(0, |d| d.days() * 24),
                Date::new(9999, 12, 31).map_or(0, |d| d.days() * 24 + 23),
            );
            let mut batch = Batch {
                file: self.index,
                ..Batch::default()
            };
            let c = &mut batch.cols;
            c.time.reserve(n);
            c.value.reserve(n);
            c.zs.reserve(n);
            c.flag.reserve(n);
            c.o2.reserve(n);
            c.flow.reserve(n);
            c.at.reserve(n);
            c.end.reserve(n);
            let mut last_key = (u32::MAX, u32::MAX, u32::MAX, u32::MAX);
            let mut last_run: Option<(u32, &'static str, Period)> = None;
            for i in 0..n {
                let row = self.row + i as u32 + 1;
                let key = (
                    credit_ids[i],
                    outlet_ids[i],
                    pollutant_ids[i],
                    averaging_ids[i],
                );
                let run = if key == last_key
                    && let Some(run) = last_run
                {
                    Ok(run)
                } else {
                    let t = match target_of.iter().find(|t| t.0 == (key.0, key.1)) {
                        Some(t) => t.1,
                        None => {
                            let t = s(&outlet[key.1 as usize]).map(|o| {
                                let t = Target::Outlet {
                                    credit_code: s(&credit[key.0 as usize]),
                                    outlet: o,
                                };
                                match self.targets.iter().position(|x| *x == t) {
                                    Some(k) => k as u32,
                                    None => {
                                        self.targets.push(t);
                                        (self.targets.len() - 1) as u32
                                    }
                                }
                            });
                            target_of.push(((key.0, key.1), t));
                            t
                        }
                    };
                    match (t, codes[key.2 as usize], periods[key.3 as usize]) {
                        (None, _, _) => Err("no `outlet`".to_string()),
                        (_, None, _) => Err(format!(
                            "pollutant `{}` is not in the catalogue",
                            s(&pollutant[key.2 as usize]).unwrap_or_default()
                        )),
                        (_, _, None) => Err(format!(
                            "`averaging` `{}` is neither `hour` nor `day`",
                            s(&averaging[key.3 as usize]).unwrap_or_default()
                        )),
                        (Some(t), Some(c), Some(p)) => {
                            last_key = key;
                            last_run = Some((t, c, p));
                            Ok((t, c, p))
                        }
                    }
                };
                let checked = run.and_then(|run| {
                    let hour = hours[i].ok_or("`measured_at` is null")?;
                    if !(lo..=hi).contains(&hour) {
                        return Err("`measured_at` is not between the years 1000 and 9999".into());
                    }
                    let value = measured[i]
                        .filter(|v| v.is_finite())
                        .ok_or("`measured` is null or not a number")?;
                    Ok((run, hour, value))
                });
                let ((target, code, period), hour, value) = match checked {
                    Ok(x) => x,
                    Err(why) => {
                        self.bad_rows += 1;
                        if self.bad_rows <= MAX_REJECTS {
                            out.findings.push(problem(
                                &self.source,
                                row,
                                format!("row skipped: {why}"),
                            ));
                        }
                        continue;
                    }
                };
                out.records += 1;
                let time = match period {
                    Period::Hour => hour,
                    Period::Day => hour.div_euclid(24) * 24,
                };
                let k = batch.cols.len();
                let c = &mut batch.cols;
                c.time.push(time);
                c.value.push(value);
                c.zs.push(corrected[i]);
                c.flag.push(flag_bytes[flag_ids[i] as usize]);
                c.o2.push(o2[i]);
                c.flow.push(flow[i]);
                c.at.push(row);
                c.end.push(row);
                match batch.runs.last_mut() {
                    Some(r)
                        if r.rows.end == k
                            && r.target == target
                            && std::ptr::eq(r.code, code)
                            && r.period == period =>
                    {
                        r.rows.end = k + 1;
                    }
                    _ => batch.runs.push(Run {
                        target,
                        code,
                        period,
                        rows: k..k + 1,
                    }),
                }
            }
            batch
        }
    }

    /// Run `f`, turning a panic of the Parquet decoder on a hostile file
    /// into an error: nothing in a data file may end the run.
    fn guard<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .unwrap_or_else(|_| Err("the Parquet decoder failed on this file".into()))
    }

    /// Every value of leaf column `i` of a row group of `n` rows.
    fn decode(rg: &dyn RowGroupReader, i: usize, kind: Kind, n: usize) -> Result<Col, String> {
        let max_def = rg.metadata().column(i).column_descr().max_def_level();
        let reader = rg.get_column_reader(i).map_err(error)?;
        match (kind, reader) {
            (Kind::Double, ColumnReader::DoubleColumnReader(r)) => {
                let mut v = Vec::with_capacity(n);
                each(r, n, max_def, |x| v.push(x.copied()))?;
                Ok(Col::Double(v))
            }
            (Kind::Time(per_hour), ColumnReader::Int64ColumnReader(r)) => {
                let mut v = Vec::with_capacity(n);
                each(r, n, max_def, |x| v.push(x.map(|t| t.div_euclid(per_hour))))?;
                Ok(Col::Hours(v))
            }
            (Kind::Text, ColumnReader::ByteArrayColumnReader(r)) => {
                // A chunk whose exact statistics state one value and no
                // null holds that value in every row: not decoded.
                let chunk = rg.metadata().column(i);
                if let Some(st) = chunk.statistics()
                    && !st.is_min_max_deprecated()
                    && st.min_is_exact()
                    && st.max_is_exact()
                    && st.null_count_opt() == Some(0)
                    && usize::try_from(chunk.num_values()).is_ok_and(|v| v == n)
                    && let (Some(lo), Some(hi)) = (st.min_bytes_opt(), st.max_bytes_opt())
                    && lo == hi
                {
                    return Ok(Col::Text(vec![Some(Box::from(lo))], vec![0; n]));
                }
                let mut dict: Vec<Option<Box<[u8]>>> = Vec::new();
                let mut ids = Vec::with_capacity(n);
                let mut last: Option<u32> = None;
                each(r, n, max_def, |x| {
                    let b = x.map(|b| b.data());
                    let same = last.filter(|&l| dict[l as usize].as_deref() == b);
                    let id = match same {
                        Some(l) => l,
                        None => {
                            let id = match dict.iter().position(|d| d.as_deref() == b) {
                                Some(k) => k as u32,
                                None => {
                                    dict.push(b.map(Box::from));
                                    (dict.len() - 1) as u32
                                }
                            };
                            last = Some(id);
                            id
                        }
                    };
                    ids.push(id);
                })?;
                Ok(Col::Text(dict, ids))
            }
            _ => Err(format!("column {i} is not of the type its schema states")),
        }
    }

    /// Call `f` with each of the `n` values of a column (`None`: null).
    fn each<T: DataType>(
        mut r: ColumnReaderImpl<T>,
        n: usize,
        max_def: i16,
        mut f: impl FnMut(Option<&T::T>),
    ) -> Result<(), String> {
        let mut defs: Vec<i16> = Vec::with_capacity(CHUNK);
        let mut vals: Vec<T::T> = Vec::with_capacity(CHUNK);
        let mut done = 0;
        while done < n {
            defs.clear();
            vals.clear();
            let want = (n - done).min(CHUNK);
            let (records, values, _) = r
                .read_records(want, Some(&mut defs), None, &mut vals)
                .map_err(error)?;
            if records == 0 {
                return Err(format!("the column ends after {done} of {n} rows"));
            }
            if max_def == 0 {
                if values < records || vals.len() < records {
                    return Err("a column holds fewer values than rows".into());
                }
                vals[..records].iter().for_each(|v| f(Some(v)));
            } else {
                let mut k = 0;
                for &d in defs.iter().take(records) {
                    if d == max_def {
                        let v = vals
                            .get(k)
                            .ok_or("a column holds fewer values than its levels state")?;
                        f(Some(v));
                        k += 1;
                    } else {
                        f(None);
                    }
                }
            }
            done += records;
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "parquet"))]
mod read_tests {
    use super::*;
    use crate::monitor::Period;
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use std::sync::Arc;

    /// A column of a test file: strings or doubles (`None`: null), or times in ms.
    enum C {
        S(Vec<Option<&'static str>>),
        D(Vec<Option<f64>>),
        T(Vec<i64>),
    }

    /// Write `groups` (each a list of columns) as row groups of one file.
    fn write(schema: &str, groups: Vec<Vec<C>>) -> Vec<u8> {
        let schema = Arc::new(parse_message_type(schema).unwrap());
        let props = Arc::new(WriterProperties::builder().build());
        let mut w = SerializedFileWriter::new(Vec::new(), schema, props).unwrap();
        for cols in groups {
            let mut rg = w.next_row_group().unwrap();
            let mut cols = cols.into_iter();
            while let Some(mut c) = rg.next_column().unwrap() {
                match cols.next().unwrap() {
                    C::S(v) => {
                        let vals: Vec<ByteArray> =
                            v.iter().flatten().map(|s| ByteArray::from(*s)).collect();
                        c.typed::<ByteArrayType>()
                            .write_batch(&vals, Some(&defs(&v)[..]), None)
                            .unwrap();
                    }
                    C::D(v) => {
                        let vals: Vec<f64> = v.iter().flatten().copied().collect();
                        c.typed::<DoubleType>()
                            .write_batch(&vals, Some(&defs(&v)[..]), None)
                            .unwrap();
                    }
                    C::T(v) => {
                        c.typed::<Int64Type>().write_batch(&v, None, None).unwrap();
                    }
                }
                c.close().unwrap();
            }
            rg.close().unwrap();
        }
        w.into_inner().unwrap()
    }

    fn defs<T>(v: &[Option<T>]) -> Vec<i16> {
        v.iter().map(|x| i16::from(x.is_some())).collect()
    }

    const SCHEMA: &str = "message readings {
        OPTIONAL BINARY credit_code (STRING); OPTIONAL BINARY outlet (STRING);
        OPTIONAL BINARY pollutant (STRING); OPTIONAL BINARY averaging (STRING);
        REQUIRED INT64 measured_at (TIMESTAMP(MILLIS,false));
        OPTIONAL DOUBLE measured; OPTIONAL BINARY flag (STRING); }";

    const H: i64 = 3_600_000;

    fn group(
        hours: &[i64],
        values: Vec<Option<f64>>,
        pollutant: Vec<Option<&'static str>>,
    ) -> Vec<C> {
        let n = hours.len();
        vec![
            C::S(vec![Some("91X"); n]),
            C::S(vec![Some("DA001"); n]),
            C::S(pollutant),
            C::S(vec![Some("hour"); n]),
            C::T(hours.iter().map(|h| h * H).collect()),
            C::D(values),
            C::S(vec![Some("N"); n]),
        ]
    }

    /// Every row group of a file: findings (row, message) and readings.
    fn read(bytes: &[u8]) -> (Vec<(u32, String)>, Vec<crate::monitor::Reading>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.parquet");
        std::fs::write(&path, bytes).unwrap();
        let src = crate::span::SourceFile::new("r.parquet", "");
        let mut findings = Vec::new();
        let mut readings = Vec::new();
        let mut take = |d: DataFile| {
            for f in d.findings {
                assert_eq!(f.finding.rule, "monitor.parquet");
                findings.push((f.finding.primary.unwrap().start, f.finding.message));
            }
        };
        match ParquetFile::open(&path, &src, 7) {
            Err(d) => take(*d),
            Ok(mut p) => {
                while let Some((d, b)) = p.next_group() {
                    readings.extend(b.readings());
                    take(d);
                }
            }
        }
        (findings, readings)
    }

    #[test]
    fn row_groups_read_into_runs_with_row_numbers() {
        let bytes = write(
            SCHEMA,
            vec![
                group(
                    &[10, 11, 10],
                    vec![Some(1.0), Some(2.0), Some(3.0)],
                    vec![Some("SO2"), Some("SO2"), Some("NOx")],
                ),
                group(&[12], vec![Some(4.0)], vec![Some("a21026")]),
            ],
        );
        let (findings, readings) = read(&bytes);
        assert!(findings.is_empty(), "{findings:?}");
        let got: Vec<(u32, i64, &str, f64, u32)> = readings
            .iter()
            .map(|r| (r.start, r.time, r.code, r.value, r.file))
            .collect();
        assert_eq!(
            got,
            [
                (1, 10, "SO2", 1.0, 7),
                (2, 11, "SO2", 2.0, 7),
                (3, 10, "NOx", 3.0, 7),
                (4, 12, "SO2", 4.0, 7)
            ]
        );
        assert!(
            readings
                .iter()
                .all(|r| r.period == Period::Hour && r.flag == b'N' && r.o2.is_none())
        );
    }

    #[test]
    fn bad_rows_are_findings_at_their_row() {
        let bytes = write(
            SCHEMA,
            vec![group(
                &[10, 11, 12, 13],
                vec![Some(1.0), None, Some(f64::NAN), Some(2.0)],
                vec![Some("SO2"), Some("SO2"), Some("SO2"), Some("unobtainium")],
            )],
        );
        let (findings, readings) = read(&bytes);
        assert_eq!(readings.len(), 1);
        let rows: Vec<u32> = findings.iter().map(|f| f.0).collect();
        assert_eq!(rows, [2, 3, 4], "{findings:?}");
        assert!(findings[2].1.contains("unobtainium"));
    }

    #[test]
    fn bad_files_are_one_finding_at_the_file() {
        let good = write(
            SCHEMA,
            vec![group(&[10], vec![Some(1.0)], vec![Some("SO2")])],
        );
        let missing = write(
            "message m { OPTIONAL BINARY outlet (STRING); }",
            vec![vec![C::S(vec![Some("DA001")])]],
        );
        let wrong_type = write(
            "message m { OPTIONAL BINARY credit_code (STRING); OPTIONAL BINARY outlet (STRING);
             OPTIONAL BINARY pollutant (STRING); OPTIONAL BINARY averaging (STRING);
             REQUIRED INT64 measured_at (TIMESTAMP(MILLIS,false)); OPTIONAL BINARY measured (STRING); }",
            vec![vec![
                C::S(vec![Some("9")]),
                C::S(vec![Some("DA001")]),
                C::S(vec![Some("SO2")]),
                C::S(vec![Some("hour")]),
                C::T(vec![0]),
                C::S(vec![Some("1")]),
            ]],
        );
        let mut truncated = good.clone();
        truncated.truncate(good.len() / 2);
        let mut body_cut = good.clone();
        // The footer kept, a page's bytes overwritten.
        for b in &mut body_cut[4..good.len() / 3] {
            *b = 0xff;
        }
        for (bytes, says) in [
            (missing, "no `credit_code` column"),
            (wrong_type, "column `measured` is BYTE_ARRAY, not DOUBLE"),
            (truncated, "not a readable Parquet file"),
            (b"PAR1".to_vec(), "not a readable Parquet file"),
            (body_cut, "cannot be read"),
        ] {
            let (findings, readings) = read(&bytes);
            assert!(readings.is_empty());
            assert_eq!(findings.len(), 1, "{findings:?}");
            assert_eq!(findings[0].0, 0);
            assert!(findings[0].1.contains(says), "{findings:?} lacks {says}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_lines() {
        let (text, at) = row_text(&[3, 1, 3]);
        assert_eq!(text, "row 1\n\nrow 3\n");
        assert_eq!(at, [(1, 0, 5), (3, 7, 12)]);
        let src = crate::span::SourceFile::new("x.parquet", text);
        assert_eq!(src.line_col(7).0, 3);
        assert!(is_parquet(b"PAR1\x15\x00"));
        assert!(!is_parquet(b"##0100"));
    }
}
