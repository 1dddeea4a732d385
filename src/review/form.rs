//! The countersign form (会签表): one per permit, as the office that
//! accepted the application files it. A header with the acceptance date
//! and number, the management category, the validity period, the
//! statutory deadline (排污许可管理条例 art. 12) and blanks for the
//! handling section and official; a section per department with its
//! findings and a signature line; the on-site verification decision; the
//! items no rule could decide; a suggested overall conclusion for the
//! official to confirm; the approval of the deputy and the director, and
//! the seal.
//!
//! Findings read as in the notice ([`super::plain`]): the place names the
//! outlet and pollutant; the permit path and line stay in a small second
//! line for whoever checks the file. `Form` is the model; `render_markdown`
//! here and `html::render_form` print the same model, so the two never
//! disagree; `index` lists several forms.

use super::classify::{self, Classification};
use super::labels;
use super::plain;
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
    /// The problem, in the bureau's language.
    pub message: String,
    /// Regulations only.
    pub basis: String,
    /// What the finding is about: outlet, pollutant, field.
    pub subject: String,
    /// Technical location: field label, permit path and line:column.
    pub place: String,
    pub help: Option<String>,
    /// Other findings of the same severity on the same value: (rule,
    /// basis). Their limits are less strict; they support this row.
    pub also: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct Section {
    pub department: String,
    pub department_en: Option<String>,
    pub rows: Vec<Row>,
}

/// The overall conclusion the findings suggest; the official confirms it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conclusion {
    /// 拟同意: no error.
    Approve,
    /// 补正: errors the applicant can correct (the one-time notice).
    Correct,
    /// 不予许可: a condition of 条例 art. 11 is not met (an EIA error).
    Refuse,
}

impl Conclusion {
    pub const ALL: [Conclusion; 3] = [Conclusion::Approve, Conclusion::Correct, Conclusion::Refuse];

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Conclusion::Approve => lang.t("拟同意", "approve"),
            Conclusion::Correct => lang.t("补正", "correct first"),
            Conclusion::Refuse => lang.t("不予许可", "refuse"),
        }
    }
}

/// The statutory deadline of the decision (排污许可管理条例 art. 12 [text]:
/// read in a transcription of the regulation's full text, LawRefBook/Laws
/// `行政法规/排污许可管理条例.md`, see docs/research/standards-notes.md Q6):
/// simplified management 20 days, key management 30 days, 45 when on-site
/// verification is needed, counted from acceptance.
#[derive(Clone, Debug)]
pub struct Deadline {
    pub days: i64,
    pub clause: &'static str,
    /// Acceptance date + days, when the permit records the acceptance date.
    pub due: Option<Date>,
}

