//! Generator of HJ 212 logs for permits (`permitlint generate-monitoring`):
//! hourly packets of every air outlet whose pollutants have HJ 212 codes,
//! values well inside the permit's limits, with — unless asked for clean
//! data — injected hourly exceedances, a flagged maintenance period (high
//! values that must not be reported) and a packet with a broken CRC. The
//! manifest lists what was injected, line by line, for recall tests.

use super::data::{FLOW_CODE, O2_CODE};
use super::hj212::packet::frame;
use super::permit::PermitLimits;
use crate::date::Date;
use serde::Serialize;

#[derive(Clone, Copy, Debug)]
pub struct GenOptions {
    pub seed: u64,
    pub start: Date,
    pub days: u32,
    /// No injections: the data must give no finding.
    pub clean: bool,
    /// Hourly exceedances injected per outlet and pollutant.
    pub exceedances: u32,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Injected {
    /// `exceedance`, `excluded` (flagged, must not be reported) or `malformed`.
    pub kind: &'static str,
    pub file: String,
    pub line: usize,
    pub mn: String,
    pub outlet: String,
    pub pollutant: String,
    pub time: String,
    pub value: f64,
    pub limit: f64,
}

pub struct Generated {
    pub log: String,
    /// Rows of the devices file (without header).
    pub devices: Vec<String>,
    pub injected: Vec<Injected>,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Device number of an outlet: credit code + outlet id.
pub fn mn_of(p: &PermitLimits, outlet: &str) -> String {
    format!("{}{outlet}", p.credit_code)
}

/// Generate one permit's log, written as `file` (used in the manifest).
pub fn generate(p: &PermitLimits, file: &str, o: GenOptions) -> Generated {
    let mut rng = Rng(o.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut log = String::new();
    let mut line = 0usize;
    let mut injected = Vec::new();
    let mut devices = Vec::new();
    struct Series<'a> {
        outlet: &'a str,
        mn: String,
        code: &'a str,
        hj212: &'a str,
        hourly: f64,
        base: f64,
        ref_o2: Option<f64>,
        exceed_at: Vec<u32>,
    }
    let hours = o.days * 24;
    let mut series: Vec<Series> = Vec::new();
    let mut flows: Vec<(String, f64)> = Vec::new();
    for outlet in p
        .outlets
        .iter()
        .filter(|x| x.medium == crate::catalogue::pollutants::Medium::Air)
    {
        let mn = mn_of(p, &outlet.id);
        let mut flow: f64 = 1000.0;
        let before = series.len();
        for row in &outlet.rows {
            let (Some(code), Some(h)) = (row.hj212, row.hourly.as_ref()) else {
                continue;
            };
            let daily = row.daily.as_ref().map_or(h.value, |d| d.value.min(h.value));
            // Keep a year's total within half the smallest annual limit.
            for a in row.annual.iter().chain(&row.annual_years) {
                flow = flow.min(0.5 * a.value / (h.value * 8760.0 * 1e-9));
            }
            let exceed_at = if o.clean || hours < 48 {
                Vec::new()
            } else {
                (0..o.exceedances)
                    .map(|_| 24 + (rng.next() * f64::from(hours - 48)) as u32)
                    .collect()
            };
            series.push(Series {
                outlet: &outlet.id,
                mn: mn.clone(),
                code: row.code,
                hj212: code,
                hourly: h.value,
                base: 0.5 * daily,
                ref_o2: row.reference_o2,
                exceed_at,
            });
        }
        if series.len() > before {
            devices.push(format!("{mn},{},{}", p.credit_code, outlet.id));
            flows.push((mn, round2(flow)));
        }
    }
    // A maintenance period (flag M, 6 h) and a broken packet per outlet, at
    // fixed hours away from the injected exceedances' first day.
    let maint = hours.saturating_sub(12);
    let broken = hours.saturating_sub(20);
    for h in 0..hours {
        let t = o.start.days() * 24 + i64::from(h);
        let date = Date::from_days(t.div_euclid(24));
        let stamp = format!(
            "{}{:02}0000",
            date.to_string().replace('-', ""),
            t.rem_euclid(24)
        );
        for (mn, flow) in &flows {
            let members: Vec<&Series> = series.iter().filter(|s| &s.mn == mn).collect();
            let o2 = members.iter().find_map(|s| s.ref_o2).map(|r| r + 2.0);
            let mut cp = format!("DataTime={stamp}");
            let mut notes = Vec::new();
            for s in &members {
                let flagged = !o.clean && (maint..maint + 6).contains(&h);
                let exceed = s.exceed_at.contains(&h);
                let corrected = if exceed {
                    round2(1.5 * s.hourly + 1.0)
                } else if flagged {
                    round2(2.0 * s.hourly + 1.0)
                } else {
                    round2(s.base * (0.6 + 0.4 * rng.next()))
                };
                // Measured value that corrects back to `corrected`.
                let measured = match (s.ref_o2, o2) {
                    (Some(r), Some(o2)) => corrected * (21.0 - o2) / (21.0 - r),
                    _ => corrected,
                };
                let flag = if flagged { 'M' } else { 'N' };
                cp.push_str(&format!(
                    ";{}-Avg={},{}-Flag={flag}",
                    s.hj212, measured, s.hj212
                ));
                if exceed || flagged {
                    notes.push((if exceed { "exceedance" } else { "excluded" }, s, corrected));
                }
            }
            if let Some(o2) = o2 {
                cp.push_str(&format!(";{O2_CODE}-Avg={o2},{O2_CODE}-Flag=N"));
            }
            cp.push_str(&format!(";{FLOW_CODE}-Avg={flow},{FLOW_CODE}-Flag=N"));
            let data = format!("QN={stamp}000;ST=31;CN=2061;PW=123456;MN={mn};Flag=4;CP=&&{cp}&&");
            let mut packet = frame(&data);
            line += 1;
            if !o.clean && h == broken {
                // Break the CRC: it must be rejected, not read.
                let n = packet.len();
                let last = if packet.as_bytes()[n - 3] == b'0' {
                    "1"
                } else {
                    "0"
                };
                packet.replace_range(n - 3..n - 2, last);
                injected.push(Injected {
                    kind: "malformed",
                    file: file.to_string(),
                    line,
                    mn: mn.clone(),
                    outlet: String::new(),
                    pollutant: String::new(),
                    time: super::iso_time(t),
                    value: 0.0,
                    limit: 0.0,
                });
                notes.clear();
            }
            for (kind, s, value) in notes {
                injected.push(Injected {
                    kind,
                    file: file.to_string(),
                    line,
                    mn: mn.clone(),
                    outlet: s.outlet.to_string(),
                    pollutant: s.code.to_string(),
                    time: super::iso_time(t),
                    value,
                    limit: s.hourly,
                });
            }
            log.push_str(&packet);
        }
    }
    Generated {
        log,
        devices,
        injected,
    }
}
