//! The one-time notice (一次性告知书): a letter to the applicant listing
//! every item to supplement or correct, numbered. It is sent as it is, so it
//! speaks the bureau's language ([`plain`]): each item names the outlet,
//! pollutant and field as the applicant finds them on the national
//! platform, states the problem in Chinese and cites regulations only — no
//! file or YAML path, no line number, no source grade. Findings on one value
//! make one item (the strictest leads, the others support its basis). Every
//! error and warning is in some item; nothing is left out.

use super::labels;
use super::plain::{self, Item};
use super::{Lang, text_at};
use crate::date::Date;
use crate::finding::{Finding, Severity};
use crate::run::FileResult;

/// The findings the applicant must act on, in the one order of the run.
pub fn items(r: &FileResult) -> Vec<&Finding> {
    r.findings
        .iter()
        .filter(|f| matches!(f.severity, Severity::Error | Severity::Warning))
        .collect()
}

/// The items of the notice: the findings to act on, grouped by value.
pub fn grouped(r: &FileResult) -> Vec<Item<'_>> {
    plain::group(items(r))
}

/// What the applicant has to do about an item.
fn action(f: &Finding, lang: Lang) -> &'static str {
    match f.severity {
        Severity::Error => lang.t("须更正", "to correct"),
        _ => lang.t("请核实", "to verify"),
    }
}

/// The notice as text (Markdown-friendly plain text).
pub fn render(r: &FileResult, as_of: Date, lang: Lang) -> String {
    let root = r.permit.as_ref().map(|p| &p.root);
    // Every value from the permit, the policies or the file system is
    // Markdown-escaped: it cannot open a heading, a link, an image or HTML.
    let md = crate::escape::markdown;
    let unit = root
        .and_then(|n| text_at(n, "unit.name", None))
        .map(|u| md(&u))
        .unwrap_or_else(|| lang.t("申请单位", "Applicant").to_string());
    let number = root
        .and_then(|n| text_at(n, "permit.number", None))
        .map(|n| md(&n));
    let application = root
        .and_then(|n| text_at(n, "permit.application", Some("application")))
        .map(|a| md(&super::enum_label("application", &a, lang)));
    let list = grouped(r);
    let sep = lang.t("：", ": ");
    let mut o = String::new();
    o.push_str(&format!(
        "# {}\n\n",
        lang.t(
            "排污许可证申请材料补正一次性告知书",
            "One-time notice of items to supplement or correct"
        )
    ));
    o.push_str(&format!("{unit}{}\n\n", lang.t("：", ":")));
    let mut details: Vec<String> = Vec::new();
    if let Some(a) = &application {
        details.push(format!("{}{a}", lang.t("", "application: ")));
    }
    if let Some(n) = &number {
        details.push(format!("{}{n}", lang.t("许可证编号 ", "permit number ")));
    }
    let what = match (lang, details.is_empty()) {
        (_, true) => String::new(),
        (Lang::Zh, false) => format!("（{}）", details.join("，")),
        (Lang::En, false) => format!(" ({})", details.join(", ")),
    };
    if list.is_empty() {
        o.push_str(&match lang {
            Lang::Zh => format!(
                "你单位提交的排污许可证申请材料{what}经审查（审查日期 {as_of}），未发现需要补正或更正的内容。\n"
            ),
            Lang::En => format!(
                "Your permit application{what} was reviewed as of {as_of}; nothing needs to be supplemented or corrected.\n"
            ),
        });
    } else {
        o.push_str(&match lang {
            Lang::Zh => format!(
                "你单位提交的排污许可证申请材料{what}经审查（审查日期 {as_of}），存在以下 {} 项需要补正或更正的内容。根据《排污许可管理条例》第九条第一款第（四）项，现一次性告知如下，请全部补正后重新提交：\n\n",
                list.len()
            ),
            Lang::En => format!(
                "Your permit application{what} was reviewed as of {as_of}. The {} items below must be supplemented or corrected; this notice lists all of them at once (排污许可管理条例 art. 9 ¶1 (4)). Please correct every item and submit again. (Problems and bases are quoted as the rules state them, in Chinese.)\n\n",
                list.len()
            ),
        });
        for (i, item) in list.iter().enumerate() {
            let f = item.lead;
            o.push_str(&format!(
                "{}. {}{}\n",
                i + 1,
                md(&plain::subject(f, root)),
                match lang {
                    Lang::Zh => format!("（{}）", action(f, lang)),
                    Lang::En => format!(" ({})", action(f, lang)),
                }
            ));
            o.push_str(&format!(
                "   {}{sep}{}\n",
                lang.label(labels::PROBLEM),
                md(&plain::message(f))
            ));
            let basis = md(&plain::basis(f));
            if !basis.is_empty() {
                o.push_str(&format!("   {}{sep}{basis}\n", lang.label(labels::BASIS)));
            }
            let mut also: Vec<String> = Vec::new();
            for g in &item.also {
                let b = md(&plain::basis(g));
                let b = if b.is_empty() {
                    md(&plain::message(g))
                } else {
                    b
                };
                if b != basis && !also.contains(&b) {
                    also.push(b);
                }
            }
            if !also.is_empty() {
                o.push_str(&format!(
                    "   {}{sep}{}\n",
                    lang.t("同时不符合", "Also against"),
                    also.join("；")
                ));
            }
            if let Some(h) = plain::hint(f) {
                let h = md(&h);
                o.push_str(&format!("   {}{sep}{h}\n", lang.t("说明", "Hint")));
            }
            o.push('\n');
        }
    }
    o.push_str(&match lang {
        Lang::Zh => {
            "\n特此告知。\n\n审批部门（盖章）：\n\n日期：______年____月____日\n".to_string()
        }
        Lang::En => "\nIssuing authority (seal):\n\nDate: ____-__-__\n".to_string(),
    });
    o
}
