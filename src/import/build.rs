//! Place the rows of the platform's tables into a permit: which table is
//! which (by its columns), which outlet a row belongs to, which field of the
//! format a cell fills.

use super::columns::{self, Cell, Col, classify, is_not_set, read_cell};
use super::{Level, Note, Page, Source, Table};
use crate::catalogue::pollutants::{Medium, Resolved, catalogue};
use crate::catalogue::text::fold;

/// An imported value: its YAML text and where it came from.
#[derive(Clone, Debug)]
pub struct V {
    pub text: String,
    pub src: Source,
    /// How the value was completed, when it was (`单位取自表头`).
    pub how: Option<String>,
}

#[derive(Debug)]
pub struct Limit {
    pub pollutant: V,
    pub concentration: Option<V>,
    pub daily: Option<V>,
    pub rate: Option<V>,
    pub annual: Option<V>,
    pub annual_years: Vec<V>,
    pub committed: Option<V>,
    pub limit: Option<V>,
    pub bound: Option<V>,
    pub range: Option<V>,
    /// The row's own standard, where the 执行标准 table gives this pollutant
    /// a standard other than the outlet's.
    pub standard: Option<V>,
}

#[derive(Debug)]
pub struct Outlet {
    pub id: V,
    pub name: Option<V>,
    pub kind: Option<V>,
    pub height: Option<V>,
    pub inner_diameter: Option<V>,
    pub lon: Option<V>,
    pub lat: Option<V>,
    pub standard: Option<V>,
    pub discharge: Option<V>,
    pub receiving: Option<V>,
    pub receiving_class: Option<V>,
    pub pollutants: Vec<Limit>,
}

#[derive(Debug)]
pub struct Total {
    pub pollutant: V,
    pub annual: V,
}

#[derive(Debug)]
pub struct Special {
    pub name: V,
    pub applies_to: Vec<String>,
    pub applies_src: V,
    pub requirement: V,
}

