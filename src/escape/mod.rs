//! Output neutralisation: the one place that decides how text from a permit,
//! a policy or the file system is made harmless for each kind of reader.
//!
//! Every renderer that writes text a person or another program will read
//! goes through these functions, so a unit name cannot become a spreadsheet
//! formula (`csv_cell`), a forged workflow command (`github_data`,
//! `github_property`), a terminal escape sequence or a reversed line
//! (`terminal`, `terminal_source`), injected Markdown (`markdown`,
//! `markdown_cell`) or invalid XML (`xml_text`). JSON, SARIF and JUnit
//! escape through `serde_json` and `report::junit::escape`.

use std::borrow::Cow;

/// Characters that change how a terminal (or a text viewer) shows what
/// follows them: C0 controls other than tab and line feed (ESC starts ANSI
/// sequences, BEL ends OSC titles, CR overwrites the line), DEL, C1
/// controls (U+009B is a one-byte CSI), the bidirectional overrides,
/// embeddings, isolates and marks (U+202E reverses the rest of the line),
/// and the Unicode line and paragraph separators.
pub fn is_hazard(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}'
        | '\u{b}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
    )
}

/// Text for a terminal or a plain-text document: every [`is_hazard`]
/// character becomes U+FFFD (�), so the reader sees that something was
/// there. Tab and line feed are kept.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hazard) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| if is_hazard(c) { '\u{fffd}' } else { c })
            .collect(),
    )
}

/// A path as a terminal or a plain-text message shows it: [`terminal`]
/// of its display form (a file name may hold any character but `/` and
/// NUL, escape sequences included).
pub fn path(p: &std::path::Path) -> String {
    terminal(&p.display().to_string()).into_owned()
}

/// A source file shown in a snippet: like [`terminal`] but every byte
/// offset is kept (spans point into it), so a hazard becomes a replacement
/// of the same UTF-8 length: U+FFFD for a three-byte character, `?` per
/// byte otherwise. A CR that ends a line (CRLF) is kept.
pub fn terminal_source(s: &str) -> Cow<'_, str> {
    let hazard = |s: &str, i: usize, c: char| {
        is_hazard(c) && !(c == '\r' && s.as_bytes().get(i + 1) == Some(&b'\n'))
    };
    if !s.char_indices().any(|(i, c)| hazard(s, i, c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        if !hazard(s, i, c) {
            out.push(c);
        } else if c.len_utf8() == 3 {
            out.push('\u{fffd}');
        } else {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        }
    }
    debug_assert_eq!(out.len(), s.len());
    Cow::Owned(out)
}

