//! Helpers shared by integration tests (`mod common;` in each test file).

/// A complete, documented policy `x.NAME` of the given severity (element
/// `air`) around `body`, for tests that build a library from text.
pub fn policy(name: &str, severity: &str, body: &str) -> String {
    format!(
        r#"policy x.{name} {{
  title "t"
  version 1
  basis "b"
  element air
  severity {severity}

  doc {{
    what "w"
    why "y"
    violating """
      unit: {{ complaints: 3 }}
    """
    conforming """
      unit: {{ complaints: 0 }}
    """
  }}

{body}
}}
"#
    )
}
