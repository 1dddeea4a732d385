//! Review documents built from a checked permit: the classification
//! summary (`classify`), the countersign form (会签表, `form`) and the
//! one-time notice to the applicant (一次性告知书, `notice`).
//!
//! Everything here works from a `run::FileResult` (findings, derived facts,
//! the loaded permit) and the `Library` (routing, fact enumerations). No
//! regulatory logic lives here: the category the catalogue requires is the
//! `required_management` fact the policies derived, the on-site verification
//! decision is the `procedure.onsite-verification` rule's findings.

pub mod classify;
pub mod form;
pub mod html;
pub mod labels;
pub mod notice;
pub mod plain;

use crate::finding::Finding;
use crate::permit::model::{Node, Value};
use crate::schema::permit_v1::enum_by_name;

/// Language of headings and fixed text. Findings' messages stay as the
/// policies wrote them (Chinese).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Pick the text for this language.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// A shared label ([`labels`]) in this language.
    pub fn label(self, (zh, en): labels::Label) -> &'static str {
        self.t(zh, en)
    }
}

/// The fact the classification policies derive.
pub const REQUIRED_FACT: &str = "required_management";
/// The rule whose findings say on-site verification is required.
pub const ONSITE_RULE: &str = "procedure.onsite-verification";

/// Whether a finding asks for a decision no rule could make (escalation).
pub fn is_manual_review(f: &Finding) -> bool {
    f.rule.ends_with("manual-review")
}

/// Scalar text of a permit value (strings, numbers, enumeration names).
pub(crate) fn scalar(node: &Node, enum_name: Option<&str>) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(x) => Some(x.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Date(d) => Some(d.to_string()),
        Value::Qty(q) => Some(q.to_string()),
        Value::Enum(i) => enum_name
            .and_then(enum_by_name)
            .and_then(|e| e.values.get(usize::from(*i)))
            .map(|v| v.name.to_string()),
        _ => None,
    }
}

/// Chinese (or English) name of an enumeration value: `key` → `重点管理`.
pub(crate) fn enum_label(enum_name: &str, value: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return value.to_string();
    }
    enum_by_name(enum_name)
        .and_then(|e| e.values.iter().find(|v| v.name == value))
        .map_or_else(|| value.to_string(), |v| v.zh.to_string())
}

/// Text at a dotted path of plain keys (`unit.name`), when present.
pub(crate) fn text_at(root: &Node, path: &str, enum_name: Option<&str>) -> Option<String> {
    scalar(root.at_path(path)?, enum_name)
}

/// Where a finding points, technically: `field (path, line:col)`, or the
/// file. Documents name the place in words ([`plain::subject`]) and show
/// this only as a secondary line.
pub(crate) fn place(f: &Finding, lang: Lang) -> String {
    let (line, col) = f.line_col();
    let field = if f.field_zh.is_empty() {
        f.path.clone()
    } else if f.path.is_empty() {
        f.field_zh.clone()
    } else {
        format!("{}（{}）", f.field_zh, f.path)
    };
    match (f.primary.is_some(), field.is_empty()) {
        (false, _) => lang.label(labels::WHOLE_FILE).to_string(),
        (true, true) => format!("{line}:{col}"),
        (true, false) => format!("{field} {line}:{col}"),
    }
}