/// Fields of `permit:` and `unit:` that the basic-information table fills,
/// by YAML key; first value wins.
#[derive(Debug, Default)]
pub struct Doc {
    pub permit: Vec<(&'static str, V)>,
    pub unit: Vec<(&'static str, V)>,
    /// (code, role) of `unit.industries`.
    pub industries: Vec<(V, V)>,
    pub air: Vec<Outlet>,
    pub water: Vec<Outlet>,
    pub air_totals: Vec<Total>,
    pub water_totals: Vec<Total>,
    pub specials: Vec<Special>,
}

/// A row of a 特殊情况 table, placed once every outlet is known.
struct SpecialRow {
    medium: Medium,
    name: V,
    group: V,
    requirement: V,
}

#[derive(Default)]
pub struct Builder {
    pub doc: Doc,
    pub notes: Vec<Note>,
    specials: Vec<SpecialRow>,
    /// Standards of single pollutants that differ from their outlet's,
    /// placed on the pollutant's row once every limit row is known.
    row_standards: Vec<RowStandard>,
}

/// A 执行标准 row naming a standard other than its outlet's.
struct RowStandard {
    medium: Medium,
    outlet: String,
    pollutant: String,
    standard: V,
}

/// Labels of the basic-information table and the field each fills.
const LABELS: &[(&str, &str)] = &[
    ("单位名称", "unit.name"),
    ("排污单位名称", "unit.name"),
    ("统一社会信用代码", "unit.credit_code"),
    ("许可证编号", "permit.number"),
    ("排污许可证编号", "permit.number"),
    ("证书编号", "permit.number"),
    ("管理类别", "permit.management"),
    ("排污许可管理类别", "permit.management"),
    ("申请类型", "permit.application"),
    ("业务类型", "permit.application"),
    ("有效期限", "permit.validity"),
    ("有效期", "permit.validity"),
    ("发证日期", "permit.issued"),
    ("生产经营场所地址", "unit.address"),
    ("行政区划代码", "unit.region"),
    ("行业类别", "unit.industries.main"),
    ("主要行业类别", "unit.industries.main"),
    ("其他行业类别", "unit.industries.secondary"),
    ("投产日期", "unit.operating_since"),
    ("是否位于重点区域", "unit.key_region"),
    ("是否位于大气重点控制区", "unit.key_region"),
];

fn label_key(cell: &str) -> Option<&'static str> {
    let c = fold(cell.trim_matches(['*', ':', '：', ' ']));
    LABELS.iter().find(|(l, _)| fold(l) == c).map(|&(_, k)| k)
}

/// `(1)主要排放口` → `主要排放口`; `2、特殊情况下…` → `特殊情况下…`.
fn clean_title(t: &str) -> String {
    let s = t.trim();
    let s = s
        .strip_prefix(['(', '（'])
        .and_then(|r| r.split_once([')', '）']).map(|(_, rest)| rest))
        .unwrap_or(s);
    let s = match s.split_once('、') {
        Some((n, rest))
            if n.chars()
                .all(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(c)) =>
        {
            rest
        }
        _ => s,
    };
    let s: String = s.trim().chars().take(40).collect();
    s
}

fn medium_of(text: &str) -> Option<Medium> {
    if text.contains("废水")
        || text.contains("水污染物")
        || text.contains("雨水")
        || text.contains("water")
    {
        Some(Medium::Water)
    } else if text.contains("大气") || text.contains("废气") || text.contains("air") {
        Some(Medium::Air)
    } else {
        None
    }
}

/// Header rows: the first row, and each next row that only repeats the row
/// above (a cell spanning two header rows) or holds sub-headings.
fn header_rows(rows: &[Vec<String>]) -> usize {
    const SUB: &[&str] = &[
        "第一年",
        "第二年",
        "第三年",
        "第四年",
        "第五年",
        "经度",
        "纬度",
        "名称",
        "浓度限值",
        "速率限值",
        "功能目标",
    ];
    let mut n = 1;
    while n < rows.len() {
        let (row, above) = (&rows[n], &rows[n - 1]);
        let sub = |c: &String| SUB.iter().any(|s| c.contains(s));
        let all = row
            .iter()
            .enumerate()
            .all(|(j, c)| c.is_empty() || above.get(j) == Some(c) || sub(c));
        if all && row.iter().any(sub) {
            n += 1;
        } else {
            break;
        }
    }
    n.min(rows.len())
}

/// Column headers as printed: header rows joined top-down, a repeated text
/// once; in CSV an empty cell of the first header row over sub-headings
/// takes the text on its left (the merged cell Excel leaves empty).
fn headers(rows: &[Vec<String>], n: usize) -> Vec<String> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..width)
        .map(|j| {
            let mut parts: Vec<String> = Vec::new();
            for r in 0..n {
                let mut t = rows[r].get(j).cloned().unwrap_or_default();
                if t.is_empty() && r == 0 && n > 1 && rows[1].get(j).is_some_and(|c| !c.is_empty())
                {
                    t = rows[0][..j.min(rows[0].len())]
                        .iter()
                        .rev()
                        .find(|c| !c.is_empty())
                        .cloned()
                        .unwrap_or_default();
                }
                if !t.is_empty() && parts.last() != Some(&t) {
                    parts.push(t);
                }
            }
            parts.join(" ")
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Limits,
    Totals,
    Standards,
    AirOutlets,
    WaterOutlets,
    Special,
}

impl Builder {
    fn note(&mut self, level: Level, code: &'static str, at: String, message: String) {
        self.notes.push(Note {
            level,
            code,
            at,
            message,
        });
    }

    pub fn page(&mut self, page: &Page) {
        if page.tables.is_empty() {
            self.note(
                Level::Warning,
                "import.no-table",
                page.file.clone(),
                "文件中没有表格，未导入任何内容".into(),
            );
        }
        for table in &page.tables {
            self.table(page, table);
        }
    }

    fn table(&mut self, page: &Page, table: &Table) {
        let section = clean_title(&table.title);
        let name = if section.is_empty() || section.starts_with(&page.name) {
            if section.is_empty() {
                page.name.clone()
            } else {
                section.clone()
            }
        } else {
            format!("{}-{}", page.name, section)
        };
        let rows = &table.rows;
        if rows.iter().all(|r| r.iter().all(|c| is_not_set(c))) {
            return;
        }
        let table_at = format!("{} 表「{}」", page.file, name);
        // Basic information: label / value pairs.
        let is_kv = rows
            .iter()
            .any(|r| r.iter().any(|c| label_key(c).is_some()))
            && !rows[0]
                .iter()
                .any(|c| matches!(classify(c), Col::Id | Col::Pollutant | Col::Group));
        if is_kv {
            self.basic_info(page, &name, rows);
            return;
        }
        let n = header_rows(rows);
        let heads = headers(rows, n);
        let cols: Vec<Col> = heads.iter().map(|h| classify(h)).collect();
        let has = |c: Col| cols.contains(&c);
        let any_limit = cols.iter().any(|c| {
            matches!(
                c,
                Col::Hourly
                    | Col::Daily
                    | Col::Concentration
                    | Col::Rate
                    | Col::Year(_)
                    | Col::Committed
            )
        });
        let kind = if has(Col::Group) {
            Some(Kind::Special)
        } else if has(Col::Id) && has(Col::Standard) {
            Some(Kind::Standards)
        } else if has(Col::Id) && any_limit {
            Some(Kind::Limits)
        } else if !has(Col::Id) && has(Col::Pollutant) && any_limit {
            Some(Kind::Totals)
        } else if has(Col::Id)
            && (has(Col::Destination) || has(Col::Receiving) || has(Col::ReceivingClass))
        {
            Some(Kind::WaterOutlets)
        } else if has(Col::Id) && (has(Col::Height) || has(Col::Diameter) || has(Col::Lon)) {
            Some(Kind::AirOutlets)
        } else {
            None
        };
        let Some(kind) = kind else {
            let data = rows[n..]
                .iter()
                .filter(|r| r.iter().any(|c| !is_not_set(c)))
                .count();
            if data == 0 {
                return;
            }
            self.note(
                Level::Warning,
                "import.unknown-table",
                table_at,
                format!(
                    "表头为「{}」的表不是本工具认识的许可表，{} 行未导入",
                    heads.join("、"),
                    data
                ),
            );
            return;
        };
        let medium = match kind {
            Kind::AirOutlets => Medium::Air,
            Kind::WaterOutlets => Medium::Water,
            _ => medium_of(&section)
                .or_else(|| medium_of(&page.name))
                .or_else(|| medium_of(&page.file))
                .unwrap_or_else(|| {
                    if heads.iter().any(|h| h.contains("mg/L")) {
                        Medium::Water
                    } else {
                        Medium::Air
                    }
                }),
        };
        // Columns: unknown ones are reported once; known columns the format
        // has no field for, once if they hold anything.
        for (j, c) in cols.iter().enumerate() {
            let filled = rows[n..]
                .iter()
                .any(|r| r.get(j).is_some_and(|v| !is_not_set(v)));
            match c {
                Col::Unknown => self.note(
                    Level::Warning,
                    "import.unknown-column",
                    table_at.clone(),
                    format!("未知列「{}」，其值未导入", heads[j]),
                ),
                Col::NotInFormat(why) if filled => self.note(
                    Level::Warning,
                    "import.not-imported",
                    table_at.clone(),
                    format!("列「{}」未导入：{why}", heads[j]),
                ),
                Col::Serial | Col::Label => {}
                c if filled && !consumes(kind, medium, *c) => self.note(
                    Level::Warning,
                    "import.not-imported",
                    table_at.clone(),
                    format!(
                        "列「{}」在这张表中未导入（这一项由另一张表提供，或格式没有对应字段）",
                        heads[j]
                    ),
                ),
                _ => {}
            }
        }
        let ctx = Ctx {
            file: &page.file,
            table: &name,
            section: &section,
            heads: &heads,
            cols: &cols,
            medium,
        };
        let mut group_above = String::new();
        for (i, row) in rows[n..].iter().enumerate() {
            if row.iter().all(|c| is_not_set(c)) {
                continue;
            }
            let r = Row {
                ctx: &ctx,
                row,
                n: i + 1,
            };
            match kind {
                Kind::Limits => self.limit_row(&r),
                Kind::Totals => self.total_row(&r),
                Kind::Standards => self.standard_row(&r),
                Kind::AirOutlets | Kind::WaterOutlets => self.outlet_row(&r),
                Kind::Special => self.special_row(&r, &mut group_above),
            }
        }
    }

    fn basic_info(&mut self, page: &Page, table: &str, rows: &[Vec<String>]) {
        for (i, row) in rows.iter().enumerate() {
            let mut cells: Vec<&String> = Vec::new();
            for c in row {
                if cells.last() != Some(&c) {
                    cells.push(c);
                }
            }
            for pair in cells.chunks(2) {
                let [label, value] = pair else { continue };
                let src = Source {
                    file: page.file.clone(),
                    table: table.to_string(),
                    row: i + 1,
                    column: label.to_string(),
                };
                let at = src.to_string();
                if is_not_set(value) {
                    continue;
                }
                let Some(key) = label_key(label) else {
                    self.note(
                        Level::Warning,
                        "import.not-imported",
                        at,
                        format!("「{label}」未导入：格式没有对应字段"),
                    );
                    continue;
                };
                self.basic_value(key, value, src);
            }
        }
    }

    fn basic_value(&mut self, key: &'static str, value: &str, src: Source) {
        let at = src.to_string();
        let v = |text: String| V {
            text,
            src: src.clone(),
            how: None,
        };
        let bad = |b: &mut Builder, what: &str| {
            b.note(
                Level::Warning,
                "import.bad-value",
                at.clone(),
                format!("无法把「{value}」读作{what}，未导入"),
            );
        };
        match key {
            "permit.management" => {
                let m = if value.contains("重点") {
                    "key"
                } else if value.contains("简化") {
                    "simplified"
                } else if value.contains("登记") {
                    "registration"
                } else {
                    return bad(self, "管理类别");
                };
                self.set_permit("management", v(m.into()));
            }
            "permit.application" => {
                let a = if value.contains("首次") {
                    "first"
                } else if value.contains("延续") {
                    "renewal"
                } else if value.contains("重新") {
                    "reapply"
                } else if value.contains("变更") {
                    "change"
                } else {
                    return bad(self, "申请类型");
                };
                self.set_permit("application", v(a.into()));
            }
            "permit.validity" => match columns::dates(value).as_slice() {
                [from, until] => {
                    self.set_permit("valid_from", v(from.clone()));
                    self.set_permit("valid_until", v(until.clone()));
                }
                _ => bad(self, "有效期（起止两个日期）"),
            },
            "permit.issued" | "unit.operating_since" => match columns::dates(value).as_slice() {
                [d] => {
                    let field = key.split('.').nth(1).unwrap_or(key);
                    if key.starts_with("permit") {
                        self.set_permit(field, v(d.clone()));
                    } else {
                        self.set_unit(field, v(d.clone()));
                    }
                }
                _ => bad(self, "日期"),
            },
            "unit.key_region" => {
                let b = match value.trim() {
                    "是" => "true",
                    "否" => "false",
                    _ => return bad(self, "是/否"),
                };
                self.set_unit("key_region", v(b.into()));
            }
            "unit.industries.main" | "unit.industries.secondary" => {
                let mut main = key.ends_with("main");
                for part in value.split([',', '，', '、', ';', '；']) {
                    match industry_code(part) {
                        Some(code) => {
                            let role = V {
                                text: if main { "main" } else { "secondary" }.into(),
                                src: src.clone(),
                                how: Some(if main {
                                    "「行业类别」的第一项为主要行业".into()
                                } else {
                                    "其余为次要行业".into()
                                }),
                            };
                            self.doc.industries.push((v(code), role));
                            main = false;
                        }
                        None => self.note(
                            Level::Warning,
                            "import.bad-value",
                            at.clone(),
                            format!(
                                "行业类别「{}」没有 GB/T 4754-2017 代码（如 D4411），未导入",
                                part.trim()
                            ),
                        ),
                    }
                }
            }
            _ => {
                let (section, field) = key.split_once('.').unwrap_or(("unit", key));
                if section == "permit" {
                    self.set_permit(field, v(value.trim().to_string()));
                } else {
                    self.set_unit(field, v(value.trim().to_string()));
                }
            }
        }
    }

    fn set_permit(&mut self, key: &'static str, v: V) {
        set(&mut self.doc.permit, &mut self.notes, key, v);
    }

    fn set_unit(&mut self, key: &'static str, v: V) {
        set(&mut self.doc.unit, &mut self.notes, key, v);
    }

    fn outlet(&mut self, medium: Medium, id: V) -> &mut Outlet {
        let list = match medium {
            Medium::Air => &mut self.doc.air,
            Medium::Water => &mut self.doc.water,
        };
        let k = match list.iter().position(|o| o.id.text == id.text) {
            Some(k) => k,
            None => {
                list.push(Outlet {
                    id,
                    name: None,
                    kind: None,
                    height: None,
                    inner_diameter: None,
                    lon: None,
                    lat: None,
                    standard: None,
                    discharge: None,
                    receiving: None,
                    receiving_class: None,
                    pollutants: Vec::new(),
                });
                list.len() - 1
            }
        };
        &mut list[k]
    }

    /// The outlet a row names, with its name; `None` (and a note) when the
    /// row has no outlet id. Rows naming a sum (`主要排放口合计`) are noted
    /// when they hold values and never imported.
    fn row_outlet(&mut self, r: &Row) -> Option<V> {
        let id = r
            .get(Col::Id)
            .map(|(_, t)| t.trim().to_string())
            .unwrap_or_default();
        let first = r.row.first().map(String::as_str).unwrap_or("");
        if id.contains("合计")
            || id.contains("总计")
            || first.contains("合计")
            || first.contains("总计")
        {
            let filled = r.row.iter().enumerate().any(|(j, c)| {
                !is_not_set(c) && r.ctx.cols.get(j).is_some_and(|c| r.is_value_col(*c))
            });
            if filled {
                self.note(
                    Level::Warning,
                    "import.not-imported",
                    r.src("").to_string(),
                    format!(
                        "合计行「{}」未导入：合计由各排放口数值相加，格式只保存各排放口和全厂许可量",
                        if id.is_empty() { first } else { &id }
                    ),
                );
            }
            return None;
        }
        if id.is_empty() || is_not_set(&id) {
            self.note(
                Level::Warning,
                "import.no-outlet-id",
                r.src("").to_string(),
                format!("这一行没有排放口编号，未导入：{}", r.row.join(" | ")),
            );
            return None;
        }
        let (j, _) = r.get(Col::Id)?;
        let idv = r.value(j, id);
        let medium = r.ctx.medium;
        let name = r
            .get(Col::Name)
            .filter(|(_, t)| !is_not_set(t))
            .map(|(j, t)| r.value(j, t.to_string()));
        let kind = outlet_type(r.ctx.section, medium).map(|t| V {
            text: t.to_string(),
            src: r.src(""),
            how: Some(format!("排放口类型取自表名「{}」", r.ctx.section)),
        });
        let mut notes = Vec::new();
        let o = self.outlet(medium, idv.clone());
        fill(&mut o.name, name, &mut notes, "排放口名称");
        fill(&mut o.kind, kind, &mut notes, "排放口类型");
        self.notes.extend(notes);
        Some(idv)
    }

    fn limit_row(&mut self, r: &Row) {
        let Some(id) = self.row_outlet(r) else {
            return;
        };
        let Some((pj, pname)) = r.get(Col::Pollutant).filter(|(_, t)| !is_not_set(t)) else {
            self.note(
                Level::Warning,
                "import.no-pollutant",
                r.src("").to_string(),
                format!("这一行没有污染物种类，未导入：{}", r.row.join(" | ")),
            );
            return;
        };
        let medium = r.ctx.medium;
        let code = match catalogue().resolve(pname, Some(medium)) {
            Resolved::Code(p) | Resolved::Alias(p) => Some(p.code),
            Resolved::Unknown { .. } => None,
        };
        let mut lim = Limit {
            pollutant: r.value(pj, pname.trim().to_string()),
            concentration: None,
            daily: None,
            rate: None,
            annual: None,
            annual_years: Vec::new(),
            committed: None,
            limit: None,
            bound: None,
            range: None,
            standard: None,
        };
        let mut years: [Option<V>; 5] = Default::default();
        let mut row_unit: Option<&'static str> = None;
        let mut notes = Vec::new();
        for (j, col) in r.ctx.cols.iter().enumerate() {
            let Some(text) = r.row.get(j) else { continue };
            let cell = read_cell(text);
            let src = r.src(&r.ctx.heads[j]);
            let at = src.to_string();
            let bad = |notes: &mut Vec<Note>, why: &str| {
                notes.push(Note {
                    level: Level::Warning,
                    code: "import.bad-value",
                    at: at.clone(),
                    message: format!("无法读取「{}」：{why}，未导入", text.trim()),
                });
            };
            match col {
                Col::Hourly | Col::Concentration | Col::Daily | Col::Committed => {
                    let (num, unit) = match &cell {
                        Cell::Empty => continue,
                        Cell::Bad(_) => {
                            bad(&mut notes, "不是数值和单位");
                            continue;
                        }
                        Cell::Range(rg) => {
                            if medium == Medium::Water && *col == Col::Concentration {
                                lim.range = Some(V {
                                    text: rg.clone(),
                                    src,
                                    how: None,
                                });
                            } else {
                                bad(&mut notes, "范围只能写在废水的许可排放浓度限值中");
                            }
                            continue;
                        }
                        Cell::Qty { num, unit } => (num.clone(), Some(*unit)),
                        Cell::Bare(num) => (num.clone(), None),
                    };
                    let special_unit = match code {
                        Some("smoke_blackness") => Some("级"),
                        Some("odour") => Some("无量纲"),
                        Some("furnace_temperature" | "flue_temperature") => Some("℃"),
                        _ => unit.filter(|u| matches!(*u, "级" | "无量纲" | "℃")),
                    };
                    if let Some(su) = special_unit {
                        if !matches!(col, Col::Hourly | Col::Concentration) || lim.limit.is_some() {
                            bad(
                                &mut notes,
                                "非浓度限值（林格曼黑度、臭气浓度、温度）只有一个 limit 字段",
                            );
                            continue;
                        }
                        let how = (unit.is_none()).then(|| format!("单位「{su}」按污染物补"));
                        lim.limit = Some(V {
                            text: format!("{num} {su}"),
                            src: src.clone(),
                            how,
                        });
                        if code == Some("furnace_temperature") {
                            lim.bound = Some(V {
                                text: "min".into(),
                                src,
                                how: Some("炉膛温度为下限".into()),
                            });
                        }
                        continue;
                    }
                    let (unit, how) = match unit {
                        Some(u) => (u, None),
                        None => match columns::header_unit(&r.ctx.heads[j]).or(row_unit) {
                            Some(u) => (u, Some(format!("单位「{u}」取自表头或本行浓度"))),
                            None => {
                                let u = if medium == Medium::Air {
                                    "mg/Nm3"
                                } else {
                                    "mg/L"
                                };
                                notes.push(Note {
                                    level: Level::Note,
                                    code: "import.assumed-unit",
                                    at: src.to_string(),
                                    message: format!(
                                        "「{}」没有单位，按{}浓度的常用单位 {u} 导入",
                                        text.trim(),
                                        medium.zh()
                                    ),
                                });
                                (u, Some(format!("单位「{u}」为推定")))
                            }
                        },
                    };
                    if row_unit.is_none() {
                        row_unit = Some(unit);
                    }
                    let v = V {
                        text: format!("{num} {unit}"),
                        src,
                        how,
                    };
                    let slot = match col {
                        Col::Daily if medium == Medium::Water => {
                            bad(&mut notes, "废水许可限值没有日均浓度字段");
                            continue;
                        }
                        Col::Daily => &mut lim.daily,
                        Col::Committed => &mut lim.committed,
                        _ => &mut lim.concentration,
                    };
                    fill(slot, Some(v), &mut notes, &r.ctx.heads[j]);
                }
                Col::Rate => match cell {
                    Cell::Empty => {}
                    Cell::Bare(num) if medium == Medium::Air => {
                        lim.rate = Some(V {
                            text: format!("{num} kg/h"),
                            src,
                            how: Some("单位取自表头 kg/h".into()),
                        });
                    }
                    Cell::Qty { num, unit }
                        if medium == Medium::Air
                            && matches!(unit, "kg/h" | "t/h" | "kg/d" | "t/d") =>
                    {
                        lim.rate = Some(V {
                            text: format!("{num} {unit}"),
                            src,
                            how: None,
                        });
                    }
                    _ if medium == Medium::Water => bad(&mut notes, "废水许可限值没有速率字段"),
                    _ => bad(&mut notes, "速率须为 kg/h 数值"),
                },
                Col::Year(y) => match annual_cell(&cell, src) {
                    Ok(Some(v)) => years[usize::from(*y) - 1] = Some(v),
                    Ok(None) => {}
                    Err(()) => bad(&mut notes, "年排放量须为 t/a 数值"),
                },
                _ => {}
            }
        }
        place_years(&mut lim, years, &mut notes);
        self.notes.extend(notes);
        if let Some(o) = self.outlet_mut(medium, &id.text) {
            o.pollutants.push(lim);
        }
    }

    fn outlet_mut(&mut self, medium: Medium, id: &str) -> Option<&mut Outlet> {
        let list = match medium {
            Medium::Air => &mut self.doc.air,
            Medium::Water => &mut self.doc.water,
        };
        list.iter_mut().find(|o| o.id.text == id)
    }

    fn total_row(&mut self, r: &Row) {
        let Some((pj, pname)) = r.get(Col::Pollutant).filter(|(_, t)| !is_not_set(t)) else {
            return;
        };
        let mut years: [Option<V>; 5] = Default::default();
        for (j, col) in r.ctx.cols.iter().enumerate() {
            let Col::Year(y) = col else { continue };
            let Some(text) = r.row.get(j) else { continue };
            let src = r.src(&r.ctx.heads[j]);
            match annual_cell(&read_cell(text), src.clone()) {
                Ok(Some(v)) => years[usize::from(*y) - 1] = Some(v),
                Ok(None) => {}
                Err(()) => self.note(
                    Level::Warning,
                    "import.bad-value",
                    src.to_string(),
                    format!("无法读取「{}」：年排放量须为 t/a 数值，未导入", text.trim()),
                ),
            }
        }
        let [first, rest @ ..] = years;
        let Some(first) = first else {
            if rest.iter().any(Option::is_some) {
                self.note(
                    Level::Warning,
                    "import.not-imported",
                    r.src("").to_string(),
                    format!(
                        "{pname} 没有第一年许可量，其余年份未导入（全厂许可量只保存一个年数值）"
                    ),
                );
            }
            return;
        };
        for v in rest.into_iter().flatten() {
            if fold(&v.text) != fold(&first.text) {
                self.note(
                    Level::Warning,
                    "import.not-imported",
                    v.src.to_string(),
                    format!(
                        "{}：全厂许可量只保存第一年的数值（{}），这一年的 {} 未导入",
                        pname, first.text, v.text
                    ),
                );
            }
        }
        let total = Total {
            pollutant: r.value(pj, pname.trim().to_string()),
            annual: first,
        };
        match r.ctx.medium {
            Medium::Air => self.doc.air_totals.push(total),
            Medium::Water => self.doc.water_totals.push(total),
        }
    }

    fn standard_row(&mut self, r: &Row) {
        let Some(id) = self.row_outlet(r) else {
            return;
        };
        let Some((j, std)) = r.get(Col::Standard).filter(|(_, t)| !is_not_set(t)) else {
            return;
        };
        let v = r.value(j, std.trim().to_string());
        let pollutant = r
            .get(Col::Pollutant)
            .map(|(_, p)| p.to_string())
            .unwrap_or_default();
        let medium = r.ctx.medium;
        if let Some(o) = self.outlet_mut(medium, &id.text) {
            match &o.standard {
                None => o.standard = Some(v),
                Some(have) if fold(&have.text) == fold(&v.text) => {}
                // Another standard for this pollutant: it goes on the
                // pollutant's row (permit/v2 `pollutants[].standard`).
                Some(_) => self.row_standards.push(RowStandard {
                    medium,
                    outlet: id.text.clone(),
                    pollutant,
                    standard: v,
                }),
            }
        }
    }

    fn outlet_row(&mut self, r: &Row) {
        let Some(id) = self.row_outlet(r) else {
            return;
        };
        let medium = r.ctx.medium;
        let mut notes = Vec::new();
        let mut vals: Vec<(Col, V)> = Vec::new();
        for (j, col) in r.ctx.cols.iter().enumerate() {
            let Some(text) = r.row.get(j).filter(|t| !is_not_set(t)) else {
                continue;
            };
            let src = r.src(&r.ctx.heads[j]);
            let at = src.to_string();
            let bad = |notes: &mut Vec<Note>, what: &str| {
                notes.push(Note {
                    level: Level::Warning,
                    code: "import.bad-value",
                    at: at.clone(),
                    message: format!("无法把「{}」读作{what}，未导入", text.trim()),
                })
            };
            match col {
                Col::Height | Col::Diameter => match read_cell(text) {
                    Cell::Bare(num) => vals.push((
                        *col,
                        V {
                            text: format!("{num} m"),
                            src,
                            how: Some("单位取自表头 m".into()),
                        },
                    )),
                    Cell::Qty { num, unit: "m" } => vals.push((
                        *col,
                        V {
                            text: format!("{num} m"),
                            src,
                            how: None,
                        },
                    )),
                    _ => bad(&mut notes, "以米计的长度"),
                },
                Col::Lon | Col::Lat => match columns::coordinate(text) {
                    Some(d) => vals.push((
                        *col,
                        V {
                            text: format!("{d:.6}"),
                            src,
                            how: None,
                        },
                    )),
                    None => bad(&mut notes, "经纬度"),
                },
                Col::Receiving => vals.push((
                    *col,
                    V {
                        text: text.trim().to_string(),
                        src,
                        how: None,
                    },
                )),
                Col::ReceivingClass => match water_class(text) {
                    Some(c) => vals.push((
                        *col,
                        V {
                            text: c.into(),
                            src,
                            how: None,
                        },
                    )),
                    None => bad(&mut notes, "地表水功能区类别（I 至 V 类）"),
                },
                Col::Destination => match discharge(text) {
                    Some(d) => vals.push((
                        *col,
                        V {
                            text: d.into(),
                            src,
                            how: Some("排放方式由排放去向判断".into()),
                        },
                    )),
                    None => bad(&mut notes, "直接或间接排放"),
                },
                _ => {}
            }
        }
        if medium == Medium::Water && !vals.iter().any(|(c, _)| *c == Col::Destination) {
            let d = if r.ctx.section.contains("间接") {
                Some("indirect")
            } else if r.ctx.section.contains("直接") {
                Some("direct")
            } else {
                None
            };
            if let Some(d) = d {
                vals.push((
                    Col::Destination,
                    V {
                        text: d.into(),
                        src: r.src(""),
                        how: Some(format!("排放方式取自表名「{}」", r.ctx.section)),
                    },
                ));
            }
        }
        if let Some(o) = self.outlet_mut(medium, &id.text) {
            for (c, v) in vals {
                let (slot, what) = match c {
                    Col::Height => (&mut o.height, "排气筒高度"),
                    Col::Diameter => (&mut o.inner_diameter, "排气筒出口内径"),
                    Col::Lon => (&mut o.lon, "经度"),
                    Col::Lat => (&mut o.lat, "纬度"),
                    Col::Receiving => (&mut o.receiving, "受纳水体"),
                    Col::ReceivingClass => (&mut o.receiving_class, "功能区类别"),
                    _ => (&mut o.discharge, "排放方式"),
                };
                fill(slot, Some(v), &mut notes, what);
            }
        }
        self.notes.extend(notes);
    }

    fn special_row(&mut self, r: &Row, group_above: &mut String) {
        let group = match r.get(Col::Group) {
            Some((_, g)) if !g.trim().is_empty() => {
                *group_above = g.trim().to_string();
                g.trim().to_string()
            }
            _ => group_above.clone(),
        };
        let mut parts = Vec::new();
        let mut pollutant = String::new();
        for (j, col) in r.ctx.cols.iter().enumerate() {
            let Some(text) = r.row.get(j).filter(|t| !is_not_set(t)) else {
                continue;
            };
            match col {
                Col::Pollutant => pollutant = text.trim().to_string(),
                Col::Period
                | Col::Concentration
                | Col::DailyQuantity
                | Col::MonthlyQuantity
                | Col::Hourly
                | Col::Daily => {
                    parts.push(format!("{} {}", r.ctx.heads[j], text.trim()));
                }
                _ => {}
            }
        }
        if parts.is_empty() {
            return;
        }
        let requirement = V {
            text: format!("{group} {pollutant}：{}", parts.join("；")),
            src: r.src(""),
            how: None,
        };
        let name = V {
            text: r.ctx.section.to_string(),
            src: r.src(""),
            how: Some("时段名称取自表名".into()),
        };
        let group_v = V {
            text: group,
            src: r.src(
                &r.ctx.heads[r
                    .ctx
                    .cols
                    .iter()
                    .position(|c| *c == Col::Group)
                    .unwrap_or(0)],
            ),
            how: None,
        };
        self.specials.push(SpecialRow {
            medium: r.ctx.medium,
            name,
            group: group_v,
            requirement,
        });
    }

    /// Place what needs every table read: special periods name outlets.
    pub fn finish(&mut self) {
        self.place_row_standards();
        for s in std::mem::take(&mut self.specials) {
            let outlets = match s.medium {
                Medium::Air => &self.doc.air,
                Medium::Water => &self.doc.water,
            };
            let g = s.group.text.as_str();
            let want = if g.contains("主要") {
                Some("main")
            } else if g.contains("一般") {
                Some("general")
            } else if g.contains("全厂") {
                None
            } else {
                self.notes.push(Note {
                    level: Level::Warning,
                    code: "import.not-imported",
                    at: s.requirement.src.to_string(),
                    message: format!(
                        "「{g}」的特殊时段要求未导入：格式的特殊时段只能指向有组织排放口（{}）",
                        s.requirement.text
                    ),
                });
                continue;
            };
            let ids: Vec<String> = outlets
                .iter()
                .filter(|o| {
                    want.is_none()
                        || o.kind
                            .as_ref()
                            .is_some_and(|k| Some(k.text.as_str()) == want)
                })
                .map(|o| o.id.text.clone())
                .collect();
            if ids.is_empty() {
                self.notes.push(Note {
                    level: Level::Warning,
                    code: "import.not-imported",
                    at: s.requirement.src.to_string(),
                    message: format!(
                        "「{g}」下没有已导入的排放口，这项特殊时段要求未导入（{}）",
                        s.requirement.text
                    ),
                });
                continue;
            }
            self.doc.specials.push(Special {
                name: s.name,
                applies_to: ids,
                applies_src: V {
                    how: Some(format!("「{g}」下的全部排放口")),
                    ..s.group
                },
                requirement: s.requirement,
            });
        }
    }

    /// Puts each pollutant's own standard on its limit row; a standard for
    /// a pollutant the limit table does not list is reported, not dropped.
    fn place_row_standards(&mut self) {
        let mut notes = Vec::new();
        for rs in std::mem::take(&mut self.row_standards) {
            let row = self.outlet_mut(rs.medium, &rs.outlet).and_then(|o| {
                o.pollutants
                    .iter_mut()
                    .find(|l| same_pollutant(&l.pollutant.text, &rs.pollutant, rs.medium))
            });
            match row {
                Some(l) => match &l.standard {
                    None => l.standard = Some(rs.standard),
                    Some(have) if fold(&have.text) == fold(&rs.standard.text) => {}
                    Some(have) => notes.push(Note {
                        level: Level::Warning,
                        code: "import.conflict",
                        at: rs.standard.src.to_string(),
                        message: format!(
                            "{} 的 {} 执行「{}」，而这一行已按「{}」导入（{}）；这一项未导入",
                            rs.outlet, rs.pollutant, rs.standard.text, have.text, have.src
                        ),
                    }),
                },
                None => notes.push(Note {
                    level: Level::Warning,
                    code: "import.not-imported",
                    at: rs.standard.src.to_string(),
                    message: format!(
                        "{} 的 {} 执行「{}」，但许可排放限值表中该排放口没有这项污染物的行；这项执行标准未导入",
                        rs.outlet, rs.pollutant, rs.standard.text
                    ),
                }),
            }
        }
        self.notes.extend(notes);
    }
}

/// Whether two pollutant texts name one pollutant: by catalogue code in the
/// medium, else by folded text.
fn same_pollutant(a: &str, b: &str, medium: Medium) -> bool {
    let code = |t: &str| match catalogue().resolve(t, Some(medium)) {
        Resolved::Code(p) | Resolved::Alias(p) => Some(p.code),
        Resolved::Unknown { .. } => None,
    };
    match (code(a), code(b)) {
        (Some(x), Some(y)) => x == y,
        _ => fold(a.trim()) == fold(b.trim()),
    }
}

/// An annual quantity cell (a year of 第一年…第五年): a bare number is
/// t/a, as the header says; `Err` for anything but an annual mass.
fn annual_cell(cell: &Cell, src: Source) -> Result<Option<V>, ()> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Bare(num) => Ok(Some(V {
            text: format!("{num} t/a"),
            src,
            how: Some("单位取自表头 t/a".into()),
        })),
        Cell::Qty { num, unit } if matches!(*unit, "t/a" | "kg/a" | "万t/a") => Ok(Some(V {
            text: format!("{num} {unit}"),
            src,
            how: None,
        })),
        _ => Err(()),
    }
}

