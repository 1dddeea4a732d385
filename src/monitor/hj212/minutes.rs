//! Minute data (HJ 212 CN 2051) recomputed into hourly means, as the data
//! acquisition system would: an hour is valid when its valid minute values
//! cover at least [`MIN_VALID_MINUTES`] minutes (HJ 76-2017 附录 B), and its
//! mean is the arithmetic mean of those values. The interval of the minute
//! data is read from the data (the smallest gap between two of a series'
//! minute stamps), not assumed. An hour that has an hourly packet (CN 2061)
//! in the same file keeps it; the minutes only check it
//! ([`Outcome::mismatches`]).
//!
//! Works per file: the reader hands every minute value over as it reads it
//! ([`Minutes::push`]) and takes the computed hours at the end
//! ([`Minutes::finish`]). docs/monitoring.md has the rules and their sources.

use crate::finding::Severity;
use crate::monitor::check::is_valid_flag;
use crate::monitor::data::DataFile;
use crate::monitor::{FromMinutes, MFinding, Period, Reading, finding, iso_time};
use crate::span::{Source, Span};
use rustc_hash::FxHashMap;

/// HJ 76-2017 附录 B: an hourly value needs at least 45 minutes of valid
/// minute data [2nd: the appendix as quoted by a CEMS vendor].
pub const MIN_VALID_MINUTES: u32 = 45;

/// The data flag of an hour computed from minutes whose valid values cover
/// fewer than [`MIN_VALID_MINUTES`] minutes: excluded like a flagged hour,
/// counted under its own reason. Not a flag of HJ 212.
pub const FEW_MINUTES: u8 = b'<';

/// Relative tolerance between an hourly packet and the mean of the same
/// hour's valid minute values, on top of one unit of the last decimal the
/// hourly packet writes (this project's threshold, docs/monitoring.md).
pub const MISMATCH_TOLERANCE: f64 = 0.05;

/// Where a value is in the file, and what it says.
#[derive(Clone, Copy, Debug)]
struct Minute {
    /// Minute of the hour (0–59).
    minute: u8,
    value: f64,
    zs: Option<f64>,
    o2: Option<f64>,
    flow: Option<f64>,
    valid: bool,
    start: u32,
    end: u32,
}

/// One hour of one series: its minute values in the order read (the first
/// value of a minute counts).
#[derive(Default)]
struct Hour {
    /// Minutes seen, a bit each.
    seen: u64,
    values: Vec<Minute>,
}

/// What one minute value carries; the reader fills it from a CN 2051 packet.
#[derive(Clone, Copy, Debug)]
pub struct MinuteValue {
    pub target: u32,
    pub code: &'static str,
    /// Hours since 1970 (as [`Reading::time`]) and the minute within it.
    pub hour: i64,
    pub minute: u8,
    pub value: f64,
    pub zs: Option<f64>,
    pub flag: u8,
    pub o2: Option<f64>,
    pub flow: Option<f64>,
    /// Byte range of the value in the file.
    pub start: u32,
    pub end: u32,
}

/// An hourly packet that the same hour's minutes do not support.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// Index into the readings handed to [`Minutes::finish`].
    pub reading: usize,
    /// The mean of the valid minute values (when they cover 45 minutes).
    pub mean: Option<f64>,
    pub values: u32,
    pub valid_minutes: u32,
    pub interval: u32,
}

pub struct Outcome {
    /// Hours computed from minutes (no hourly packet in the file), in the
    /// order of (series, hour).
    pub hours: Vec<Reading>,
    pub mismatches: Vec<Mismatch>,
}

/// Minute values of one file, by series and hour.
#[derive(Default)]
pub struct Minutes {
    hours: FxHashMap<(u32, &'static str, i64), Hour>,
}

/// Minutes the values `ms` of an hour cover at `interval` minutes each, each
/// cut at the end of the hour.
fn covered<'m>(interval: u32, ms: impl Iterator<Item = &'m Minute>) -> u32 {
    ms.map(|m| interval.min(60 - u32::from(m.minute))).sum()
}

