//! Print an imported permit as a `permit/v2` YAML document: block style, one
//! value per line, each with a `# 来源:` comment naming its cell; a required
//! field the tables did not hold is a `# 未导入:` comment where it belongs, so
//! the loader's missing-field error and the comment tell the same story.

use super::build::{Doc, Limit, Outlet, Total, V};
use super::{Level, Note, Page};

struct W {
    out: String,
}

impl W {
    /// One line; control characters and byte-order marks (which YAML
    /// does not allow raw, even in a comment) become spaces.
    fn line(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.out.push(' ');
        }
        self.out.extend(text.chars().map(|c| {
            if c.is_control() || c == '\u{feff}' {
                ' '
            } else {
                c
            }
        }));
        self.out.push('\n');
    }

    /// `key: value  # 来源: …`; `key` may carry a leading `- `.
    fn value(&mut self, indent: usize, key: &str, v: &V) {
        let boolean = key == "key_region" && matches!(v.text.as_str(), "true" | "false");
        let shown = if boolean {
            v.text.clone()
        } else {
            scalar(&v.text)
        };
        let mut text = format!("{key}: {shown}  # 来源: {}", v.src);
        if let Some(how) = &v.how {
            text.push_str(&format!("（{how}）"));
        }
        self.line(indent, &text);
    }

    fn opt(&mut self, indent: usize, key: &str, v: &Option<V>) {
        if let Some(v) = v {
            self.value(indent, key, v);
        }
    }

    /// A required field the tables did not hold.
    fn missing(&mut self, indent: usize, key: &str, zh: &str) {
        self.line(
            indent,
            &format!("# 未导入: {key}（{zh}）— 导入的表中没有，须补填"),
        );
    }

    fn req(&mut self, indent: usize, key: &str, zh: &str, v: &Option<V>) {
        match v {
            Some(v) => self.value(indent, key, v),
            None => self.missing(indent, key, zh),
        }
    }
}

