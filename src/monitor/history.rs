//! Leads joined with an earlier run's lead list (`permitlint monitor
//! --leads-baseline FILE`, FILE a previous `leads.json`): each current lead
//! is `new` or `open` (it continues a lead of the baseline, or an open lead
//! of this run, in the same or the next period), and each baseline lead no
//! current lead continues is `closed` (销号) when this run covered its
//! period or the next one, `not-judged` otherwise. Not-judged leads are
//! carried in the new list, so a later run judges them. The rules are in
//! docs/monitoring.md ("Leads across runs").

use super::leads::{CLASSES, Lead, MANUAL, ONLINE};
use super::manual::{label, period};
use super::permit::Frequency;
use crate::date::Date;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

pub const NEW: &str = "new";
pub const OPEN: &str = "open";
pub const CLOSED: &str = "closed";
pub const NOT_JUDGED: &str = "not-judged";

/// What a run covered, for judging the leads of a baseline.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Coverage {
    /// Hours the run covers (inclusive): `--from`/`--to`, else the span of
    /// the data read; `None` without data.
    pub hours: Option<(i64, i64)>,
    /// (credit code, outlet, pollutant, `YYYY-MM`): the months a series has
    /// online readings in.
    pub online: BTreeSet<(String, String, String, String)>,
    /// Days the manual checks covered (inclusive), when manual results are
    /// among the data.
    pub manual_days: Option<(i64, i64)>,
    /// (credit code, outlet, pollutant) → days with a manual result.
    pub sampled: BTreeMap<(String, String, String), Vec<i64>>,
    /// Credit codes of the run's permits.
    pub units: BTreeSet<String>,
}

/// A period of the lead list: its frequency and days `[start, end)`.
pub fn parse_period(text: &str) -> Option<(Frequency, i64, i64)> {
    let day_of = |s: &str| Date::parse(s).map(|d| d.days());
    let (f, day) = if let Some(d) = text.strip_prefix("week of ") {
        (Frequency::Weekly, day_of(d)?)
    } else if text.len() == 10 {
        (Frequency::Daily, day_of(text)?)
    } else if text.len() == 4 {
        (Frequency::Annual, day_of(&format!("{text}-01-01"))?)
    } else if let Some((y, h)) = text.split_once("-H") {
        let m = match h {
            "1" => "01",
            "2" => "07",
            _ => return None,
        };
        (Frequency::Semiannual, day_of(&format!("{y}-{m}-01"))?)
    } else if let Some((y, q)) = text.split_once("-Q") {
        let m = match q {
            "1" => "01",
            "2" => "04",
            "3" => "07",
            "4" => "10",
            _ => return None,
        };
        (Frequency::Quarterly, day_of(&format!("{y}-{m}-01"))?)
    } else {
        (Frequency::Monthly, day_of(&format!("{text}-01"))?)
    };
    let (s, e) = period(f, day);
    // Only the labels the lead list writes: `2026-3`, a week's Wednesday… are not.
    (s == day && label(f, s) == text).then_some((f, s, e))
}

/// A lead as a baseline file holds it.
#[derive(Deserialize)]
struct Stored {
    #[serde(default)]
    unit: String,
    credit_code: String,
    #[serde(default)]
    permit: String,
    outlet: String,
    pollutant: String,
    #[serde(default)]
    pollutant_zh: String,
    period: String,
    #[serde(default)]
    exceedance_hours: Option<u32>,
    #[serde(default)]
    exceedance_days: Option<u32>,
    #[serde(default)]
    worst_value: Option<f64>,
    #[serde(default)]
    limit: Option<f64>,
    #[serde(default)]
    valid_hours: Option<u32>,
    #[serde(default)]
    excluded_hours: Option<u32>,
    #[serde(default)]
    expected_hours: Option<u32>,
    severity: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    sampled_at: Option<String>,
    #[serde(default)]
    report: Option<String>,
    #[serde(default)]
    frequency: Option<String>,
    #[serde(default)]
    first_seen: Option<String>,
}

const FREQUENCIES: &[Frequency] = &[
    Frequency::Annual,
    Frequency::Semiannual,
    Frequency::Quarterly,
    Frequency::Monthly,
    Frequency::Weekly,
    Frequency::Daily,
];