/// Days and clause of art. 12 for a management category, or `None` where
/// no permit is issued (registration) or the category is unknown.
pub fn statutory_days(category: &str, onsite: bool) -> Option<(i64, &'static str)> {
    match (category, onsite) {
        ("simplified", _) => Some((20, "排污许可管理条例 第十二条第一款")),
        ("key", false) => Some((30, "排污许可管理条例 第十二条第二款")),
        ("key", true) => Some((45, "排污许可管理条例 第十二条第二款")),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub struct Form {
    pub file: String,
    pub as_of: Date,
    /// (label, value) pairs of the header table; an empty value is a blank
    /// for the office to fill in.
    pub header: Vec<(String, String)>,
    pub classification: Classification,
    pub counts: [usize; 4],
    pub sections: Vec<Section>,
    /// Messages of the on-site verification findings; empty = not required.
    pub onsite: Vec<Row>,
    /// Items to escalate: manual-review findings, and an undecided category.
    pub escalate: Vec<Row>,
    pub deadline: Option<Deadline>,
    pub conclusion: Conclusion,
    /// Why that conclusion: one line.
    pub conclusion_reason: String,
}

fn row(f: &Finding, root: Option<&crate::permit::model::Node>, lang: Lang) -> Row {
    Row {
        severity: f.severity,
        rule: f.rule.clone(),
        message: plain::message(f),
        basis: plain::basis(f),
        subject: plain::subject(f, root),
        place: place(f, lang),
        help: plain::hint(f),
        also: Vec::new(),
    }
}

/// The row of a group: its lead, with the others' bases in support.
fn group_row(item: &plain::Item<'_>, root: Option<&crate::permit::model::Node>, lang: Lang) -> Row {
    let mut r = row(item.lead, root, lang);
    r.also = item
        .also
        .iter()
        .map(|g| (g.rule.clone(), plain::basis(g)))
        .collect();
    r
}

/// `同时不符合：…` for a row with supporting findings, else empty.
pub fn also_text(r: &Row, lang: Lang) -> String {
    let mut bases: Vec<&str> = Vec::new();
    for (_, b) in &r.also {
        if !b.is_empty() && *b != r.basis && !bases.contains(&b.as_str()) {
            bases.push(b);
        }
    }
    if bases.is_empty() {
        return String::new();
    }
    format!(
        "{}{}{}",
        lang.t("同时不符合", "Also against"),
        lang.t("：", ": "),
        bases.join("；")
    )
}

pub fn severity_label(s: Severity, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => s.zh(),
        Lang::En => s.as_str(),
    }
}

/// `____年__月__日`, the blank an official writes a date into.
pub fn date_blank(lang: Lang) -> &'static str {
    lang.t("______年____月____日", "____-__-__")
}

