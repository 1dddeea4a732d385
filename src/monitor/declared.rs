//! The execution report's declared annual totals (排污许可证执行报告, HJ
//! 944-2018: the annual report states the unit's actual emissions): a CSV
//! `credit_code,year,pollutant,declared_t[,outlet]`, recognised by its
//! `declared_t` column. Each declared total is checked against the
//! permit's annual limit (the outlet's, or the plant's without an outlet)
//! and compared with the total the run computed from concentration × flow
//! for the same calendar year; the rules are in docs/monitoring.md.

use super::data::{CsvTable, DataFile, SkippedRows, resolve};
use super::permit::{Limit, PermitLimits};
use super::{MFinding, Related, finding};
use crate::date::Date;
use crate::finding::Severity;
use crate::span::{Source, Span};
use std::collections::BTreeMap;

/// This project's threshold (docs/monitoring.md): a declared total more
/// than this share below the computed one is a warning.
pub const BELOW_COMPUTED_SHARE: f64 = 0.10;

/// Basis of `monitor.declared-exceeds-annual`.
pub const EXCEEDS_BASIS: &str = "the permit's annual limit (许可排放量); 排污许可管理条例 第三十四条 (超过许可排放量); HJ 944-2018 (执行报告: 实际排放量)";
/// Basis of `monitor.declared-below-computed`.
pub const BELOW_BASIS: &str = "HJ 944-2018 (执行报告: 实际排放量); the total computed from the monitoring data; this project's threshold (docs/monitoring.md)";

const DOC: &str = "docs/monitoring.md (declared totals)";

/// One declared annual total.
#[derive(Clone, Debug, PartialEq)]
pub struct Declared {
    /// Index of the data file in the run.
    pub file: u32,
    /// Byte range of `declared_t` in the file.
    pub start: u32,
    pub end: u32,
    pub credit_code: Option<String>,
    /// The outlet, or `None` for the plant's total.
    pub outlet: Option<String>,
    /// Catalogue code.
    pub code: &'static str,
    /// Calendar year.
    pub year: i32,
    /// Tonnes, as declared.
    pub tonnes: f64,
}

/// Read an execution report's declared totals.
pub fn read(source: &Source, file: u32) -> DataFile {
    let mut out = DataFile::empty(source);
    let table = CsvTable::read(source.text.as_str());
    let source = &out.source.clone();
    if let Some(f) = table.missing(
        &["year", "pollutant", "declared_t"],
        source,
        "the declared totals header",
        DOC,
    ) {
        out.findings.push(f);
        return out;
    }
    let mut skipped = SkippedRows::new("declared total", DOC);
    for row in &table.rows {
        let get = |name: &str| row.get(table.col(name));
        let why = (|| {
            let year = get("year")
                .and_then(|y| y.parse::<i32>().ok())
                .filter(|y| (1900..=2200).contains(y))
                .ok_or_else(|| format!("`year` {:?} is not a year", get("year").unwrap_or("")))?;
            let pol = get("pollutant").and_then(resolve).ok_or_else(|| {
                format!(
                    "pollutant `{}` is not in the catalogue",
                    get("pollutant").unwrap_or("")
                )
            })?;
            let tonnes = get("declared_t")
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| "`declared_t` is not a number of tonnes".to_string())?;
            let (start, end) = row.span_of(table.col("declared_t"));
            Ok::<_, String>(Declared {
                file,
                start: start as u32,
                end: end as u32,
                credit_code: get("credit_code").map(str::to_string),
                outlet: get("outlet").map(str::to_string),
                code: pol.code,
                year,
                tonnes,
            })
        })();
        match why {
            Ok(d) => {
                out.records += 1;
                out.declared.push(d);
            }
            Err(why) => skipped.skip(&mut out, source, row, &why),
        }
    }
    skipped.finish(&mut out, source);
    out
}

/// Computed emissions (t): (permit, outlet, pollutant, calendar year).
pub type Computed = BTreeMap<(usize, String, &'static str, i32), f64>;

fn num(v: f64) -> String {
    crate::units::format_number((v * 1000.0).round() / 1000.0)
}

/// The annual limit a calendar year's total is held against: the outlet
/// row's limit of the years of validity the calendar year overlaps (the
/// larger when they differ, so that a finding stands whichever applies),
/// or the plant's annual limit.
fn limit_of<'a>(
    permit: &'a PermitLimits,
    outlet: Option<&str>,
    code: &str,
    year: i32,
) -> Option<(&'static str, &'a Limit)> {
    match outlet {
        Some(o) => {
            let row = permit.outlet(o)?.rows.iter().find(|r| r.code == code)?;
            let field = if row.annual_years.is_empty() {
                "annual"
            } else {
                "annual_years"
            };
            [Date::new(year, 1, 1)?, Date::new(year, 12, 31)?]
                .into_iter()
                .filter_map(|d| row.annual_for(permit.valid_from, d))
                .max_by(|a, b| a.value.total_cmp(&b.value))
                .map(|l| (field, l))
        }
        None => permit
            .totals
            .iter()
            .find(|(_, c, _)| *c == code)
            .map(|(_, _, l)| ("totals", l)),
    }
}

