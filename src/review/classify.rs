//! Classification summary: the catalogue items that apply to a permit, the
//! category each requires, the strictest (the required category), the
//! declared category and whether it is a downgrade.
//!
//! All of it is read from the `required_management` fact's contributions,
//! which the classification policies derive; nothing is recomputed here.

use super::labels;
use super::{Lang, REQUIRED_FACT, enum_label, text_at};
use crate::lang::library::Library;
use crate::run::FileResult;
use serde::Serialize;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Industry {
    pub code: String,
    /// `main` or `secondary`.
    pub role: String,
}

/// One catalogue item that applies, with the category it requires.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Item {
    /// Catalogue item number (`"95"`), when the policy gave one.
    pub number: Option<String>,
    /// `registration`, `simplified` or `key`.
    pub category: String,
    pub reason: String,
    /// The rule that derived it.
    pub rule: String,
    /// 1-based line of the permit value it rests on.
    pub line: Option<usize>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Classification {
    pub file: String,
    pub unit: Option<String>,
    pub permit_number: Option<String>,
    pub industries: Vec<Industry>,
    pub items: Vec<Item>,
    /// The strictest category among `items`; `None` when no item applies
    /// (the policies could not decide).
    pub required: Option<String>,
    /// `permit.management` as written.
    pub declared: Option<String>,
    /// Declared below required.
    pub downgrade: bool,
}

/// Build the classification of one checked permit.
pub fn classify(lib: &Library, r: &FileResult) -> Classification {
    let root = r.permit.as_ref().map(|p| &p.root);
    let source = r.permit.as_ref().map(|p| &p.source);
    let enum_def = lib.facts.get(REQUIRED_FACT).map(|f| f.enum_def);
    let name_of = |v: u16| -> String {
        enum_def
            .and_then(|e| e.values.get(usize::from(v)))
            .map_or_else(|| v.to_string(), |x| x.name.to_string())
    };
    let contributions = r.facts.get(REQUIRED_FACT).map_or(&[][..], |v| &v[..]);
    let mut items: Vec<Item> = Vec::new();
    for c in contributions {
        let item = Item {
            number: c.item.clone(),
            category: name_of(c.value),
            reason: c.reason.clone(),
            rule: c.rule.clone(),
            line: c
                .span
                .and_then(|s| source.map(|src| src.line_col(s.start).0)),
        };
        if !items.contains(&item) {
            items.push(item);
        }
    }
    // Catalogue order: by item number (numerically), then stricter first.
    let rank = |n: &Option<String>| {
        n.as_deref()
            .and_then(|s| s.trim().parse::<u32>().ok())
            .unwrap_or(u32::MAX)
    };
    let strength = |c: &str| enum_def.and_then(|e| e.index(c)).unwrap_or(0);
    items.sort_by(|a, b| {
        rank(&a.number)
            .cmp(&rank(&b.number))
            .then(strength(&b.category).cmp(&strength(&a.category)))
    });
    let required = contributions.iter().map(|c| c.value).max().map(name_of);
    let declared = root.and_then(|n| text_at(n, "permit.management", Some("management")));
    let downgrade = match (&required, &declared, enum_def) {
        (Some(req), Some(dec), Some(e)) => match (e.index(req), e.index(dec)) {
            (Some(r), Some(d)) => d < r,
            _ => false,
        },
        _ => false,
    };
    let industries = root
        .and_then(|n| n.get("unit"))
        .and_then(|u| u.get("industries"))
        .map(|list| {
            list.items()
                .iter()
                .map(|i| Industry {
                    code: i
                        .get("code")
                        .and_then(|c| super::scalar(c, None))
                        .unwrap_or_default(),
                    role: i
                        .get("role")
                        .and_then(|c| super::scalar(c, Some("industry_role")))
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    Classification {
        file: r.path.clone(),
        unit: root.and_then(|n| text_at(n, "unit.name", None)),
        permit_number: root.and_then(|n| text_at(n, "permit.number", None)),
        industries,
        items,
        required,
        declared,
        downgrade,
    }
}

/// Category name for people: `key` → `重点管理` (Chinese) or `key`.
pub fn category(value: Option<&str>, lang: Lang) -> String {
    match value {
        Some(v) => enum_label("management", v, lang),
        None => lang
            .t("无法由规则判定（须人工判定）", "undecided (decide by hand)")
            .to_string(),
    }
}

/// Industries as `D4412（主要行业）、D4430（次要行业）`.
pub fn industries_text(c: &Classification, lang: Lang) -> String {
    if c.industries.is_empty() {
        return lang.t("（未填写）", "(none)").to_string();
    }
    let parts: Vec<String> = c
        .industries
        .iter()
        .map(|i| match lang {
            Lang::Zh => format!(
                "{}（{}）",
                i.code,
                enum_label("industry_role", &i.role, lang)
            ),
            Lang::En => format!("{} ({})", i.code, i.role),
        })
        .collect();
    parts.join(lang.t("、", ", "))
}

/// The plain-text report of `permitlint classify`.
pub fn render_text(list: &[Classification], lang: Lang) -> String {
    let mut out = String::new();
    for c in list {
        let unit = c.unit.as_deref().unwrap_or("?");
        out.push_str(&format!("{}  {}\n", c.file, unit));
        let main: Vec<&str> = c
            .industries
            .iter()
            .filter(|i| i.role == "main")
            .map(|i| i.code.as_str())
            .collect();
        let secondary: Vec<&str> = c
            .industries
            .iter()
            .filter(|i| i.role != "main")
            .map(|i| i.code.as_str())
            .collect();
        let none = lang.t("无", "none");
        let join = |v: &[&str]| {
            if v.is_empty() {
                none.to_string()
            } else {
                v.join(", ")
            }
        };
        out.push_str(&format!(
            "  {}: {}\n  {}: {}\n",
            lang.t("主要行业", "main industry"),
            join(&main),
            lang.t("次要行业", "secondary industries"),
            join(&secondary)
        ));
        out.push_str(&format!(
            "  {}:\n",
            lang.t("适用的名录条目", "catalogue items that apply")
        ));
        if c.items.is_empty() {
            out.push_str(&format!(
                "    {}\n",
                lang.t(
                    "（无：规则未能判定任何条目）",
                    "(none: no rule could decide an item)"
                )
            ));
        }
        for i in &c.items {
            let number = i.number.as_deref().unwrap_or("?");
            out.push_str(&match lang {
                Lang::Zh => format!(
                    "    第{number}项  {}  {}\n",
                    category(Some(&i.category), lang),
                    i.reason
                ),
                Lang::En => format!(
                    "    item {number}: {} ({})\n",
                    category(Some(&i.category), lang),
                    i.reason
                ),
            });
        }
        out.push_str(&format!(
            "  {}: {}\n  {}: {}\n  {}: {}\n\n",
            lang.t("名录要求（最严）", "required (strictest)"),
            category(c.required.as_deref(), lang),
            lang.t("申报类别", "declared"),
            c.declared.as_deref().map_or_else(
                || lang.label(labels::MISSING).to_string(),
                |d| { category(Some(d), lang) }
            ),
            lang.t("是否降级", "downgrade"),
            if c.downgrade {
                lang.t(
                    "是：申报类别低于名录要求，不得降级",
                    "YES: declared below required",
                )
            } else {
                lang.label(labels::NO)
            }
        ));
    }
    out
}

/// The JSON report of `permitlint classify --format json`.
pub fn render_json(list: &[Classification]) -> String {
    let doc = serde_json::json!({ "permits": list });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