/// Quote a string unless it reads back as the same string in YAML 1.2
/// (core schema) as a plain scalar.
pub fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` ".contains(c))
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.chars().any(|c| c.is_control() || c == '\u{feff}')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "~" | ".inf" | ".nan"
        )
        && s.parse::<f64>().is_err()
        && !(s.starts_with("0x") || s.starts_with("0o"));
    if plain || is_number_text(s) {
        return s.to_string();
    }
    let mut q = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            c if c.is_control() || c == '\u{feff}' => q.push_str(&format!("\\u{:04x}", c as u32)),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// Values the importer itself formats as numbers (coordinates) stay plain.
fn is_number_text(s: &str) -> bool {
    s.contains('.') && s.parse::<f64>().is_ok_and(f64::is_finite) && !s.starts_with('.')
}

pub fn document(doc: &Doc, notes: &[Note], pages: &[Page]) -> String {
    let mut w = W { out: String::new() };
    w.line(0, "# 排污许可证（permit/v2），由 `permitlint import` 从全国排污许可证管理信息平台的表格导入。");
    let files: Vec<&str> = pages.iter().map(|p| p.file.as_str()).collect();
    w.line(0, &format!("# 来源文件: {}", files.join(", ")));
    w.line(
        0,
        "# 行尾「# 来源:」注释指出每个值取自哪个文件、哪张表、第几行、哪一列。",
    );
    w.line(
        0,
        "# 「# 未导入:」注释列出表格中有而未能导入的内容，以及格式要求而表格没有的项目（须补填）。",
    );
    if !notes.is_empty() {
        w.line(0, "#");
        for n in notes {
            let prefix = match n.level {
                Level::Warning => "未导入",
                Level::Note => "注",
            };
            w.line(0, &format!("# {prefix}: {n}"));
        }
    }
    w.line(0, "");
    w.line(0, "format: permit/v2");
    w.line(0, "");

    let get = |list: &[(&str, V)], k: &str| {
        list.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    };
    w.line(0, "permit:  # 许可证信息");
    w.req(2, "number", "许可证编号", &get(&doc.permit, "number"));
    w.req(2, "management", "管理类别", &get(&doc.permit, "management"));
    w.req(
        2,
        "application",
        "申请类型",
        &get(&doc.permit, "application"),
    );
    for (k, _) in [("issued", ""), ("valid_from", ""), ("valid_until", "")] {
        w.opt(2, k, &get(&doc.permit, k));
    }
    w.missing(2, "acceptance", "受理/不予受理书面凭证");
    w.missing(2, "platform_record", "在全国排污许可证管理信息平台办理");
    w.missing(2, "paper_archive", "纸质材料留存");
    w.line(0, "");

    w.line(0, "unit:  # 排污单位基本信息");
    w.req(2, "name", "单位名称", &get(&doc.unit, "name"));
    w.req(
        2,
        "credit_code",
        "统一社会信用代码",
        &get(&doc.unit, "credit_code"),
    );
    w.req(2, "region", "行政区划代码", &get(&doc.unit, "region"));
    w.req(2, "address", "生产经营场所地址", &get(&doc.unit, "address"));
    w.opt(2, "operating_since", &get(&doc.unit, "operating_since"));
    if doc.industries.is_empty() {
        w.missing(2, "industries", "行业类别（含 GB/T 4754-2017 代码）");
    } else {
        w.line(2, "industries:");
        for (code, role) in &doc.industries {
            w.value(4, "- code", code);
            w.value(6, "role", role);
        }
    }
    w.missing(2, "key_discharge_roster", "列入重点排污单位名录的类别");
    w.req(
        2,
        "key_region",
        "位于大气污染防治重点区域",
        &get(&doc.unit, "key_region"),
    );
    w.missing(2, "construction_status", "建设状态");
    w.line(0, "");

    w.missing(0, "products", "主要产品及产能");
    w.missing(0, "facilities", "生产设施及污染防治设施");
    w.line(0, "");

    if !doc.air.is_empty() || !doc.air_totals.is_empty() {
        w.line(0, "air:  # 大气污染物排放");
        if doc.air.is_empty() {
            w.missing(2, "outlets", "有组织排放口");
        } else {
            w.line(2, "outlets:");
            for o in &doc.air {
                air_outlet(&mut w, o);
            }
        }
        totals(&mut w, &doc.air_totals);
        w.line(0, "");
    }
    if !doc.water.is_empty() || !doc.water_totals.is_empty() {
        w.line(0, "water:  # 水污染物排放");
        if doc.water.is_empty() {
            w.missing(2, "outlets", "废水排放口");
        } else {
            w.line(2, "outlets:");
            for o in &doc.water {
                water_outlet(&mut w, o);
            }
        }
        totals(&mut w, &doc.water_totals);
        w.line(0, "");
    }
    w.line(
        0,
        "# 未导入: monitoring（自行监测方案）— 平台的自行监测页不在导入范围内，须补填；缺少时 check 会报告许可了污染物却没有监测",
    );
    w.line(0, "");
    if !doc.specials.is_empty() {
        w.line(0, "special_periods:  # 特殊情况下的许可排放限值");
        for s in &doc.specials {
            w.value(2, "- name", &s.name);
            let ids: Vec<String> = s.applies_to.iter().map(|i| scalar(i)).collect();
            let mut text = format!(
                "applies_to: [{}]  # 来源: {}",
                ids.join(", "),
                s.applies_src.src
            );
            if let Some(how) = &s.applies_src.how {
                text.push_str(&format!("（{how}）"));
            }
            w.line(4, &text);
            w.value(4, "requirement", &s.requirement);
        }
    }
    w.out
}

fn air_outlet(w: &mut W, o: &Outlet) {
    w.value(4, "- id", &o.id);
    w.req(6, "name", "排放口名称", &o.name);
    w.req(6, "type", "排放口类型", &o.kind);
    w.missing(6, "sources", "对应产污设施");
    w.req(6, "height", "排气筒高度", &o.height);
    w.opt(6, "inner_diameter", &o.inner_diameter);
    if let (Some(lon), Some(lat)) = (&o.lon, &o.lat) {
        w.line(6, "location:");
        w.value(8, "lon", lon);
        w.value(8, "lat", lat);
    }
    w.req(6, "standard", "执行的排放标准", &o.standard);
    limits(w, &o.pollutants);
}

fn water_outlet(w: &mut W, o: &Outlet) {
    w.value(4, "- id", &o.id);
    w.req(6, "name", "排放口名称", &o.name);
    w.req(6, "type", "排放口类型", &o.kind);
    w.req(6, "discharge", "排放方式", &o.discharge);
    w.req(6, "receiving", "受纳水体/受纳污水处理厂", &o.receiving);
    w.opt(6, "receiving_class", &o.receiving_class);
    w.req(6, "standard", "执行的排放标准", &o.standard);
    limits(w, &o.pollutants);
}

fn limits(w: &mut W, list: &[Limit]) {
    if list.is_empty() {
        w.missing(6, "pollutants", "许可排放限值");
        return;
    }
    w.line(6, "pollutants:");
    for p in list {
        w.value(8, "- pollutant", &p.pollutant);
        w.opt(10, "concentration", &p.concentration);
        w.opt(10, "range", &p.range);
        w.opt(10, "daily", &p.daily);
        w.opt(10, "rate", &p.rate);
        w.opt(10, "limit", &p.limit);
        w.opt(10, "bound", &p.bound);
        w.opt(10, "annual", &p.annual);
        if !p.annual_years.is_empty() {
            w.line(10, "annual_years:");
            for y in &p.annual_years {
                let mut text = format!("- {}  # 来源: {}", scalar(&y.text), y.src);
                if let Some(how) = &y.how {
                    text.push_str(&format!("（{how}）"));
                }
                w.line(12, &text);
            }
        }
        w.opt(10, "committed", &p.committed);
        w.opt(10, "standard", &p.standard);
    }
}

fn totals(w: &mut W, list: &[Total]) {
    if list.is_empty() {
        return;
    }
    w.line(2, "totals:");
    for t in list {
        w.value(4, "- pollutant", &t.pollutant);
        w.value(6, "annual", &t.annual);
    }
}

#[cfg(test)]
mod tests {
    use super::scalar;

    #[test]
    fn quoting() {
        assert_eq!(scalar("锅炉废气排放口1#"), "锅炉废气排放口1#");
        assert_eq!(scalar("150 mg/Nm3"), "150 mg/Nm3");
        assert_eq!(scalar("640100"), "\"640100\"");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("#1"), "\"#1\"");
        assert_eq!(scalar("say \"x\""), "say \"x\"");
        assert_eq!(scalar("- x"), "\"- x\"");
        assert_eq!(scalar("106.500000"), "106.500000");
        assert_eq!(scalar("\u{feff}\"x"), "\"\\ufeff\\\"x\"");
    }
}
