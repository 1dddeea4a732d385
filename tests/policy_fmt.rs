//! The formatter over every shipped policy: `parse → fmt → parse` gives the
//! same AST, formatting is idempotent, and comments survive.

use crate::common;

use permitlint::lang::fmt::format_file;
use permitlint::lang::parser::parse_file;
use permitlint::span::SourceFile;

fn shipped() -> Vec<(String, String)> {
    permitlint::library::embedded_files()
}

#[test]
fn fmt_round_trips_every_shipped_policy() {
    let files = shipped();
    assert!(!files.is_empty());
    for (name, text) in files {
        let a = parse_file(&SourceFile::new(name.clone(), text.clone())).unwrap();
        let formatted = format_file(&a);
        let b = parse_file(&SourceFile::new(name.clone(), formatted.clone()))
            .unwrap_or_else(|e| panic!("{name}: formatted text does not parse: {e}\n{formatted}"));
        if a.items != b.items {
            // Report the first item that differs, compactly.
            for (x, y) in a.items.iter().zip(&b.items) {
                if x != y {
                    let (dx, dy) = (
                        strip_spans(&format!("{x:?}")),
                        strip_spans(&format!("{y:?}")),
                    );
                    let (cx, cy): (Vec<char>, Vec<char>) =
                        (dx.chars().collect(), dy.chars().collect());
                    let at = cx.iter().zip(&cy).position(|(p, q)| p != q).unwrap_or(0);
                    let lo = at.saturating_sub(150);
                    let window = |c: &[char]| {
                        c[lo.min(c.len())..(at + 150).min(c.len())]
                            .iter()
                            .collect::<String>()
                    };
                    panic!(
                        "{name}: AST changed by formatting near\n  before: {}\n  after:  {}",
                        window(&cx),
                        window(&cy)
                    );
                }
            }
            panic!("{name}: number of items changed by formatting");
        }
        let again = format_file(&b);
        assert_eq!(formatted, again, "{name}: formatting is not idempotent");
        let comments_in = text
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count();
        let comments_out = formatted
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count();
        assert!(
            comments_out >= comments_in,
            "{name}: lost comments ({comments_in} → {comments_out})"
        );
    }
}

/// Debug text without spans (spans differ after formatting by design).
fn strip_spans(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(", span: Span {") {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let close = rest.find('}').map_or(rest.len(), |j| j + 1);
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

#[test]
fn fmt_keeps_trailing_and_leading_comments() {
    let src = "# head\nroute air to \"大气环境\"  # trailing\n\n# before table\ntable t(k) \"c\" {\n  | k | v |\n  # row comment\n  | a | 1 mg/m3 |\n}\n";
    let f = parse_file(&SourceFile::new("x.policy", src)).unwrap();
    let out = format_file(&f);
    for c in ["# head", "# trailing", "# before table", "# row comment"] {
        assert!(out.contains(c), "lost `{c}`:\n{out}");
    }
    assert!(
        out.contains("route air to \"大气环境\"  # trailing"),
        "{out}"
    );
    assert!(out.contains("| a | 1 mg/m3 |"), "{out}");
}

/// A comment right after a doc block's closing `}` stays on its line, and a
/// second formatting changes nothing. (Found by the policy property test:
/// it moved to its own line, then gained a blank line above it.)
#[test]
fn a_comment_after_a_doc_block_is_formatted_once() {
    let src = "policy a.b {\n  title \"t\"\n  version 1\n  basis \"b\"\n  element air\n  severity error\n\n  doc {\n    what \"w\"\n  }# after doc\n\n  for o in air.outlets {\n    require true else \"m\"\n  }\n}\n";
    let once = format_file(&parse_file(&SourceFile::new("x.policy", src)).unwrap());
    assert!(once.contains("  }  # after doc\n"), "{once}");
    let twice = format_file(&parse_file(&SourceFile::new("x.policy", once.clone())).unwrap());
    assert_eq!(once, twice);
}

/// A line of whitespace only in a triple-quoted text reads as an empty
/// line, as the formatter writes it: the text (and the AST) is the same
/// after formatting, even where no line is indented (found by the policy
/// fuzzer).
#[test]
fn a_blank_line_in_a_triple_quoted_text_keeps_its_meaning() {
    let src = "policy a.b {\n  title \"t\"\n  version 1\n  basis \"b\"\n  element air\n  severity error\n\n  doc {\n    what \"\"\"\n      \nx: y\n  \u{3000}\nz\n    \"\"\"\n  }\n\n  for o in air.outlets {\n    require true else \"m\"\n  }\n}\n";
    let doc = |text: &str| {
        let f = parse_file(&SourceFile::new("x.policy", text)).unwrap();
        let permitlint::lang::ast::Item::Policy(p) = &f.items[0] else {
            panic!("a policy");
        };
        p.doc
            .iter()
            .flat_map(|d| d.node.iter().map(|(_, s)| s.text.node.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(doc(src), ["\nx: y\n\nz"]);
    let once = format_file(&parse_file(&SourceFile::new("x.policy", src)).unwrap());
    assert_eq!(doc(&once), doc(src), "{once}");
}

#[test]
fn shipped_library_has_no_errors() {
    if let Err(errors) = permitlint::library::shipped() {
        panic!(
            "shipped library has errors:\n{}",
            common::render_library_errors(&errors)
        );
    }
}

#[test]
fn docs_policies_md_is_generated_from_the_shipped_policies() {
    let lib =
        permitlint::library::shipped().unwrap_or_else(|_| panic!("shipped library has errors"));
    let generated = permitlint::docs::policies_markdown(&lib);
    let committed = std::fs::read_to_string("docs/policies.md").unwrap();
    assert!(
        generated == committed,
        "docs/policies.md is stale: run `cargo run -- policy docs > docs/policies.md`"
    );
}