/// Whether a table of `kind` places the values of column `c`.
fn consumes(kind: Kind, medium: Medium, c: Col) -> bool {
    use Col::*;
    match kind {
        Kind::Limits => matches!(
            c,
            Id | Name | Pollutant | Hourly | Daily | Concentration | Rate | Year(_) | Committed
        ),
        Kind::Totals => matches!(c, Pollutant | Year(_)),
        Kind::Standards => matches!(c, Id | Name | Pollutant | Standard),
        Kind::AirOutlets => matches!(c, Id | Name | Pollutant | Height | Diameter | Lon | Lat),
        Kind::WaterOutlets => {
            matches!(
                c,
                Id | Name | Pollutant | Destination | Receiving | ReceivingClass
            ) || (medium == Medium::Air && matches!(c, Lon | Lat))
        }
        Kind::Special => matches!(
            c,
            Group
                | Pollutant
                | Period
                | Concentration
                | DailyQuantity
                | MonthlyQuantity
                | Hourly
                | Daily
        ),
    }
}

/// Annual limits: years one to five as a list up to the first year not
/// set, `annual` = the first year. A year after a gap is noted.
fn place_years(lim: &mut Limit, years: [Option<V>; 5], notes: &mut Vec<Note>) {
    let mut gap = false;
    for y in years {
        match y {
            Some(v) if !gap => lim.annual_years.push(v),
            Some(v) => notes.push(Note {
                level: Level::Warning,
                code: "import.not-imported",
                at: v.src.to_string(),
                message: format!(
                    "{} 未导入：前一年没有许可量，逐年许可量须从第一年起连续",
                    v.text
                ),
            }),
            None => gap = true,
        }
    }
    if let Some(first) = lim.annual_years.first() {
        lim.annual = Some(V {
            how: Some("许可排放量取第一年".into()),
            ..first.clone()
        });
    }
}

