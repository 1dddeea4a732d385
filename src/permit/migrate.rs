//! `permit/v1` → `permit/v2`: the text of a v1 document with its `format`
//! value rewritten and every other byte — comments, layout, quoting —
//! kept. v2 is v1 plus optional fields, so a v1 document *is* a v2
//! document once it says so; nothing else needs to change.

use super::model::Value;
use super::yaml::{Limits, parse};

/// What migrating one text gives.
#[derive(Debug, PartialEq)]
pub enum Migration {
    /// Already `permit/v2`: nothing to do.
    Current,
    /// The rewritten text.
    Migrated(String),
    /// Not a `permit/v1` document that can be rewritten, and why.
    Refused(String),
}

/// Migrate `text`. Never touches anything but the `format` value's bytes.
pub fn migrate(text: &str) -> Migration {
    let root = match parse(text, &Limits::default()) {
        Ok(root) => root,
        Err(e) => return Migration::Refused(format!("not readable as YAML: {e}")),
    };
    let Some(entry) = root.entry("format") else {
        return Migration::Refused("not a permit document: no `format` key".into());
    };
    match &entry.node.value {
        Value::Str(s) if s == super::validate::FORMAT => Migration::Current,
        Value::Str(s) if s == "permit/v1" => {
            let r = entry.node.span.range();
            let written = &text[r.clone()];
            // Keep the quoting the author used: replace inside it.
            let Some(at) = written.find("permit/v1") else {
                return Migration::Refused("the `format` value is not written as text".into());
            };
            let mut out = String::with_capacity(text.len());
            out.push_str(&text[..r.start + at]);
            out.push_str(super::validate::FORMAT);
            out.push_str(&text[r.start + at + "permit/v1".len()..]);
            Migration::Migrated(out)
        }
        _ => Migration::Refused(format!(
            "unsupported format `{}`",
            text.get(entry.node.span.range()).unwrap_or("")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_format_value_changes() {
        let v1 = "# 排污许可证 (format permit/v1)\nformat: permit/v1   # 格式\npermit: {}\n";
        assert_eq!(
            migrate(v1),
            Migration::Migrated(
                "# 排污许可证 (format permit/v1)\nformat: permit/v2   # 格式\npermit: {}\n".into()
            )
        );
        assert_eq!(
            migrate("format: \"permit/v1\"\n"),
            Migration::Migrated("format: \"permit/v2\"\n".into())
        );
        assert_eq!(migrate("format: permit/v2\n"), Migration::Current);
        assert!(matches!(migrate("- a\n"), Migration::Refused(_)));
        assert!(matches!(
            migrate("format: permit/v9\n"),
            Migration::Refused(_)
        ));
        assert!(matches!(migrate("a: [\n"), Migration::Refused(_)));
    }
}