fn shown(s: &str) -> String {
    crate::escape::terminal(&s.chars().take(40).collect::<String>()).into_owned()
}

impl Stored {
    fn into_lead(self) -> Result<Lead, String> {
        let severity = CLASSES
            .iter()
            .find(|c| c.0 == self.severity)
            .map(|c| c.0)
            .ok_or_else(|| {
                format!(
                    "severity `{}` is not a class of the lead list",
                    shown(&self.severity)
                )
            })?;
        let source = match self.source.as_deref() {
            None | Some("online") => ONLINE,
            Some("manual") => MANUAL,
            Some(s) => {
                return Err(format!(
                    "source `{}` is neither online nor manual",
                    shown(s)
                ));
            }
        };
        let Some((f, _, _)) = parse_period(&self.period) else {
            return Err(format!(
                "period `{}` is not a period of the lead list",
                shown(&self.period)
            ));
        };
        if source == ONLINE && f != Frequency::Monthly {
            return Err(format!(
                "period `{}` of an online lead is not a month (YYYY-MM)",
                shown(&self.period)
            ));
        }
        if let Some(s) = &self.first_seen
            && parse_period(s).is_none()
        {
            return Err(format!(
                "first_seen `{}` is not a period of the lead list",
                shown(s)
            ));
        }
        let frequency = match self.frequency.as_deref() {
            None => None,
            Some(w) => Some(
                FREQUENCIES
                    .iter()
                    .map(|f| f.as_str())
                    .find(|f| *f == w)
                    .ok_or_else(|| {
                        format!(
                            "frequency `{}` is not a frequency of the monitoring plan",
                            shown(w)
                        )
                    })?,
            ),
        };
        Ok(Lead {
            unit: self.unit,
            credit_code: self.credit_code,
            permit: self.permit,
            outlet: self.outlet,
            pollutant: self.pollutant,
            pollutant_zh: self.pollutant_zh,
            period: self.period,
            exceedance_hours: self.exceedance_hours,
            exceedance_days: self.exceedance_days,
            worst_value: self.worst_value,
            limit: self.limit,
            valid_hours: self.valid_hours,
            excluded_hours: self.excluded_hours,
            expected_hours: self.expected_hours,
            severity,
            basis: self.basis,
            source,
            sampled_at: self.sampled_at,
            report: self.report,
            frequency,
            status: None,
            first_seen: self.first_seen,
        })
    }
}

/// The leads of a baseline file: its `leads` and the `not_judged` it
/// carried. A file that is not a lead list of `permitlint monitor --out`
/// is refused, naming the entry that is wrong.
pub fn parse(text: &str) -> Result<Vec<Lead>, String> {
    let foreign = "not a lead list written by `permitlint monitor --out` (leads.json)";
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| crate::escape::json_error(&e))?;
    let Some(obj) = v.as_object() else {
        return Err(format!("{foreign}: not a JSON object"));
    };
    match obj.get("version").and_then(serde_json::Value::as_u64) {
        Some(1) => {}
        Some(n) => {
            return Err(format!(
                "lead list version {n} is not supported (expected 1)"
            ));
        }
        None => return Err(format!("{foreign}: no `version`")),
    }
    if obj.get("classes").is_none() {
        return Err(format!("{foreign}: no `classes`"));
    }
    let mut out = Vec::new();
    for key in ["leads", "not_judged"] {
        let items = match obj.get(key) {
            Some(serde_json::Value::Array(a)) => a.as_slice(),
            None if key == "not_judged" => &[],
            _ => return Err(format!("{foreign}: `{key}` is not a list")),
        };
        for (i, item) in items.iter().enumerate() {
            let lead = serde_json::from_value::<Stored>(item.clone())
                .map_err(|e| format!("{key}[{i}]: {e} ({foreign})"))
                .and_then(|s| s.into_lead().map_err(|e| format!("{key}[{i}]: {e}")))?;
            out.push(lead);
        }
    }
    Ok(out)
}

/// The baseline leads this run did not find again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Joined {
    /// Judged and gone (销号).
    pub closed: Vec<Lead>,
    /// Neither their period nor the next one covered by this run.
    pub not_judged: Vec<Lead>,
    pub new: usize,
    pub open: usize,
}

type Key<'a> = (&'a str, &'a str, &'a str, &'a str, &'static str);

