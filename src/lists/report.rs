//! The monthly dispatch report (月度调度): per district and for the city,
//! the three lists' counts and changes, problems found / rectified /
//! overdue, leads pushed, and approvals read. The figures of every month are
//! kept in `history.json` (carried from the previous month's folder), drawn
//! as SVG trend charts in `dispatch.html` and summarized in `dispatch.md`.
//! Files are written atomically (temporary file, then rename).

use super::ListsFile;
use super::changes::{Changes, Movement};
use super::eia::{Reconciliation, Verdict};
use super::leads::{LeadStatus, LeadsFile};
use super::problems::{ProblemsFile, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const VERSION: u32 = 1;

/// District label of a unit whose region is not known.
pub const NO_DISTRICT: &str = "未知区划";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub key: usize,
    pub simplified: usize,
    pub registration: usize,
    pub appeared: usize,
    pub disappeared: usize,
    pub moved: usize,
    pub problems_new: usize,
    pub problems_closed: usize,
    pub problems_overdue: usize,
    /// Problems not closed (new + open + overdue).
    pub problems_open: usize,
    pub leads_new: usize,
    pub leads_continuing: usize,
    pub leads_closed: usize,
    pub approvals: usize,
    pub approvals_without_permit: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.key += o.key;
        self.simplified += o.simplified;
        self.registration += o.registration;
        self.appeared += o.appeared;
        self.disappeared += o.disappeared;
        self.moved += o.moved;
        self.problems_new += o.problems_new;
        self.problems_closed += o.problems_closed;
        self.problems_overdue += o.problems_overdue;
        self.problems_open += o.problems_open;
        self.leads_new += o.leads_new;
        self.leads_continuing += o.leads_continuing;
        self.leads_closed += o.leads_closed;
        self.approvals += o.approvals;
        self.approvals_without_permit += o.approvals_without_permit;
    }
}

/// One month's figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Month {
    pub as_of: String,
    pub city: Counts,
    pub districts: BTreeMap<String, Counts>,
    /// Credit code → district of the units on the lists (to place the
    /// units that disappear next month).
    #[serde(default)]
    pub regions: BTreeMap<String, String>,
}

/// `history.json`: every month so far, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub version: u32,
    pub months: Vec<Month>,
}

impl History {
    pub fn parse(text: &str) -> Result<History, String> {
        let h: History = serde_json::from_str(text).map_err(|e| crate::escape::json_error(&e))?;
        if h.version != VERSION {
            return Err(format!(
                "history.json version {} is not supported (expected {VERSION})",
                h.version
            ));
        }
        Ok(h)
    }

    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Add (or replace, for a re-run of the same date) a month; keeps date order.
    pub fn push(&mut self, m: Month) {
        self.months.retain(|o| o.as_of != m.as_of);
        self.months.push(m);
        self.months.sort_by(|a, b| a.as_of.cmp(&b.as_of));
    }
}

/// Everything a month's figures are computed from.
pub struct Inputs<'a> {
    pub lists: &'a ListsFile,
    /// Credit code → district for the units of this run.
    pub regions: &'a BTreeMap<String, String>,
    pub previous: Option<&'a Month>,
    pub changes: Option<&'a Changes>,
    pub problems: Option<&'a ProblemsFile>,
    pub leads: Option<&'a LeadsFile>,
    pub eia: Option<&'a Reconciliation>,
}

fn district(s: &str) -> String {
    if s.trim().is_empty() {
        NO_DISTRICT.to_string()
    } else {
        s.to_string()
    }
}

