//! The bureau's language: how a finding reads in a document a person
//! outside the tool receives (the one-time notice) or signs (the form).
//!
//! A finding as the run produces it speaks to reviewers and policy
//! authors: pollutant codes (`SO2`), the permit format's field names, YAML
//! paths, English document errors, and source grades (`[2nd]`) or research
//! notes in its basis. Here it becomes what an official would write: the
//! pollutant's Chinese name (through [`labels::pollutant_zh`]), the outlet
//! and the field's Chinese label instead of a path, a Chinese message for
//! every `document.*` finding, and a basis that cites regulations only.
//! Findings on one value are grouped into one item whose strictest limit
//! leads ([`group`]). Nothing here decides anything: it rewords.

use super::labels;
use crate::finding::{Finding, Severity};
use crate::permit::model::Node;
use crate::schema::permit_v1::{ROOT, record_of};
use crate::schema::types::{RecordDef, Ty};

/// Source grades that belong in `explain` and `docs/`, never in a letter.
const GRADES: &[&str] = &[
    "[2nd]",
    "[unverified]",
    "[text]",
    "[verified]",
    "[secondary]",
];

/// Phrases that open a research note inside a basis: the rest of the
/// clause (from the last separator before the phrase) is dropped.
const NOTES: &[&str] = &[
    "二手资料",
    "未在原文核实",
    "未在标准原文核实",
    "数值取自",
    "DOMAIN",
    "本规则库",
    "待核实",
    "未核实",
];

/// Drop source grades: `…总则 [2nd]` → `…总则`.
fn strip_grades(s: &str) -> String {
    let mut out = s.to_string();
    for g in GRADES {
        out = out.replace(&format!(" {g}"), "").replace(g, "");
    }
    out
}

/// Text for a person: pollutant codes named in Chinese, source grades
/// dropped, doubled brackets and `名称（名称）` repetitions collapsed, and
/// the statute's `生态环境主管部门`.
pub fn text(s: &str) -> String {
    let s = strip_grades(s);
    let s = name_pollutants(&s);
    let s = s.replace("生态环境部门", "生态环境主管部门");
    collapse_brackets(&s)
}