/// Build the form of one checked permit.
pub fn build(lib: &Library, r: &FileResult, as_of: Date, lang: Lang) -> Form {
    let classification = classify::classify(lib, r);
    let root = r.permit.as_ref().map(|p| &p.root);
    let missing = || lang.label(labels::MISSING).to_string();
    let get = |path: &str, e: Option<&str>| -> Option<String> {
        root.and_then(|n| text_at(n, path, e)).map(|v| match e {
            Some(name) => super::enum_label(name, &v, lang),
            None => v,
        })
    };
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
    let mut by_section: Vec<Vec<&Finding>> = vec![Vec::new(); sections.len()];
    for f in &r.findings {
        if f.rule == ONSITE_RULE {
            onsite.push(row(f, root, lang));
        }
        // Rules that could not decide are matters to escalate (须会商/上报).
        if is_manual_review(f) || f.severity == Severity::Undecided {
            escalate.push(row(f, root, lang));
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
                        by_section.push(Vec::new());
                        sections.len() - 1
                    }
                }
            }
        };
        by_section[i].push(f);
    }
    // One row per defective value and severity in each section: table 1
    // and table 2 of a standard broken by one concentration are one row,
    // led by the stricter limit.
    for (s, findings) in sections.iter_mut().zip(&by_section) {
        s.rows = plain::group_by_severity(findings.iter().copied())
            .iter()
            .map(|item| group_row(item, root, lang))
            .collect();
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
            subject: lang.t("管理类别", "management category").to_string(),
            place: lang
                .t("管理类别（permit.management）", "permit.management")
                .to_string(),
            help: None,
            also: Vec::new(),
        });
    }

    // The deadline runs by the category the catalogue requires (the
    // strictest), else the declared one.
    let category = classification
        .required
        .clone()
        .or_else(|| classification.declared.clone());
    let accepted = root
        .and_then(|n| n.at_path("permit.acceptance.date"))
        .and_then(|n| match &n.value {
            crate::permit::model::Value::Date(d) => Some(*d),
            _ => None,
        });
    let deadline = category
        .as_deref()
        .and_then(|c| statutory_days(c, !onsite.is_empty()))
        .map(|(days, clause)| Deadline {
            days,
            clause,
            due: accepted.map(|d| d.add_days(days)),
        });

    // Counted as the form lists them: one per row (value and severity).
    let mut counts = [0usize; 4];
    for row in sections.iter().flat_map(|s| &s.rows) {
        counts[row.severity as usize] += 1;
    }
    let eia_error = r
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error && f.element == "eia");
    let (conclusion, conclusion_reason) = if eia_error {
        (
            Conclusion::Refuse,
            lang.t(
                "环境影响评价审批不符合要求，不具备排污许可管理条例第十一条第（一）项规定的条件",
                "the EIA approval does not meet 排污许可管理条例 art. 11 (1)",
            )
            .to_string(),
        )
    } else if counts[0] > 0 {
        (
            Conclusion::Correct,
            match lang {
                Lang::Zh => format!("{} 项错误须申请单位补正（见一次性告知书）", counts[0]),
                Lang::En => format!(
                    "{} error(s) for the applicant to correct (see the one-time notice)",
                    counts[0]
                ),
            },
        )
    } else if counts[1] > 0 || !escalate.is_empty() {
        let mut first: Vec<String> = Vec::new();
        if counts[1] > 0 {
            first.push(match lang {
                Lang::Zh => format!("{} 项警告须核实", counts[1]),
                Lang::En => format!("{} warning(s) to verify", counts[1]),
            });
        }
        if !escalate.is_empty() {
            first.push(match lang {
                Lang::Zh => format!("{} 项须会商事项须先办结", escalate.len()),
                Lang::En => format!("{} item(s) to escalate first", escalate.len()),
            });
        }
        (
            Conclusion::Approve,
            format!(
                "{}{}",
                lang.t("无错误；", "no error; "),
                first.join(lang.t("，", ", "))
            ),
        )
    } else {
        (
            Conclusion::Approve,
            lang.t("未发现问题", "no findings").to_string(),
        )
    };

    let validity = match (
        get("permit.valid_from", None),
        get("permit.valid_until", None),
    ) {
        (Some(a), Some(b)) => format!("{a} — {b}"),
        (Some(a), None) => format!("{a} —"),
        (None, Some(b)) => format!("— {b}"),
        (None, None) => missing(),
    };
    let deadline_text = match &deadline {
        Some(d) => {
            let onsite_zh = if d.days == 45 {
                "需现场核查，"
            } else {
                ""
            };
            let onsite_en = if d.days == 45 {
                "on-site verification: "
            } else {
                ""
            };
            match lang {
                Lang::Zh => format!(
                    "{onsite_zh}自受理之日起 {} 日内作出审批决定（{}）",
                    d.days, d.clause
                ),
                Lang::En => format!(
                    "{onsite_en}decide within {} days of acceptance ({})",
                    d.days, d.clause
                ),
            }
        }
        None => lang
            .t(
                "管理类别未定或为登记管理，无审批时限",
                "no deadline: category undecided or registration",
            )
            .to_string(),
    };
    let due_text = match (&deadline, accepted) {
        (Some(d), Some(_)) => d.due.map_or_else(String::new, |due| match lang {
            Lang::Zh => format!("{due}（按日历日推算）"),
            Lang::En => format!("{due} (calendar days)"),
        }),
        _ => String::new(),
    };
    let header = vec![
        (
            lang.t("排污单位名称", "Unit").to_string(),
            get("unit.name", None).unwrap_or_else(missing),
        ),
        (
            lang.t("统一社会信用代码", "Unified social credit code")
                .to_string(),
            get("unit.credit_code", None).unwrap_or_else(missing),
        ),
        (
            lang.t("生产经营场所地址", "Site address").to_string(),
            get("unit.address", None).unwrap_or_else(missing),
        ),
        (
            lang.t("行业类别", "Industries").to_string(),
            classify::industries_text(&classification, lang),
        ),
        (
            lang.t("许可证编号", "Permit number").to_string(),
            get("permit.number", None).unwrap_or_else(missing),
        ),
        (
            lang.t("申请类型", "Application").to_string(),
            get("permit.application", Some("application")).unwrap_or_else(missing),
        ),
        (
            lang.label(labels::MANAGEMENT_CATEGORY).to_string(),
            management_text(&classification, lang),
        ),
        (lang.t("有效期", "Validity").to_string(), validity),
        (
            lang.t("受理日期", "Accepted on").to_string(),
            accepted.map_or_else(String::new, |d| d.to_string()),
        ),
        (
            lang.t("受理编号", "Acceptance number").to_string(),
            String::new(),
        ),
        (
            lang.t("办理时限", "Statutory deadline").to_string(),
            deadline_text,
        ),
        (lang.t("到期日", "Due").to_string(), due_text),
        (
            lang.t("承办科室", "Handling section").to_string(),
            String::new(),
        ),
        (
            lang.t("经办人", "Official in charge").to_string(),
            String::new(),
        ),
        (
            lang.t("审查基准日", "Reviewed as of").to_string(),
            as_of.to_string(),
        ),
    ];
    Form {
        file: r.path.clone(),
        as_of,
        header,
        classification,
        counts,
        sections,
        onsite,
        escalate,
        deadline,
        conclusion,
        conclusion_reason,
    }
}

