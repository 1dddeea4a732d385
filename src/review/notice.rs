//! The one-time notice (一次性告知书): a letter to the applicant listing
//! every item to supplement or correct, numbered, each with its field, the
//! problem and the basis. Built from the same findings as the form: every
//! error and warning, nothing left out.

use super::form::severity_label;
use super::labels;
use super::{Lang, place, text_at};
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
    let list = items(r);
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
    if let Some(n) = &number {
        details.push(format!("{}{n}", lang.t("许可证编号 ", "permit number ")));
    }
    if let Some(a) = &application {
        details.push(format!("{}{a}", lang.t("", "application: ")));
    }
    details.push(format!("{}{}", lang.t("文件 ", "file "), md(&r.path)));
    let what = match lang {
        Lang::Zh => format!("（{}）", details.join("，")),
        Lang::En => format!(" ({})", details.join(", ")),
    };
    if list.is_empty() {
        o.push_str(&match lang {
            Lang::Zh => format!(
                "你单位提交的排污许可证申请材料{what}经审查（审查基准日 {as_of}），未发现需要补正或更正的内容。\n"
            ),
            Lang::En => format!(
                "Your permit application{what} was reviewed as of {as_of}; nothing needs to be supplemented or corrected.\n"
            ),
        });
    } else {
        o.push_str(&match lang {
            Lang::Zh => format!(
                "你单位提交的排污许可证申请材料{what}经审查（审查基准日 {as_of}），存在以下 {} 项需要补正或更正的内容。现一次性告知如下，请全部补正后重新提交：\n\n",
                list.len()
            ),
            Lang::En => format!(
                "Your permit application{what} was reviewed as of {as_of}. The {} items below must be supplemented or corrected; this notice lists all of them at once. Please correct every item and submit again. (Problems and bases are quoted as the rules state them, in Chinese.)\n\n",
                list.len()
            ),
        });
        for (i, f) in list.iter().enumerate() {
            let field = if !f.field_zh.is_empty() {
                md(&f.field_zh)
            } else if !f.path.is_empty() {
                md(&f.path)
            } else {
                lang.label(labels::WHOLE_FILE).to_string()
            };
            o.push_str(&match lang {
                Lang::Zh => format!(
                    "{}. 【{field}】（{}）\n",
                    i + 1,
                    severity_label(f.severity, lang)
                ),
                Lang::En => format!(
                    "{}. [{field}] ({})\n",
                    i + 1,
                    severity_label(f.severity, lang)
                ),
            });
            o.push_str(&format!(
                "   {}{}{}\n",
                lang.label(labels::PLACE),
                lang.t("：", ": "),
                md(&place(f, lang))
            ));
            o.push_str(&format!(
                "   {}{}{}\n",
                lang.label(labels::PROBLEM),
                lang.t("：", ": "),
                md(&f.message)
            ));
            let basis = super::basis(f, lang);
            o.push_str(&format!(
                "   {}{}{}\n",
                lang.label(labels::BASIS),
                lang.t("：", ": "),
                md(&basis)
            ));
            if let Some(h) = &f.help {
                o.push_str(&format!(
                    "   {}{}{}\n",
                    lang.t("说明", "Hint"),
                    lang.t("：", ": "),
                    md(h)
                ));
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
