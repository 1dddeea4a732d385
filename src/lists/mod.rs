//! The three dynamic lists (重点 / 简化 / 登记管理名单) built from a permit
//! library, and the month-to-month changes between two runs (`changes`).
//!
//! A unit goes on the list of its **required** category: the strictest
//! contribution to the `required_management` fact; when no policy derived
//! it, the declared category (`permit.management`) is used and the row says
//! so. Units are keyed by their unified social credit code. Everything is
//! sorted, so output never depends on thread count or file order.
//!
//! The monthly dispatch builds on the lists: `eia` (approval lists matched
//! to permits), `problems` (the problem list), `leads` (leads for
//! enforcement) and `report` (figures per district, history, charts).

pub mod changes;
pub mod csv;
pub mod eia;
pub mod leads;
pub mod problems;
pub mod report;

use crate::date::Date;
use crate::eval;
use crate::permit::model::{Node, Value};
use crate::run::FileResult;
use crate::schema::permit_v1 as schema;
use crate::schema::types::EnumDef;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of `lists.json` and `changes.json`.
pub const VERSION: u32 = 1;

/// The management categories, strictest last (schema order).
pub const CATEGORIES: [&str; 3] = ["registration", "simplified", "key"];

/// Chinese name of a category (`key` → 重点管理); the input when unknown.
pub fn category_zh(name: &str) -> &str {
    schema::MANAGEMENT
        .index(name)
        .map_or(name, |i| schema::MANAGEMENT.values[i as usize].zh)
}

fn rank(name: &str) -> Option<u16> {
    schema::MANAGEMENT.index(name)
}

/// One permitted pollutant at an outlet (or in a totals table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PollutantRecord {
    pub pollutant: String,
    #[serde(default)]
    pub concentration: Option<String>,
    /// Concentration in base units (comparable across mg/m3, g/m3, ...).
    #[serde(default)]
    pub concentration_base: Option<f64>,
    #[serde(default)]
    pub annual: Option<String>,
    #[serde(default)]
    pub annual_base: Option<f64>,
}

/// One outlet (air `DA###`, water `DW###`) with its permitted pollutants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutletRecord {
    pub id: String,
    /// `air` or `water`.
    pub medium: String,
    pub pollutants: Vec<PollutantRecord>,
}

/// Everything the lists and the monthly comparison need about one unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitRecord {
    pub credit_code: String,
    pub name: String,
    pub address: String,
    pub permit_number: String,
    pub file: String,
    /// Industry codes, main industry first.
    pub industries: Vec<String>,
    pub main_industry: String,
    /// `permit.management` as declared; `None` when absent or invalid.
    pub declared: Option<String>,
    /// The category the unit is listed under.
    pub required: Option<String>,
    /// `derived` (a policy derived `required_management`) or `declared`
    /// (no policy did; the declared category is used).
    pub required_source: String,
    /// Reasons of the contributions that set the required category.
    pub required_reasons: Vec<String>,
    pub valid_until: Option<String>,
    pub construction_status: Option<String>,
    /// `unit.key_discharge_roster`.
    pub roster: Vec<String>,
    /// Open findings by severity: errors, warnings, notices.
    pub findings: [usize; 3],
    pub outlets: Vec<OutletRecord>,
    /// Plant-wide totals (`air.totals`, `water.totals`), as pseudo-outlets
    /// `air.totals` / `water.totals`.
    pub totals: Vec<OutletRecord>,
}

impl UnitRecord {
    /// The declared category differs from the required one.
    pub fn mismatch(&self) -> bool {
        self.required_source == "derived" && self.declared != self.required
    }
}

/// A permit that could not be put on a list, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// `lists.json`: the units of one run and the three lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListsFile {
    pub version: u32,
    pub as_of: String,
    /// Units sorted by credit code.
    pub units: Vec<UnitRecord>,
    /// Credit codes on each list (`key`, `simplified`, `registration`).
    pub lists: BTreeMap<String, Vec<String>>,
    pub skipped: Vec<Skipped>,
}