/// `重点管理（申报：简化管理，不得降级）`: the category the catalogue
/// requires, with the declared one when they differ.
pub fn management_text(c: &Classification, lang: Lang) -> String {
    let required = c
        .required
        .as_deref()
        .map(|r| classify::category(Some(r), lang));
    let declared = c
        .declared
        .as_deref()
        .map(|d| classify::category(Some(d), lang));
    match (required, declared) {
        (Some(r), Some(d)) if r == d => r,
        (Some(r), Some(d)) => {
            let downgrade = if c.downgrade {
                lang.t("，不得降级", "; not allowed")
            } else {
                ""
            };
            match lang {
                Lang::Zh => format!("{r}（申报：{d}{downgrade}）"),
                Lang::En => format!("{r} (declared: {d}{downgrade})"),
            }
        }
        (Some(r), None) => r,
        (None, Some(d)) => match lang {
            Lang::Zh => format!("{d}（申报；名录要求无法由规则判定）"),
            Lang::En => format!("{d} (declared; the catalogue's requirement is undecided)"),
        },
        (None, None) => lang.label(labels::MISSING).to_string(),
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

/// The basis, and on a new line the supporting bases.
fn basis_with_also(r: &Row, lang: Lang) -> String {
    let also = also_text(r, lang);
    if also.is_empty() {
        r.basis.clone()
    } else {
        format!("{}\n{also}", r.basis)
    }
}

/// A header value, or a blank line for the office to fill in.
fn header_value(v: &str) -> String {
    if v.is_empty() {
        "__________________".to_string()
    } else {
        cell(v)
    }
}

/// `☑ 拟同意　☐ 补正　☐ 不予许可`
pub fn conclusion_boxes(form: &Form, lang: Lang) -> String {
    Conclusion::ALL
        .iter()
        .map(|c| {
            let mark = if *c == form.conclusion { "☑" } else { "☐" };
            format!("{mark} {}", c.label(lang))
        })
        .collect::<Vec<_>>()
        .join("　")
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
        o.push_str(&format!("| {} | {} |\n", cell(k), header_value(v)));
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
                cell(&plain::text(&i.reason))
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
                "| # | {} | {} | {} | {} | {} |\n|---|---|---|---|---|---|\n",
                lang.label(labels::SEVERITY),
                lang.label(labels::PLACE),
                lang.label(labels::PROBLEM),
                lang.label(labels::BASIS),
                lang.t("规则与定位", "Rule and location")
            ));
            for (k, r) in s.rows.iter().enumerate() {
                o.push_str(&format!(
                    "| {} | {} | {} | {} | {} | `{}` {} |\n",
                    k + 1,
                    severity_label(r.severity, lang),
                    cell(&r.subject),
                    cell(&r.message),
                    cell(&basis_with_also(r, lang)),
                    code(&r.rule),
                    cell(&r.place)
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
                md_text(&r.subject),
                code(&r.rule)
            ));
        }
    }
    o.push_str(&format!("\n## {}\n\n", lang.label(labels::CONCLUSION)));
    o.push_str(&format!(
        "{}{}{}\n\n{}{}{}\n\n",
        lang.t(
            "建议结论（须经办人确认）",
            "Suggested conclusion (to be confirmed)"
        ),
        lang.t("：", ": "),
        conclusion_boxes(form, lang),
        lang.t("理由", "Reason"),
        lang.t("：", ": "),
        md_text(&form.conclusion_reason)
    ));
    o.push_str(&format!("## {}\n\n", lang.label(labels::APPROVAL)));
    for who in [
        lang.t("分管领导审批意见", "Deputy director's decision"),
        lang.t("局长审批意见", "Director's decision"),
    ] {
        o.push_str(&format!(
            "{who}{}__________________________　{}{}__________　{}{}{}\n\n",
            lang.t("：", ": "),
            lang.t("签字", "Signature"),
            lang.t("：", ": "),
            lang.t("日期", "Date"),
            lang.t("：", ": "),
            date_blank(lang)
        ));
    }
    o.push_str(&format!(
        "{}{}\n",
        lang.t("审批部门（盖章）", "Approving department (seal)"),
        lang.t("：", ": ")
    ));
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

