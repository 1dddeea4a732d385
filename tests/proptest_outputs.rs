//! Property tests over the renderers: findings whose message, file name,
//! field path and source text are random strings drawn from an alphabet of
//! troublemakers (controls, ESC sequences, bidi overrides, Markdown and
//! HTML markup, formula starters, GitHub command syntax, CJK) are rendered
//! in every text format, and no output carries any of it live.
//!
//! Case counts are small (64) so the suite stays fast; `PROPTEST_CASES`
//! raises them for a longer local run.

use permitlint::escape::{self, is_hazard};
use permitlint::finding::{Finding, Label, Severity};
use permitlint::report::{self, Format, HumanOptions, RunInfo};
use permitlint::span::{SourceFile, Span};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    crate::common::proptest_config(64)
}

/// Strings built from pieces that have broken renderers somewhere.
fn hostile() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\u{1b}[2J",
        "\u{1b}]0;t\u{7}",
        "\u{202e}",
        "\u{2066}",
        "\u{9b}",
        "\r",
        "\n",
        "\t",
        "\u{0}",
        "\u{7f}",
        "=",
        "+",
        "-",
        "@",
        "#",
        "## 同意",
        "> q",
        "1. ",
        "![x](http://e/b.png)",
        "[a](b)",
        "[r]: /u",
        "<img src=x>",
        "</b>",
        "&",
        "\"",
        "'",
        "|",
        "*",
        "_",
        "`",
        "~",
        "\\",
        "::error::",
        "%",
        ",",
        ":",
        "www.e.com",
        "https://e",
        "苏州",
        "热电",
        "a",
        " ",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

fn finding(message: String, file: String, path: String, text: String, label: String) -> Finding {
    let len = text.len();
    let source = SourceFile::new(file, text);
    Finding {
        rule: "x.rule".into(),
        severity: Severity::Error,
        element: "air".into(),
        department: "大气".into(),
        message,
        basis: Some("GB 1".into()),
        help: Some("help".into()),
        file: source,
        primary: (len > 0).then(|| Span::new(0, len)),
        labels: vec![Label {
            span: Span::new(0, len),
            text: label,
        }],
        path,
        field_zh: String::new(),
    }
}

fn info() -> RunInfo {
    RunInfo {
        as_of: permitlint::date::Date::new(2026, 12, 1).unwrap(),
        files: 1,
        elapsed: std::time::Duration::ZERO,
        rules: Vec::new(),
        tool_version: "0",
    }
}

/// Our own colour sequences (`ESC [ digits ; m`) removed.
fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('\u{1b}') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        let end = tail.strip_prefix('[').and_then(|t| {
            t.find('m')
                .filter(|&m| t[..m].bytes().all(|b| b.is_ascii_digit() || b == b';'))
        });
        match end {
            Some(m) => rest = &tail[m + 2..],
            None => {
                out.push('\u{1b}');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

fn no_hazard(s: &str) -> Result<(), String> {
    let s = s.replace("\r\n", "\n");
    match s.chars().find(|&c| is_hazard(c)) {
        Some(c) => Err(format!("U+{:04X} in {s:?}", c as u32)),
        None => Ok(()),
    }
}

/// The cells of a whole CSV document (RFC 4180).
fn csv_cells(doc: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = doc.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', false) => quoted = true,
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            ('"', true) => quoted = false,
            (',', false) => cells.push(String::new()),
            ('\r', false) if chars.peek() == Some(&'\n') => {
                chars.next();
                cells.push(String::new());
            }
            (c, _) => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn human_and_github_carry_nothing_live(
        message in hostile(), file in hostile(), path in hostile(),
        text in hostile(), label in hostile(),
    ) {
        let f = vec![finding(message, file, path, text, label)];
        for color in [false, true] {
            let opts = HumanOptions { color, unicode: color, width: 100 };
            let out = report::render(Format::Human, &f, &info(), &opts);
            prop_assert!(no_hazard(&strip_sgr(&out)).is_ok(), "{:?}", no_hazard(&strip_sgr(&out)));
        }
        let gh = report::render(Format::Github, &f, &info(), &HumanOptions::default());
        prop_assert!(no_hazard(&gh).is_ok(), "{:?}", no_hazard(&gh));
        prop_assert_eq!(gh.lines().count(), 1, "{:?}", gh);
        prop_assert!(gh.starts_with("::error file="), "{:?}", gh);
        // Found by the `render` fuzz target: concise printed the file name,
        // rule and message as they were.
        let concise = report::render(Format::Concise, &f, &info(), &HumanOptions::default());
        prop_assert!(no_hazard(&concise).is_ok(), "{:?}", no_hazard(&concise));
        prop_assert_eq!(concise.lines().count(), 1, "{:?}", concise);
    }

    #[test]
    fn markdown_values_stay_text(s in hostile()) {
        let m = escape::markdown(&s);
        prop_assert!(no_hazard(&m).is_ok(), "{:?}", m);
        prop_assert!(!m.contains('\n') && !m.contains('\r'), "{:?}", m);
        // No unescaped `]` (after an even number of backslashes) before
        // `(`, `[` or `:`: no link, image or link definition.
        let live_bracket = m.match_indices(']').any(|(i, _)| {
            let slashes = m[..i].bytes().rev().take_while(|&b| b == b'\\').count();
            slashes % 2 == 0 && m[i + 1..].starts_with(['(', '[', ':'])
        });
        prop_assert!(!live_bracket, "{:?}", m);
        let lt_tag = m
            .match_indices('<')
            .any(|(i, _)| m[i + 1..].starts_with(|c: char| c.is_ascii_alphabetic() || "/!?".contains(c)));
        prop_assert!(!lt_tag, "{:?}", m);
        let t = m.trim_start_matches([' ', '\t']);
        prop_assert!(!t.starts_with(['#', '>', '+', '-', '=']), "{:?}", m);
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        prop_assert!(
            digits == 0 || !matches!(t.as_bytes().get(digits), Some(b'.' | b')')),
            "{:?}", m
        );
        prop_assert!(!m.contains("http://") && !m.contains("https://") && !m.contains("www."), "{:?}", m);
        let cell = escape::markdown_cell(&s);
        prop_assert!(!cell.replace("\\|", "").contains('|'), "{:?}", cell);
    }

    #[test]
    fn csv_cells_never_start_a_formula(cells in prop::collection::vec(hostile(), 1..6)) {
        let header: Vec<&str> = (0..cells.len()).map(|_| "h").collect();
        let doc = permitlint::lists::csv::document(&header, &[0], std::slice::from_ref(&cells));
        let parsed = csv_cells(doc.trim_start_matches('\u{feff}'));
        // Header cells, the row's cells, and the empty cell after the last CRLF.
        prop_assert_eq!(parsed.len(), 2 * cells.len() + 1, "{:?}", doc);
        for (cell, orig) in parsed[cells.len()..2 * cells.len()].iter().zip(&cells) {
            prop_assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{:?}", cell);
            prop_assert!(cell == orig || *cell == format!("'{orig}"), "{:?} from {:?}", cell, orig);
        }
    }

    #[test]
    fn xml_text_is_well_formed(s in hostile()) {
        let x = escape::xml_text(&s);
        prop_assert!(!x.chars().any(|c| c.is_control() && c != '\t' && c != '\n'), "{:?}", x);
        prop_assert!(!x.contains('<') && !x.contains('"'), "{:?}", x);
        for (i, _) in x.match_indices('&') {
            prop_assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;"].iter().any(|e| x[i..].starts_with(e)),
                "{:?}", x
            );
        }
    }
}