/// Decimal places written in a number (`31.25` → 2).
fn decimals(text: &str) -> u32 {
    text.split_once('.').map_or(0, |(_, d)| {
        d.bytes().take_while(u8::is_ascii_digit).count() as u32
    })
}

impl Minutes {
    pub fn is_empty(&self) -> bool {
        self.hours.is_empty()
    }

    pub fn push(&mut self, m: MinuteValue) {
        let minute = m.minute.min(59);
        let hour = self.hours.entry((m.target, m.code, m.hour)).or_default();
        let bit = 1u64 << minute;
        if hour.seen & bit != 0 {
            return; // the same minute twice: the first value counts
        }
        hour.seen |= bit;
        hour.values.push(Minute {
            minute,
            value: m.value,
            zs: m.zs,
            o2: m.o2,
            flow: m.flow,
            valid: is_valid_flag(m.flag),
            start: m.start,
            end: m.end,
        });
    }

    /// The hours computed from the minutes of file `file`, given its text
    /// and the readings of its other packets (`hourly`): an hour with an
    /// hourly packet keeps it, and its minutes only check it (its value is
    /// read again in `text` for the decimals it was written with).
    pub fn finish(self, file: u32, text: &str, hourly: &[Reading]) -> Outcome {
        let mut keys: Vec<(u32, &'static str, i64)> = self.hours.keys().copied().collect();
        keys.sort_unstable();
        // The interval of each series: the smallest gap between two of its
        // minute stamps, in time order (a gap over an hour boundary counts).
        let mut interval: FxHashMap<(u32, &'static str), u32> = FxHashMap::default();
        let mut prev: Option<((u32, &'static str), i64)> = None;
        for k in &keys {
            let series = (k.0, k.1);
            let seen = self.hours[k].seen;
            for minute in 0..60 {
                if seen & (1u64 << minute) == 0 {
                    continue;
                }
                let at = k.2 * 60 + minute;
                if let Some((s, p)) = prev
                    && s == series
                {
                    let gap = (at - p).clamp(1, 60) as u32;
                    let e = interval.entry(series).or_insert(gap);
                    *e = (*e).min(gap);
                }
                prev = Some((series, at));
            }
        }
        let packets: FxHashMap<(u32, &'static str, i64), usize> = hourly
            .iter()
            .enumerate()
            .filter(|(_, r)| r.period == Period::Hour && r.from_minutes.is_none())
            .map(|(i, r)| ((r.target, r.code, r.time), i))
            .rev() // the first packet of an hour is the one that counts
            .collect();
        let mut out = Outcome {
            hours: Vec::new(),
            mismatches: Vec::new(),
        };
        for k in keys {
            let h = &self.hours[&k];
            // One value alone tells no interval: it counts as one minute.
            let iv = interval.get(&(k.0, k.1)).copied().unwrap_or(1);
            let valid: Vec<&Minute> = h.values.iter().filter(|m| m.valid).collect();
            let valid_minutes = covered(iv, valid.iter().copied());
            let all_minutes = covered(iv, h.values.iter());
            let n = valid.len();
            let mean_of = |f: &dyn Fn(&Minute) -> Option<f64>| {
                let xs: Vec<f64> = valid.iter().filter_map(|m| f(m)).collect();
                (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
            };
            let mean = (n > 0).then(|| valid.iter().map(|m| m.value).sum::<f64>() / n as f64);
            let enough = valid_minutes >= MIN_VALID_MINUTES;
            if let Some(&i) = packets.get(&k) {
                let r = &hourly[i];
                if !is_valid_flag(r.flag) {
                    continue; // a flagged hour claims nothing
                }
                let written = text.get(r.start as usize..r.end as usize).unwrap_or("");
                let unit = 10f64.powi(-(decimals(written).min(12) as i32));
                let differs = match (enough, mean) {
                    (true, Some(m)) => {
                        (r.value - m).abs() > MISMATCH_TOLERANCE * r.value.abs() + unit
                    }
                    // Valid, though its own minutes, flagged ones
                    // included, cover the hour and too few are valid.
                    _ => all_minutes >= MIN_VALID_MINUTES,
                };
                if differs {
                    out.mismatches.push(Mismatch {
                        reading: i,
                        mean: mean.filter(|_| enough),
                        values: n as u32,
                        valid_minutes,
                        interval: iv,
                    });
                }
                continue;
            }
            // Located at the last valid minute value, else the last one.
            let at = valid
                .iter()
                .copied()
                .max_by_key(|m| (m.minute, m.start))
                .or_else(|| h.values.iter().max_by_key(|m| (m.minute, m.start)));
            let Some(at) = at else {
                continue;
            };
            out.hours.push(Reading {
                file,
                start: at.start,
                end: at.end,
                time: k.2,
                period: Period::Hour,
                target: k.0,
                code: k.1,
                value: mean.unwrap_or_else(|| {
                    h.values.iter().map(|m| m.value).sum::<f64>() / h.values.len().max(1) as f64
                }),
                zs: if valid.iter().all(|m| m.zs.is_some()) {
                    mean_of(&|m| m.zs)
                } else {
                    None
                },
                flag: if enough { b'N' } else { FEW_MINUTES },
                o2: mean_of(&|m| m.o2),
                flow: mean_of(&|m| m.flow),
                from_minutes: Some(FromMinutes {
                    values: n.min(255) as u8,
                    interval: iv.min(255) as u8,
                    minutes: valid_minutes.min(255) as u8,
                }),
            });
        }
        out
    }
}

pub const MISMATCH_BASIS: &str = "HJ 76-2017 附录 B (an hourly value is the mean of at least 45 minutes of valid minute data); this project's tolerance (docs/monitoring.md)";

/// Finish a file's minutes into `out`: the computed hours join its
/// readings (all of them then in time order, so an annual total crosses
/// its limit at the right hour), and each hourly packet its minutes do not
/// support is a `monitor.minute-mismatch` warning at its value.
pub fn merge(minutes: Minutes, file: u32, text: &str, source: &Source, out: &mut DataFile) {
    let done = minutes.finish(file, text, &out.readings);
    for m in &done.mismatches {
        let r = &out.readings[m.reading];
        let hour = iso_time(r.time);
        let detail = match m.mean {
            Some(mean) => format!(
                "its {} valid minute value{} ({}-minute interval) average {}",
                m.values,
                if m.values == 1 { "" } else { "s" },
                m.interval,
                crate::units::format_number((mean * 1000.0).round() / 1000.0)
            ),
            None => format!(
                "its minute values cover the hour but only {} minutes are valid ({MIN_VALID_MINUTES} needed)",
                m.valid_minutes
            ),
        };
        let mut f = finding(
            "monitor.minute-mismatch",
            Severity::Warning,
            source,
            Span::new(r.start as usize, r.end as usize),
            format!(
                "{} hourly packet at {hour} states {} but the same hour's minute data does not support it: {detail}; the hourly packet is the one checked",
                r.code,
                crate::units::format_number(r.value)
            ),
            MISMATCH_BASIS,
        );
        f.help = Some("a DAS that reports an hourly mean its own minutes do not give is a lead: compare the DAS's records".into());
        out.findings.push(MFinding {
            finding: f,
            outlet: None,
            pollutant: Some(r.code.to_string()),
            time: Some(hour),
            related: None,
        });
    }
    if !done.hours.is_empty() {
        out.readings.extend(done.hours);
        // Stable: readings of one hour keep their line order.
        out.readings.sort_by_key(|r| r.time);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::data::read_hj212;
    use crate::monitor::hj212::packet::frame;
    use crate::span::SourceFile;

    /// A packet of command `cn` at `time` (`YYYYMMDDhhmmss`) with SO2 `value` and `flag`.
    fn packet(cn: &str, time: &str, value: &str, flag: &str) -> String {
        frame(&format!(
            "QN={time}000;ST=31;CN={cn};PW=1;MN=M1;Flag=4;CP=&&DataTime={time};a21026-Avg={value},a21026-Flag={flag};a19001-Avg=6,a19001-Flag=N&&"
        ))
    }

    /// Minute packets of hour 05 on 2026-03-02 at `every` minutes, values and flags given.
    fn minutes(every: u32, values: &[(&str, &str)]) -> String {
        values
            .iter()
            .enumerate()
            .map(|(i, (v, f))| {
                let m = i as u32 * every;
                packet("2051", &format!("2026030205{m:02}00"), v, f)
            })
            .collect()
    }

    fn read(text: &str) -> (DataFile, Vec<Reading>) {
        let d = read_hj212(&SourceFile::new("m.hj212", text), 0);
        let so2 = d
            .readings
            .iter()
            .filter(|r| r.code == "SO2")
            .cloned()
            .collect();
        (d, so2)
    }

    fn rules(d: &DataFile) -> Vec<&str> {
        d.findings.iter().map(|f| f.finding.rule.as_str()).collect()
    }

    #[test]
    fn ten_minute_data_gives_the_hourly_mean_at_the_last_valid_minute() {
        let text = minutes(
            10,
            &[
                ("10", "N"),
                ("20", "N"),
                ("30", "N"),
                ("40", "N"),
                ("50", "N"),
                ("60", "M"),
            ],
        );
        let (d, so2) = read(&text);
        assert_eq!(so2.len(), 1, "one hour from six minute packets");
        let r = &so2[0];
        assert_eq!(r.value, 30.0, "the mean of the five valid values");
        assert_eq!(r.flag, b'N');
        assert_eq!(r.time % 24, 5);
        assert_eq!(
            r.from_minutes,
            Some(FromMinutes {
                values: 5,
                interval: 10,
                minutes: 50
            })
        );
        // The fifth packet (minute 40) is the last valid one.
        let line = text[..r.start as usize].matches('\n').count() + 1;
        assert_eq!((line, &text[r.start as usize..r.end as usize]), (5, "50"));
        assert!(rules(&d).is_empty(), "{:?}", rules(&d));
    }

    #[test]
    fn fewer_than_45_valid_minutes_make_the_hour_invalid() {
        // Four valid 10-minute values: 40 minutes.
        let (_, so2) = read(&minutes(
            10,
            &[
                ("10", "N"),
                ("20", "N"),
                ("30", "D"),
                ("40", "N"),
                ("50", "N"),
                ("60", "D"),
            ],
        ));
        assert_eq!(so2.len(), 1);
        assert_eq!(so2[0].flag, FEW_MINUTES);
        assert!(!is_valid_flag(so2[0].flag));
        // Nine valid 5-minute values are 45 minutes: valid.
        let nine: Vec<(&str, &str)> = (0..9).map(|_| ("7", "N")).collect();
        let (_, so2) = read(&minutes(5, &nine));
        assert_eq!((so2[0].flag, so2[0].value), (b'N', 7.0));
        // 44 one-minute values are not; 45 are.
        let v44: Vec<(&str, &str)> = (0..44).map(|_| ("1", "N")).collect();
        assert_eq!(read(&minutes(1, &v44)).1[0].flag, FEW_MINUTES);
        let v45: Vec<(&str, &str)> = (0..45).map(|_| ("1", "N")).collect();
        assert_eq!(read(&minutes(1, &v45)).1[0].flag, b'N');
        // A single value tells no interval: one minute, invalid.
        assert_eq!(read(&minutes(10, &[("9", "N")])).1[0].flag, FEW_MINUTES);
    }

    #[test]
    fn the_interval_is_read_from_the_time_stamps() {
        let at = |stamps: &[&str]| -> String {
            stamps.iter().map(|t| packet("2051", t, "4", "N")).collect()
        };
        // 15-minute data, the last value missing: three values cover 45 minutes.
        let (_, so2) = read(&at(&["20260302050000", "20260302051500", "20260302053000"]));
        assert_eq!(so2[0].flag, b'N');
        assert_eq!(
            so2[0].from_minutes.map(|m| (m.interval, m.minutes)),
            Some((15, 45))
        );
        // Two of them cover 30: invalid.
        let (_, so2) = read(&at(&["20260302050000", "20260302051500"]));
        assert_eq!(so2[0].flag, FEW_MINUTES);
        // One value at 05:50 after full 10-minute data in hour 04: the
        // series' interval (10) counts for it too.
        let mut stamps: Vec<String> = (0..6)
            .map(|i| format!("2026030204{:02}00", i * 10))
            .collect();
        stamps.push("20260302055000".into());
        let refs: Vec<&str> = stamps.iter().map(String::as_str).collect();
        let (_, so2) = read(&at(&refs));
        assert_eq!(so2.len(), 2);
        assert_eq!(so2[0].from_minutes.map(|m| m.minutes), Some(60));
        assert_eq!(
            so2[1].from_minutes.map(|m| (m.interval, m.minutes)),
            Some((10, 10))
        );
        // A value near the end of the hour covers only what is left of it.
        let (_, so2) = read(&at(&["20260302050000", "20260302053000", "20260302055500"]));
        assert_eq!(so2[0].from_minutes.map(|m| m.minutes), Some(25 + 25 + 5));
    }

    #[test]
    fn an_hourly_packet_counts_and_is_checked_against_its_minutes() {
        let six = [
            ("10", "N"),
            ("20", "N"),
            ("30", "N"),
            ("40", "N"),
            ("50", "N"),
            ("60", "N"),
        ];
        // Agreeing (mean 35): the hourly packet alone is read, nothing said.
        let text = minutes(10, &six) + &packet("2061", "20260302050000", "35", "N");
        let (d, so2) = read(&text);
        assert_eq!(so2.len(), 1);
        assert_eq!((so2[0].value, so2[0].from_minutes), (35.0, None));
        assert!(rules(&d).is_empty(), "{:?}", rules(&d));
        // Disagreeing beyond 5 % + 1: a warning at the hourly value.
        let text = minutes(10, &six) + &packet("2061", "20260302050000", "20", "N");
        let (d, so2) = read(&text);
        assert_eq!((so2.len(), so2[0].value), (1, 20.0));
        assert_eq!(rules(&d), ["monitor.minute-mismatch"]);
        let f = &d.findings[0].finding;
        assert_eq!(&text[f.primary.unwrap().start as usize..][..2], "20");
        assert!(f.message.contains("average 35"), "{}", f.message);
        // Within the tolerance (36.5 against 35): nothing.
        let text = minutes(10, &six) + &packet("2061", "20260302050000", "36.5", "N");
        assert!(rules(&read(&text).0).is_empty());
        // Valid hourly packet, but its minutes are mostly flagged D.
        let flagged = [
            ("10", "D"),
            ("20", "D"),
            ("30", "D"),
            ("40", "N"),
            ("50", "N"),
            ("60", "N"),
        ];
        let text = minutes(10, &flagged) + &packet("2061", "20260302050000", "50", "N");
        let (d, _) = read(&text);
        assert_eq!(rules(&d), ["monitor.minute-mismatch"]);
        assert!(
            d.findings[0]
                .finding
                .message
                .contains("only 30 minutes are valid")
        );
    }

    #[test]
    fn real_time_packets_are_one_notice_per_file() {
        let text: String = (0..3)
            .map(|s| packet("2011", &format!("202603020500{s:02}"), "5", "N"))
            .chain([
                packet("9014", "20260302050100", "5", "N"),
                packet("2021", "20260302050200", "5", "N"),
            ])
            .collect();
        let (d, so2) = read(&text);
        assert!(so2.is_empty(), "real-time values are not evaluated");
        assert_eq!(rules(&d), ["monitor.not-evaluated"]);
        let f = &d.findings[0].finding;
        assert_eq!(f.severity, Severity::Notice);
        assert_eq!(f.primary.unwrap().start, 0, "at the first such packet");
        assert!(
            f.message.contains(
                "3 real-time data packets (CN 2011), 1 equipment status packet (CN 2021), 1 packet of command CN 9014 read, not evaluated"
            ),
            "{}",
            f.message
        );
    }
}