/// `审查意见：____  签字：____  日期：____年__月__日`
pub fn signature_line(lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "审查意见：__________________________　签字：__________　日期：{}",
            date_blank(lang)
        ),
        Lang::En => format!(
            "Opinion (审查意见): __________________________   Signature (签字): __________   Date (日期): {}",
            date_blank(lang)
        ),
    }
}

/// The index of several forms (`index.md`, `index.html`): one row per
/// permit with its file name (without extension) and its form.
pub fn render_index_markdown(forms: &[(String, Form)], lang: Lang) -> String {
    let mut o = format!(
        "# {}\n\n| # | {} | {} | {} | {} | {} | {} |\n|---|---|---|---|---|---|---|\n",
        lang.t("排污许可证核发会签表索引", "Countersign forms: index"),
        lang.t("排污单位", "Unit"),
        lang.label(labels::MANAGEMENT_CATEGORY),
        lang.t("各部门审查发现", "Findings by department"),
        lang.label(labels::ONSITE),
        lang.t("建议结论", "Suggested conclusion"),
        lang.t("会签表", "Form"),
    );
    for (k, (name, f)) in forms.iter().enumerate() {
        o.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | [{name}.md]({name}.md) · [{name}.html]({name}.html) |\n",
            k + 1,
            cell(&unit_name(f)),
            cell(&management_text(&f.classification, lang)),
            cell(&department_counts(f, lang)),
            onsite_short(f, lang),
            f.conclusion.label(lang),
        ));
    }
    o
}

/// The unit's name as the form's header gives it.
pub fn unit_name(f: &Form) -> String {
    f.header.first().map(|(_, v)| v.clone()).unwrap_or_default()
}

/// `大气环境 2、在线监控 1`, or `无` when no department has a finding.
pub fn department_counts(f: &Form, lang: Lang) -> String {
    let parts: Vec<String> = f
        .sections
        .iter()
        .filter(|s| !s.rows.is_empty())
        .map(|s| format!("{} {}", department_title(s, lang), s.rows.len()))
        .collect();
    if parts.is_empty() {
        lang.t("无", "none").to_string()
    } else {
        parts.join(lang.t("、", ", "))
    }
}

/// `需要` / `不需要`.
pub fn onsite_short(f: &Form, lang: Lang) -> &'static str {
    if f.onsite.is_empty() {
        lang.t("不需要", "no")
    } else {
        lang.t("需要", "yes")
    }
}