fn text(node: &Node, e: Option<&EnumDef>) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.to_string()),
        Value::Enum(i) => e.map(|d| d.name_of(*i).to_string()),
        Value::Date(d) => Some(d.to_string()),
        Value::Qty(q) => Some(q.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(crate::units::format_number(*f)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn field(root: &Node, section: &str, key: &str, e: Option<&EnumDef>) -> Option<String> {
    root.get(section)
        .and_then(|s| s.get(key))
        .and_then(|n| text(n, e))
}

fn qty(n: Option<&Node>) -> (Option<String>, Option<f64>) {
    match n.map(|n| &n.value) {
        Some(Value::Qty(q)) => (Some(q.to_string()), Some(q.base())),
        Some(_) => (n.and_then(|n| text(n, None)), None),
        None => (None, None),
    }
}

fn pollutants(list: &Node) -> Vec<PollutantRecord> {
    let mut out: Vec<PollutantRecord> = list
        .items()
        .iter()
        .map(|p| {
            let (concentration, concentration_base) = qty(p.get("concentration"));
            let (annual, annual_base) = qty(p.get("annual"));
            PollutantRecord {
                pollutant: p
                    .get("pollutant")
                    .and_then(|n| text(n, None))
                    .unwrap_or_default(),
                concentration,
                concentration_base,
                annual,
                annual_base,
            }
        })
        .collect();
    out.sort_by(|a, b| a.pollutant.cmp(&b.pollutant));
    out
}

/// `(secondary?, code)` for each industry of `unit.industries`.
fn industries(root: &Node) -> Vec<(bool, String)> {
    root.get("unit")
        .and_then(|u| u.get("industries"))
        .map(|l| {
            l.items()
                .iter()
                .filter_map(|i| {
                    let code = i.get("code").and_then(|n| text(n, None))?;
                    let role = i
                        .get("role")
                        .and_then(|n| text(n, Some(&schema::INDUSTRY_ROLE)));
                    Some((role.as_deref() != Some("main"), code))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn main_of(industries: &[(bool, String)]) -> String {
    industries
        .iter()
        .filter(|(secondary, _)| !secondary)
        .map(|(_, c)| c.clone())
        .min()
        .unwrap_or_default()
}

/// The main industry code of a permit (`""` when none is marked main).
pub fn main_industry(root: &Node) -> String {
    main_of(&industries(root))
}

/// Extract the unit record from a checked file (the permit must have been
/// kept). `Err` says why the file cannot go on a list.
pub fn record(r: &FileResult) -> Result<UnitRecord, Skipped> {
    let skip = |reason: &str| Skipped {
        file: r.path.clone(),
        reason: reason.to_string(),
    };
    let Some(permit) = &r.permit else {
        return Err(skip("the permit could not be loaded"));
    };
    let root = &permit.root;
    let credit_code = field(root, "unit", "credit_code", None)
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| skip("no unit.credit_code"))?;
    // Units are matched month to month by credit code: one that is not a
    // valid GB 32100-2015 code (wrong length, character or check
    // character; reported as `document.credit-code`) goes on no list.
    if crate::permit::validate::check_credit_code(&credit_code).is_err() {
        return Err(skip(
            "unit.credit_code is not a valid unified social credit code (GB 32100-2015)",
        ));
    }
    let mut industries = industries(root);
    let main_industry = main_of(&industries);
    industries.sort();
    let declared = field(root, "permit", "management", Some(&schema::MANAGEMENT))
        .filter(|m| rank(m).is_some());
    let contributions = r.facts.get("required_management").map_or(&[][..], |v| v);
    let strictest = contributions.iter().map(|c| c.value).max();
    let (required, required_source, required_reasons) = match strictest {
        Some(v) => {
            let mut reasons: Vec<String> = contributions
                .iter()
                .filter(|c| c.value == v)
                .map(|c| match &c.item {
                    Some(item) => format!("第{item}项：{}", c.reason),
                    None => c.reason.clone(),
                })
                .collect();
            reasons.sort();
            reasons.dedup();
            (
                Some(schema::MANAGEMENT.name_of(v).to_string()),
                "derived".to_string(),
                reasons,
            )
        }
        None => (declared.clone(), "declared".to_string(), Vec::new()),
    };
    let mut outlets = Vec::new();
    let mut totals = Vec::new();
    for medium in ["air", "water"] {
        let Some(sec) = root.get(medium) else {
            continue;
        };
        if let Some(list) = sec.get("outlets") {
            for o in list.items() {
                outlets.push(OutletRecord {
                    id: o.get("id").and_then(|n| text(n, None)).unwrap_or_default(),
                    medium: medium.to_string(),
                    pollutants: o.get("pollutants").map(pollutants).unwrap_or_default(),
                });
            }
        }
        if let Some(list) = sec.get("totals") {
            totals.push(OutletRecord {
                id: format!("{medium}.totals"),
                medium: medium.to_string(),
                pollutants: pollutants(list),
            });
        }
    }
    outlets.sort_by(|a, b| a.id.cmp(&b.id));
    let mut roster: Vec<String> = root
        .get("unit")
        .and_then(|u| u.get("key_discharge_roster"))
        .map(|l| {
            l.items()
                .iter()
                .filter_map(|n| text(n, Some(&schema::ROSTER)))
                .collect()
        })
        .unwrap_or_default();
    roster.sort();
    let c = eval::counts(&r.findings);
    Ok(UnitRecord {
        credit_code,
        name: field(root, "unit", "name", None).unwrap_or_default(),
        address: field(root, "unit", "address", None).unwrap_or_default(),
        permit_number: field(root, "permit", "number", None).unwrap_or_default(),
        file: r.path.clone(),
        industries: industries.into_iter().map(|(_, c)| c).collect(),
        main_industry,
        declared,
        required,
        required_source,
        required_reasons,
        valid_until: field(root, "permit", "valid_until", None),
        construction_status: field(
            root,
            "unit",
            "construction_status",
            Some(&schema::CONSTRUCTION_STATUS),
        ),
        roster,
        findings: [c[0], c[1], c[2]],
        outlets,
        totals,
    })
}

/// Accumulates unit records chunk by chunk, then builds the lists.
#[derive(Default)]
pub struct Builder {
    units: Vec<UnitRecord>,
    skipped: Vec<Skipped>,
}

impl Builder {
    pub fn add(&mut self, r: &FileResult) {
        match record(r) {
            Ok(u) => self.units.push(u),
            Err(s) => self.skipped.push(s),
        }
    }

    /// Sort, resolve duplicate credit codes (the first file keeps the unit;
    /// later ones are skipped with a reason) and build the lists.
    pub fn finish(mut self, as_of: Date) -> ListsFile {
        self.units.sort_by(|a, b| {
            (a.credit_code.as_str(), a.file.as_str())
                .cmp(&(b.credit_code.as_str(), b.file.as_str()))
        });
        let mut units: Vec<UnitRecord> = Vec::with_capacity(self.units.len());
        for u in self.units {
            match units.last() {
                Some(prev) if prev.credit_code == u.credit_code => {
                    self.skipped.push(Skipped {
                        file: u.file.clone(),
                        reason: format!(
                            "credit code {} is already listed from {}",
                            u.credit_code, prev.file
                        ),
                    });
                }
                _ => units.push(u),
            }
        }
        let mut lists: BTreeMap<String, Vec<String>> = CATEGORIES
            .iter()
            .map(|c| (c.to_string(), Vec::new()))
            .collect();
        let mut kept = Vec::with_capacity(units.len());
        for u in units {
            match u.required.as_deref().and_then(|c| lists.get_mut(c)) {
                Some(list) => {
                    list.push(u.credit_code.clone());
                    kept.push(u);
                }
                None => self.skipped.push(Skipped {
                    file: u.file.clone(),
                    reason: "no management category: none declared and none derived".into(),
                }),
            }
        }
        self.skipped
            .sort_by(|a, b| (&a.file, &a.reason).cmp(&(&b.file, &b.reason)));
        ListsFile {
            version: VERSION,
            as_of: as_of.to_string(),
            units: kept,
            lists,
            skipped: self.skipped,
        }
    }
}

/// Columns of `key.csv`, `simplified.csv` and `registration.csv`.
pub const LIST_HEADER: [&str; 15] = [
    "单位名称",
    "统一社会信用代码",
    "许可证编号",
    "行业类别",
    "申报管理类别",
    "应属管理类别",
    "类别依据",
    "类别不符",
    "有效期止",
    "建设状态",
    "错误",
    "警告",
    "提示",
    "重点排污单位名录",
    "文件",
];

/// The count columns of [`LIST_HEADER`] (错误, 警告, 提示).
const LIST_NUMERIC: [usize; 3] = [10, 11, 12];

fn status_zh(s: &str) -> &str {
    schema::CONSTRUCTION_STATUS
        .index(s)
        .map_or(s, |i| schema::CONSTRUCTION_STATUS.values[i as usize].zh)
}

fn list_row(u: &UnitRecord) -> Vec<String> {
    let declared = u
        .declared
        .as_deref()
        .map(category_zh)
        .unwrap_or("（未申报）");
    let required = u.required.as_deref().map(category_zh).unwrap_or("");
    let basis = if u.required_source == "derived" {
        format!("名录推导：{}", u.required_reasons.join("；"))
    } else {
        "未推导，沿用申报类别".to_string()
    };
    let mismatch = if u.mismatch() {
        format!("申报为{declared}，应为{required}")
    } else {
        String::new()
    };
    vec![
        u.name.clone(),
        u.credit_code.clone(),
        u.permit_number.clone(),
        u.industries.join(" "),
        declared.to_string(),
        required.to_string(),
        basis,
        mismatch,
        u.valid_until.clone().unwrap_or_default(),
        u.construction_status
            .as_deref()
            .map(status_zh)
            .unwrap_or("")
            .to_string(),
        u.findings[0].to_string(),
        u.findings[1].to_string(),
        u.findings[2].to_string(),
        u.roster.join(" "),
        u.file.clone(),
    ]
}

impl ListsFile {
    /// The CSV of one list (`key`, `simplified` or `registration`).
    pub fn csv(&self, category: &str) -> String {
        let rows: Vec<Vec<String>> = self
            .units
            .iter()
            .filter(|u| u.required.as_deref() == Some(category))
            .map(list_row)
            .collect();
        csv::document(&LIST_HEADER, &LIST_NUMERIC, &rows)
    }

    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Read a previous run's `lists.json`.
    pub fn parse(text: &str) -> Result<ListsFile, String> {
        let mut f: ListsFile =
            serde_json::from_str(text).map_err(|e| crate::escape::json_error(&e))?;
        f.units.sort_by(|a, b| a.credit_code.cmp(&b.credit_code));
        if f.version != VERSION {
            return Err(format!(
                "lists.json version {} is not supported (expected {VERSION})",
                f.version
            ));
        }
        Ok(f)
    }

    pub fn unit(&self, credit_code: &str) -> Option<&UnitRecord> {
        self.units
            .binary_search_by(|u| u.credit_code.as_str().cmp(credit_code))
            .ok()
            .map(|i| &self.units[i])
    }
}
