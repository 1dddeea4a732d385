//! Emission standard numbers as bureaus write them.
//!
//! `火电厂大气污染物排放标准GB13223-2011`, `GB  13271-2014`,
//! `《恶臭污染物排放标准》（GB-14554-93）`, `GB 18918-2002 一级 A` all name
//! a standard by its number; [`canonical`] reads the number (and a grade,
//! where one is written) and gives the library's spelling:
//! `GB 13223-2011`, `GB 14554-93`, `GB 18918-2002 一级A`. Which standards the
//! library *knows* is the policy library's business, not this module's.

use super::text::fold;

/// A standard reference read from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardRef {
    /// `GB 13223-2011`, `GB/T 31962-2015`, `DB41/ 1953-2020`.
    pub number: String,
    /// `一级A`, `三级`: the grade of the standards that have grades.
    pub grade: Option<&'static str>,
}

impl StandardRef {
    /// The spelling policies compare with: the number, then the grade.
    pub fn canonical(&self) -> String {
        match self.grade {
            Some(g) => format!("{} {g}", self.number),
            None => self.number.clone(),
        }
    }
}

/// Grades as written after a number, folded, longest first, with the
/// library's spelling.
const GRADES: &[(&str, &str)] = &[
    ("一级a", "一级A"),
    ("一级b", "一级B"),
    ("一级", "一级"),
    ("二级", "二级"),
    ("三级", "三级"),
];

/// Read a standard number (and grade) anywhere in `text`. `None` when the
/// text holds no number of a national (GB, GB/T), sector (HJ, HJ/T) or
/// local (DBxx, DBxx/T) standard.
pub fn canonical(text: &str) -> Option<StandardRef> {
    let f = fold(text);
    let b = f.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if let Some((number, end)) = number_at(&f, i) {
            let rest = &f[end..];
            let grade = GRADES
                .iter()
                .find(|(k, _)| rest.contains(k))
                .map(|(_, g)| *g);
            return Some(StandardRef { number, grade });
        }
        i += f[i..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// A standard number starting at byte `i` of folded text: prefix, optional
/// `/t`, optional `-`, digits (`.` part), a dash and a 2- or 4-digit year.
fn number_at(f: &str, i: usize) -> Option<(String, usize)> {
    let s = &f[i..];
    let (prefix, mut j) = if let Some(r) = s.strip_prefix("db") {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        if digits != 2 {
            return None;
        }
        (format!("DB{}", &r[..2]), 4)
    } else if s.starts_with("gb") {
        ("GB".to_string(), 2)
    } else if s.starts_with("hj") {
        ("HJ".to_string(), 2)
    } else {
        return None;
    };
    // The letters must not continue a word (`xgb123` is not a standard).
    if i > 0
        && f[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let mut recommended = false;
    if s[j..].starts_with("/t") {
        recommended = true;
        j += 2;
    }
    let local = prefix.starts_with("DB");
    if s[j..].starts_with('/') {
        j += 1; // `DB41/1953-2020`
    }
    if s[j..].starts_with('-') {
        j += 1; // `GB-14554-93`
    }
    let digits = s[j..]
        .bytes()
        .take_while(|c| c.is_ascii_digit() || *c == b'.')
        .count();
    if digits == 0 || !s.as_bytes()[j].is_ascii_digit() {
        return None;
    }
    let num = s[j..j + digits].trim_end_matches('.');
    j += digits;
    if !s[j..].starts_with('-') {
        return None;
    }
    j += 1;
    let year = s[j..].bytes().take_while(u8::is_ascii_digit).count();
    if year != 2 && year != 4 {
        return None;
    }
    let year_text = &s[j..j + year];
    j += year;
    let t = if recommended { "/T" } else { "" };
    // Local standards are written `DB41/ 1953-2020` (GB/T 1.1 style).
    let number = if local {
        format!("{prefix}{t}/ {num}-{year_text}")
    } else {
        format!("{prefix}{t} {num}-{year_text}")
    };
    Some((number, i + j))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Option<String> {
        canonical(s).map(|r| r.canonical())
    }

    #[test]
    fn reads_the_spellings_bureaus_use() {
        assert_eq!(c("GB13223-2011").as_deref(), Some("GB 13223-2011"));
        assert_eq!(
            c("火电厂大气污染物排放标准GB 13223-2011").as_deref(),
            Some("GB 13223-2011")
        );
        assert_eq!(c("GB  13271-2014").as_deref(), Some("GB 13271-2014"));
        assert_eq!(
            c("GB 18918-2002 一级 A").as_deref(),
            Some("GB 18918-2002 一级A")
        );
        assert_eq!(
            c("《恶臭污染物排放标准》（GB-14554-93）标准限值").as_deref(),
            Some("GB 14554-93")
        );
        assert_eq!(
            c("污水排入城镇下水道水质标准GB/T 31962-2015").as_deref(),
            Some("GB/T 31962-2015")
        );
        assert_eq!(
            c("味精工业污染物排放标准\u{3000}GB 19431-2004").as_deref(),
            Some("GB 19431-2004")
        );
        assert_eq!(c("DB41/ 1953-2020").as_deref(), Some("DB41/ 1953-2020"));
        assert_eq!(c("DB41/1953-2020").as_deref(), Some("DB41/ 1953-2020"));
        assert_eq!(c("GB 8978-1996 三级").as_deref(), Some("GB 8978-1996 三级"));
        assert_eq!(
            c("ＧＢ１３２２３－２０１１").as_deref(),
            Some("GB 13223-2011")
        );
    }

    #[test]
    fn text_without_a_number_is_none() {
        assert_eq!(c("/"), None);
        assert_eq!(c("委托处置单位协议标准"), None);
        assert_eq!(c("GB 13223"), None);
        assert_eq!(c("GB 13223-201"), None);
    }
}
