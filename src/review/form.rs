//! The countersign form (会签表): one per permit, a section per department
//! with its findings, the on-site verification decision, a signature line
//! per department, and the items no rule could decide (escalation).
//!
//! `Form` is the model; `render_markdown` here and `html::render_form`
//! print the same model, so the two never disagree.

use super::classify::{self, Classification};
use super::labels;
use super::{Lang, ONSITE_RULE, is_manual_review, place, text_at};
use crate::date::Date;
use crate::finding::{Finding, Severity};
use crate::lang::library::Library;
use crate::run::FileResult;

/// One finding as the form shows it.
#[derive(Clone, Debug)]
pub struct Row {
    pub severity: Severity,
    pub rule: String,
    pub message: String,
    pub basis: String,
    /// Field label, path and line:column.
    pub place: String,
    pub help: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Section {
    pub department: String,
    pub department_en: Option<String>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug)]
pub struct Form {
    pub file: String,
    pub as_of: Date,
    /// (label, value) pairs of the header table.
    pub header: Vec<(String, String)>,
    pub classification: Classification,
    pub counts: [usize; 3],
    pub sections: Vec<Section>,
    /// Messages of the on-site verification findings; empty = not required.
    pub onsite: Vec<Row>,
    /// Items to escalate: manual-review findings, and an undecided category.
    pub escalate: Vec<Row>,
}

fn row(f: &Finding, lang: Lang) -> Row {
    Row {
        severity: f.severity,
        rule: f.rule.clone(),
        message: f.message.clone(),
        basis: super::basis(f, lang),
        place: place(f, lang),
        help: f.help.clone(),
    }
}

/// Status of a finding for the reviewer: what has to happen to it.
pub fn status(r: &Row, lang: Lang) -> &'static str {
    if r.rule.ends_with("manual-review") {
        return lang.t("须会商", "escalate");
    }
    match r.severity {
        Severity::Error => lang.t("须整改", "must be corrected"),
        Severity::Warning => lang.t("须核实", "to verify"),
        Severity::Notice => lang.t("提示", "for information"),
    }
}

pub fn severity_label(s: Severity, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => s.zh(),
        Lang::En => s.as_str(),
    }
}

/// Build the form of one checked permit.
pub fn build(lib: &Library, r: &FileResult, as_of: Date, lang: Lang) -> Form {
    let classification = classify::classify(lib, r);
    let root = r.permit.as_ref().map(|p| &p.root);
    let get = |path: &str, e: Option<&str>| -> String {
        root.and_then(|n| text_at(n, path, e))
            .map(|v| match e {
                Some(name) => super::enum_label(name, &v, lang),
                None => v,
            })
            .unwrap_or_else(|| lang.label(labels::MISSING).to_string())
    };
    let header = vec![
        (
            lang.t("排污单位名称", "Unit").to_string(),
            get("unit.name", None),
        ),
        (
            lang.t("统一社会信用代码", "Unified social credit code")
                .to_string(),
            get("unit.credit_code", None),
        ),
        (
            lang.t("生产经营场所地址", "Site address").to_string(),
            get("unit.address", None),
        ),
        (
            lang.t("行业类别", "Industries").to_string(),
            classify::industries_text(&classification, lang),
        ),
        (
            lang.t("许可证编号", "Permit number").to_string(),
            get("permit.number", None),
        ),
        (
            lang.t("申请类型", "Application").to_string(),
            get("permit.application", Some("application")),
        ),
        (lang.t("申请材料文件", "File").to_string(), r.path.clone()),
        (
            lang.t("审查基准日", "Reviewed as of").to_string(),
            as_of.to_string(),
        ),
    ];
    let mut sections: Vec<Section> = lib
        .departments()
        .into_iter()
        .map(|(department, department_en)| Section {
            department,
            department_en,
            rows: Vec::new(),
        })
        .collect();
    let mut onsite = Vec::new();
    let mut escalate = Vec::new();
    for f in &r.findings {
        let rw = row(f, lang);
        if f.rule == ONSITE_RULE {
            onsite.push(rw.clone());
        }
        if is_manual_review(f) {
            escalate.push(rw.clone());
        }
        let i = match sections.iter().position(|s| s.department == f.department) {
            Some(i) => i,
            None => {
                // A finding no route covers (internal errors, an element the
                // library does not route): its own section, never dropped.
                let name = if f.department.is_empty() {
                    lang.t("未分配部门", "No department").to_string()
                } else {
                    f.department.clone()
                };
                match sections.iter().position(|s| s.department == name) {
                    Some(i) => i,
                    None => {
                        sections.push(Section {
                            department: name,
                            department_en: None,
                            rows: Vec::new(),
                        });
                        sections.len() - 1
                    }
                }
            }
        };
        sections[i].rows.push(rw);
    }
    if classification.required.is_none() && r.permit.is_some() {
        escalate.push(Row {
            severity: Severity::Notice,
            rule: "classification".into(),
            message: lang
                .t(
                    "名录要求的管理类别无法由规则判定（没有适用的已编码条目），须人工对照分类管理名录确定",
                    "no rule could decide the category the catalogue requires; decide it by hand against the catalogue",
                )
                .to_string(),
            basis: "固定污染源排污许可分类管理名录（2019年版）".into(),
            place: lang.t("管理类别（permit.management）", "permit.management").to_string(),
            help: None,
        });
    }
    Form {
        file: r.path.clone(),
        as_of,
        header,
        classification,
        counts: crate::eval::counts(&r.findings),
        sections,
        onsite,
        escalate,
    }
}

