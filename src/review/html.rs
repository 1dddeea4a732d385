//! The countersign form as one self-contained, printable HTML page: inline
//! CSS, no scripts, no external resources. Every value that comes from the
//! permit, the policies or the file system goes through `escape`.

use super::Lang;
use super::classify;
use super::form::{self, Form, Row, department_title, severity_label, status};
use crate::finding::Severity;

/// Escape text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
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
table.findings col.st { width: 9%; } table.findings col.msg { width: 34%; }
table.findings col.basis { width: 20%; } table.findings col.place { width: 26%; }
.rule { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; color: #555; }
.error { color: #a00000; font-weight: bold; } .warning { color: #8a5a00; font-weight: bold; } .notice { color: #333; }
.downgrade { color: #a00000; font-weight: bold; }
.sign { margin: 6px 0 4px; padding: 10px 6px; border: 1px solid #444; min-height: 3.2em; }
.sign span { display: inline-block; margin-right: 2em; }
.none { color: #555; font-style: italic; }
.onsite-required { font-weight: bold; color: #a00000; }
section { page-break-inside: avoid; break-inside: avoid; }
tr { page-break-inside: avoid; break-inside: avoid; }
.counts { margin: 6px 0; }
@media print { body { padding: 0; max-width: none; } h2 { background: none; } }
"#;

fn sev_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice => "notice",
    }
}

fn finding_rows(o: &mut String, rows: &[Row], lang: Lang) {
    o.push_str("<table class=\"findings\">\n<colgroup><col class=\"n\"><col class=\"sev\"><col class=\"st\"><col class=\"msg\"><col class=\"basis\"><col class=\"place\"></colgroup>\n");
    o.push_str(&format!(
        "<thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        lang.t("级别", "Severity"),
        lang.t("状态", "Status"),
        lang.t("问题", "Problem"),
        lang.t("依据", "Basis"),
        lang.t("位置", "Place")
    ));
    for (k, r) in rows.iter().enumerate() {
        o.push_str(&format!(
            "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}<div class=\"rule\">{}</div></td><td>{}</td><td>{}</td></tr>\n",
            k + 1,
            sev_class(r.severity),
            severity_label(r.severity, lang),
            status(r, lang),
            escape(&r.message),
            escape(&r.rule),
            escape(&r.basis),
            escape(&r.place)
        ));
    }
    o.push_str("</tbody>\n</table>\n");
}

fn signature(o: &mut String, lang: Lang) {
    let line = "&#160;".repeat(24);
    let short = "&#160;".repeat(12);
    o.push_str(&format!(
        "<div class=\"sign\"><span>{}：<u>{line}{line}</u></span><span>{}：<u>{short}</u></span><span>{}：<u>{short}</u></span></div>\n",
        lang.t("审查意见", "Opinion (审查意见)"),
        lang.t("签字", "Signature (签字)"),
        lang.t("日期", "Date (日期)")
    ));
}

/// The countersign form as a complete HTML document.
pub fn render_form(f: &Form, lang: Lang) -> String {
    let c = &f.classification;
    let title = lang.t(
        "排污许可证核发会签表",
        "Pollutant discharge permit countersign form",
    );
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
        o.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>\n",
            escape(k),
            escape(v)
        ));
    }
    o.push_str("</tbody>\n</table>\n");

    o.push_str(&format!(
        "<section>\n<h2>{}</h2>\n",
        lang.t("管理类别", "Management category")
    ));
    let declared = c.declared.as_deref().map_or_else(
        || lang.t("（未填写）", "(missing)").to_string(),
        |d| classify::category(Some(d), lang),
    );
    o.push_str(&format!(
        "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody><tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr></tbody>\n</table>\n",
        lang.t("名录要求（最严）", "Required (strictest)"),
        lang.t("申报类别", "Declared"),
        lang.t("是否降级", "Downgrade"),
        escape(&classify::category(c.required.as_deref(), lang)),
        escape(&declared),
        if c.downgrade { "downgrade" } else { "ok" },
        form::downgrade_text(c, lang)
    ));
    if c.items.is_empty() {
        o.push_str(&format!(
            "<p class=\"none\">{}</p>\n",
            lang.t(
                "没有规则判定出适用的名录条目。",
                "No rule decided any catalogue item."
            )
        ));
    } else {
        o.push_str(&format!(
            "<table>\n<colgroup><col style=\"width:12%\"><col style=\"width:14%\"><col></colgroup>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            lang.t("名录条目", "Catalogue item"),
            lang.t("要求类别", "Requires"),
            lang.t("理由", "Reason")
        ));
        for i in &c.items {
            o.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(i.number.as_deref().unwrap_or("?")),
                escape(&classify::category(Some(&i.category), lang)),
                escape(&i.reason)
            ));
        }
        o.push_str("</tbody>\n</table>\n");
    }
    o.push_str(&format!(
        "<p class=\"counts\">{}：<span class=\"error\">{} {}</span> · <span class=\"warning\">{} {}</span> · <span class=\"notice\">{} {}</span></p>\n</section>\n",
        lang.t("审查发现", "Findings"),
        f.counts[0],
        lang.t("项错误", "error(s)"),
        f.counts[1],
        lang.t("项警告", "warning(s)"),
        f.counts[2],
        lang.t("项提示", "notice(s)")
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
                lang.t("未发现问题。", "No findings.")
            ));
        } else {
            finding_rows(&mut o, &s.rows, lang);
        }
        signature(&mut o, lang);
        o.push_str("</section>\n");
    }

    o.push_str(&format!(
        "<section>\n<h2>{}</h2>\n",
        lang.t("核发前现场核查", "On-site verification before issuance")
    ));
    if f.onsite.is_empty() {
        o.push_str(&format!(
            "<p>{}</p>\n",
            lang.t(
                "不需要：未触发核发前现场核查情形。",
                "Not required: no condition for on-site verification was met."
            )
        ));
    } else {
        o.push_str(&format!(
            "<p class=\"onsite-required\">{}</p>\n<ul>\n",
            lang.t(
                "需要：核发前须开展现场核查，整改完成前不予核发。",
                "Required: verify on site before issuance; no permit until rectified."
            )
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
        lang.t(
            "须会商/上报事项（规则无法判定）",
            "Items to escalate (no rule could decide)"
        )
    ));
    if f.escalate.is_empty() {
        o.push_str(&format!(
            "<p class=\"none\">{}</p>\n",
            lang.t("无。", "None.")
        ));
    } else {
        o.push_str("<ol>\n");
        for r in &f.escalate {
            o.push_str(&format!(
                "<li>{}<br><span class=\"rule\">{}：{}；{}：{}；{}</span></li>\n",
                escape(&r.message),
                lang.t("依据", "basis"),
                escape(&r.basis),
                lang.t("位置", "place"),
                escape(&r.place),
                escape(&r.rule)
            ));
        }
        o.push_str("</ol>\n");
    }
    o.push_str("</section>\n");
    if lang == Lang::En {
        o.push_str("<p class=\"none\">Problems, bases and reasons are quoted as the policies wrote them (Chinese).</p>\n");
    }
    o.push_str("</body>\n</html>\n");
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
