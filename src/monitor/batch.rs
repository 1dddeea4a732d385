//! Readings as columns: what a columnar reader (Parquet) hands to the run
//! instead of one [`Reading`] record per value. A [`Batch`] holds one
//! column per field and the [`Run`]s that cut it into stretches of one
//! target, pollutant and period, in the file's row order; the run feeds
//! each stretch to its series at once (`check::Series::push_run`), which
//! takes a fast path through ordinary hours and the exact per-reading path
//! for everything else.

use super::data::DataFile;
use super::{Period, Reading};
use std::ops::Range;

/// The fields of the readings of a batch, one vector each, all of one length.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Columns {
    /// Hours since 1970-01-01 00:00 ([`Reading::time`]).
    pub time: Vec<i64>,
    pub value: Vec<f64>,
    pub zs: Vec<Option<f64>>,
    pub flag: Vec<u8>,
    pub o2: Vec<Option<f64>>,
    pub flow: Vec<Option<f64>>,
    /// Where the reading is in its file ([`Reading::start`]; for Parquet
    /// the row's index in the file, from 0).
    pub at: Vec<u32>,
    /// [`Reading::end`].
    pub end: Vec<u32>,
}

impl Columns {
    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    pub fn push(&mut self, r: &Reading) {
        self.time.push(r.time);
        self.value.push(r.value);
        self.zs.push(r.zs);
        self.flag.push(r.flag);
        self.o2.push(r.o2);
        self.flow.push(r.flow);
        self.at.push(r.start);
        self.end.push(r.end);
    }
}

/// Consecutive readings of one target, pollutant and period.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// Index into the file's targets.
    pub target: u32,
    /// Catalogue code (the catalogue's own `&'static str`).
    pub code: &'static str,
    pub period: Period,
    /// Indexes into the batch's columns.
    pub rows: Range<usize>,
}

/// Readings of one data file (or one row group of it) as columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// Index of the data file in the run.
    pub file: u32,
    pub cols: Columns,
    pub runs: Vec<Run>,
}

impl Batch {
    /// The reading at row `i` of `run`, as the per-reading path takes it.
    pub fn reading(&self, run: &Run, i: usize) -> Reading {
        let c = &self.cols;
        Reading {
            file: self.file,
            start: c.at[i],
            end: c.end[i],
            time: c.time[i],
            period: run.period,
            target: run.target,
            code: run.code,
            value: c.value[i],
            zs: c.zs[i],
            flag: c.flag[i],
            o2: c.o2[i],
            flow: c.flow[i],
            // Columns hold hourly values as read (Parquet); minute data is
            // recomputed into hours only from HJ 212 logs.
            from_minutes: None,
        }
    }

    /// Every reading, in row order.
    pub fn readings(&self) -> Vec<Reading> {
        self.runs
            .iter()
            .flat_map(|run| run.rows.clone().map(move |i| self.reading(run, i)))
            .collect()
    }

    /// Append a reading, extending the last run when it continues it.
    pub fn push(&mut self, r: &Reading) {
        let i = self.cols.len();
        self.cols.push(r);
        match self.runs.last_mut() {
            Some(run)
                if run.target == r.target
                    && std::ptr::eq(run.code, r.code)
                    && run.period == r.period
                    && run.rows.end == i =>
            {
                run.rows.end = i + 1;
            }
            _ => self.runs.push(Run {
                target: r.target,
                code: r.code,
                period: r.period,
                rows: i..i + 1,
            }),
        }
    }

    /// The readings of a file as columns (tests and benchmarks: the same
    /// data through the columnar path and the per-reading one).
    pub fn of(f: &DataFile) -> Batch {
        let mut b = Batch {
            file: f.readings.first().map_or(0, |r| r.file),
            ..Batch::default()
        };
        for r in &f.readings {
            b.push(r);
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(time: i64, code: &'static str, target: u32) -> Reading {
        Reading {
            file: 3,
            start: time as u32,
            end: time as u32 + 1,
            time,
            period: Period::Hour,
            target,
            code,
            value: 1.0,
            zs: None,
            flag: b'N',
            o2: Some(6.0),
            flow: None,
            from_minutes: None,
        }
    }

    #[test]
    fn runs_cut_where_the_series_changes_and_read_back() {
        let rs = vec![
            r(1, "SO2", 0),
            r(2, "SO2", 0),
            r(1, "NOx", 0),
            r(3, "SO2", 0),
            r(3, "SO2", 1),
        ];
        let mut b = Batch {
            file: 3,
            ..Batch::default()
        };
        for x in &rs {
            b.push(x);
        }
        let lens: Vec<usize> = b.runs.iter().map(|r| r.rows.len()).collect();
        assert_eq!(lens, [2, 1, 1, 1]);
        assert_eq!(b.readings(), rs);
    }
}