/// Title of a department section: `大气环境` or `Air environment (大气环境)`.
pub fn department_title(s: &Section, lang: Lang) -> String {
    match (lang, &s.department_en) {
        (Lang::En, Some(en)) => format!("{en} ({})", s.department),
        _ => s.department.clone(),
    }
}

/// Markdown text from a permit or a policy, rendered as exactly its
/// characters (see `escape::markdown`).
pub fn md_text(s: &str) -> String {
    crate::escape::markdown(s)
}

/// Escape text for a Markdown table cell.
fn cell(s: &str) -> String {
    crate::escape::markdown_cell(s)
}

/// A rule id inside a code span: backticks and hazards cannot end it.
fn code(s: &str) -> String {
    crate::escape::terminal(s).replace(['`', '\n', '\r'], "'")
}

/// The form as Markdown.
pub fn render_markdown(form: &Form, lang: Lang) -> String {
    let c = &form.classification;
    let mut o = String::new();
    o.push_str(&format!("# {}\n\n", lang.label(labels::FORM_TITLE)));
    if lang == Lang::En {
        o.push_str("Headings are in English; problems, bases and reasons are quoted as the policies wrote them (Chinese).\n\n");
    }
    o.push_str(&format!(
        "| {} | {} |\n|---|---|\n",
        lang.t("项目", "Item"),
        lang.t("内容", "Value")
    ));
    for (k, v) in &form.header {
        o.push_str(&format!("| {} | {} |\n", cell(k), cell(v)));
    }
    o.push_str(&format!(
        "\n## {}\n\n",
        lang.label(labels::MANAGEMENT_CATEGORY)
    ));
    o.push_str(&format!(
        "| {} | {} | {} |\n|---|---|---|\n| {} | {} | {} |\n\n",
        lang.label(labels::REQUIRED_STRICTEST),
        lang.label(labels::DECLARED),
        lang.label(labels::DOWNGRADE),
        cell(&classify::category(c.required.as_deref(), lang)),
        cell(&c.declared.as_deref().map_or_else(
            || lang.label(labels::MISSING).to_string(),
            |d| classify::category(Some(d), lang)
        )),
        downgrade_text(c, lang)
    ));
    if c.items.is_empty() {
        o.push_str(&format!("{}\n\n", lang.label(labels::NO_CATALOGUE_ITEM)));
    } else {
        o.push_str(&format!(
            "| {} | {} | {} |\n|---|---|---|\n",
            lang.label(labels::CATALOGUE_ITEM),
            lang.label(labels::REQUIRES),
            lang.label(labels::REASON)
        ));
        for i in &c.items {
            o.push_str(&format!(
                "| {} | {} | {} |\n",
                cell(i.number.as_deref().unwrap_or("?")),
                cell(&classify::category(Some(&i.category), lang)),
                cell(&i.reason)
            ));
        }
        o.push('\n');
    }
    o.push_str(&format!(
        "{}: {} {} · {} {} · {} {}\n\n",
        lang.label(labels::FINDINGS),
        form.counts[0],
        lang.label(labels::ERRORS),
        form.counts[1],
        lang.label(labels::WARNINGS),
        form.counts[2],
        lang.label(labels::NOTICES)
    ));
    for (n, s) in form.sections.iter().enumerate() {
        o.push_str(&format!(
            "## {}. {}\n\n",
            n + 1,
            cell(&department_title(s, lang))
        ));
        if s.rows.is_empty() {
            o.push_str(&format!("{}\n\n", lang.label(labels::NO_FINDINGS)));
        } else {
            o.push_str(&format!(
                "| # | {} | {} | {} | {} | {} | {} |\n|---|---|---|---|---|---|---|\n",
                lang.label(labels::SEVERITY),
                lang.label(labels::STATUS),
                lang.label(labels::PROBLEM),
                lang.label(labels::BASIS),
                lang.label(labels::PLACE),
                lang.t("规则", "Rule")
            ));
            for (k, r) in s.rows.iter().enumerate() {
                o.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | `{}` |\n",
                    k + 1,
                    severity_label(r.severity, lang),
                    status(r, lang),
                    cell(&r.message),
                    cell(&r.basis),
                    cell(&r.place),
                    code(&r.rule)
                ));
            }
            o.push('\n');
        }
        o.push_str(&signature_line(lang));
        o.push_str("\n\n");
    }
    o.push_str(&format!("## {}\n\n", lang.label(labels::ONSITE)));
    o.push_str(&onsite_text(form, lang));
    o.push('\n');
    o.push_str(&format!("## {}\n\n", lang.label(labels::ESCALATE)));
    if form.escalate.is_empty() {
        o.push_str(&format!("{}\n", lang.label(labels::NONE)));
    } else {
        for (k, r) in form.escalate.iter().enumerate() {
            o.push_str(&format!(
                "{}. {} — {}: {}; {}: {}; `{}`\n",
                k + 1,
                md_text(&r.message),
                lang.label(labels::BASIS_INLINE),
                md_text(&r.basis),
                lang.label(labels::PLACE_INLINE),
                md_text(&r.place),
                code(&r.rule)
            ));
        }
    }
    o
}

pub fn downgrade_text(c: &Classification, lang: Lang) -> &'static str {
    if c.downgrade {
        lang.t("是（不得降级）", "YES (not allowed)")
    } else if c.required.is_none() {
        lang.t("无法判定", "undecided")
    } else {
        lang.label(labels::NO)
    }
}

/// The on-site verification decision, as Markdown paragraphs.
pub fn onsite_text(form: &Form, lang: Lang) -> String {
    if form.onsite.is_empty() {
        return format!("{}\n", lang.label(labels::ONSITE_NOT_REQUIRED));
    }
    let mut o = format!("**{}**\n\n", lang.label(labels::ONSITE_REQUIRED));
    for r in &form.onsite {
        o.push_str(&format!(
            "- {} ({}: {})\n",
            md_text(&r.message),
            lang.label(labels::BASIS_INLINE),
            md_text(&r.basis)
        ));
    }
    o
}

/// `审查意见：____  签字：____  日期：____`
pub fn signature_line(lang: Lang) -> String {
    match lang {
        Lang::Zh => "审查意见：__________________________　签字：__________　日期：______年____月____日".to_string(),
        Lang::En => "Opinion (审查意见): __________________________   Signature (签字): __________   Date (日期): ____-__-__".to_string(),
    }
}
