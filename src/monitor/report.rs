//! The chart report (`--out DIR` → `report/index.html`): per outlet and
//! pollutant an SVG time series of hourly values with the permit's limit
//! line and the excluded (flagged) hours shaded. Self-made SVG, no script.

use super::check::Point;
use super::iso_time;

/// One chart.
pub struct Chart {
    pub title: String,
    pub unit: String,
    /// Ceiling (hourly limit) and floor, in the values' unit.
    pub limit: Option<f64>,
    pub floor: Option<f64>,
    pub points: Vec<Point>,
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const W: f64 = 900.0;
const H: f64 = 220.0;
const PAD: f64 = 40.0;

/// One SVG.
pub fn svg(c: &Chart) -> String {
    let (Some(t0), Some(t1)) = (
        c.points.first().map(|p| p.time),
        c.points.last().map(|p| p.time),
    ) else {
        return String::from("<p>no hourly data</p>");
    };
    let span = ((t1 - t0) as f64).max(1.0);
    let vmax = c
        .points
        .iter()
        .map(|p| p.value)
        .chain(c.limit)
        .chain(c.floor)
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.1;
    let x = |t: i64| PAD + (t - t0) as f64 / span * (W - 2.0 * PAD);
    let y = |v: f64| H - PAD - v.max(0.0) / vmax * (H - 2.0 * PAD);
    let hour_w = ((W - 2.0 * PAD) / span).max(0.5);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\">\n<rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"white\"/>\n"
    );
    for p in c.points.iter().filter(|p| !p.valid) {
        s.push_str(&format!(
            "<rect class=\"excluded\" x=\"{:.1}\" y=\"{PAD}\" width=\"{hour_w:.2}\" height=\"{:.1}\" fill=\"#ddd\"/>\n",
            x(p.time),
            H - 2.0 * PAD
        ));
    }
    let mut path = String::new();
    let mut prev: Option<i64> = None;
    for p in c.points.iter().filter(|p| p.valid) {
        let cmd = if prev == Some(p.time - 1) { 'L' } else { 'M' };
        path.push_str(&format!("{cmd}{:.1},{:.1} ", x(p.time), y(p.value)));
        prev = Some(p.time);
    }
    s.push_str(&format!(
        "<path class=\"series\" d=\"{}\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1\"/>\n",
        path.trim_end()
    ));
    for (v, label) in [(c.limit, "limit"), (c.floor, "floor")] {
        if let Some(v) = v {
            s.push_str(&format!(
                "<line class=\"{label}\" x1=\"{PAD}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#d62728\" stroke-dasharray=\"4 2\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#d62728\">{label} {} {}</text>\n",
                W - PAD,
                y(v),
                y(v),
                W - PAD - 120.0,
                y(v) - 3.0,
                crate::units::format_number(v),
                escape(&c.unit)
            ));
        }
    }
    s.push_str(&format!(
        "<text x=\"{PAD}\" y=\"{:.1}\" font-size=\"11\">{}</text>\n<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>\n</svg>",
        H - 10.0,
        &iso_time(t0)[..16],
        W - PAD,
        H - 10.0,
        &iso_time(t1)[..16],
    ));
    s
}

/// Monthly exceedance heat map per unit: rows outlet × pollutant, columns
/// the months with a lead, cells the exceedance hours (shaded by count).
pub fn heat_maps(leads: &[super::leads::Lead]) -> String {
    use std::collections::{BTreeMap, BTreeSet};
    let mut units: BTreeMap<&str, Vec<&super::leads::Lead>> = BTreeMap::new();
    // Online leads only: manual ones have plan periods, not months, and no hours.
    for l in leads.iter().filter(|l| l.source == super::leads::ONLINE) {
        units.entry(l.unit.as_str()).or_default().push(l);
    }
    let mut s = String::new();
    for (unit, ls) in units {
        let months: BTreeSet<&str> = ls.iter().map(|l| l.period.as_str()).collect();
        let mut rows: BTreeMap<(&str, &str), BTreeMap<&str, u32>> = BTreeMap::new();
        for l in &ls {
            rows.entry((l.outlet.as_str(), l.pollutant.as_str()))
                .or_default()
                .insert(l.period.as_str(), l.exceedance_hours.unwrap_or(0));
        }
        let max = ls
            .iter()
            .filter_map(|l| l.exceedance_hours)
            .max()
            .unwrap_or(0)
            .max(1);
        s.push_str(&format!(
            "<h3>{}</h3>\n<table class=\"heat\">\n<tr><th>outlet</th><th>pollutant</th>",
            escape(unit)
        ));
        for m in &months {
            s.push_str(&format!("<th>{}</th>", escape(m)));
        }
        s.push_str("</tr>\n");
        for ((outlet, pollutant), cells) in &rows {
            s.push_str(&format!(
                "<tr><td>{}</td><td>{}</td>",
                escape(outlet),
                escape(pollutant)
            ));
            for m in &months {
                match cells.get(m) {
                    Some(&h) => {
                        let alpha = 0.1 + 0.9 * f64::from(h) / f64::from(max);
                        s.push_str(&format!(
                            "<td style=\"background:rgba(214,39,40,{alpha:.2})\">{h}</td>"
                        ));
                    }
                    None => s.push_str("<td></td>"),
                }
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table>\n");
    }
    s
}

/// `report/index.html`: the heat maps, an index and one chart per series.
pub fn html(charts: &[Chart], leads: &[super::leads::Lead]) -> String {
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"zh\">\n<head><meta charset=\"utf-8\"><title>permitlint monitor report</title>\n<style>body{font-family:sans-serif;margin:2em}h2{font-size:1.1em}</style></head>\n<body>\n<h1>监测数据与许可限值 (permitlint monitor)</h1>\n<p>Hourly values (blue), the permit's limit (red, dashed), flagged hours excluded from the checks (grey).</p>\n",
    );
    if leads.iter().any(|l| l.source == super::leads::ONLINE) {
        s.push_str("<h2>超标小时数 (exceedance hours per month)</h2>\n");
        s.push_str(&heat_maps(leads));
    }
    s.push_str("<h2>Charts</h2>\n<ul>\n");
    for (i, c) in charts.iter().enumerate() {
        s.push_str(&format!(
            "<li><a href=\"#c{i}\">{}</a></li>\n",
            escape(&c.title)
        ));
    }
    s.push_str("</ul>\n");
    for (i, c) in charts.iter().enumerate() {
        s.push_str(&format!(
            "<h2 id=\"c{i}\">{}</h2>\n{}\n",
            escape(&c.title),
            svg(c)
        ));
    }
    s.push_str("</body>\n</html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_has_limit_line_and_shaded_hours() {
        let p = |time, value, valid| Point { time, value, valid };
        let c = Chart {
            title: "DA001 SO2 <x>".into(),
            unit: "mg/m3".into(),
            limit: Some(35.0),
            floor: None,
            points: vec![p(0, 10.0, true), p(1, 40.0, true), p(2, 5.0, false)],
        };
        let s = svg(&c);
        assert!(s.contains("class=\"limit\""));
        assert_eq!(s.matches("class=\"excluded\"").count(), 1);
        assert!(s.contains("d=\"M40.0,"));
        assert!(html(&[c], &[]).contains("DA001 SO2 &lt;x&gt;"));
    }
}
