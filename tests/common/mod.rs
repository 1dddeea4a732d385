//! Helpers shared by integration tests (`mod common;` in each test file).

// Each test crate uses some of these.
#![allow(dead_code)]

/// A "billion laughs" YAML file: nine aliases per level, nine levels, so
/// full expansion would be 9^9 nodes.
pub fn billion_laughs() -> String {
    let mut t = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        t.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    t
}

/// Every error of a library that did not build, rendered as a person
/// would see it (for a test's panic message).
pub fn render_library_errors(errors: &permitlint::lang::library::LibraryErrors) -> String {
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::none());
    let mut s = String::new();
    for e in &errors.parse {
        let _ = handler.render_report(&mut s, e);
    }
    for e in &errors.check {
        let _ = handler.render_report(&mut s, e);
    }
    s
}

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