/// Both checks over the declared totals of the run.
pub fn check(
    permits: &[PermitLimits],
    declared: &[Declared],
    sources: &[Source],
    computed: &Computed,
) -> Vec<MFinding> {
    let mut out = Vec::new();
    for d in declared {
        let source = &sources[d.file as usize];
        let span = Span::new(d.start as usize, d.end as usize);
        let permit = match d.credit_code.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => permits.iter().position(|p| p.credit_code == c),
            None if permits.len() == 1 => Some(0),
            None => None,
        };
        let unmapped = |why: String| {
            MFinding::plain(finding(
                "monitor.unmapped",
                Severity::Undecided,
                source,
                span,
                format!("declared total not checked: {why}"),
                DOC,
            ))
        };
        let p = match (permit, &d.credit_code, &d.outlet) {
            (None, Some(c), _) => {
                out.push(unmapped(format!("no permit of unit `{c}`")));
                continue;
            }
            (None, _, _) => {
                out.push(unmapped(format!(
                    "the row names no unit (credit code) and {} permits are given",
                    permits.len()
                )));
                continue;
            }
            (Some(p), _, Some(o)) if permits[p].outlet(o).is_none() => {
                out.push(unmapped(format!(
                    "the permit {} has no outlet `{o}`",
                    permits[p].source.name
                )));
                continue;
            }
            (Some(p), _, _) => p,
        };
        let permit = &permits[p];
        let at = match &d.outlet {
            Some(o) => format!(" at outlet {o}"),
            None => " (plant total)".to_string(),
        };
        if let Some((field, l)) = limit_of(permit, d.outlet.as_deref(), d.code, d.year)
            && d.tonnes > l.value
        {
            let mut f = finding(
                "monitor.declared-exceeds-annual",
                Severity::Error,
                source,
                span,
                format!(
                    "declared {} emissions of {}{at}, {} t, exceed the permit's annual limit {}",
                    d.code,
                    d.year,
                    num(d.tonnes),
                    l.text
                ),
                EXCEEDS_BASIS,
            );
            f.help = Some(format!(
                "the permit's limit: {}:{} ({field}: {})",
                permit.source.name, l.line, l.text
            ));
            out.push(MFinding {
                finding: f,
                outlet: d.outlet.clone(),
                pollutant: Some(d.code.to_string()),
                time: Some(format!("{}-01-01T00:00:00+08:00", d.year)),
                related: Some(Related {
                    file: permit.source.name.clone(),
                    line: l.line,
                    text: format!("{field}: {}", l.text),
                }),
            });
        }
        let total: Option<f64> = computed
            .iter()
            .filter(|((cp, co, cc, cy), _)| {
                *cp == p
                    && *cc == d.code
                    && *cy == d.year
                    && d.outlet.as_deref().is_none_or(|o| o == co)
            })
            .map(|(_, t)| *t)
            .reduce(|a, b| a + b);
        if let Some(t) = total
            && d.tonnes < (1.0 - BELOW_COMPUTED_SHARE) * t
        {
            let mut f = finding(
                "monitor.declared-below-computed",
                Severity::Warning,
                source,
                span,
                format!(
                    "declared {} emissions of {}{at}, {} t, are {}% below the {} t computed from the monitoring data",
                    d.code,
                    d.year,
                    num(d.tonnes),
                    num(100.0 * (t - d.tonnes) / t),
                    num(t)
                ),
                BELOW_BASIS,
            );
            f.help = Some(
                "the computed total sums concentration × flow over the valid hours with a flow in the data given, so it is a lower bound: a declared total below it is understated (docs/monitoring.md)"
                    .into(),
            );
            out.push(MFinding {
                finding: f,
                outlet: d.outlet.clone(),
                pollutant: Some(d.code.to_string()),
                time: Some(format!("{}-01-01T00:00:00+08:00", d.year)),
                related: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn permit() -> PermitLimits {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/monitor/chp-v2.yaml");
        let loaded = crate::permit::load_path(&path, &Default::default());
        super::super::permit::limits(&loaded.permit.unwrap())
    }

    #[test]
    fn a_calendar_year_is_held_against_the_larger_limit_of_its_years_of_validity() {
        // Valid from 2023-03-28: 2026 overlaps the third and fourth years.
        let mut p = permit();
        let row = p.outlets[0]
            .rows
            .iter_mut()
            .find(|r| r.code == "SO2")
            .unwrap();
        row.annual_years[3].value = 0.5;
        assert_eq!(
            limit_of(&p, Some("DA001"), "SO2", 2026).map(|l| l.1.value),
            Some(0.5)
        );
        assert_eq!(
            limit_of(&p, Some("DA001"), "SO2", 2025).map(|l| l.1.value),
            Some(0.05)
        );
        // The plant's total, and no limit for a pollutant the outlet lacks.
        assert_eq!(limit_of(&p, None, "SO2", 2026).map(|l| l.0), Some("totals"));
        assert!(limit_of(&p, Some("DA001"), "COD", 2026).is_none());
    }
}
