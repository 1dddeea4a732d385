//! Bilingual labels that more than one rendering prints (the countersign
//! form in Markdown and in HTML, the classification, the notice), kept in
//! one place so the renderings cannot drift apart. `Lang::label` picks one.

/// (Chinese, English).
pub type Label = (&'static str, &'static str);

pub const WHOLE_FILE: Label = ("整个文件", "whole file");
pub const PLACE: Label = ("位置", "Place");
pub const PLACE_INLINE: Label = ("位置", "place");
pub const PROBLEM: Label = ("问题", "Problem");
pub const BASIS: Label = ("依据", "Basis");
pub const BASIS_INLINE: Label = ("依据", "basis");
pub const SEVERITY: Label = ("级别", "Severity");
pub const FORM_TITLE: Label = (
    "排污许可证核发会签表",
    "Pollutant discharge permit countersign form",
);
pub const MANAGEMENT_CATEGORY: Label = ("管理类别", "Management category");
pub const MISSING: Label = ("（未填写）", "(missing)");
pub const REQUIRED_STRICTEST: Label = ("名录要求（最严）", "Required (strictest)");
pub const DECLARED: Label = ("申报类别", "Declared");
pub const DOWNGRADE: Label = ("是否降级", "Downgrade");
pub const NO_CATALOGUE_ITEM: Label = (
    "没有规则判定出适用的名录条目。",
    "No rule decided any catalogue item.",
);
pub const CATALOGUE_ITEM: Label = ("名录条目", "Catalogue item");
pub const REQUIRES: Label = ("要求类别", "Requires");
pub const REASON: Label = ("理由", "Reason");
pub const FINDINGS: Label = ("审查发现", "Findings");
pub const ERRORS: Label = ("项错误", "error(s)");
pub const WARNINGS: Label = ("项警告", "warning(s)");
pub const NOTICES: Label = ("项提示", "notice(s)");
pub const NO_FINDINGS: Label = ("未发现问题。", "No findings.");
pub const ONSITE: Label = ("核发前现场核查", "On-site verification before issuance");
pub const ONSITE_NOT_REQUIRED: Label = (
    "不需要：未触发核发前现场核查情形。",
    "Not required: no condition for on-site verification was met.",
);
pub const ONSITE_REQUIRED: Label = (
    "需要：核发前须开展现场核查，整改完成前不予核发。",
    "Required: verify on site before issuance; no permit until rectified.",
);
pub const ESCALATE: Label = (
    "须会商/上报事项（规则无法判定）",
    "Items to escalate (no rule could decide)",
);
pub const NONE: Label = ("无。", "None.");
pub const NO: Label = ("否", "no");
pub const CONCLUSION: Label = ("审查结论", "Conclusion");
pub const APPROVAL: Label = ("审批", "Approval");

/// Chinese name of a pollutant code (`SO2` → `二氧化硫`), `None` for a code
/// the catalogue does not know. Every review document names pollutants
/// through this one function.
pub fn pollutant_zh(code: &str) -> Option<&'static str> {
    crate::catalogue::pollutants::zh_name(code)
}
