//! EIA approval lists (环评批复名单) read into the lists: the CSV the
//! administrative approval bureaus publish, matched against the permit
//! library. Reports approved projects with no permit (by construction
//! status), permits whose approval is absent from the lists, and approvals
//! newer than the permit (技改 → 变更 / 重新申请).
//!
//! Matching never guesses silently: a credit code match is certain; a match
//! by name and address carries its confidence, and a weak one is only a
//! candidate for a person to confirm.

use super::{csv, field};
use crate::date::Date;
use crate::escape::terminal;
use crate::run::FileResult;
use crate::schema::permit_v1 as schema;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Confidence from which a name-and-address match counts as a match.
pub const MATCH_CONFIDENCE: f64 = 0.75;

/// The columns of an approval list and the header spellings accepted for each.
pub const COLUMNS: [(&str, &[&str]); 9] = [
    (
        "项目名称",
        &["项目名称", "建设项目名称", "项目", "工程名称"],
    ),
    (
        "建设单位",
        &[
            "建设单位",
            "建设单位名称",
            "单位名称",
            "企业名称",
            "申请单位",
        ],
    ),
    (
        "统一社会信用代码",
        &[
            "统一社会信用代码",
            "社会信用代码",
            "信用代码",
            "统一信用代码",
            "建设单位统一社会信用代码",
        ],
    ),
    (
        "批复文号",
        &["批复文号", "审批文号", "环评批复文号", "文号", "批准文号"],
    ),
    (
        "批复日期",
        &["批复日期", "审批日期", "批复时间", "审批时间", "批准日期"],
    ),
    (
        "建设地点",
        &["建设地点", "项目地址", "建设地址", "项目地点", "地址"],
    ),
    (
        "行业类别",
        &[
            "行业类别",
            "国民经济行业类别",
            "所属行业",
            "行业",
            "行业代码",
        ],
    ),
    ("建设状态", &["建设状态", "项目状态", "建设情况", "状态"]),
    (
        "行政区划代码",
        &["行政区划代码", "区划代码", "所在区县代码", "区县代码"],
    ),
];

/// Columns an approval list must have.
const REQUIRED: [&str; 4] = ["建设单位", "批复文号", "批复日期", "建设状态"];

/// Construction status of an approved project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    UnderConstruction,
    Operating,
    Planned,
    Unknown,
}

impl Status {
    pub fn parse(s: &str) -> Status {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        match s.as_str() {
            "在建" | "建设中" | "施工中" | "under_construction" => {
                Status::UnderConstruction
            }
            "已投运" | "投运" | "已投产" | "投产" | "运营" | "运行" | "已建成投产" | "建成投产"
            | "operating" => Status::Operating,
            "拟建" | "未开工" | "未建" | "planned" => Status::Planned,
            _ => Status::Unknown,
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Status::UnderConstruction => "在建",
            Status::Operating => "已投运",
            Status::Planned => "拟建",
            Status::Unknown => "状态不明",
        }
    }
}

/// One row of an approval list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Approval {
    pub source: String,
    /// 1-based line of the row in its file.
    pub line: usize,
    pub project: String,
    pub builder: String,
    pub credit_code: String,
    pub number: String,
    #[serde(serialize_with = "date_text")]
    pub date: Option<Date>,
    pub site: String,
    pub industry: String,
    pub status: Status,
    pub status_text: String,
    pub region: String,
}

/// A whole approval list file: its rows and what was odd about it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ApprovalFile {
    pub path: String,
    pub approvals: Vec<Approval>,
    /// Header cells that are none of the known spellings (ignored).
    pub unknown_columns: Vec<String>,
    /// Row problems (bad date, unknown status, wrong cell count): reported, row kept.
    pub notes: Vec<String>,
}

/// Why a file is not readable as UTF-8: names the likely encoding.
fn encoding_error(bytes: &[u8], e: std::str::Utf8Error) -> String {
    let at = e.valid_up_to();
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    // GBK / GB18030: a lead byte 0x81–0xFE followed by a trail byte 0x40–0xFE.
    let rest = &bytes[at..];
    let gbk =
        rest.len() >= 2 && (0x81..=0xFE).contains(&rest[0]) && (0x40..=0xFE).contains(&rest[1]);
    if gbk {
        format!(
            "not UTF-8 (invalid byte 0x{:02X} at line {line}, byte {at}); it looks GBK/GB18030-encoded, \
             as Excel saves CSV on Chinese Windows. Save it as \"CSV UTF-8\" and run again",
            rest[0]
        )
    } else {
        format!(
            "not UTF-8 (invalid byte 0x{:02X} at line {line}, byte {at}); save it as \"CSV UTF-8\" and run again",
            rest.first().copied().unwrap_or(0)
        )
    }
}