/// The month's figures by district, and their sum for the city.
pub fn month(i: &Inputs) -> Month {
    let mut d: BTreeMap<String, Counts> = BTreeMap::new();
    let region_of = |code: &str| {
        i.regions
            .get(code)
            .or_else(|| i.previous.and_then(|p| p.regions.get(code)))
            .map_or_else(|| district(""), |r| district(r))
    };
    for u in &i.lists.units {
        let c = d.entry(region_of(&u.credit_code)).or_default();
        match u.required.as_deref() {
            Some("key") => c.key += 1,
            Some("simplified") => c.simplified += 1,
            Some("registration") => c.registration += 1,
            _ => {}
        }
    }
    for u in i.changes.map_or(&[][..], |c| &c.units) {
        let c = d.entry(region_of(&u.credit_code)).or_default();
        match u.movement {
            Movement::Appeared => c.appeared += 1,
            Movement::Disappeared => c.disappeared += 1,
            Movement::Moved => c.moved += 1,
            Movement::Unchanged => {}
        }
    }
    for p in i.problems.map_or(&[][..], |p| &p.problems) {
        let c = d.entry(district(&p.district)).or_default();
        match p.status {
            Status::New => c.problems_new += 1,
            Status::Closed => c.problems_closed += 1,
            Status::Overdue => c.problems_overdue += 1,
            Status::Open => {}
        }
        if p.status != Status::Closed {
            c.problems_open += 1;
        }
    }
    for l in i.leads.map_or(&[][..], |l| &l.leads) {
        let c = d.entry(district(&l.district)).or_default();
        match l.status {
            LeadStatus::New => c.leads_new += 1,
            LeadStatus::Continuing => c.leads_continuing += 1,
            LeadStatus::Closed => c.leads_closed += 1,
        }
    }
    for r in i.eia.map_or(&[][..], |e| &e.rows) {
        let place = match &r.matched {
            Some(m) => region_of(&m.credit_code),
            None => district(&r.approval.region),
        };
        let c = d.entry(place).or_default();
        c.approvals += 1;
        if matches!(
            r.verdict,
            Verdict::NoPermitOperating
                | Verdict::NoPermitUnderConstruction
                | Verdict::NoPermitPlanned
                | Verdict::NoPermitUnknown
        ) {
            c.approvals_without_permit += 1;
        }
    }
    let mut city = Counts::default();
    for c in d.values() {
        city.add(c);
    }
    Month {
        as_of: i.lists.as_of.clone(),
        city,
        districts: d,
        regions: i
            .lists
            .units
            .iter()
            .filter_map(|u| {
                i.regions
                    .get(&u.credit_code)
                    .map(|r| (u.credit_code.clone(), r.clone()))
            })
            .collect(),
    }
}

/// The rows of the figures table: label and value of a month's counts.
fn figures(c: &Counts) -> Vec<(&'static str, usize)> {
    vec![
        ("重点管理", c.key),
        ("简化管理", c.simplified),
        ("登记管理", c.registration),
        ("新增单位", c.appeared),
        ("消失单位", c.disappeared),
        ("调整名单", c.moved),
        ("新发现问题", c.problems_new),
        ("已销号问题", c.problems_closed),
        ("逾期未整改", c.problems_overdue),
        ("未销号问题", c.problems_open),
        ("新推送线索", c.leads_new),
        ("持续线索", c.leads_continuing),
        ("已消除线索", c.leads_closed),
        ("环评批复", c.approvals),
        ("批复无许可证", c.approvals_without_permit),
    ]
}

/// `dispatch.md`: the city table, then one column per district.
pub fn markdown(h: &History) -> String {
    let Some(m) = h.months.last() else {
        return String::new();
    };
    let mut s = format!("# 月度调度报告 {}\n\n", m.as_of);
    let names: Vec<&String> = m.districts.keys().collect();
    s.push_str("| 指标 | 全市 |");
    for n in &names {
        s.push_str(&format!(" {} |", n.replace('|', "\\|")));
    }
    s.push_str("\n|---|---:|");
    for _ in &names {
        s.push_str("---:|");
    }
    s.push('\n');
    let per: Vec<Vec<(&str, usize)>> = m.districts.values().map(figures).collect();
    for (row, (label, v)) in figures(&m.city).into_iter().enumerate() {
        s.push_str(&format!("| {label} | {v} |"));
        for p in &per {
            s.push_str(&format!(" {} |", p[row].1));
        }
        s.push('\n');
    }
    s.push_str("\n![名单趋势](lists-trend.svg)\n\n![问题与线索趋势](problems-trend.svg)\n");
    s
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const COLORS: [&str; 4] = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759"];

/// A named series of a trend chart: its label and how to read it from a month.
pub type Series<'a> = (&'a str, fn(&Counts) -> usize);