/// Set a field once; a second, different value is a conflict note.
fn fill(slot: &mut Option<V>, v: Option<V>, notes: &mut Vec<Note>, what: &str) {
    let Some(v) = v else { return };
    match slot {
        None => *slot = Some(v),
        Some(have) if fold(&have.text) == fold(&v.text) => {}
        Some(have) => notes.push(Note {
            level: Level::Warning,
            code: "import.conflict",
            at: v.src.to_string(),
            message: format!(
                "{what}「{}」与已导入的「{}」（{}）不同，未导入",
                v.text, have.text, have.src
            ),
        }),
    }
}

fn set(list: &mut Vec<(&'static str, V)>, notes: &mut Vec<Note>, key: &'static str, v: V) {
    match list.iter().position(|(k, _)| *k == key) {
        None => list.push((key, v)),
        Some(i) => {
            let mut slot = Some(list[i].1.clone());
            fill(&mut slot, Some(v), notes, key);
        }
    }
}

fn outlet_type(section: &str, medium: Medium) -> Option<&'static str> {
    if section.contains("主要排放口") {
        Some("main")
    } else if section.contains("一般排放口") {
        Some("general")
    } else if section.contains("雨水") && medium == Medium::Water {
        Some("rainwater")
    } else {
        None
    }
}