/// Split CSV text into records (RFC 4180: quoted cells may hold commas,
/// doubled quotes and line breaks). Returns (first line of the record, cells).
pub fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut out = Vec::new();
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut line = 1usize;
    let mut start = 1usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    cell.push(c);
                }
                _ => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if cell.is_empty() => quoted = true,
            ',' => cells.push(std::mem::take(&mut cell)),
            '\r' => {}
            '\n' => {
                cells.push(std::mem::take(&mut cell));
                if cells.iter().any(|c| !c.trim().is_empty()) {
                    out.push((start, std::mem::take(&mut cells)));
                }
                cells.clear();
                line += 1;
                start = line;
            }
            _ => cell.push(c),
        }
    }
    if quoted {
        return Err(format!(
            "a quoted cell opened on line {start} is never closed"
        ));
    }
    cells.push(cell);
    if cells.iter().any(|c| !c.trim().is_empty()) {
        out.push((start, cells));
    }
    Ok(out)
}

fn header_key(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | ':' | '：'))
        .collect()
}

/// Canonical column of a header cell, if it is a known spelling.
pub fn column(h: &str) -> Option<&'static str> {
    let k = header_key(h);
    COLUMNS
        .iter()
        .find(|(_, spellings)| spellings.contains(&k.as_str()))
        .map(|(c, _)| *c)
}

/// Dates as approval lists write them: 2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim().trim_end_matches('日');
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Parse one approval list. `Err` when the file cannot be read as a list at
/// all (encoding, missing columns); row problems are notes.
pub fn parse(path: &str, bytes: &[u8]) -> Result<ApprovalFile, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| encoding_error(bytes, e))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let recs = records(text)?;
    let Some((_, header)) = recs.first() else {
        return Err("the file is empty".into());
    };
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut file = ApprovalFile {
        path: path.to_string(),
        ..ApprovalFile::default()
    };
    for (i, h) in header.iter().enumerate() {
        match column(h) {
            Some(c) if !index.contains_key(c) => {
                index.insert(c, i);
            }
            Some(c) => file.notes.push(format!(
                "column `{}` repeats {c}; the first one is used",
                terminal(h.trim())
            )),
            None if h.trim().is_empty() => {}
            None => file.unknown_columns.push(terminal(h.trim()).into_owned()),
        }
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !index.contains_key(c))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing column(s) {} (header: {})",
            missing.join(", "),
            terminal(&header.join(","))
        ));
    }
    for (line, cells) in &recs[1..] {
        let get = |c: &str| {
            index
                .get(c)
                .and_then(|&i| cells.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        if cells.len() != header.len() {
            file.notes.push(format!(
                "line {line}: {} cells, the header has {}",
                cells.len(),
                header.len()
            ));
        }
        let date_text = get("批复日期");
        let date = parse_date(&date_text);
        if date.is_none() {
            file.notes.push(format!(
                "line {line}: 批复日期 `{}` is not a date",
                terminal(&date_text)
            ));
        }
        let status_text = get("建设状态");
        let status = Status::parse(&status_text);
        if status == Status::Unknown {
            file.notes.push(format!(
                "line {line}: 建设状态 `{}` is not known",
                terminal(&status_text)
            ));
        }
        file.approvals.push(Approval {
            source: path.to_string(),
            line: *line,
            project: get("项目名称"),
            builder: get("建设单位"),
            credit_code: get("统一社会信用代码").to_ascii_uppercase(),
            number: get("批复文号"),
            date,
            site: get("建设地点"),
            industry: get("行业类别"),
            status,
            status_text,
            region: get("行政区划代码"),
        });
    }
    Ok(file)
}

fn date_text<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.to_string()),
        None => s.serialize_none(),
    }
}

/// What the approval lists need about one permit.
#[derive(Clone, Debug, PartialEq)]
pub struct PermitFacts {
    pub credit_code: String,
    pub name: String,
    pub address: String,
    pub region: String,
    pub permit_number: String,
    pub file: String,
    pub issued: Option<Date>,
    pub valid_until: Option<Date>,
    pub construction_status: Option<String>,
    /// `eia[].approval` (批复文号).
    pub approvals: Vec<String>,
}

