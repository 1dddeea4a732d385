//! The readings table, written as data files come: each matched reading a
//! fixed-size record spilled by partition, then every partition read back,
//! sorted and written.

use super::*;

/// Bytes of one reading spilled to disk (see [`Exporter`]).
const RECORD: usize = 4 + 1 + 8 + 8 + 8 + 1 + 8 + 8 + 4 + 4;
/// Spilled bytes held in memory before they are appended to their
/// partitions' files.
const SPILL_BUDGET: usize = 16 << 20;

/// One partition's spilled readings: what is still in memory, and whether
/// some are in its file already.
pub(super) struct Spill {
    /// Names the partition's temporary file.
    id: usize,
    buf: Vec<u8>,
    pub(super) on_disk: bool,
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
    pub(super) spill_dir: std::path::PathBuf,
    /// (permit, outlet, pollutant) of every series seen, by index.
    series: Vec<(usize, usize, &'static str)>,
    series_index: FxHashMap<(usize, usize, &'static str), u32>,
    /// Data file names by index.
    files: Vec<String>,
    pub(super) parts: BTreeMap<Partition, Spill>,
    buffered: usize,
    /// [`SPILL_BUDGET`]; tests set less.
    pub(super) budget: usize,
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
                crate::monitor::run::resolve_target(t, self.permits, &self.by_credit, self.devices)
                    .ok()
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
pub(super) struct LineCounter {
    at: usize,
    line: usize,
}

impl LineCounter {
    pub(super) fn line(&mut self, text: &str, offset: usize) -> usize {
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