/// `D4411`, `火力发电（D4411）`, `D4411 火力发电`: a GB/T 4754-2017 code.
fn industry_code(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    for i in 0..chars.len() {
        if chars[i].is_ascii_uppercase() && chars[i] <= 'T' {
            let digits: String = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if (2..=4).contains(&digits.len()) {
                return Some(format!("{}{digits}", chars[i]));
            }
        }
    }
    None
}

fn water_class(s: &str) -> Option<&'static str> {
    let t = s
        .trim()
        .trim_end_matches("类")
        .trim_end_matches("水体")
        .trim();
    let t = t.strip_suffix("类").unwrap_or(t);
    Some(match t {
        "I" | "Ⅰ" | "1" => "I",
        "II" | "Ⅱ" | "2" => "II",
        "III" | "Ⅲ" | "3" => "III",
        "IV" | "Ⅳ" | "4" => "IV",
        "V" | "Ⅴ" | "5" => "V",
        _ => return None,
    })
}

fn discharge(s: &str) -> Option<&'static str> {
    if s.contains("间接") || s.contains("污水处理厂") || s.contains("集中处理") {
        Some("indirect")
    } else if s.contains("直接") {
        Some("direct")
    } else {
        None
    }
}

struct Ctx<'a> {
    file: &'a str,
    table: &'a str,
    section: &'a str,
    heads: &'a [String],
    cols: &'a [Col],
    medium: Medium,
}

