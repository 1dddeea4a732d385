//! Folding of names for comparison: the spelling differences real
//! documents make that never change meaning.

/// Fold `s` for matching: full-width ASCII to ASCII (`ＳＯ２`), Chinese
/// parentheses and brackets to ASCII ones, sub- and superscript digits to
/// digits (`SO₂`, `m³`), ASCII to lower case; every kind of white space
/// (including U+3000) and the separators `·`, `_` removed.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            '【' | '〔' => '[',
            '】' | '〕' => ']',
            '、' => ',',
            // Full-width ASCII (`ＳＯ２`, `（`, `－`, `，`, `［`).
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '₀'..='₉' => char::from_u32(c as u32 - '₀' as u32 + '0' as u32).unwrap_or(c),
            '⁰' => '0',
            '¹' => '1',
            '²' => '2',
            '³' => '3',
            'ₓ' => 'x',
            '—' | '–' | '‐' | '−' => '-',
            _ => c,
        };
        if c.is_whitespace() || c == '·' || c == '_' {
            continue;
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `fold(s)` without a trailing parenthetical (`总氮（以N计）` → `总氮`), if
/// there is one and something remains before it.
pub fn without_qualifier(folded: &str) -> Option<&str> {
    let stripped = folded.strip_suffix(')')?;
    let open = stripped.rfind('(')?;
    let head = &folded[..open];
    (!head.is_empty()).then_some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_case_space_and_brackets() {
        assert_eq!(fold("ＳＯ₂"), "so2");
        assert_eq!(fold("氨（氨气）"), "氨(氨气)");
        assert_eq!(fold(" NO x "), "nox");
        assert_eq!(fold("GB\u{3000}13223－2011"), "gb13223-2011");
        assert_eq!(fold("mg/Nm³"), "mg/nm3");
    }

    #[test]
    fn strips_a_trailing_qualifier_only() {
        assert_eq!(without_qualifier(&fold("总氮（以N计）")), Some("总氮"));
        assert_eq!(without_qualifier("(x)"), None);
        assert_eq!(without_qualifier("总氮"), None);
    }
}