/// The facts of a checked file whose permit was kept and has a credit code.
pub fn permit_facts(r: &FileResult) -> Option<PermitFacts> {
    let root = &r.permit.as_ref()?.root;
    let credit_code = field(root, "unit", "credit_code", None)?
        .trim()
        .to_ascii_uppercase();
    if credit_code.is_empty() {
        return None;
    }
    let date = |s: &str, k: &str| field(root, s, k, None).and_then(|d| Date::parse(&d));
    let approvals = root
        .get("eia")
        .map(|l| {
            l.items()
                .iter()
                .filter_map(|e| e.get("approval").and_then(|n| super::text(n, None)))
                .collect()
        })
        .unwrap_or_default();
    Some(PermitFacts {
        credit_code,
        name: field(root, "unit", "name", None).unwrap_or_default(),
        address: field(root, "unit", "address", None).unwrap_or_default(),
        region: field(root, "unit", "region", None).unwrap_or_default(),
        permit_number: field(root, "permit", "number", None).unwrap_or_default(),
        file: r.path.clone(),
        issued: date("permit", "issued").or_else(|| date("permit", "valid_from")),
        valid_until: date("permit", "valid_until"),
        construction_status: field(
            root,
            "unit",
            "construction_status",
            Some(&schema::CONSTRUCTION_STATUS),
        ),
        approvals,
    })
}

/// A unit name for matching: no spaces or brackets, 有限责任公司 = 有限公司.
pub fn normalize_name(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '（' | '）' | '·' | '.'))
        .collect::<String>()
        .replace("有限责任公司", "有限公司")
}

fn normalize_number(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '[' | '【' | '(' | '（' => '〔',
            ']' | '】' | ')' | '）' => '〕',
            c => c,
        })
        .collect()
}

/// How an approval was matched to a permit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Match {
    pub credit_code: String,
    pub permit_number: String,
    /// `credit_code`, or `name_address` (with `confidence` < 1).
    pub method: String,
    pub confidence: f64,
}

/// What the lists say about one approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Matched; the permit covers the approval.
    Covered,
    /// Matched, but approved after the permit was issued and not in the permit: 技改.
    NewerThanPermit,
    /// A possible permit was found, too unsure to be a match: confirm by hand.
    Candidate,
    NoPermitUnderConstruction,
    NoPermitOperating,
    NoPermitPlanned,
    NoPermitUnknown,
}

impl Verdict {
    pub fn zh(self) -> &'static str {
        match self {
            Verdict::Covered => "已有许可证",
            Verdict::NewerThanPermit => "批复晚于许可证（技改），应申请变更或重新申请",
            Verdict::Candidate => "疑似对应许可证，需人工确认",
            Verdict::NoPermitUnderConstruction => "在建，投产排污前应取得排污许可证",
            Verdict::NoPermitOperating => "已投运但无排污许可证，涉嫌无证排污",
            Verdict::NoPermitPlanned => "拟建，尚无需许可证，持续跟踪",
            Verdict::NoPermitUnknown => "无许可证，建设状态不明，需核实",
        }
    }
    /// Legal basis (articles read in the 条例 text; docs/dispatch.md grades them).
    pub fn basis(self) -> &'static str {
        match self {
            Verdict::NewerThanPermit => "排污许可管理条例 第十五条",
            Verdict::NoPermitUnderConstruction => "排污许可管理条例 第二条",
            Verdict::NoPermitOperating => "排污许可管理条例 第三十三条第（一）项",
            _ => "",
        }
    }
}

/// One approval with its match and verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub approval: Approval,
    #[serde(rename = "match")]
    pub matched: Option<Match>,
    /// The best candidate below the match threshold, or with a conflicting credit code.
    pub candidate: Option<Match>,
    pub verdict: Verdict,
}

/// The whole EIA reconciliation of one run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Reconciliation {
    pub files: Vec<FileSummary>,
    pub rows: Vec<Row>,
    /// Permits none of whose `eia[].approval` numbers is in the lists.
    pub permits_without_listed_approval: Vec<PermitGap>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct FileSummary {
    pub path: String,
    pub rows: usize,
    pub unknown_columns: Vec<String>,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PermitGap {
    pub credit_code: String,
    pub name: String,
    pub permit_number: String,
    pub approvals: Vec<String>,
}

fn similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    strsim::normalized_levenshtein(a, b)
}

