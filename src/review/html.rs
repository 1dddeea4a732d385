//! The countersign form as one self-contained, printable HTML page: inline
//! CSS, no scripts, no external resources. Every value that comes from the
//! permit, the policies or the file system goes through `escape`.

use super::Lang;
use super::classify;
use super::form::{self, Form, Row, department_title, severity_label};
use super::labels;
use crate::finding::Severity;

/// Escape text for HTML element content and quoted attribute values;
/// control and bidi characters become U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Controls and bidi overrides (see `escape::is_hazard`).
            c if crate::escape::is_hazard(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
@page { size: A4; margin: 15mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Zen Hei", serif;
  font-size: 10.5pt; line-height: 1.5; color: #000; background: #fff; margin: 0 auto; padding: 16px; max-width: 1100px; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 12px; letter-spacing: 2px; }
h2 { font-size: 13pt; margin: 18px 0 6px; padding: 2px 6px; border-left: 4px solid #333; background: #f2f2f2; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; table-layout: fixed; }
th, td { border: 1px solid #444; padding: 4px 6px; vertical-align: top; text-align: left;
  overflow-wrap: anywhere; word-break: break-word; }
th { background: #e8e8e8; font-weight: bold; }
table.header th { width: 22%; }
table.findings col.n { width: 4%; } table.findings col.sev { width: 7%; }
table.findings col.place { width: 23%; } table.findings col.msg { width: 38%; }
table.findings col.basis { width: 28%; }
.rule { font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; color: #666; margin-top: 2px; }
.blank { display: inline-block; min-width: 12em; border-bottom: 1px solid #444; height: 1.2em; }
.seal { float: right; width: 45mm; height: 45mm; border: 1px dashed #444; margin: 8px 0; padding: 6px; text-align: center; color: #444; }
.error { color: #a00000; font-weight: bold; } .warning { color: #8a5a00; font-weight: bold; } .notice { color: #333; }
.downgrade { color: #a00000; font-weight: bold; }
.sign { margin: 6px 0 4px; padding: 10px 6px; border: 1px solid #444; min-height: 3.2em; }
.sign span { display: inline-block; margin-right: 2em; }
.none { color: #555; font-style: italic; }
.also { margin-top: 4px; font-size: 9pt; color: #333; }
.onsite-required { font-weight: bold; color: #a00000; }
section { page-break-inside: avoid; break-inside: avoid; }
table, tr, .sign, .seal { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
h2 { page-break-after: avoid; break-after: avoid; }
section::after { content: ""; display: block; clear: both; }
.counts { margin: 6px 0; }
@media print { body { padding: 0; max-width: none; } h2 { background: none; } }
"#;

fn sev_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice | Severity::Undecided => "notice",
    }
}

fn finding_rows(o: &mut String, rows: &[Row], lang: Lang) {
    o.push_str("<table class=\"findings\">\n<colgroup><col class=\"n\"><col class=\"sev\"><col class=\"place\"><col class=\"msg\"><col class=\"basis\"></colgroup>\n");
    o.push_str(&format!(
        "<thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        lang.label(labels::SEVERITY),
        lang.label(labels::PLACE),
        lang.label(labels::PROBLEM),
        lang.label(labels::BASIS)
    ));
    for (k, r) in rows.iter().enumerate() {
        o.push_str(&format!(
            "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}<div class=\"rule\">{}<br>{}</div></td><td>{}</td><td>{}{}</td></tr>\n",
            k + 1,
            sev_class(r.severity),
            severity_label(r.severity, lang),
            escape(&r.subject),
            escape(&r.rule),
            escape(&r.place),
            escape(&r.message),
            escape(&r.basis),
            match form::also_text(r, lang) {
                a if a.is_empty() => String::new(),
                a => format!("<div class=\"also\">{}</div>", escape(&a)),
            }
        ));
    }
    o.push_str("</tbody>\n</table>\n");
}

/// `审查意见：____ 签字：____ 日期：____年__月__日`, with the label given.
fn signature_with(o: &mut String, opinion: &str, lang: Lang) {
    let line = "&#160;".repeat(24);
    let short = "&#160;".repeat(12);
    o.push_str(&format!(
        "<div class=\"sign\"><span>{}：<u>{line}{line}</u></span><span>{}：<u>{short}</u></span><span>{}：{}</span></div>\n",
        escape(opinion),
        lang.t("签字", "Signature (签字)"),
        lang.t("日期", "Date (日期)"),
        date_blank_html(lang)
    ));
}

fn signature(o: &mut String, lang: Lang) {
    signature_with(o, lang.t("审查意见", "Opinion (审查意见)"), lang);
}

/// `<u>    </u>年<u>  </u>月<u>  </u>日`
fn date_blank_html(lang: Lang) -> String {
    let y = "&#160;".repeat(8);
    let d = "&#160;".repeat(4);
    match lang {
        Lang::Zh => format!("<u>{y}</u>年<u>{d}</u>月<u>{d}</u>日"),
        Lang::En => format!("<u>{y}</u>-<u>{d}</u>-<u>{d}</u>"),
    }
}

/// The countersign form as a complete HTML document.
pub fn render_form(f: &Form, lang: Lang) -> String {
    let c = &f.classification;
    let title = lang.label(labels::FORM_TITLE);
    let mut o = String::new();
    o.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} — {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        lang.t("zh-CN", "en"),
        escape(title),
        escape(&f.file)
    ));
    o.push_str(&format!("<h1>{}</h1>\n", escape(title)));
    o.push_str("<table class=\"header\">\n<tbody>\n");
    for (k, v) in &f.header {
        let v = if v.is_empty() {
            "<span class=\"blank\"></span>".to_string()
        } else {
            escape(v)
        };
        o.push_str(&format!("<tr><th>{}</th><td>{v}</td></tr>\n", escape(k)));
    }
    o.push_str("</tbody>\n</table>\n");

    o.push_str(&format!(
        "<section>\n<h2>{}</h2>\n",
        lang.label(labels::MANAGEMENT_CATEGORY)
    ));
    let declared = c.declared.as_deref().map_or_else(
        || lang.label(labels::MISSING).to_string(),
        |d| classify::category(Some(d), lang),
    );
    o.push_str(&format!(
        "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody><tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr></tbody>\n</table>\n",
        lang.label(labels::REQUIRED_STRICTEST),
        lang.label(labels::DECLARED),
        lang.label(labels::DOWNGRADE),
        escape(&classify::category(c.required.as_deref(), lang)),
        escape(&declared),
        if c.downgrade { "downgrade" } else { "ok" },
        form::downgrade_text(c, lang)
    ));
    if c.items.is_empty() {
        o.push_str(&format!(
            "<p class=\"none\">{}</p>\n",
            lang.label(labels::NO_CATALOGUE_ITEM)
        ));
    } else {
        o.push_str(&format!(
            "<table>\n<colgroup><col style=\"width:12%\"><col style=\"width:14%\"><col></colgroup>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            lang.label(labels::CATALOGUE_ITEM),
            lang.label(labels::REQUIRES),
            lang.label(labels::REASON)
        ));
        for i in &c.items {
            o.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(i.number.as_deref().unwrap_or("?")),
                escape(&classify::category(Some(&i.category), lang)),
                escape(&super::plain::text(&i.reason))
            ));
        }
        o.push_str("</tbody>\n</table>\n");
    }
    o.push_str(&format!(
        "<p class=\"counts\">{}：<span class=\"error\">{} {}</span> · <span class=\"warning\">{} {}</span> · <span class=\"notice\">{} {}</span></p>\n</section>\n",
        lang.label(labels::FINDINGS),
        f.counts[0],
        lang.label(labels::ERRORS),
        f.counts[1],
        lang.label(labels::WARNINGS),
        f.counts[2],
        lang.label(labels::NOTICES)
    ));

    for (n, s) in f.sections.iter().enumerate() {
        o.push_str(&format!(
            "<section>\n<h2>{}. {}</h2>\n",
            n + 1,
            escape(&department_title(s, lang))
        ));
        if s.rows.is_empty() {
            o.push_str(&format!(
                "<p class=\"none\">{}</p>\n",
                lang.label(labels::NO_FINDINGS)
            ));
        } else {
            finding_rows(&mut o, &s.rows, lang);
        }
        signature(&mut o, lang);
        o.push_str("</section>\n");
    }

    o.push_str(&format!(
        "<section>\n<h2>{}</h2>\n",
        lang.label(labels::ONSITE)
    ));
    if f.onsite.is_empty() {
        o.push_str(&format!(
            "<p>{}</p>\n",
            lang.label(labels::ONSITE_NOT_REQUIRED)
        ));
    } else {
        o.push_str(&format!(
            "<p class=\"onsite-required\">{}</p>\n<ul>\n",
            lang.label(labels::ONSITE_REQUIRED)
        ));
        for r in &f.onsite {
            o.push_str(&format!(
                "<li>{} <span class=\"rule\">{}</span></li>\n",
                escape(&r.message),
                escape(&r.basis)
            ));
        }
        o.push_str("</ul>\n");
    }
    o.push_str("</section>\n");

    o.push_str(&format!(
        "<section>\n<h2>{}</h2>\n",
        lang.label(labels::ESCALATE)
    ));
    if f.escalate.is_empty() {
        o.push_str(&format!(
            "<p class=\"none\">{}</p>\n",
            lang.label(labels::NONE)
        ));
    } else {
        o.push_str("<ol>\n");
        for r in &f.escalate {
            o.push_str(&format!(
                "<li>{}<br><span class=\"rule\">{}：{}；{}：{}；{}</span></li>\n",
                escape(&r.message),
                lang.label(labels::BASIS_INLINE),
                escape(&r.basis),
                lang.label(labels::PLACE_INLINE),
                escape(&r.subject),
                escape(&r.rule)
            ));
        }
        o.push_str("</ol>\n");
    }
    o.push_str("</section>\n");
    o.push_str(&format!(
        "<section>\n<h2>{}</h2>\n<p>{}：<b>{}</b></p>\n<p>{}：{}</p>\n</section>\n",
        lang.label(labels::CONCLUSION),
        lang.t(
            "建议结论（须经办人确认）",
            "Suggested conclusion (to be confirmed)"
        ),
        escape(&form::conclusion_boxes(f, lang)),
        lang.t("理由", "Reason"),
        escape(&f.conclusion_reason)
    ));
    o.push_str(&format!(
        "<section>\n<h2>{}</h2>\n",
        lang.label(labels::APPROVAL)
    ));
    signature_with(
        &mut o,
        lang.t("分管领导审批意见", "Deputy director's decision"),
        lang,
    );
    signature_with(&mut o, lang.t("局长审批意见", "Director's decision"), lang);
    o.push_str(&format!(
        "<div class=\"seal\">{}</div>\n</section>\n",
        lang.t("审批部门（盖章）", "Approving department (seal)")
    ));
    if lang == Lang::En {
        o.push_str("<p class=\"none\">Problems, bases and reasons are quoted as the policies wrote them (Chinese).</p>\n");
    }
    o.push_str("</body>\n</html>\n");
    o
}

/// The index of several forms as one HTML page; names link to `NAME.html`.
pub fn render_index(forms: &[(String, Form)], lang: Lang) -> String {
    let title = lang.t("排污许可证核发会签表索引", "Countersign forms: index");
    let mut o = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{title}</h1>\n",
        lang.t("zh-CN", "en")
    );
    o.push_str("<table class=\"index\">\n<colgroup><col style=\"width:5%\"><col style=\"width:25%\"><col style=\"width:18%\"><col style=\"width:26%\"><col style=\"width:12%\"><col style=\"width:14%\"></colgroup>\n");
    o.push_str(&format!(
        "<thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        lang.t("排污单位", "Unit"),
        lang.label(labels::MANAGEMENT_CATEGORY),
        lang.t("各部门审查发现", "Findings by department"),
        lang.label(labels::ONSITE),
        lang.t("建议结论", "Suggested conclusion"),
    ));
    for (k, (name, f)) in forms.iter().enumerate() {
        let href = escape(&format!("{name}.html"));
        o.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"{href}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            k + 1,
            escape(&form::unit_name(f)),
            escape(&form::management_text(&f.classification, lang)),
            escape(&form::department_counts(f, lang)),
            form::onsite_short(f, lang),
            f.conclusion.label(lang),
        ));
    }
    o.push_str("</tbody>\n</table>\n</body>\n</html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>alert('x&y')</script>"),
            "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("a=\"b\""), "a=&quot;b&quot;");
        assert_eq!(escape("苏州某热电"), "苏州某热电");
    }
}