/// The message part of a GitHub workflow command (`::error …::MESSAGE`):
/// `%`, CR and LF percent-encoded as the runner decodes them, every other
/// hazard replaced as in [`terminal`].
pub fn github_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if is_hazard(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A property value of a workflow command (`file=`, `title=`): as
/// [`github_data`], and `:` and `,` encoded too, so a value can neither end
/// the property list nor start another property.
pub fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The error of reading a JSON file the user gave (a baseline, waivers, a
/// previous run's lists), for the terminal: serde quotes an unknown field
/// or variant name as it is in the file, so the message goes through
/// [`terminal`].
pub fn json_error(e: &serde_json::Error) -> String {
    terminal(&e.to_string()).into_owned()
}

/// A spreadsheet cell (OWASP "CSV injection"): a cell starting with `=`,
/// `+`, `-`, `@`, tab or CR could be run as a formula by Excel, LibreOffice
/// or WPS, so it gets a leading `'`, which they show as text. In a
/// `numeric` column a plain decimal number (`-12`, `-0.5`) is left as it is:
/// it cannot be a formula and must stay a number.
pub fn csv_cell(s: &str, numeric: bool) -> Cow<'_, str> {
    if numeric && is_plain_number(s) {
        return Cow::Borrowed(s);
    }
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// `-?digits(.digits)?`
fn is_plain_number(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// Inline Markdown text from a permit or a policy, on one line: it renders
/// as the same characters and nothing else. Hazards are replaced as in
/// [`terminal`]; line breaks become spaces (a value cannot start a line, so
/// cannot inject a heading, a list or a quote); `\`, `*`, `~`, `|`, a `]` followed by `(`, `[` or `:` (no links, images or link
/// definitions) and a `_` that is not inside a word are backslash-escaped;
/// a `<` that could open HTML or an autolink becomes `&lt;` (`10 t/h <
/// 20 t/h` stays readable); `#`, `>`, `+`, `-`, `=` and a number followed by
/// `.` or `)` are escaped at the start; bare URLs are broken (`http\://`,
/// `www\.`) so GFM does not link them. Paths such as `outlets[0]` and
/// names such as `valid_until` are unchanged. Backticks are kept: a code
/// span shows its content literally, so it can hide markup, never add it.
pub fn markdown(s: &str) -> String {
    markdown_with(s, " ")
}

/// [`markdown`] for a table cell: line breaks become `<br>`.
pub fn markdown_cell(s: &str) -> String {
    markdown_with(s, "<br>")
}

fn markdown_with(s: &str, newline: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    // Leading blanks, line breaks included, become spaces: what follows
    // them is the start of the value.
    let trimmed = s.trim_start_matches([' ', '\t', '\r', '\n']);
    out.extend(
        s[..s.len() - trimmed.len()]
            .chars()
            .map(|c| if c == '\t' { '\t' } else { ' ' }),
    );
    // Block markers at the start of the value.
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    let mut rest = trimmed;
    if digits > 0 && matches!(trimmed.as_bytes().get(digits), Some(b'.' | b')')) {
        out.push_str(&trimmed[..digits]);
        out.push('\\');
        rest = &trimmed[digits..];
    } else if trimmed.starts_with(['>', '+', '-', '=']) {
        out.push('\\');
    } else {
        // A run of `#` at the start would be a heading.
        let hashes = trimmed.bytes().take_while(|&b| b == b'#').count();
        for _ in 0..hashes {
            out.push_str("\\#");
        }
        rest = &trimmed[hashes..];
    }
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\r' => {
                if chars.peek().map(|&(_, n)| n) == Some('\n') {
                    chars.next();
                }
                out.push_str(newline);
            }
            '\n' => out.push_str(newline),
            '\\' | '*' | '~' | '|' => {
                out.push('\\');
                out.push(c);
            }
            // A link, an image, a footnote or a link definition needs `](`,
            // `][` or `]:`; `outlets[0]` and `[2nd]` stay as they are.
            ']' if chars
                .peek()
                .is_some_and(|&(_, n)| matches!(n, '(' | '[' | ':')) =>
            {
                out.push_str("\\]");
            }
            // Intraword `_` (`valid_until`) never emphasises.
            '_' if !(rest[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
                && chars.peek().is_some_and(|&(_, n)| n.is_alphanumeric())) =>
            {
                out.push_str("\\_");
            }
            '<' if chars
                .peek()
                .is_some_and(|&(_, n)| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')) =>
            {
                out.push_str("&lt;");
            }
            ':' if rest[..i].ends_with("http") || rest[..i].ends_with("https") => {
                out.push_str("\\:");
            }
            '.' if rest[..i].ends_with("www") => out.push_str("\\."),
            c if is_hazard(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Text content or a double-quoted attribute value of an XML (SVG)
/// document: `&`, `<`, `>`, `"` as entities; characters XML 1.0 cannot
/// carry (controls other than tab, LF, CR; U+FFFE, U+FFFF) and the other
/// hazards become U+FFFD.
pub fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' => out.push(c),
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c if is_hazard(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_replaces_escapes_and_bidi() {
        assert_eq!(terminal("a\u{1b}[2Jb"), "a\u{fffd}[2Jb");
        assert_eq!(terminal("x\u{1b}]0;t\u{7}y"), "x\u{fffd}]0;t\u{fffd}y");
        assert_eq!(terminal("甲\u{202e}乙"), "甲\u{fffd}乙");
        assert_eq!(terminal("a\tb\nc"), "a\tb\nc");
        assert!(matches!(terminal("苏州某热电"), Cow::Borrowed(_)));
    }

    #[test]
    fn terminal_source_keeps_offsets_and_crlf() {
        for s in ["a\u{1b}b", "a\u{9b}b", "a\u{202e}b\r\nc", "x\ry"] {
            let t = terminal_source(s);
            assert_eq!(t.len(), s.len(), "{s:?}");
            assert!(!t.chars().any(|c| is_hazard(c) && c != '\r'), "{t:?}");
        }
        assert_eq!(terminal_source("a\r\nb"), "a\r\nb");
        assert_eq!(terminal_source("a\rb"), "a?b");
    }

    #[test]
    fn github_cannot_start_a_command() {
        let forged = "x\n::error file=README.md,line=1::PWNED";
        let p = github_property(forged);
        assert!(!p.contains('\n') && !p.contains(':') && !p.contains(','));
        assert_eq!(github_data("50%\r\n"), "50%25%0D%0A");
        assert_eq!(github_data("a\u{1b}b"), "a\u{fffd}b");
    }

    #[test]
    fn csv_formulas_neutralised_numbers_kept() {
        for s in [
            "=HYPERLINK(\"http://evil.example\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(csv_cell(s, false), format!("'{s}"));
            assert_eq!(csv_cell(s, true), format!("'{s}"));
        }
        assert_eq!(csv_cell("-350", true), "-350");
        assert_eq!(csv_cell("-0.5", true), "-0.5");
        assert_eq!(csv_cell("-350", false), "'-350");
        assert_eq!(csv_cell("苏州某热电", false), "苏州某热电");
        assert_eq!(csv_cell("", true), "");
    }

    #[test]
    fn markdown_injection_rendered_as_text() {
        assert_eq!(
            markdown("## 审查意见：同意核发"),
            "\\#\\# 审查意见：同意核发"
        );
        assert_eq!(markdown("x\n## 同意"), "x ## 同意");
        assert_eq!(markdown("\r\n=x"), "  \\=x");
        assert_eq!(
            markdown("![x](http://evil/beacon.png)"),
            "![x\\](http\\://evil/beacon.png)"
        );
        assert_eq!(markdown("[x]: /url"), "[x\\]: /url");
        assert_eq!(
            markdown("air.outlets[0].valid_until [2nd]"),
            "air.outlets[0].valid_until [2nd]"
        );
        assert_eq!(markdown("_a_ **b**"), "\\_a\\_ \\*\\*b\\*\\*");
        assert_eq!(markdown("<img src=x>"), "&lt;img src=x>");
        assert_eq!(markdown("10 t/h < 20 t/h"), "10 t/h < 20 t/h");
        assert_eq!(markdown("1. item"), "1\\. item");
        assert_eq!(markdown("- item"), "\\- item");
        assert_eq!(markdown("> quote"), "\\> quote");
        assert_eq!(markdown("see www.evil.example"), "see www\\.evil.example");
        assert_eq!(markdown("GB 13223-2011 表1"), "GB 13223-2011 表1");
        assert_eq!(markdown_cell("a|b\r\nc"), "a\\|b<br>c");
        assert_eq!(markdown("a\u{202e}b"), "a\u{fffd}b");
    }

    #[test]
    fn xml_text_is_well_formed() {
        assert_eq!(
            xml_text("a<b&\"c\u{1}\u{ffff}"),
            "a&lt;b&amp;&quot;c\u{fffd}\u{fffd}"
        );
    }
}