/// Match approvals to permits and give each a verdict. Deterministic:
/// permits are visited in credit-code order.
pub fn reconcile(files: &[ApprovalFile], permits: &[PermitFacts]) -> Reconciliation {
    let mut permits: Vec<&PermitFacts> = permits.iter().collect();
    permits.sort_by(|a, b| a.credit_code.cmp(&b.credit_code));
    let by_code: HashMap<&str, &PermitFacts> = permits
        .iter()
        .map(|p| (p.credit_code.as_str(), *p))
        .collect();
    let mut by_name: HashMap<String, Vec<&PermitFacts>> = HashMap::new();
    for p in &permits {
        by_name.entry(normalize_name(&p.name)).or_default().push(p);
    }
    let mut rows = Vec::new();
    let mut listed: BTreeSet<String> = BTreeSet::new();
    for f in files {
        for a in &f.approvals {
            listed.insert(normalize_number(&a.number));
            rows.push(row(a, &by_code, &by_name));
        }
    }
    let gaps = permits
        .iter()
        .filter(|p| {
            !p.approvals
                .iter()
                .any(|n| listed.contains(&normalize_number(n)))
        })
        .map(|p| PermitGap {
            credit_code: p.credit_code.clone(),
            name: p.name.clone(),
            permit_number: p.permit_number.clone(),
            approvals: p.approvals.clone(),
        })
        .collect();
    Reconciliation {
        files: files
            .iter()
            .map(|f| FileSummary {
                path: f.path.clone(),
                rows: f.approvals.len(),
                unknown_columns: f.unknown_columns.clone(),
                notes: f.notes.clone(),
            })
            .collect(),
        rows,
        permits_without_listed_approval: gaps,
    }
}

fn matched(p: &PermitFacts, method: &str, confidence: f64) -> Match {
    Match {
        credit_code: p.credit_code.clone(),
        permit_number: p.permit_number.clone(),
        method: method.into(),
        confidence: (confidence * 100.0).round() / 100.0,
    }
}

fn row(
    a: &Approval,
    by_code: &HashMap<&str, &PermitFacts>,
    by_name: &HashMap<String, Vec<&PermitFacts>>,
) -> Row {
    let mut found: Option<(&PermitFacts, Match)> = None;
    let mut candidate = None;
    if let Some(p) = by_code
        .get(a.credit_code.as_str())
        .filter(|_| !a.credit_code.is_empty())
    {
        found = Some((p, matched(p, "credit_code", 1.0)));
    } else if let Some(list) = by_name.get(&normalize_name(&a.builder)) {
        // Same (normalized) name: the address decides the confidence.
        let best = list
            .iter()
            .map(|p| (*p, 0.5 + 0.5 * similarity(&a.site, &p.address)))
            .fold(None::<(&PermitFacts, f64)>, |best, (p, c)| match best {
                Some((_, bc)) if bc >= c => best,
                _ => Some((p, c)),
            });
        if let Some((p, c)) = best {
            let m = matched(p, "name_address", c);
            // A credit code on the approval that differs from the permit's
            // contradicts the name: never a match.
            if c >= MATCH_CONFIDENCE && a.credit_code.is_empty() {
                found = Some((p, m));
            } else {
                candidate = Some(m);
            }
        }
    }
    let verdict = match &found {
        Some((p, _)) => {
            let in_permit = p
                .approvals
                .iter()
                .any(|n| normalize_number(n) == normalize_number(&a.number));
            let newer = matches!((a.date, p.issued), (Some(d), Some(i)) if d > i);
            if newer && !in_permit {
                Verdict::NewerThanPermit
            } else {
                Verdict::Covered
            }
        }
        None if candidate.is_some() => Verdict::Candidate,
        None => match a.status {
            Status::UnderConstruction => Verdict::NoPermitUnderConstruction,
            Status::Operating => Verdict::NoPermitOperating,
            Status::Planned => Verdict::NoPermitPlanned,
            Status::Unknown => Verdict::NoPermitUnknown,
        },
    };
    Row {
        approval: a.clone(),
        matched: found.map(|(_, m)| m),
        candidate,
        verdict,
    }
}

pub const EIA_HEADER: [&str; 15] = [
    "来源",
    "行",
    "项目名称",
    "建设单位",
    "统一社会信用代码",
    "批复文号",
    "批复日期",
    "建设地点",
    "建设状态",
    "匹配方式",
    "置信度",
    "许可证编号",
    "结论",
    "依据",
    "疑似对应",
];

impl Reconciliation {
    pub fn count(&self, v: Verdict) -> usize {
        self.rows.iter().filter(|r| r.verdict == v).count()
    }