struct Row<'a> {
    ctx: &'a Ctx<'a>,
    row: &'a [String],
    /// Data row number, 1-based.
    n: usize,
}

impl Row<'_> {
    fn get(&self, c: Col) -> Option<(usize, &str)> {
        let j = self.ctx.cols.iter().position(|x| *x == c)?;
        Some((j, self.row.get(j).map_or("", String::as_str)))
    }

    fn src(&self, column: &str) -> Source {
        Source {
            file: self.ctx.file.to_string(),
            table: self.ctx.table.to_string(),
            row: self.n,
            column: column.to_string(),
        }
    }

    fn value(&self, j: usize, text: String) -> V {
        V {
            text,
            src: self.src(&self.ctx.heads[j]),
            how: None,
        }
    }

    fn is_value_col(&self, c: Col) -> bool {
        matches!(
            c,
            Col::Hourly
                | Col::Daily
                | Col::Concentration
                | Col::Rate
                | Col::Year(_)
                | Col::Committed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_codes() {
        assert_eq!(clean_title("(1)主要排放口"), "主要排放口");
        assert_eq!(clean_title("（2）重污染天气应对要求"), "重污染天气应对要求");
        assert_eq!(
            clean_title("2、特殊情况下大气污染物排放许可限值"),
            "特殊情况下大气污染物排放许可限值"
        );
        assert_eq!(industry_code("火力发电（D4411）").as_deref(), Some("D4411"));
        assert_eq!(industry_code("火力发电"), None);
        assert_eq!(water_class("Ⅳ类"), Some("IV"));
        assert_eq!(discharge("进入城镇污水处理厂"), Some("indirect"));
    }
}