/// Replace every ASCII token that is a known pollutant code by its Chinese
/// name. A token is a run of ASCII letters, digits, `_` and `-`, so `PM2.5`
/// and `mg/m3` are left alone.
fn name_pollutants(s: &str) -> String {
    let is_tok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find(is_tok) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let len = tail.find(|c: char| !is_tok(c)).unwrap_or(tail.len());
        let tok = &tail[..len];
        // `PM2.5`: a token followed by `.digit` is part of a longer name.
        let dotted = tail[len..].starts_with('.')
            && tail[len + 1..].starts_with(|c: char| c.is_ascii_digit());
        match labels::pollutant_zh(tok) {
            Some(zh) if !dotted => out.push_str(zh),
            _ => out.push_str(tok),
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

/// `（（未填））` → `（未填）`; `颗粒物（颗粒物）` → `颗粒物`.
fn collapse_brackets(s: &str) -> String {
    let mut s = s.to_string();
    while s.contains("（（") || s.contains("））") {
        s = s.replace("（（", "（").replace("））", "）");
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(open) = rest.find('（') {
        let after = &rest[open + '（'.len_utf8()..];
        let Some(close) = after.find('）') else {
            break;
        };
        let inner = &after[..close];
        let before = &rest[..open];
        out.push_str(before);
        let repeated = !inner.is_empty()
            && !inner.contains('（')
            && (out.ends_with(inner) || out.trim_end().ends_with(inner));
        if !repeated && !raw_field(inner) {
            out.push('（');
            out.push_str(inner);
            out.push('）');
        }
        rest = &after[close + '）'.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// `sealed: false`: a permit-format field name and its value, which the
/// sentence around it already says in words; so is a bare field name or
/// path in brackets: `（special_periods）`.
fn raw_field(inner: &str) -> bool {
    let name = |k: &str| {
        k.bytes().any(|b| b.is_ascii_lowercase())
            && k.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.')
    };
    name(inner)
        || inner
            .split_once(':')
            .is_some_and(|(k, v)| name(k) && v.starts_with(' '))
}

/// A basis as a letter cites it: regulations only. Source grades go,
/// research notes go (from the last separator before the note), empty
/// clauses go. `document.*` findings cite the standard that defines the
/// value, or nothing — never our file format.
pub fn basis(f: &Finding) -> String {
    if f.rule.starts_with("document.") {
        return document_basis(&f.rule).to_string();
    }
    let Some(b) = &f.basis else {
        return String::new();
    };
    let clauses: Vec<String> = b
        .split('；')
        .filter_map(|clause| {
            let mut c = clause.to_string();
            if let Some(at) = NOTES.iter().filter_map(|n| c.find(n)).min() {
                let head = &c[..at];
                let cut = ["——", "：", "，"]
                    .iter()
                    .filter_map(|sep| head.rfind(sep))
                    .max()
                    .unwrap_or(0);
                c.truncate(cut);
            }
            if placeholder(&c) {
                return None;
            }
            let c = text(c.trim());
            let c = c.trim().to_string();
            (!c.is_empty()).then_some(c)
        })
        .collect();
    clauses.join("；")
}

/// A clause naming no real document: `HJ 8xx 行业技术规范`.
fn placeholder(s: &str) -> bool {
    s.as_bytes()
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b'x' && w[2] == b'x')
}

fn document_basis(rule: &str) -> &'static str {
    match rule {
        "document.credit-code" => "GB 32100-2015 法人和其他组织统一社会信用代码编码规则",
        "document.industry-code" => "GB/T 4754-2017 国民经济行业分类",
        "document.region-code" => "GB/T 2260 中华人民共和国行政区划代码",
        "document.receiving-class" => "GB 3838-2002 地表水环境质量标准",
        _ => "",
    }
}

/// The problem, in Chinese.
pub fn message(f: &Finding) -> String {
    if f.rule.starts_with("document.") {
        return document_message(f);
    }
    text(&f.message)
}

/// The hint, in Chinese; `None` where the finding's own hint is English
/// and nothing better can be said.
pub fn hint(f: &Finding) -> Option<String> {
    if f.rule.starts_with("document.") {
        return document_hint(f);
    }
    f.help.as_deref().map(text)
}

/// Backquoted parts of an English document message, in order.
fn quoted(s: &str) -> Vec<&str> {
    s.split('`').skip(1).step_by(2).collect()
}

/// The permit text the finding points at, trimmed and shortened.
fn value_text(f: &Finding) -> String {
    let Some(span) = f.primary else {
        return String::new();
    };
    let t = f.file.text.get(span.range()).unwrap_or("").trim();
    if t.contains('\n') || t.chars().count() > 60 {
        return String::new();
    }
    t.trim_matches(['"', '\'']).to_string()
}

fn field_or(f: &Finding, fallback: &str) -> String {
    if f.field_zh.is_empty() {
        fallback.to_string()
    } else {
        f.field_zh.clone()
    }
}

fn document_message(f: &Finding) -> String {
    let field = field_or(f, "该项");
    let q = quoted(&f.message);
    // The value itself, as the message quotes it where it does (a quoted
    // scalar's span may run on to a trailing comment), else from the text.
    let v = match f.rule.as_str() {
        "document.date" | "document.enum" | "document.permit-number" => {
            q.first().map_or_else(|| value_text(f), |s| s.to_string())
        }
        _ => value_text(f),
    };
    let shown = if v.is_empty() {
        String::new()
    } else {
        format!(" {v}")
    };
    match f.rule.as_str() {
        "document.credit-code" => {
            let code = q.first().copied().unwrap_or(v.as_str());
            if f.message.contains("check character") && q.len() >= 3 {
                format!(
                    "统一社会信用代码 {code} 的校验码为 {}，按 GB 32100-2015 计算应为 {}",
                    q[1], q[2]
                )
            } else if f.message.contains("characters, not 18") {
                format!("统一社会信用代码 {code} 不是18位")
            } else {
                format!("统一社会信用代码 {code} 含有 GB 32100-2015 规定字符以外的字符")
            }
        }
        "document.missing-field" | "document.format" => {
            if f.message.contains("has no value") {
                format!("{field}未填写")
            } else if f.rule == "document.format" {
                "申请材料未注明或注明了不受支持的填报格式版本".to_string()
            } else {
                format!("缺少{field}")
            }
        }
        "document.date" => format!("{field}{shown} 不是有效日期"),
        "document.enum" => format!("{field}{shown} 不是规定的选项"),
        "document.unit" => format!("{field}{shown} 的计量单位缺失或不正确"),
        "document.wrong-type" => format!("{field}{shown} 的填写形式不正确"),
        "document.dangling-reference" => {
            let id = q.first().copied().unwrap_or(v.as_str());
            format!("{field}引用的编号 {id} 在申请材料中不存在")
        }
        "document.duplicate-id" => {
            let id = q.first().copied().unwrap_or(v.as_str());
            format!("编号 {id} 重复使用")
        }
        "document.unknown-key" => {
            let key = q.first().copied().unwrap_or("");
            format!("申请材料中有申请表未规定的填报项 {key}")
        }
        "document.industry-code" => format!("行业类别代码{shown} 不符合 GB/T 4754-2017 的代码形式"),
        "document.region-code" => format!("行政区划代码{shown} 不符合 GB/T 2260"),
        "document.outlet-id" => {
            format!("排放口编号{shown} 不符合排放口编号形式（如 DA001、DW001）")
        }
        "document.permit-number" => {
            format!(
                "许可证编号{shown} 与统一社会信用代码不一致（许可证编号以统一社会信用代码开头）"
            )
        }
        "document.receiving-class" => {
            "直接排放的废水排放口未填写受纳水体环境功能区类别".to_string()
        }
        "document.conflicting-fields" => "许可排放浓度与许可排放范围只能填写其一".to_string(),
        "document.validity" => format!("有效期截止日期{shown} 不晚于有效期起始日期"),
        "document.yaml" | "document.unreadable" => {
            "申请材料文件无法读取或已损坏，请重新提交".to_string()
        }
        _ => format!("{field}{shown} 填写有误"),
    }
}

fn document_hint(f: &Finding) -> Option<String> {
    let help = f.help.as_deref().unwrap_or("");
    let suggestion = help
        .strip_prefix("did you mean `")
        .and_then(|s| s.split('`').next());
    match f.rule.as_str() {
        "document.date" => Some("日期按 年-月-日 填写，如 2024-03-01".into()),
        "document.credit-code" => Some("请按营业执照填写统一社会信用代码".into()),
        "document.receiving-class" => {
            Some("填写受纳水体的 GB 3838-2002 水域功能类别（I 类至 V 类）".into())
        }
        "document.enum" => enum_choices(&f.path).map(|c| format!("应为以下之一：{c}")),
        "document.unit" => suggestion
            .map(|s| format!("是否应为 {s}？"))
            .or_else(|| unit_example(&f.path).map(|e| format!("填写时注明单位，如 {e}"))),
        _ => None,
    }
}

/// Chinese labels of the enumeration at a permit path: `重点管理、简化管理、登记管理`.
fn enum_choices(path: &str) -> Option<String> {
    match crate::schema::permit_v1::resolve_path(path)? {
        Ty::Enum(e) => Some(
            e.values
                .iter()
                .map(|v| if v.zh.is_empty() { v.name } else { v.zh })
                .collect::<Vec<_>>()
                .join("、"),
        ),
        _ => None,
    }
}

fn unit_example(path: &str) -> Option<&'static str> {
    match crate::schema::permit_v1::resolve_path(path)? {
        Ty::Qty(dims) => dims.first().map(|d| d.example()),
        _ => None,
    }
}

/// What a finding is about, as the applicant finds it on the national
/// platform: `有组织排放口 DA001（1号机组烟囱） 二氧化硫 许可排放浓度`.
/// Built from the finding's permit path and the permit itself (outlet ids
/// and names, pollutant names); no path, no line number.
pub fn subject(f: &Finding, root: Option<&Node>) -> String {
    let fallback = || {
        if f.field_zh.is_empty() {
            "申请材料".to_string()
        } else {
            f.field_zh.clone()
        }
    };
    let (Some(root), false) = (root, f.path.is_empty()) else {
        return fallback();
    };
    let mut segments: Vec<&str> = f.path.split('.').collect();
    if f.rule == "document.unknown-key" {
        // The key is the applicant's own; name where it was found.
        segments.pop();
        if segments.is_empty() {
            return "申请材料".to_string();
        }
    }
    let mut parts: Vec<String> = Vec::new();
    let mut node = root;
    let mut rec: Option<&'static RecordDef> = Some(&ROOT);
    for (k, seg) in segments.iter().enumerate() {
        let last = k + 1 == segments.len();
        let (key, index) = match seg.split_once('[') {
            Some((key, i)) => (key, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (*seg, None),
        };
        let field = rec.and_then(|r| r.field(key));
        let label = field.map_or(key, |f| f.zh);
        let Some(next) = node.get(key) else {
            parts.push(label.to_string());
            break;
        };
        rec = field.and_then(|f| record_of(&f.ty));
        match index {
            None => {
                if last {
                    parts.push(label.to_string());
                }
                node = next;
            }
            Some(i) => {
                let Some(item) = next.items().get(i) else {
                    parts.push(label.to_string());
                    break;
                };
                let (described, pollutant_only) = describe(item, label, i);
                if pollutant_only && parts.is_empty() {
                    // A site-wide item (`air.totals`): say which list first.
                    parts.push(label.to_string());
                }
                parts.push(described);
                if last && pollutant_only {
                    parts.push(label.to_string());
                }
                node = item;
            }
        }
    }
    let mut s = String::new();
    for p in &parts {
        if !s.is_empty() && !s.ends_with('）') {
            s.push(' ');
        }
        s.push_str(p);
    }
    if s.is_empty() { fallback() } else { text(&s) }
}

/// One list item: `有组织排放口 DA001（1号机组烟囱）`, `二氧化硫`, or
/// `自行监测方案 DA002 氮氧化物`; the flag says the description is a
/// pollutant alone (the list's label then follows it when it ends the path).
fn describe(item: &Node, list_label: &str, i: usize) -> (String, bool) {
    let s = |k: &str| item.get(k).and_then(|n| super::scalar(n, None));
    let pollutant = s("pollutant").map(|p| labels::pollutant_zh(&p).map_or(p, str::to_string));
    if let Some(id) = s("id") {
        return match s("name") {
            Some(name) if name != id => (format!("{list_label} {id}（{name}）"), false),
            _ => (format!("{list_label} {id}"), false),
        };
    }
    match (s("outlet"), pollutant) {
        (Some(o), Some(p)) => (format!("{list_label} {o} {p}"), false),
        (None, Some(p)) => (p, true),
        (Some(o), None) => (format!("{list_label} {o}"), false),
        (None, None) => match super::scalar(item, None) {
            Some(v) => (format!("{list_label} {v}"), false),
            None => (format!("{list_label}第{}项", i + 1), false),
        },
    }
}

/// One defective value and everything found about it: the finding that
/// leads (the strictest), and the others, whose bases support it.
#[derive(Debug)]
pub struct Item<'a> {
    pub lead: &'a Finding,
    pub also: Vec<&'a Finding>,
}

/// Group findings on the same permit value (same primary span) into one
/// item, in the order of the first finding of each group. The lead is the
/// most severe; among errors that compare a value with a limit
/// (`… 高于 … 限值 50 mg/m3`), the lowest limit. Document findings and
/// findings about the whole file are never grouped.
pub fn group<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<Item<'a>> {
    grouped(findings, false)
}

/// [`group`], keeping findings of different severities apart (the form:
/// a notice on a value stays its own row beside the error on it).
pub fn group_by_severity<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<Item<'a>> {
    grouped(findings, true)
}

fn grouped<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    by_severity: bool,
) -> Vec<Item<'a>> {
    let mut groups: Vec<Vec<&'a Finding>> = Vec::new();
    for f in findings {
        let key = f.primary.filter(|_| !f.rule.starts_with("document."));
        let same = key.and_then(|k| {
            groups.iter().position(|g| {
                g[0].primary == Some(k)
                    && !g[0].rule.starts_with("document.")
                    && (!by_severity || g[0].severity == f.severity)
            })
        });
        match same {
            Some(i) => groups[i].push(f),
            None => groups.push(vec![f]),
        }
    }
    groups
        .into_iter()
        .map(|mut g| {
            let lead = (0..g.len())
                .min_by(|&a, &b| strictness(g[a]).total_cmp_key(&strictness(g[b])))
                .unwrap_or(0);
            let lead = g.remove(lead);
            Item { lead, also: g }
        })
        .collect()
}

