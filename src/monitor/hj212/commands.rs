//! Packets read but not evaluated: real-time data (CN 2011), equipment
//! status (CN 2021) [2nd: the command codes as public implementations of
//! HJ 212-2017 use them] and every command other than hourly (2061), daily
//! (2031) and minute (2051) data.
//! They are counted per file and said once, in one notice, never dropped
//! in silence. Real-time values are the analyser's samples (HJ 76-2017
//! 附录 B: at least one every 5 s [2nd]); limits apply to hourly and daily
//! means, which the DAS computes from minute data, so a real-time value is
//! not compared with an hourly limit, nor averaged into an hour here.

use crate::finding::Severity;
use crate::monitor::{MFinding, finding};
use crate::span::{Source, Span};

/// Command codes of packets the checks read data from.
pub const EVALUATED: &[&str] = &["2061", "2031", "2051"];

/// Per command code: the byte of its first packet and the count.
#[derive(Default)]
pub struct NotEvaluated {
    seen: Vec<(String, usize, usize)>,
}

impl NotEvaluated {
    pub fn note(&mut self, cn: &str, at: usize) {
        match self.seen.iter_mut().find(|s| s.0 == cn) {
            Some(s) => s.2 += 1,
            None => self.seen.push((cn.to_string(), at, 1)),
        }
    }

    /// The one notice of the file, at the first packet not evaluated.
    pub fn finding(mut self, source: &Source) -> Option<MFinding> {
        let at = self.seen.iter().map(|s| s.1).min()?;
        self.seen.sort();
        let parts: Vec<String> = self
            .seen
            .iter()
            .map(|(cn, _, n)| {
                let s = if *n == 1 { "" } else { "s" };
                match cn.as_str() {
                    "2011" => format!("{n} real-time data packet{s} (CN 2011)"),
                    "2021" => format!("{n} equipment status packet{s} (CN 2021)"),
                    _ => format!("{n} packet{s} of command CN {cn}"),
                }
            })
            .collect();
        let realtime = self.seen.iter().any(|s| s.0 == "2011");
        Some(MFinding::plain(finding(
            "monitor.not-evaluated",
            Severity::Notice,
            source,
            Span::new(at, at + 2),
            format!(
                "{} read, not evaluated: only hourly (CN 2061), daily (CN 2031) and minute (CN 2051) data are checked{}",
                parts.join(", "),
                if realtime {
                    "; limits apply to hourly and daily means, not to real-time samples"
                } else {
                    ""
                }
            ),
            BASIS,
        )))
    }
}

pub const BASIS: &str =
    "HJ 212-2017 (command codes, CN); HJ 76-2017 附录 B (real-time, minute and hourly data)";
