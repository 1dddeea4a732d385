//! The platform's tables saved as CSV: UTF-8 with or without a byte-order
//! mark, RFC 4180 quoting, comma-separated. One file may hold several tables
//! one after another: a line with a single non-empty cell (`(1)主要排放口`) is
//! the title of the table that follows; a blank line ends a table. A file that
//! is not UTF-8 (a GBK export from Excel, a UTF-16 one) is refused with an
//! error saying so, never guessed at.

use super::Table;

/// Decode the bytes of a CSV file as UTF-8 text, or say why not.
pub fn decode(bytes: &[u8]) -> Result<&str, String> {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(
            "the file is UTF-16; save it as CSV UTF-8 (逗号分隔, UTF-8) and import again".into(),
        );
    }
    let body = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|e| {
        let at = e.valid_up_to();
        let gbk_like = body[at..]
            .chunks(2)
            .take(4)
            .all(|p| p.len() == 2 && (0x81..=0xfe).contains(&p[0]) && p[1] >= 0x40);
        if gbk_like {
            format!(
                "the file is not UTF-8: from byte {at} it reads as GBK/GB18030, the encoding Excel \
                 uses for Chinese CSV; save it as \"CSV UTF-8\" and import again"
            )
        } else {
            format!("the file is not UTF-8 (invalid byte at offset {at})")
        }
    })
}

/// Split CSV text into records of fields (RFC 4180: quoted fields may hold
/// commas, doubled quotes and line breaks).
pub fn records(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        out.push(record);
    }
    out
}

/// The tables of a CSV file.
pub fn tables(text: &str, default_title: &str) -> Vec<Table> {
    let mut out: Vec<Table> = Vec::new();
    let mut title: Option<String> = None;
    let mut current: Option<Table> = None;
    for rec in records(text) {
        let cells: Vec<String> = rec.iter().map(|c| super::html::normalise(c)).collect();
        let filled = cells.iter().filter(|c| !c.is_empty()).count();
        if filled == 0 {
            out.extend(current.take());
            continue;
        }
        let lone_title = filled == 1 && !cells[0].is_empty();
        let looks_like_title = lone_title && (current.is_none() || is_section_title(&cells[0]));
        if looks_like_title {
            out.extend(current.take());
            title = Some(cells[0].clone());
            continue;
        }
        match current.as_mut() {
            Some(t) => t.rows.push(cells),
            None => {
                current = Some(Table {
                    title: title.take().unwrap_or_else(|| default_title.to_string()),
                    rows: vec![cells],
                });
            }
        }
    }
    out.extend(current);
    out
}

/// A line such as `(2)一般排放口` or `2、特殊情况下…` inside a run of rows.
fn is_section_title(s: &str) -> bool {
    let s = s.trim_start_matches(['(', '（']);
    s.starts_with(|c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c))
        && (s.contains(')') || s.contains('）') || s.contains('、'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_line_breaks() {
        let r = records("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x\n");
        assert_eq!(
            r,
            vec![vec!["a", "b,c", "say \"hi\""], vec!["two\nlines", "x"]]
        );
    }

    #[test]
    fn bom_is_dropped_and_gbk_refused() {
        assert_eq!(decode(b"\xef\xbb\xbfa,b").ok(), Some("a,b"));
        // `排放口` in GBK.
        let gbk = [0xc5, 0xc5, 0xb7, 0xc5, 0xbf, 0xda];
        let e = decode(&gbk).err().unwrap_or_default();
        assert!(e.contains("GBK"), "{e}");
        assert!(decode(b"\xff\xfea\x00").is_err());
    }

    #[test]
    fn titles_split_tables() {
        let t = tables(
            "(1)主要排放口\n编号,名称\nDA001,烟囱\n\n(2)一般排放口\n编号,名称\nDA002,排气筒\n",
            "x",
        );
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].title, "(1)主要排放口");
        assert_eq!(t[1].rows[1], ["DA002", "排气筒"]);
    }
}