fn key(l: &Lead) -> Key<'_> {
    (
        &l.credit_code,
        &l.outlet,
        &l.pollutant,
        l.source,
        l.problem(),
    )
}

/// Days `[start, end)` of a lead's period (parsed when the lead was made
/// or read, so always some).
fn days(l: &Lead) -> (Frequency, i64, i64) {
    parse_period(&l.period).unwrap_or((Frequency::Monthly, 0, 0))
}

/// Whether `later` continues `earlier`: the same period again, or the next.
fn continues(earlier: (i64, i64), later: (i64, i64)) -> bool {
    earlier == later || later.0 == earlier.1
}

/// Whether this run judged a baseline lead: its unit is among the run's
/// permits and the run covered its period or the next one wholly, with
/// data of the series there (online data, or for a manual exceedance a
/// manual result; a missing period needs only the manual checks to run).
fn judged(b: &Lead, cov: &Coverage) -> bool {
    if !cov.units.contains(&b.credit_code) {
        return false;
    }
    let (f, s, e) = days(b);
    let next = period(f, e);
    [(s, e), next].into_iter().any(|(s, e)| {
        if b.source == ONLINE {
            let month = label(Frequency::Monthly, s);
            cov.hours
                .is_some_and(|(lo, hi)| lo <= s * 24 && e * 24 - 1 <= hi)
                && cov.online.contains(&(
                    b.credit_code.clone(),
                    b.outlet.clone(),
                    b.pollutant.clone(),
                    month,
                ))
        } else {
            let covered = cov
                .manual_days
                .is_some_and(|(lo, hi)| lo <= s && e - 1 <= hi);
            let sampled = b.problem() == "missing"
                || cov
                    .sampled
                    .get(&(b.credit_code.clone(), b.outlet.clone(), b.pollutant.clone()))
                    .is_some_and(|d| d.iter().any(|&d| d >= s && d < e));
            covered && sampled
        }
    })
}