/// A line chart of a few series over the months of the history.
pub fn trend_chart(title: &str, h: &History, series: &[Series]) -> String {
    let (w, ht, left, top, bottom) = (640usize, 300usize, 50usize, 40usize, 60usize);
    let plot_w = w - left - 40;
    let plot_h = ht - top - bottom;
    let n = h.months.len();
    let max = h
        .months
        .iter()
        .flat_map(|m| series.iter().map(|(_, f)| f(&m.city)))
        .max()
        .unwrap_or(0)
        .max(1);
    let x = |i: usize| {
        if n <= 1 {
            left + plot_w / 2
        } else {
            left + i * plot_w / (n - 1)
        }
    };
    let y = |v: usize| top + plot_h - v * plot_h / max;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{ht}\" viewBox=\"0 0 {w} {ht}\" font-family=\"sans-serif\" font-size=\"12\">\n  <text x=\"10\" y=\"22\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
        xml(title)
    );
    s.push_str(&format!(
        "  <line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>\n  <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text>\n  <text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\n",
        top + plot_h,
        left + plot_w,
        top + plot_h,
        left - 4,
        top + 4,
        left - 4,
        top + plot_h + 4
    ));
    for (i, m) in h.months.iter().enumerate() {
        // Month labels (`2026-12`); the full date is in each point's tooltip.
        let label = m.as_of.get(..7).unwrap_or(&m.as_of);
        s.push_str(&format!(
            "  <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            x(i),
            top + plot_h + 16,
            xml(label)
        ));
    }
    for (k, (name, f)) in series.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let points: Vec<String> = h
            .months
            .iter()
            .enumerate()
            .map(|(i, m)| format!("{},{}", x(i), y(f(&m.city))))
            .collect();
        s.push_str(&format!(
            "  <polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>\n",
            points.join(" ")
        ));
        for (i, m) in h.months.iter().enumerate() {
            let v = f(&m.city);
            s.push_str(&format!(
                "  <circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{color}\"><title>{} {}: {v}</title></circle>\n",
                x(i),
                y(v),
                xml(name),
                xml(&m.as_of)
            ));
        }
        s.push_str(&format!(
            "  <rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\">{}</text>\n",
            left + k * 140,
            ht - 22,
            left + k * 140 + 14,
            ht - 13,
            xml(name)
        ));
    }
    s.push_str("</svg>\n");
    s
}

pub fn lists_chart(h: &History) -> String {
    trend_chart(
        "三张名单 Lists",
        h,
        &[
            ("重点管理", |c| c.key),
            ("简化管理", |c| c.simplified),
            ("登记管理", |c| c.registration),
        ],
    )
}

pub fn problems_chart(h: &History) -> String {
    trend_chart(
        "问题与线索 Problems and leads",
        h,
        &[
            ("未销号问题", |c| c.problems_open),
            ("已销号问题", |c| c.problems_closed),
            ("逾期未整改", |c| c.problems_overdue),
            ("在办线索", |c| c.leads_new + c.leads_continuing),
        ],
    )
}

/// `dispatch.html`: the tables and both charts inline, no external resource.
pub fn html(h: &History) -> String {
    let Some(m) = h.months.last() else {
        return String::new();
    };
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head><meta charset=\"utf-8\"><title>月度调度报告 {0}</title>\n<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px}}td{{text-align:right}}td:first-child{{text-align:left}}</style></head>\n<body>\n<h1>月度调度报告 {0}</h1>\n<table>\n<tr><th>指标</th><th>全市</th>",
        xml(&m.as_of)
    );
    for n in m.districts.keys() {
        s.push_str(&format!("<th>{}</th>", xml(n)));
    }
    s.push_str("</tr>\n");
    let per: Vec<Vec<(&str, usize)>> = m.districts.values().map(figures).collect();
    for (row, (label, v)) in figures(&m.city).into_iter().enumerate() {
        s.push_str(&format!("<tr><td>{label}</td><td>{v}</td>"));
        for p in &per {
            s.push_str(&format!("<td>{}</td>", p[row].1));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n<h2>趋势</h2>\n");
    s.push_str(&lists_chart(h));
    s.push_str(&problems_chart(h));
    s.push_str("</body>\n</html>\n");
    s
}

/// Write `text` to `dir/name` atomically: a temporary file in the same
/// folder, then a rename, so a reader never sees half a file.
pub fn write_atomic(dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, dir.join(name)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_replaces_a_rerun_and_keeps_order() {
        let m = |d: &str, k| Month {
            as_of: d.into(),
            city: Counts {
                key: k,
                ..Counts::default()
            },
            districts: BTreeMap::new(),
            regions: BTreeMap::new(),
        };
        let mut h = History {
            version: VERSION,
            months: vec![m("2026-10-01", 1), m("2026-11-01", 2)],
        };
        h.push(m("2026-11-01", 5));
        h.push(m("2026-12-01", 3));
        let keys: Vec<usize> = h.months.iter().map(|m| m.city.key).collect();
        assert_eq!(keys, [1, 5, 3]);
        let svg = lists_chart(&h);
        assert_eq!(svg.matches("<polyline").count(), 3);
        assert!(svg.contains("2026-12-01"));
    }

    #[test]
    fn atomic_write_leaves_no_temporary() {
        let t = tempfile::tempdir().unwrap();
        write_atomic(t.path(), "a.json", "{}").unwrap();
        let names: Vec<String> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.json"]);
    }
}