/// Ordering key of a finding within its group: severity first, then the
/// limit (lower is stricter for `高于`), then the order found.
struct Strictness(Severity, f64);

impl Strictness {
    fn total_cmp_key(&self, other: &Strictness) -> std::cmp::Ordering {
        self.0.cmp(&other.0).then(self.1.total_cmp(&other.1))
    }
}

fn strictness(f: &Finding) -> Strictness {
    Strictness(f.severity, limit_of(&f.message).unwrap_or(f64::INFINITY))
}

/// The limit a `… 高于 … 限值 N unit` message compares with: the last
/// number after the last `高于`.
fn limit_of(msg: &str) -> Option<f64> {
    let after = &msg[msg.rfind("高于")?..];
    let mut last = None;
    let mut cur = String::new();
    let mut prev = ' ';
    for c in after.chars().chain(std::iter::once(' ')) {
        // A number starts after a non-alphanumeric character: `m3` is a unit.
        let starts = cur.is_empty() && c.is_ascii_digit() && !prev.is_ascii_alphanumeric();
        if starts || (!cur.is_empty() && (c.is_ascii_digit() || c == '.')) {
            cur.push(c);
        } else if !cur.is_empty() {
            last = cur.trim_end_matches('.').parse::<f64>().ok().or(last);
            cur.clear();
        }
        prev = c;
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pollutant_codes_become_names() {
        assert_eq!(text("SO2 许可排放浓度"), "二氧化硫 许可排放浓度");
        assert_eq!(text("颗粒物（PM）只有"), "颗粒物只有");
        assert_eq!(text("NH3-N 与 NH3"), "氨氮 与 氨");
        assert_eq!(text("PM2.5 与 mg/m3"), "PM2.5 与 mg/m3");
        assert_eq!(text("DA001 的 COD"), "DA001 的 化学需氧量");
    }

    #[test]
    fn brackets_and_terms() {
        assert_eq!(text("（（未填））"), "（未填）");
        assert_eq!(text("为手工监测（手工监测），"), "为手工监测，");
        assert_eq!(text("（新建机组）"), "（新建机组）");
        assert_eq!(text("与生态环境部门联网"), "与生态环境主管部门联网");
        assert_eq!(
            text("未加盖印章（sealed: false），不符合"),
            "未加盖印章，不符合"
        );
    }

    #[test]
    fn limits_are_read_after_the_comparison() {
        assert_eq!(
            limit_of("SO2 许可排放浓度 150 mg/m3 高于 GB 13223-2011 表2 特别排放限值 50 mg/m3"),
            Some(50.0)
        );
        assert_eq!(limit_of("缺少许可年排放量"), None);
        assert_eq!(
            limit_of("浓度 80 mg/m3 高于 表1 限值 0.03 mg/m3"),
            Some(0.03)
        );
    }
}