/// Mark `current` new or open against `baseline`, carrying `first_seen`,
/// and sort out the baseline leads no current lead continues.
pub fn join(current: &mut [Lead], baseline: Vec<Lead>, cov: &Coverage) -> Joined {
    // Current leads in period order within their key, so that an open
    // lead passes its first period on to the next one of this run.
    let mut order: Vec<usize> = (0..current.len()).collect();
    order.sort_by_key(|&i| (key(&current[i]), days(&current[i]).1));
    let mut continued = vec![false; baseline.len()];
    let mut by_key: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    for (i, b) in baseline.iter().enumerate() {
        by_key.entry(key(b)).or_default().push(i);
    }
    // (key, period end) → (first_seen, open) of a lead of this run.
    let mut chain: BTreeMap<(Key, i64), (String, bool)> = BTreeMap::new();
    let mut statuses: Vec<(usize, &'static str, String)> = Vec::new();
    for &i in &order {
        let l = &current[i];
        let (_, s, e) = days(l);
        let mut first: Option<(i64, String)> = None;
        let mut consider = |text: &str| {
            let start = parse_period(text).map_or(i64::MAX, |p| p.1);
            if first.as_ref().is_none_or(|f| start < f.0) {
                first = Some((start, text.to_string()));
            }
        };
        let mut open = false;
        for &b in by_key.get(&key(l)).map_or(&[][..], Vec::as_slice) {
            let bl = &baseline[b];
            let (_, bs, be) = days(bl);
            if continues((bs, be), (s, e)) {
                continued[b] = true;
                open = true;
                consider(bl.first_seen.as_deref().unwrap_or(&bl.period));
            }
        }
        // A lead of this run in the period before: the same problem going on.
        if let Some((f, was_open)) = chain.get(&(key(l), s)) {
            open |= *was_open;
            consider(f);
        }
        let first_seen = first.map_or_else(|| l.period.clone(), |f| f.1);
        chain.insert((key(l), e), (first_seen.clone(), open));
        statuses.push((i, if open { OPEN } else { NEW }, first_seen));
    }
    let mut joined = Joined::default();
    for (i, status, first_seen) in statuses {
        if status == OPEN {
            joined.open += 1;
        } else {
            joined.new += 1;
        }
        current[i].status = Some(status);
        current[i].first_seen = Some(first_seen);
    }
    for (b, mut l) in baseline.into_iter().enumerate() {
        if continued[b] {
            continue;
        }
        if l.first_seen.is_none() {
            l.first_seen = Some(l.period.clone());
        }
        if judged(&l, cov) {
            l.status = Some(CLOSED);
            joined.closed.push(l);
        } else {
            l.status = Some(NOT_JUDGED);
            joined.not_judged.push(l);
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_back() {
        for p in [
            "2026",
            "2026-H2",
            "2026-Q3",
            "2026-03",
            "week of 2026-03-02",
            "2026-03-05",
        ] {
            let (f, s, _) = parse_period(p).unwrap_or_else(|| panic!("{p}"));
            assert_eq!(label(f, s), p);
        }
        for bad in [
            "2026-13",
            "2026-Q5",
            "week of 2026-03-04",
            "2026-3",
            "",
            "x",
        ] {
            assert!(parse_period(bad).is_none(), "{bad}");
        }
    }

    fn lead(period: &str, severity: &'static str) -> Lead {
        Lead {
            unit: String::new(),
            credit_code: "U".into(),
            permit: String::new(),
            outlet: "DA001".into(),
            pollutant: "SO2".into(),
            pollutant_zh: String::new(),
            period: period.into(),
            exceedance_hours: Some(1),
            exceedance_days: Some(0),
            worst_value: None,
            limit: None,
            valid_hours: Some(700),
            excluded_hours: Some(0),
            expected_hours: Some(744),
            severity,
            basis: String::new(),
            source: ONLINE,
            sampled_at: None,
            report: None,
            frequency: None,
            status: None,
            first_seen: None,
        }
    }

    #[test]
    fn a_run_of_months_continues_the_baseline_through_its_own_leads() {
        // Baseline: February. This run: March and April (given in reverse),
        // and a data lead in April, which is another problem.
        let mut current = vec![
            lead("2026-04", "exceedance"),
            lead("2026-03", "chronic"),
            lead("2026-04", "data"),
        ];
        let j = join(
            &mut current,
            vec![lead("2026-02", "technical")],
            &Coverage::default(),
        );
        let got: Vec<(&str, Option<&str>, Option<&str>)> = current
            .iter()
            .map(|l| (l.period.as_str(), l.status, l.first_seen.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-04", Some(OPEN), Some("2026-02")),
                ("2026-03", Some(OPEN), Some("2026-02")),
                ("2026-04", Some(NEW), Some("2026-04")),
            ]
        );
        assert_eq!((j.new, j.open), (1, 2));
        assert!(j.closed.is_empty() && j.not_judged.is_empty());
        // A gap breaks the chain: April does not continue February.
        let mut current = vec![lead("2026-04", "exceedance")];
        let j = join(
            &mut current,
            vec![lead("2026-02", "exceedance")],
            &Coverage::default(),
        );
        assert_eq!(current[0].status, Some(NEW));
        assert_eq!(j.not_judged.len(), 1, "no coverage: not judged, not closed");
    }

    #[test]
    fn hostile_baselines_are_errors_not_panics() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        for text in [
            "",
            "null",
            "[]",
            "{\"version\": 1}",
            "{\"version\": -1, \"classes\": [], \"leads\": []}",
            "{\"version\": 1, \"classes\": [], \"leads\": {}}",
            "{\"version\": 1, \"classes\": [], \"leads\": [null]}",
            "{\"version\": 1, \"classes\": [], \"leads\": [], \"not_judged\": 3}",
            deep.as_str(),
        ] {
            assert!(parse(text).is_err(), "{:.40}", text);
        }
        let ok = "{\"version\": 1, \"classes\": [], \"leads\": []}";
        assert_eq!(parse(ok), Ok(Vec::new()));
    }

    #[test]
    fn next_period_continues_and_a_gap_does_not() {
        let m = |p: &str| {
            let (_, s, e) = parse_period(p).unwrap();
            (s, e)
        };
        assert!(continues(m("2026-02"), m("2026-03")));
        assert!(continues(m("2026-02"), m("2026-02")));
        assert!(!continues(m("2026-02"), m("2026-04")));
        assert!(!continues(m("2026-03"), m("2026-02")));
        assert!(continues(m("2026-Q4"), m("2027-Q1")));
    }
}
