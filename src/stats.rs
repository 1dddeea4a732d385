//! Audit statistics over a permit library (the yearly "双百" quality audits
//! and city spot checks): permits checked, share with errors, findings per
//! rule, element, department and main industry. Written as `stats.md` with
//! two hand-written SVG bar charts (no dependency) and `stats.json`.

use crate::finding::{Finding, Severity};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    pub as_of: String,
    pub permits: usize,
    pub permits_with_errors: usize,
    pub findings: usize,
    pub by_rule: BTreeMap<String, usize>,
    pub by_element: BTreeMap<String, usize>,
    pub by_department: BTreeMap<String, usize>,
    /// Findings per main industry code (`（无）` when the permit has none).
    pub by_industry: BTreeMap<String, usize>,
    /// Permits per main industry code.
    pub permits_by_industry: BTreeMap<String, usize>,
}

const NONE: &str = "（无）";

impl Stats {
    pub fn new(as_of: crate::date::Date) -> Stats {
        Stats {
            as_of: as_of.to_string(),
            ..Stats::default()
        }
    }

    /// Count one checked permit. `main_industry` is `""` when unknown.
    pub fn add(&mut self, findings: &[Finding], main_industry: &str) {
        let industry = if main_industry.is_empty() {
            NONE
        } else {
            main_industry
        };
        self.permits += 1;
        *self.permits_by_industry.entry(industry.into()).or_default() += 1;
        if findings.iter().any(|f| f.severity == Severity::Error) {
            self.permits_with_errors += 1;
        }
        for f in findings {
            self.findings += 1;
            *self.by_rule.entry(f.rule.clone()).or_default() += 1;
            *self.by_element.entry(f.element.clone()).or_default() += 1;
            let dept = if f.department.is_empty() {
                NONE
            } else {
                f.department.as_str()
            };
            *self.by_department.entry(dept.into()).or_default() += 1;
            *self.by_industry.entry(industry.into()).or_default() += 1;
        }
    }

    /// Share of permits with at least one error, in percent (one decimal).
    pub fn error_share(&self) -> String {
        if self.permits == 0 {
            return "0.0".into();
        }
        format!(
            "{:.1}",
            self.permits_with_errors as f64 * 100.0 / self.permits as f64
        )
    }

    pub fn markdown(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "# 审核统计 Audit statistics (as of {})\n\n",
            self.as_of
        ));
        s.push_str(&format!(
            "- 检查许可证 permits checked: {}\n- 有错误的许可证 permits with errors: {} ({}%)\n- 发现 findings: {}\n\n",
            self.permits,
            self.permits_with_errors,
            self.error_share(),
            self.findings
        ));
        s.push_str("![findings by rule](findings-by-rule.svg)\n\n");
        s.push_str("![findings by department](findings-by-department.svg)\n\n");
        for (title, map) in [
            ("按规则 By rule", &self.by_rule),
            ("按要素 By element", &self.by_element),
            ("按部门 By department", &self.by_department),
            ("按主要行业 By main industry", &self.by_industry),
        ] {
            s.push_str(&format!("## {title}\n\n| | findings |\n|---|---:|\n"));
            for (k, v) in sorted(map) {
                s.push_str(&format!("| {} | {v} |\n", markdown_cell(k)));
            }
            s.push('\n');
        }
        s.push_str("## 各行业许可证数 Permits per main industry\n\n| | permits |\n|---|---:|\n");
        for (k, v) in sorted(&self.permits_by_industry) {
            s.push_str(&format!("| {} | {v} |\n", markdown_cell(k)));
        }
        s
    }

    /// Write `stats.md`, `stats.json` and the two charts into `dir`, each
    /// atomically; every target is checked before the first is written.
    pub fn write(&self, dir: &Path, w: &crate::fsio::Writer) -> Result<(), String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        let files = [
            ("stats.md", self.markdown()),
            ("stats.json", json),
            (
                "findings-by-rule.svg",
                bar_chart("Findings by rule 按规则", &self.by_rule),
            ),
            (
                "findings-by-department.svg",
                bar_chart("Findings by department 按部门", &self.by_department),
            ),
        ];
        for (name, _) in &files {
            w.check(&dir.join(name))?;
        }
        for (name, text) in &files {
            w.write(&dir.join(name), text.as_bytes())?;
        }
        Ok(())
    }
}

/// Largest first, then by name.
fn sorted(map: &BTreeMap<String, usize>) -> Vec<(&String, usize)> {
    let mut v: Vec<(&String, usize)> = map.iter().map(|(k, v)| (k, *v)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    v
}

use crate::escape::{markdown_cell, xml_text as xml};

/// A horizontal bar chart, largest bar first.
pub fn bar_chart(title: &str, data: &BTreeMap<String, usize>) -> String {
    let rows = sorted(data);
    let label_w = rows
        .iter()
        .map(|(k, _)| unicode_width::UnicodeWidthStr::width(k.as_str()))
        .max()
        .unwrap_or(0)
        .clamp(8, 60)
        * 7
        + 10;
    let bar_max = 400usize;
    let row_h = 22usize;
    let width = label_w + bar_max + 60;
    let height = 40 + rows.len().max(1) * row_h + 10;
    let max = rows.first().map_or(1, |r| r.1.max(1));
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    );
    s.push_str(&format!(
        "  <text x=\"10\" y=\"22\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
        xml(title)
    ));
    if rows.is_empty() {
        s.push_str("  <text x=\"10\" y=\"52\">no findings</text>\n");
    }
    for (i, (k, v)) in rows.iter().enumerate() {
        let y = 40 + i * row_h;
        let w = (v * bar_max).div_ceil(max).max(1);
        s.push_str(&format!(
            "  <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
            label_w - 6,
            y + 15,
            xml(k)
        ));
        s.push_str(&format!(
            "  <rect x=\"{label_w}\" y=\"{}\" width=\"{w}\" height=\"{}\" fill=\"#4e79a7\"><title>{}: {v}</title></rect>\n",
            y + 3,
            row_h - 6,
            xml(k)
        ));
        s.push_str(&format!(
            "  <text x=\"{}\" y=\"{}\">{v}</text>\n",
            label_w + w + 4,
            y + 15
        ));
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_escapes_and_orders() {
        let mut m = BTreeMap::new();
        m.insert("a<b".to_string(), 1);
        m.insert("z".to_string(), 3);
        let svg = bar_chart("t", &m);
        assert!(svg.contains("a&lt;b"));
        assert!(svg.find(">z<").unwrap_or(usize::MAX) < svg.find("a&lt;b").unwrap_or(0));
    }
}