    pub fn csv(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                let a = &r.approval;
                let m = r.matched.as_ref();
                vec![
                    a.source.clone(),
                    a.line.to_string(),
                    a.project.clone(),
                    a.builder.clone(),
                    a.credit_code.clone(),
                    a.number.clone(),
                    a.date.map(|d| d.to_string()).unwrap_or_default(),
                    a.site.clone(),
                    a.status.zh().to_string(),
                    m.map(|m| match m.method.as_str() {
                        "credit_code" => "统一社会信用代码".to_string(),
                        _ => "名称和地址".to_string(),
                    })
                    .unwrap_or_default(),
                    m.map(|m| format!("{:.2}", m.confidence))
                        .unwrap_or_default(),
                    m.map(|m| m.permit_number.clone()).unwrap_or_default(),
                    r.verdict.zh().to_string(),
                    r.verdict.basis().to_string(),
                    r.candidate
                        .as_ref()
                        .map(|c| format!("{}（置信度 {:.2}）", c.permit_number, c.confidence))
                        .unwrap_or_default(),
                ]
            })
            .collect();
        safe_document(&EIA_HEADER, &rows)
    }

    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// [`csv::document`] with every cell text (the cells come from files the
/// bureau did not write): the shared CSV writer makes each formula-safe.
pub fn safe_document(header: &[&str], rows: &[Vec<String>]) -> String {
    csv::document(header, &[], rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_dates_status() {
        assert_eq!(column(" 审批文号 "), Some("批复文号"));
        assert_eq!(column("*建设单位名称"), Some("建设单位"));
        assert_eq!(column("备注"), None);
        assert_eq!(parse_date("2026年3月1日"), Date::new(2026, 3, 1));
        assert_eq!(parse_date("2026/3/1"), Date::new(2026, 3, 1));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(Status::parse("已投产"), Status::Operating);
        assert_eq!(Status::parse("？"), Status::Unknown);
    }

    #[test]
    fn quoted_cells() {
        let r = records("a,\"b,\"\"c\"\"\nd\"\r\nx,y\n").unwrap();
        assert_eq!(r[0].1, ["a", "b,\"c\"\nd"]);
        assert_eq!(r[1], (3, vec!["x".to_string(), "y".to_string()]));
        assert!(records("a,\"b\n").is_err());
    }

    #[test]
    fn gbk_is_named() {
        // "建设单位" in GBK.
        let bytes = [0xBD, 0xA8, 0xC9, 0xE8, 0xB5, 0xA5, 0xCE, 0xBB];
        let e = parse("x.csv", &bytes).unwrap_err();
        assert!(e.contains("GBK"), "{e}");
    }

    fn permit(code: &str, name: &str, address: &str) -> PermitFacts {
        PermitFacts {
            credit_code: code.into(),
            name: name.into(),
            address: address.into(),
            region: String::new(),
            permit_number: format!("{code}001P"),
            file: String::new(),
            issued: Date::new(2024, 3, 1),
            valid_until: None,
            construction_status: None,
            approvals: vec!["苏环审[2020]1号".into()],
        }
    }

    fn approval(builder: &str, code: &str, site: &str, number: &str) -> ApprovalFile {
        ApprovalFile {
            approvals: vec![Approval {
                source: "a.csv".into(),
                line: 2,
                project: String::new(),
                builder: builder.into(),
                credit_code: code.into(),
                number: number.into(),
                date: Date::new(2020, 1, 1),
                site: site.into(),
                industry: String::new(),
                status: Status::Operating,
                status_text: "已投运".into(),
                region: String::new(),
            }],
            ..ApprovalFile::default()
        }
    }

    #[test]
    fn name_matches_carry_their_confidence() {
        let permits = [permit("A1", "苏州甲有限公司", "苏州市吴中区甲路1号")];
        // Same name, same address, bracket style differs: a match, and covered.
        let r = reconcile(
            &[approval(
                "苏州甲有限责任公司",
                "",
                "苏州市吴中区甲路1号",
                "苏环审〔2020〕1号",
            )],
            &permits,
        );
        let m = r.rows[0].matched.as_ref().unwrap();
        assert_eq!((m.method.as_str(), m.confidence), ("name_address", 1.0));
        assert_eq!(r.rows[0].verdict, Verdict::Covered);
        assert!(r.permits_without_listed_approval.is_empty());
        // Same name, an unrelated address: only a candidate, never a match.
        let r = reconcile(
            &[approval(
                "苏州甲有限公司",
                "",
                "南京市玄武区某街99号",
                "苏环审〔2020〕2号",
            )],
            &permits,
        );
        assert!(r.rows[0].matched.is_none());
        let c = r.rows[0].candidate.as_ref().unwrap();
        assert!(c.confidence < MATCH_CONFIDENCE, "{}", c.confidence);
        assert_eq!(r.rows[0].verdict, Verdict::Candidate);
        assert_eq!(r.permits_without_listed_approval.len(), 1);
        // Nothing alike: no permit, operating.
        let r = reconcile(&[approval("苏州乙有限公司", "B2", "", "x")], &permits);
        assert_eq!(r.rows[0].verdict, Verdict::NoPermitOperating);
    }
}
